#!/usr/bin/env bash
# Page-latency benchmark: serves the demo (release build, embedded SQLite), signs in as the
# business unit admin, and drives each main page with wrk at 50 concurrent connections,
# reporting p50 and p99. Loopback only; each run is bounded by DURATION.
#   scripts/bench-pages.sh            # 10 s per page, demo data
#   DURATION=30s scripts/bench-pages.sh
#   GENERATE="--organisations 12 --indicators 300 --quarters 40" scripts/bench-pages.sh
#       the demo plus generated data (masa generate), served by masa serve
#   GENERATE="--indicators 3600" GENERATE_MORE="--partnerships 149 --indicators 3600" \
#     scripts/bench-pages.sh
#       national scale: the demo partnership filled to 12 organisations × 300 indicators, and
#       149 more partnerships of that size (21.6 million values); the pages are the demo's
#   PAGES="/dataset /dataset/indicators/1" scripts/bench-pages.sh   # only these pages
#   GENERATOR=generate-audit GENERATE="--returns 24000 --questions 60" \
#     PAGES="/assurance/rounds/5/analysis /assurance/rounds/5 /assurance" scripts/bench-pages.sh
#       assurance at national scale: 24,000 school returns × 60 questions answered in round 5 (the
#       demo holds rounds 1 to 4) and round 6 opened pre-filled from it (masa generate-audit
#       prints how long each round took to open)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-50}"
PORT="${PORT:-18080}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --quiet
data_dir=$(mktemp -d)
if [ -n "${GENERATE:-}" ]; then
  # shellcheck disable=SC2086
  MASA_DATA_DIR="$data_dir" MASA_LOG=warn ./target/release/masa "${GENERATOR:-generate}" --with-demo $GENERATE >&2
  if [ -n "${GENERATE_MORE:-}" ]; then
    # shellcheck disable=SC2086
    MASA_DATA_DIR="$data_dir" MASA_LOG=warn ./target/release/masa generate $GENERATE_MORE >&2
  fi
  # PostgreSQL vacuums a bulk load's tables by itself within minutes (autovacuum's insert
  # threshold); measured straight after, the first pages raced that vacuum for the two cores.
  # Measure the tables as they stand in use: vacuumed now, and the run starts after.
  case "${MASA_DATABASE_URL:-}" in
    postgres*) command -v psql >/dev/null && psql -q "$MASA_DATABASE_URL" -c "VACUUM ANALYZE" >&2 ;;
  esac
  MASA_DATA_DIR="$data_dir" MASA_BIND="127.0.0.1:$PORT" MASA_LOG=warn ./target/release/masa serve >"$data_dir/server.log" 2>&1 &
else
  MASA_DATA_DIR="$data_dir" MASA_LOG=warn ./target/release/masa demo --bind "127.0.0.1:$PORT" >"$data_dir/server.log" 2>&1 &
fi
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data_dir"' EXIT
base="http://localhost:$PORT"
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# Sign in as a browser would: the sign-in form's cookie and CSRF token, then the form.
page=$(curl -s -D "$data_dir/headers" "$base/sign-in")
pre_cookie=$(grep -i '^set-cookie: masa_sign_in=' "$data_dir/headers" | sed 's/^[^=]*=\([^;]*\).*/\1/' | tr -d '\r')
csrf=$(printf '%s' "$page" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -s -o /dev/null -D "$data_dir/headers" -H "Cookie: masa_sign_in=$pre_cookie" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=admin@masa.example" \
  --data-urlencode "password=orbit kettle marmalade" "$base/sign-in"
cookie=$(grep -i '^set-cookie: masa_session=' "$data_dir/headers" | sed 's/^[^=]*=\([^;]*\).*/\1/' | tr -d '\r')
[ -n "$cookie" ] || { echo "sign-in failed" >&2; exit 1; }

first_views=""
printf '| page | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n'
PAGES="${PAGES:-/ /partnership /partnership/organisations /partnership/people /partnership/groups /partnership/groups/2 /partnership/rotations /partnership/business-plans/1 /audit-trail /users /dataset /dataset/indicators/1 /dataset/drops /dataset/periods/2026-07-01 /learning /learning/reviews /learning/reviews/1 /learning/themes /learning/triage/1 /tracker /tracker/recommendations /tracker/actions/1 /tracker/risks /tracker/risks/1 /tracker/risks/heat-map /tracker/policies /tracker/policies/1}"
for path in $PAGES; do
  # One request first: a page whose figures are cached (the scorecard) computes them on its
  # first view after a change; that once-per-change cost is reported on its own below.
  first=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: masa_session=$cookie" "$base$path")
  first_views="$first_views $path=${first}s"
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: masa_session=$cookie" "$base$path")
  if printf '%s' "$out" | grep -q 'Non-2xx'; then echo "$path answered non-2xx responses" >&2; exit 1; fi
  rps=$(printf '%s' "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(printf '%s' "$out" | awk '$1=="50%" {print $2}')
  p99=$(printf '%s' "$out" | awk '$1=="99%" {print $2}')
  printf '| %s | %s | %s | %s |\n' "$path" "$rps" "$p50" "$p99"
done
echo
echo "First view of each page (one request, before the run):$first_views"
echo "Server memory: $(grep -E 'VmHWM' /proc/$server/status | tr -s ' ') peak resident, $(grep -E 'VmRSS' /proc/$server/status | tr -s ' ') now"
