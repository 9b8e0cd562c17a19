#!/usr/bin/env bash
# The weekly DR verification (.github/workflows/dr-verify.yml): drctl backups verify and drctl preflight, each kept
# as its JSON document in $OUT (default dr-verify/), both run whatever the first says. Writes `failed=<names>` to
# $GITHUB_OUTPUT (when set) and exits 1 when either check failed or could not be made.
#
# DRCTL (default .venv/bin/drctl) is the drctl to run. Nothing here prints the environment.
set -euo pipefail

drctl=${DRCTL:-.venv/bin/drctl}
out=${OUT:-dr-verify}
mkdir -p "$out"

failed=()
run() {  # name, then drctl arguments (the JSON document goes to $out/<name>.json)
  local name=$1; shift
  echo "::group::drctl $*"
  if "$drctl" "$@" --json "$out/$name.json"; then
    echo "$name: passed"
  else
    echo "$name: FAILED (exit $?)"
    failed+=("$name")
  fi
  echo "::endgroup::"
}

run backups-verify backups verify
run preflight preflight

joined=$(IFS=,; echo "${failed[*]:-}")
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "failed=$joined" >> "$GITHUB_OUTPUT"
fi
if [ -n "$joined" ]; then
  echo "::error::DR verification failed: $joined (the JSON documents are the run's artifact)"
  exit 1
fi
echo "DR verification passed"
