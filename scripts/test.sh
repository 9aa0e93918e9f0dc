#!/usr/bin/env bash
# Runs every test of the project; fails if any fails. `npm test` installs tools first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

stage() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

stage "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings

stage "the native build of the unstuck crate pulls no browser crate"
bash scripts/check-native-deps.sh

stage "native tests (engine, config, routing, CLI, server)"
cargo nextest run --workspace --no-fail-fast

stage "server store tests on PostgreSQL (a throwaway cluster)"
# The same tests as above, `::postgres` variants, now with a database (they skip without one).
source scripts/pg.sh
pg_start -c fsync=off -c full_page_writes=off
cargo nextest run -p unstuck-server --no-fail-fast -E 'test(/::postgres$/)'
pg_stop

stage "wasm tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --lib --target wasm32-unknown-unknown

stage "TypeScript types of the SDK (js/unstuck.d.ts)"
tsc --noEmit --strict --target es2020 --moduleResolution node tests/types/api.ts

stage "SDK build and size budget"
bash scripts/build.sh

stage "e2e: the demo app and the SDK in headless Chromium against the real server"
# The dev build the native tests already made: an optimised one costs ~25 min on 2 cores here.
cargo build -p unstuck-server --bin unstuck
mkdir -p artifacts
UNSTUCK_BIN=target/debug/unstuck node --test --test-concurrency=1 tests/e2e/

stage "e2e: delivery under faults again, on PostgreSQL"
source scripts/pg.sh
pg_start -c fsync=off -c full_page_writes=off
UNSTUCK_BIN=target/debug/unstuck node --test --test-concurrency=1 tests/e2e/delivery.test.mjs
pg_stop
