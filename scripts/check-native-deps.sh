#!/usr/bin/env bash
# Proves the core is pure: the native dependency tree of the `unstuck` crate has no browser crate.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | awk '/^host:/ {print $2}')
tree=$(cargo tree -p unstuck --target "$host" -e normal --prefix none)
bad=$(echo "$tree" | grep -E '^(wasm-bindgen|web-sys|js-sys|serde-wasm-bindgen|gloo-[a-z]+|talc) ' || true)
if [ -n "$bad" ]; then
  echo "browser crates in the native build of unstuck:"; echo "$bad"; exit 1
fi
# And the check can fail: the wasm32 tree must list them.
echo "$(cargo tree -p unstuck --target wasm32-unknown-unknown -e normal --prefix none)" | grep -q '^wasm-bindgen ' \
  || { echo "check is broken: wasm-bindgen not found in the wasm32 tree"; exit 1; }
echo "ok: $(echo "$tree" | sort -u | wc -l) native crates, none of them a browser crate"
