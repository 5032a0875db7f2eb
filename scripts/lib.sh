# Shared by scripts/dev and scripts/test: install what is missing, build, start the local Postgres.
# Everything here is idempotent: a second run finds the work done and moves on.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REGENT_DATA_DIR="${REGENT_DATA_DIR:-$ROOT/.regent}"
case "$REGENT_DATA_DIR" in /*) ;; *) REGENT_DATA_DIR="$ROOT/$REGENT_DATA_DIR" ;; esac
# The local Postgres's port: REGENT_PG_PORT when set; else the one recorded in the data directory;
# else 54329, or the next free one when another program (another checkout's Postgres) has it.
REGENT_PG_PORT_ASKED="${REGENT_PG_PORT:-}"
REGENT_PG_PORT="${REGENT_PG_PORT:-54329}"
BUILD_DIR="${REGENT_BUILD_DIR:-$ROOT/build}"
PACKAGES=(g++ cmake make pkg-config ccache python3 python3-yaml python3-jwt python3-cryptography
  libboost1.81-all-dev libboost-json1.81-dev
  librdkafka-dev libpqxx-dev libsimdjson-dev libssl-dev libargon2-dev zlib1g-dev doctest-dev prometheus-cpp-dev
  postgresql postgresql-client kcat curl)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# install_missing PACKAGE...: those of them not installed yet, from Debian.
install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -q
    # The postgresql package must not start a cluster of its own: Regent runs its own.
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

install_packages() { install_missing "${PACKAGES[@]}"; }

# The tools that judge Regent's output in scripts/test: promtool (Debian's prometheus), headless
# Chromium, the JSON Schema Test Suite, then
# tools/package.json pinned by its lock: Node.js and npm from Debian where the machine has none,
# then exactly the locked packages.
TEST_PACKAGES=(prometheus chromium json-schema-test-suite)
install_test_tools() {
  install_missing "${TEST_PACKAGES[@]}"
  command -v npm >/dev/null 2>&1 || install_missing nodejs npm
  local tools="$ROOT/tools" stamp="$ROOT/tools/node_modules/.installed-lock.sha256"
  local want; want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing the test tools (tools/package-lock.json)"
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}

build() {
  log "building in $BUILD_DIR"
  local werror=OFF
  [ "${CI:-}" = "true" ] && werror=ON
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREGENT_WERROR="$werror" >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

# Runs a Postgres command as the server's owner: the server refuses to run as root.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster lives under the data directory when its owner can reach it there; as root in a
# folder the postgres user cannot enter (say, under /root), it lives in postgres's home instead,
# and the data directory records where.
pg_data_dir() {
  local wanted="$REGENT_DATA_DIR/pg"
  if [ "$(id -u)" -ne 0 ]; then echo "$wanted"; return; fi
  mkdir -p "$REGENT_DATA_DIR"
  if runuser -u postgres -- test -x "$REGENT_DATA_DIR" 2>/dev/null; then
    echo "$wanted"
  else
    local hash; hash="$(printf '%s' "$REGENT_DATA_DIR" | sha256sum | cut -c1-12)"
    echo "/var/lib/postgresql/regent-$hash"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sets REGENT_PG_PORT for a cluster about to start. A port asked for must be free; otherwise the
# recorded one (or 54329) if free, else the next free one after it.
choose_pg_port() {
  if [ -n "$REGENT_PG_PORT_ASKED" ]; then
    REGENT_PG_PORT="$REGENT_PG_PORT_ASKED"
    if port_in_use "$REGENT_PG_PORT"; then
      echo "port $REGENT_PG_PORT (REGENT_PG_PORT) is already in use by another program, perhaps another" \
        "checkout's Postgres: choose a free one, for instance REGENT_PG_PORT=$((REGENT_PG_PORT + 1))" >&2
      return 1
    fi
    return 0
  fi
  local wanted=54329
  [ -s "$REGENT_DATA_DIR/pg-port" ] && wanted="$(cat "$REGENT_DATA_DIR/pg-port")"
  local port="$wanted"
  while port_in_use "$port"; do
    port=$((port + 1))
    if [ "$port" -gt $((wanted + 100)) ]; then
      echo "ports $wanted to $((wanted + 100)) are all in use: choose a free one with REGENT_PG_PORT" >&2
      return 1
    fi
  done
  if [ "$port" != "$wanted" ]; then
    log "port $wanted is in use by another program (another checkout's Postgres?): using $port, recorded in $REGENT_DATA_DIR/pg-port"
  fi
  REGENT_PG_PORT="$port"
}

start_postgres() {
  PGDATA="$(pg_data_dir)"
  export PGDATA
  mkdir -p "$REGENT_DATA_DIR"
  echo "$PGDATA" > "$REGENT_DATA_DIR/pg-location"
  if [ "$(id -u)" -eq 0 ] && [ "$PGDATA" = "$REGENT_DATA_DIR/pg" ]; then
    mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA"
  fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    log "creating a Postgres cluster in $PGDATA"
    pg_as_owner mkdir -p "$PGDATA"
    pg_as_owner "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if pg_as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    # Already running: on the port it was started on (line 4 of postmaster.pid).
    REGENT_PG_PORT="$(pg_as_owner sed -n 4p "$PGDATA/postmaster.pid")"
  else
    choose_pg_port
    log "starting Postgres on 127.0.0.1:$REGENT_PG_PORT"
    if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
      -o "-p $REGENT_PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" >/dev/null; then
      echo "Postgres did not start on port $REGENT_PG_PORT; its log, $PGDATA/server.log, ends with:" >&2
      pg_as_owner tail -n 5 "$PGDATA/server.log" >&2 || true
      return 1
    fi
  fi
  echo "$REGENT_PG_PORT" > "$REGENT_DATA_DIR/pg-port"
  export REGENT_PG_PORT
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$REGENT_PG_PORT" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'regent'")" != "1" ]; then
    "${psql[@]}" -c "CREATE ROLE regent LOGIN CREATEDB"
  fi
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'regent'")" != "1" ]; then
    "${psql[@]}" -c "CREATE DATABASE regent OWNER regent"
  fi
  export REGENT_PG_URL="${REGENT_PG_URL:-postgresql://regent@127.0.0.1:$REGENT_PG_PORT/regent}"
}
