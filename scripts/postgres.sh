#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks: Debian's server,
# in a directory of its own, listening on 127.0.0.1 only, on a free port.
#
#   scripts/postgres.sh start DIR   initdb (if new) + start; prints the URL
#                                   postgres://akashi@127.0.0.1:PORT/akashi
#   scripts/postgres.sh url DIR     the URL of a running cluster
#   scripts/postgres.sh stop DIR    stop it (the files stay until DIR is removed)
#
# `make test` starts one in a temp dir, exports AKASHI_TEST_DATABASE and stops
# it afterwards. Authentication is `trust` on loopback: the cluster holds test
# data only and nothing outside the machine can reach it. When run as root the
# server runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail

command=${1:-}
dir=${2:-}
if [ -z "$command" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|url|stop DIR" >&2
  exit 64
fi

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/initdb" ] && bin=$candidate
done
if [ -z "$bin" ]; then
  echo "PostgreSQL's server is not installed: apt-get install postgresql (make deps does)" >&2
  exit 69
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

data="$dir/data"
case "$command" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  chmod 0700 "$dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -U akashi -A trust --encoding UTF8 --locale C >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # fsync and synchronous_commit stay on: the crash tests rely on what the
  # server acknowledged being on disk.
  as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c shared_buffers=128MB" >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
  echo "$port" >"$dir/port"
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U akashi akashi 2>/dev/null || true
  echo "postgres://akashi@127.0.0.1:$port/akashi"
  ;;
url)
  echo "postgres://akashi@127.0.0.1:$(cat "$dir/port")/akashi"
  ;;
stop)
  if [ -f "$data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  echo "usage: $0 start|url|stop DIR" >&2
  exit 64
  ;;
esac
