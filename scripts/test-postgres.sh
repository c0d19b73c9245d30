#!/usr/bin/env bash
# Start a private, throw-away PostgreSQL server for the test suite (Debian's package) and
# print its URL. Idempotent: a server already running in DIR is reused.
#   scripts/test-postgres.sh [DIR] [PORT]    (defaults: target/pg, 55432)
#   scripts/test-postgres.sh --stop [DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--stop" ]; then
  dir=${2:-$here/target/pg}
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -f "$dir/data/postmaster.pid" ] && run_as_pg=$( [ "$(id -u)" = 0 ] && echo "runuser -u postgres --" || echo "") && $run_as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
  exit 0
fi
dir=${1:-$here/target/pg}
port=${2:-}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian's packages…" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

# initdb refuses to run as root: run the server as the postgres user then.
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi

mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U lyceum --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  # A port of our own: the last one used by this directory, else the first free one.
  if [ -z "$port" ]; then
    port=$(cat "$dir/port" 2>/dev/null || echo 55432)
    while port_busy "$port"; do port=$((port + 1)); done
  fi
  echo "$port" > "$dir/port"
  # Tuned for tests: durability does not matter, speed does.
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
fi
port=${port:-$(cat "$dir/port")}
"${as_pg[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U lyceum -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='lyceum_test'" | grep -q 1 \
  || "${as_pg[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U lyceum lyceum_test
echo "postgres://lyceum@127.0.0.1:$port/lyceum_test"
