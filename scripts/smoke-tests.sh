#!/usr/bin/env bash
# The runbook's "Verify services" smoke tests (Scenario 4 step 5; printed by `drctl drill run`):
#
#   scripts/smoke-tests.sh production-dr     # after a failover: the public names, and the us-west-2 ingress itself
#   scripts/smoke-tests.sh production        # normal operation: the public names, and the us-east-1 ingress
#   scripts/smoke-tests.sh --urls production-dr   # only print what would be checked
#
# Each check is one HTTPS GET that must answer 2xx, bounded by SMOKE_CONNECT_TIMEOUT (default 5 s) and
# SMOKE_MAX_TIME (default 10 s) per request, so the whole run takes at most 3 x SMOKE_MAX_TIME. The regional
# ingress is checked directly too: it proves the region serves, whatever DNS currently answers.
# The public names are the settings defaults (stacks/settings/edge.py; tests/ops/test_smoke_script.py keeps them
# equal); the region's ingress is a site value, read from the stack file (site.ingress) with the project's
# Python (.venv/bin/python, or AIVO_DR_PYTHON). AIVO_API_URL, AIVO_APP_URL and AIVO_INGRESS_URL override the URLs.
# Exit status: 0 every check passed, 1 a check failed, 2 bad arguments or settings (one line on stderr).
set -uo pipefail

usage() {
  echo "smoke-tests: error: $1" >&2
  exit 2
}

urls_only=false
if [ "${1:-}" = "--urls" ]; then
  urls_only=true
  shift
fi
[ $# -eq 1 ] || usage "expected one environment: production or production-dr (got ${#} arguments)"
case "$1" in
  production) region=us-east-1; stack=primary ;;
  production-dr) region=us-west-2; stack=dr ;;
  *) usage "environment = $1: production or production-dr" ;;
esac

ingress_url() {
  # The region's ingress hostname as the stack's settings hold it (a site value: never guessed).
  local here python host
  here="$(cd "$(dirname "$0")/.." && pwd)"
  python="${AIVO_DR_PYTHON:-$here/.venv/bin/python}"
  [ -x "$python" ] || usage "AIVO_INGRESS_URL: required without the project's Python ($python): set it to https://<ingress of $region>/health"
  host="$(cd "$here" && "$python" -c "import sys; from drctl.stack_settings import stack_settings; print(stack_settings(sys.argv[1]).site.ingress[sys.argv[2]])" "$stack" "$region" 2>/dev/null)" \
    || usage "site.ingress.$region: not readable from Pulumi.$stack.yaml; set AIVO_INGRESS_URL"
  echo "https://$host/health"
}

for var in SMOKE_CONNECT_TIMEOUT SMOKE_MAX_TIME; do
  value="${!var:-}"
  if [ -n "$value" ] && ! [[ "$value" =~ ^[1-9][0-9]{0,2}$ ]]; then
    usage "$var = $value: a whole number of seconds from 1 to 999"
  fi
done
connect_timeout="${SMOKE_CONNECT_TIMEOUT:-5}"
max_time="${SMOKE_MAX_TIME:-10}"

ingress="${AIVO_INGRESS_URL:-}"
if [ -z "$ingress" ]; then
  ingress="$(ingress_url)" || exit 2
fi

checks=(
  "api health|${AIVO_API_URL:-https://api.aivo.edu/health}"
  "app|${AIVO_APP_URL:-https://app.aivo.edu/}"
  "ingress ${region} health|${ingress}"
)

if $urls_only; then
  for check in "${checks[@]}"; do
    echo "${check#*|}"
  done
  exit 0
fi

command -v curl >/dev/null 2>&1 || usage "curl: not found on PATH (needed for the checks)"

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
failed=0
printf '%-28s %-6s %s\n' "check" "status" "detail"
for check in "${checks[@]}"; do
  name="${check%%|*}"
  url="${check#*|}"
  # -w prints the status code and the time taken; why a request failed is curl's message on stderr.
  answer="$(curl -sS -o /dev/null --connect-timeout "$connect_timeout" --max-time "$max_time" \
    -w '%{http_code} %{time_total}' "$url" 2>"$errors")"
  if [ $? -ne 0 ]; then
    printf '%-28s %-6s %s\n' "$name" "FAIL" "$url: $(tr '\n' ' ' <"$errors" | sed 's/ *$//')"
    failed=1
    continue
  fi
  read -r http seconds <<<"$answer"
  if [[ "$http" =~ ^2 ]]; then
    printf '%-28s %-6s %s\n' "$name" "PASS" "$url: HTTP $http in ${seconds} s"
  else
    printf '%-28s %-6s %s\n' "$name" "FAIL" "$url: HTTP $http in ${seconds} s"
    failed=1
  fi
done
exit $failed
