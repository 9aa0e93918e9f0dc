#!/usr/bin/env bash
# Builds the server (optimised) and runs it with the demo site and SQLite (./data/unstuck.db).
# UNSTUCK_LISTEN (or PORT) and UNSTUCK_DATABASE override the defaults; extra arguments go to `unstuck serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --profile server -p unstuck-server --bin unstuck
listen=${UNSTUCK_LISTEN:-127.0.0.1:${PORT:-8787}}
args=(serve --listen "$listen" --www www --dist dist)
if [ -n "${UNSTUCK_DATABASE:-}" ]; then args+=(--database "$UNSTUCK_DATABASE"); fi
printf '\n  Unstuck demo: http://%s/   (Ctrl-C stops; events go to %s)\n\n' \
  "$listen" "${UNSTUCK_DATABASE:-sqlite://./data/unstuck.db}"
exec target/server/unstuck "${args[@]}" "$@"
