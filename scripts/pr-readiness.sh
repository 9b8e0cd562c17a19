#!/usr/bin/env bash
# Readiness of a pull request against its base (the PR workflow's offline job; runs locally too):
#
#   scripts/pr-readiness.sh BASE_REF [OUT_DIR]
#
# Runs `drctl readiness --stack dr` on BASE_REF (its own checkout and .venv, so its own model and figures) and on
# this checkout, and writes OUT_DIR/readiness-base.json, readiness-head.json and readiness.md: per tier the p95 RTO
# before, after and delta, p50 and p95 in both modes (normal; us-east-1's control planes impaired), the verdicts
# (taken at p95, the worse mode), each tier's critical path, the accepted exceptions and `drctl diff`'s summary of the
# failover. A base branch older than the distributions (readiness@1) is compared by its single figure. Exit status: this checkout's readiness (1 when a tier is in BREACH, naming it). No secret is read.
set -uo pipefail
base_ref=${1:?usage: scripts/pr-readiness.sh BASE_REF [OUT_DIR]}
out=$(mkdir -p "${2:-.}" && cd "${2:-.}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT

rm -f "$out/readiness-base.json"
compare=()
if git -C "$root" worktree add --detach "$work/base" "$base_ref" >/dev/null 2>&1; then
  ( cd "$work/base" && make setup >/dev/null 2>&1 \
      && .venv/bin/drctl readiness --stack dr --json "$out/readiness-base.json" >/dev/null 2>&1 ) || true
fi
if [ -s "$out/readiness-base.json" ]; then
  compare=(--compare "$out/readiness-base.json")
else
  echo "pr-readiness: $base_ref has no readiness to compare with (drctl readiness is missing or failed there)" >&2
fi
"$root/.venv/bin/drctl" readiness --stack dr --json "$out/readiness-head.json" --markdown "$out/readiness.md" "${compare[@]}"
