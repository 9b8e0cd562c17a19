#!/usr/bin/env bash
# Readiness of a pull request against its base (the PR workflow's offline job; runs locally too):
#
#   scripts/pr-readiness.sh BASE_REF [OUT_DIR] [HEAD_PLANS_DIR]
#
# Runs `drctl readiness --stack dr` on BASE_REF (its own checkout, so its own model and figures, planned by its own
# code) and on this checkout, and writes OUT_DIR/readiness-base.json, readiness-head.json and readiness.md: per tier
# the p95 RTO before, after and delta, p50 and p95 in both modes (normal; us-east-1's control planes impaired), the
# verdicts (taken at p95, the worse mode), each tier's critical path, the accepted exceptions and `drctl diff`'s
# summary of the failover. A base branch older than the distributions (readiness@1) is compared by its single figure.
# The base runs on this checkout's .venv when both pin the same requirements.lock (no second install); otherwise on a
# .venv of its own. With HEAD_PLANS_DIR (written by `drctl plan --all --out`), this checkout's readiness reads its
# plans from there and plans nothing. Plans go through the plan cache (.cache/plans, or AIVO_DR_PLAN_CACHE), keyed by
# every input, so the base's plans and the head's never mix.
# Exit status: this checkout's readiness (1 when a tier is in BREACH, naming it). No secret is read.
set -uo pipefail
base_ref=${1:?usage: scripts/pr-readiness.sh BASE_REF [OUT_DIR] [HEAD_PLANS_DIR]}
out=$(mkdir -p "${2:-.}" && cd "${2:-.}" && pwd)
head_plans=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
export AIVO_DR_PLAN_CACHE=${AIVO_DR_PLAN_CACHE:-$root/.cache/plans}

rm -f "$out/readiness-base.json"
compare=()
if git -C "$root" worktree add --detach "$work/base" "$base_ref" >/dev/null 2>&1; then
  if cmp -s "$root/requirements.lock" "$work/base/requirements.lock"; then
    # The same pins: the base's code, run by this checkout's interpreter (python -m runs the code of the directory it starts in).
    ( cd "$work/base" && "$root/.venv/bin/python" -m drctl readiness --stack dr --json "$out/readiness-base.json" >/dev/null 2>&1 ) || true
  else
    ( cd "$work/base" && make setup >/dev/null 2>&1 \
        && .venv/bin/drctl readiness --stack dr --json "$out/readiness-base.json" >/dev/null 2>&1 ) || true
  fi
fi
if [ -s "$out/readiness-base.json" ]; then
  compare=(--compare "$out/readiness-base.json")
else
  echo "pr-readiness: $base_ref has no readiness to compare with (drctl readiness is missing or failed there)" >&2
fi
plans=()
if [ -n "$head_plans" ]; then plans=(--plans "$head_plans"); fi
"$root/.venv/bin/drctl" readiness --stack dr --json "$out/readiness-head.json" --markdown "$out/readiness.md" "${compare[@]}" "${plans[@]}"
