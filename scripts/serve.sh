#!/usr/bin/env bash
# Serves the demo (www/ at /, dist/ at /unstuck/). Placeholder until `unstuck serve` exists:
# a tiny static server with no API (events are not stored).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --input-type=module -e '
import http from "node:http"; import fs from "node:fs"; import path from "node:path";
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".wasm": "application/wasm", ".csv": "text/csv", ".svg": "image/svg+xml" };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  let [root, rel] = url.pathname.startsWith("/unstuck/") ? ["dist", url.pathname.slice(9)] : ["www", url.pathname.slice(1)];
  if (rel === "" ) rel = "index.html";
  const file = path.resolve(root, path.normalize(rel));
  if (!file.startsWith(path.resolve(root))) { res.writeHead(403).end(); return; }
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404, { "content-type": "text/plain" }).end("not found"); return; }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" }).end(data);
  });
});
server.listen(Number(process.env.PORT || 8787), "127.0.0.1", () =>
  console.log(`listening on http://127.0.0.1:${server.address().port}`));
'
