// The script tag: <script async src=".../unstuck.js" data-site="..." data-endpoint="..."
// data-config="..."></script>. Starts the wasm download at once, fetches the config in
// parallel, turns `window.unstuck` (a command queue until now) into the API and replays it.
import { start, call } from "../target/glue/unstuck.js";
import { createApi, instantiate, reporter, why } from "./api.js";

(() => {
  const w = window;
  const prev = w.unstuck;
  if (prev && prev.__unstuck) return; // loaded twice: the first one stays
  const script = document.currentScript;
  const d = (script && script.dataset) || {};
  const src = (script && script.src) || location.href;
  const debug = /[?&]unstuck_debug=1/.test(location.search) || d.debug === "true";
  const site = d.site || "";
  let endpoint = "";
  try {
    endpoint = (d.endpoint || new URL(src).origin).replace(/\/+$/, "");
  } catch (e) {
    // An unparsable script URL: sending is left to fail quietly.
  }
  const { api, ready, off } = createApi(debug, reporter(endpoint, site));
  w.unstuck = api;
  if (Array.isArray(prev)) prev.forEach(api.push);
  try {
    if (typeof WebAssembly !== "object") throw "WebAssembly is not available";
    const wasm = instantiate(fetch(new URL("unstuck_bg.wasm", src)));
    const inline = document.getElementById("unstuck-config");
    const config = inline
      ? Promise.resolve().then(() => JSON.parse(inline.textContent))
      : fetch(d.config ? new URL(d.config, document.baseURI) : `${endpoint}/v1/config/${encodeURIComponent(site)}`)
          .then((r) => { if (!r.ok) throw `config: HTTP ${r.status}`; return r.json(); });
    const options = { site, endpoint, debug, consent: d.consent !== "pending" };
    Promise.all([wasm, config])
      .then(([, cfg]) => ready({ start, call }, cfg, options), (e) => off(why(e)));
  } catch (e) {
    off(why(e));
  }
})();
