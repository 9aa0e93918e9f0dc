#!/usr/bin/env bash
# Where the SDK's wasm bytes go: builds a copy that keeps function names, then prints the raw
# bytes per module of this crate (and per dependency), largest first. A development tool, not a
# test: compare its numbers before and after a change (`npm run size`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || cargo install twiggy --version 0.8.0

# Same build as scripts/build.sh, but unstripped and with names kept through wasm-opt (-g).
CARGO_PROFILE_WASM_STRIP=false cargo build -q --lib --target wasm32-unknown-unknown --profile wasm
out=target/size && rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --keep-debug --target web --no-typescript --out-dir "$out" --out-name unstuck \
  target/wasm32-unknown-unknown/wasm/unstuck.wasm
wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/unstuck_bg.wasm" -o "$out/named.wasm"
twiggy top -n 100000 -f csv "$out/named.wasm" > "$out/top.csv"
node - "$out/top.csv" "${1:-30}" <<'JS'
// Groups twiggy's rows: `unstuck::a::b` by module, other crates by name, data and glue apart.
const [file, n] = process.argv.slice(2);
const rows = require("fs").readFileSync(file, "utf8").trim().split("\n").slice(1);
const groups = new Map();
for (const row of rows) {
  const m = row.match(/^"?(.*?)"?,(\d+),/);
  if (!m) continue;
  const [, name, bytes] = m;
  if (name.startsWith("custom section") || name.includes("subsection")) continue;
  const own = name.match(/unstuck::(\w+)::(\w+)/);
  const key = own ? `unstuck::${own[1]}::${own[2]}`
    : name.startsWith("data segment") ? "(data)"
    : /externref|wasm_bindgen|closure/i.test(name) ? "(wasm-bindgen and inlined exports)"
    : (name.match(/^<?(\w+)/) || [, "(other)"])[1];
  groups.set(key, (groups.get(key) || 0) + Number(bytes));
}
const sorted = [...groups].sort((a, b) => b[1] - a[1]);
const total = sorted.reduce((s, [, b]) => s + b, 0);
for (const [k, b] of sorted.slice(0, Number(n))) console.log(String(b).padStart(8), k);
console.log(String(total).padStart(8), "total (raw, before stripping names)");
JS
