// For bundlers: `import { init } from "unstuck"`. Returns the same API as `window.unstuck`.
// Options: { site, endpoint?, config (object) | configUrl?, debug?, consent?, wasmUrl? }.
import { start, call } from "../target/glue/unstuck.js";
import { createApi, instantiate, reporter, why } from "./api.js";

let instance = null;

export function init(options = {}) {
  if (instance) return instance; // initialises once
  const debug = !!options.debug;
  const endpoint = (options.endpoint || location.origin).replace(/\/+$/, "");
  const site = options.site || "";
  const { api, ready, off } = createApi(debug, reporter(endpoint, site));
  instance = api;
  try {
    if (typeof WebAssembly !== "object") throw "WebAssembly is not available";
    const config = options.config
      ? Promise.resolve(options.config)
      : fetch(options.configUrl || `${endpoint}/v1/config/${encodeURIComponent(site)}`)
          .then((r) => { if (!r.ok) throw `config: HTTP ${r.status}`; return r.json(); });
    const opts = { site, endpoint, debug, consent: options.consent !== false };
    const wasm = instantiate(fetch(options.wasmUrl || new URL("unstuck_bg.wasm", import.meta.url)));
    Promise.all([wasm, config])
      .then(([, cfg]) => ready({ start, call }, cfg, opts), (e) => off(why(e)));
  } catch (e) {
    off(why(e));
  }
  return api;
}
