#!/usr/bin/env bash
# A second data directory beside a running local Postgres (another checkout, say): its own cluster
# starts on the next free port and records it, and a port asked for that is taken is refused with
# a plain message. Run by CTest from scripts/test, while the test Postgres runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
base="${REGENT_TEST_TMP:-/tmp}"
mkdir -p "$base"
dir="$(mktemp -d "$base/pg-port-XXXXXX")"
chmod 755 "$dir"
taken="${REGENT_PG_PORT:-54329}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
passed=0
failures=0
check() { if eval "$2"; then echo "ok: $1"; passed=$((passed + 1)); else echo "FAILED: $1"; failures=$((failures + 1)); fi; }

stop_second() {
  if [ -s "$dir/data/pg-location" ]; then
    local pgdata; pgdata="$(cat "$dir/data/pg-location")"
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" stop -m fast >/dev/null 2>&1 || true
    else "$PG_BIN/pg_ctl" -D "$pgdata" stop -m fast >/dev/null 2>&1 || true; fi
    case "$pgdata" in "$dir"/*) ;; *) rm -rf "$pgdata" ;; esac
  fi
  rm -rf "$dir"
}
trap stop_second EXIT

# The port asked for is taken: refused, saying so and what to do.
out="$(REGENT_DATA_DIR="$dir/data" REGENT_PG_PORT="$taken" bash -c "source '$here/../../scripts/lib.sh'; start_postgres" 2>&1 || true)"
check "a taken port asked for is refused plainly" '[[ "$out" == *"port $taken (REGENT_PG_PORT) is already in use"* && "$out" == *"REGENT_PG_PORT=$((taken + 1))"* ]]'

# Not asked for: the next free port, recorded, and the cluster answers there.
out="$(env -u REGENT_PG_PORT REGENT_DATA_DIR="$dir/data" bash -c "source '$here/../../scripts/lib.sh'; start_postgres; echo \"port=\$REGENT_PG_PORT\"" 2>&1 || true)"
port="$(sed -n 's/^port=//p' <<<"$out")"
check "the second cluster started on another port" '[ -n "$port" ] && [ "$port" != "$taken" ]'
# When it did not, what start_postgres said (and the server's log, which it quotes) is the story.
[ -n "$port" ] || { printf 'start_postgres said:\n%s\n' "$out"; echo "$passed passed, $((failures)) failed"; exit 1; }
check "it said why" '[[ "$out" == *"port 54329 is in use by another program"* || "$taken" != 54329 ]]'
check "the port is recorded in the data directory" '[ "$(cat "$dir/data/pg-port")" = "$port" ]'
check "the second cluster answers on it" '[ "$("$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U regent -d regent -qtAc "SELECT 1")" = 1 ]'
# Started again: it finds its running cluster and its port.
out="$(env -u REGENT_PG_PORT REGENT_DATA_DIR="$dir/data" bash -c "source '$here/../../scripts/lib.sh'; start_postgres; echo \"port=\$REGENT_PG_PORT\"" 2>&1 || true)"
check "a second start finds the same cluster and port" '[ "$(sed -n "s/^port=//p" <<<"$out")" = "$port" ]'

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
