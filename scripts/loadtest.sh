#!/usr/bin/env bash
# `npm run loadtest`: the optimised server and load client, then ~10 s on SQLite and ~10 s on
# a throwaway PostgreSQL cluster (skipped if PostgreSQL is not installed).
# Extra arguments go to the client: --seconds N --connections N --batch N.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --profile server -p unstuck-server --bin unstuck --bin loadtest
source scripts/pg.sh
pg_args=()
# Default durability (fsync on): the numbers are what a real deployment would see.
if pg_start; then pg_args=(--pg "$UNSTUCK_TEST_PG"); fi
target/server/loadtest "${pg_args[@]}" "$@"
