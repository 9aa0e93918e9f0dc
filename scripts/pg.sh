#!/usr/bin/env bash
# Sourced by scripts/test.sh and scripts/loadtest.sh: a throwaway PostgreSQL cluster.
#   pg_start [extra postgres options]  -> exports UNSTUCK_TEST_PG=postgres://...; registers pg_stop on EXIT
#   pg_stop                            -> stops the cluster, deletes its directory, unsets UNSTUCK_TEST_PG
# Runs the server binaries as the `postgres` user when we are root (initdb refuses root).

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local bin; bin=$(pg_bin)
  if [ -z "$bin" ]; then echo "PostgreSQL is not installed (scripts/setup.sh --test installs it)"; return 1; fi
  PG_DIR=$(mktemp -d /tmp/unstuck-pg.XXXXXX)
  PG_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
  pg_as "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  trap pg_stop EXIT
  pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-k $PG_DIR -p $PG_PORT -c listen_addresses=127.0.0.1 $*" start >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres unstuck_test
  export UNSTUCK_TEST_PG="postgres://postgres@127.0.0.1:$PG_PORT/unstuck_test"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
  PG_DIR=""
  # Later stages must not aim at a cluster that is gone.
  unset UNSTUCK_TEST_PG
}
