# Sourced by the script tests: start_dev REGENT starts `regent dev` with its own data directory,
# database and port, waits until /readyz answers, and leaves $dir, $port, $b (its base URL) and $pid
# set; the EXIT trap
# stops it and drops what it made. Needs REGENT_TEST_PG_URL (set by scripts/test).
base="${REGENT_TEST_TMP:-/tmp}"
mkdir -p "$base"
dir="$(mktemp -d "$base/script-XXXXXX")"
db="script_$(date +%s%N)"
pg="${REGENT_TEST_PG_URL:?REGENT_TEST_PG_URL names the test Postgres}"
pid=""
port=""
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "$pg" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

start_dev() {
  psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
  REGENT_DATA_DIR="$dir/data" REGENT_PG_URL="${pg%/*}/$db" REGENT_HTTP_PORT=0 \
    "$1" dev >"$dir/out.log" 2>"$dir/err.log" &
  pid=$!
  for _ in $(seq 1 300); do
    port="$(sed -nE 's|^regent listening on http://[^:]+:([0-9]+).*|\1|p' "$dir/out.log" | head -1)"
    [ -n "$port" ] && curl -fs "localhost:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/err.log"; exit 1; }
    sleep 0.1
  done
  check "regent dev is ready" '[ -n "$port" ] && curl -fs "localhost:$port/readyz" >/dev/null'
  b="http://localhost:$port"
}
