# The README's two commands are `make plan` and `make test`; both run `make setup` first when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup plan test check docs bench lint velero-schemas clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "setup: $(VENV) ready (drctl at $(VENV)/bin/drctl)"

plan: setup
	@$(VENV)/bin/drctl plan --stack primary
	@$(VENV)/bin/drctl plan --stack dr

# Both cores: pytest-xdist, one worker per CPU (each worker plans the stacks it needs once; PostgreSQL tests
# get a database per worker). `python -m pytest` alone runs serially.
test: setup
	@$(PY) -m pytest -n auto

# Policy check of both stacks in both states, offline, each plan made once (what the PR workflow runs);
# the states after the first are planned in forks that share it, in parallel on a machine with several CPUs.
check: setup
	@$(VENV)/bin/drctl check --all

# The tables in README.md and docs/ that restate code (settings, outputs, policies, ownership, the
# failover's changes), regenerated from the code; a test fails when one is stale.
docs: setup
	@$(PY) -m drctl.docgen

# Timings as whole processes; bench/check.py compares `drctl check --all` with Checkov side by side
# (it installs Checkov into a throw-away venv and clones its example; neither is a dependency).
bench: setup
	@$(PY) bench/plan.py
	@$(PY) bench/readiness.py
	@$(PY) bench/check.py

# For clones without ../shared/data: download the Velero 1.18.1 CRDs and chart 12.1.0 schema the tests validate against.
velero-schemas:
	@scripts/fetch-velero-schemas.sh

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
