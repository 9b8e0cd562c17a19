#!/usr/bin/env bash
# After a failed DR verification (.github/workflows/dr-verify.yml): one open issue labelled dr-verify in this
# repository, created the first time and commented on every later failure, never a second one.
#
# Needs GH_TOKEN (the workflow's own token, issues: write) for gh, RUN_URL (the run's page), and the JSON documents in
# $OUT (default dr-verify/). PYTHON (default .venv/bin/python) renders the body. Nothing here prints the environment.
set -euo pipefail

out=${OUT:-dr-verify}
python=${PYTHON:-.venv/bin/python}
label=dr-verify
body=$(mktemp)
trap 'rm -f "$body"' EXIT

"$python" -m drctl.ops.verify_issue --run-url "${RUN_URL:-}" "$out"/*.json > "$body"

gh label create "$label" --color B60205 --description "Weekly DR verification failed (dr-verify workflow)" --force >/dev/null
number=$(gh issue list --label "$label" --state open --limit 1 --json number --jq '.[0].number // empty')
if [ -n "$number" ]; then
  gh issue comment "$number" --body-file "$body"
  echo "commented on issue #$number"
else
  gh issue create --title "DR verification failed" --label "$label" --body-file "$body"
fi
