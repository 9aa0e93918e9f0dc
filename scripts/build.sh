#!/usr/bin/env bash
# Builds the SDK into dist/: the wasm (size profile, wasm-opt) and one bundled script,
# dist/unstuck.js, that holds the loader and the wasm-bindgen glue.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

cargo build --lib --target wasm32-unknown-unknown --profile wasm
rm -rf target/glue && mkdir -p target/glue dist
wasm-bindgen --target web --no-typescript --out-dir target/glue --out-name unstuck \
  target/wasm32-unknown-unknown/wasm/unstuck.wasm
# js/api.js instantiates the wasm itself with these two (wasm-bindgen is pinned, and the bundle
# checks they are there): the glue's own init, with its URL/Response/Module dispatch and
# warnings, then stays out of dist/ (-350 B brotli).
echo 'export { __wbg_get_imports as imports, __wbg_finalize_init as finalize };' \
  >> target/glue/unstuck.js
# rustc 1.95 emits these features by default; wasm-opt must be told. --converge repeats -Oz
# until it stops shrinking; --low-memory-unused holds for Rust's layout (the stack grows down
# from 1 MiB, data lies above it), so the low 1 KiB is never addressed; the producers and
# target-features sections are metadata nobody reads at run time (-560 B brotli in all).
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue"
# Short import, export and module names first (wasm-bindgen's carry a 16-hex-digit hash each,
# in the wasm and again in the glue): scripts/bundle.mjs applies the printed map to the glue
# (-1.7 KB brotli in the wasm, more in the glue).
# shellcheck disable=SC2086
wasm-opt $features --minify-imports-and-exports-and-modules \
  target/glue/unstuck_bg.wasm -o target/glue/short.wasm > target/glue/names.json
# Then, after -Oz: GUFA, and control flow flattened and rebuilt by the relooper before a last
# -Oz, which finds more to fold in that form (-471 B brotli, ~30 s).
# shellcheck disable=SC2086
wasm-opt -Oz --converge --low-memory-unused --strip-producers --strip-target-features $features \
  --gufa --flatten --rereloop -Oz target/glue/short.wasm -o dist/unstuck_bg.wasm
node scripts/bundle.mjs

size() { stat -c %s "$1"; }
gz() { gzip -9c "$1" | wc -c; }
br() { if command -v brotli >/dev/null; then brotli -q 11 -c "$1" | wc -c; else node -e "const z=require('zlib');process.stdout.write(String(z.brotliCompressSync(require('fs').readFileSync(process.argv[1]),{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))" "$1"; fi; }
printf '\n%-22s %9s %9s %9s\n' file raw gzip brotli
total=0
for f in dist/unstuck.js dist/unstuck_bg.wasm; do
  b=$(br "$f"); total=$((total + b))
  printf '%-22s %9s %9s %9s\n' "$f" "$(size "$f")" "$(gz "$f")" "$b"
done
printf '%-22s %9s %9s %9s   (budget 30000)\n' "SDK total" "" "" "$total"
# The budget becomes a hard failure once every slice of the SDK is in (UNSTUCK_SIZE_GATE=1).
if [ "$total" -gt 30000 ]; then
  if [ "${UNSTUCK_SIZE_GATE:-0}" = 1 ]; then
    echo "error: the SDK is $total bytes brotli, over the 30000 budget" >&2
    exit 1
  fi
  echo "warning: the SDK is $total bytes brotli, over the 30000 budget" >&2
fi
