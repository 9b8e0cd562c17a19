"""Plans every test module shares, made once per session: each stack in standby and in its failover state."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from drctl.engine import Plan
from tests.helpers.planning import plan


@pytest.fixture(scope="session")
def primary_plan() -> Plan:
    return plan("primary")


@pytest.fixture(scope="session")
def primary_west_plan() -> Plan:
    """The primary stack told that us-west-2 is active (after a failover: it rebuilds as a replica)."""
    return plan("primary", "activeRegion=us-west-2")


@pytest.fixture(scope="session")
def dr_plan() -> Plan:
    return plan("dr")


@pytest.fixture(scope="session")
def dr_failover_plan() -> Plan:
    return plan("dr", "failover=true")


# Modules whose memoised results a mutant may change; the plans (drctl.engine, tests/helpers/planning.py) are handled
# where they are made.
_MUTATED = ("policies.", "stacks.", "drctl.ops.", "drctl.readiness", "drctl.stack_settings", "components.")


@pytest.fixture(scope="session", autouse=True)
def _forget_memoised_results() -> Iterator[None]:
    """Under mutation testing (docs/testing.md) each mutant's tests run in a process forked from one that already ran
    the suite unmutated: a memoised result from then would hide the mutant. Clear those caches first."""
    if os.environ.get("MUTANT_UNDER_TEST", "") not in ("", "stats", "fail"):
        for name, module in list(sys.modules.items()):
            if name.startswith(_MUTATED) and module is not None:
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)):
                        value.cache_clear()
    yield
