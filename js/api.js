import { imports, finalize } from "../target/glue/unstuck.js";

// The API object behind `window.unstuck` and `init()`. No rules here: it queues calls until the
// wasm is ready, forwards them, and guards every call so nothing can throw into the host page.
const METHODS = ["identify", "step", "progress", "fieldCompleted", "completeStep", "complete",
  "error", "helpOpened", "helpClosed", "requestHelp", "track", "consent", "debug", "shutdown"];
const KINDS = ["signal", "tip", "tier", "action"];

// One `track` event ("unstuck_failed") in the wire format, sent when the SDK dies.
const uuid7 = () => {
  const h = Date.now().toString(16).padStart(12, "0");
  const r = () => Math.floor(Math.random() * 65536).toString(16).padStart(4, "0");
  const v = (8 + Math.floor(Math.random() * 4)).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8)}-7${r().slice(1)}-${v}${r().slice(1)}-${r()}${r()}${r()}`;
};
export const reporter = (endpoint, site) => (why) => {
  try {
    const session = localStorage.getItem(`unstuck:${site}:session`) || uuid7();
    const t = Date.now();
    const props = JSON.stringify({ reason: String(why && why.message || why).slice(0, 200) });
    navigator.sendBeacon(`${endpoint}/v1/events`, JSON.stringify({
      site, session, user: null, sent_at: t, dropped: 0, sdk: "unstuck/js",
      events: [{ id: uuid7(), seq: 0, t, type: "track", name: "unstuck_failed", props }],
    }));
  } catch (e) {
    // Storage or beacons blocked: nothing more to do.
  }
};

export function createApi(debug, report) {
  let wasm = null;
  let state = "loading"; // "loading" | "ready" | "off"
  let queue = [];
  let listeners = {};
  let failed = false;
  const say = (...a) => debug && console.warn("[unstuck]", ...a);
  const off = (why) => {
    if (state === "off") return;
    state = "off";
    queue = [];
    say("off:", why && why.message || why);
  };
  // A trap means the wasm is dead (panic = abort); other exceptions are bad arguments.
  const guard = (f) => {
    try {
      return f();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) fail(e);
      else say(e && e.message || e);
    }
  };
  const fail = (why) => {
    if (failed) return;
    failed = true;
    off("failed and turned itself off");
    say(why);
    if (report) report(why);
  };
  const emit = (kind, value) => {
    for (const cb of (listeners[kind] || []).slice()) {
      try {
        cb(value);
      } catch (e) {
        say("a callback threw", e);
      }
    }
  };
  const api = { __unstuck: 1 };
  // The wasm's `call` takes the method's index in METHODS (src/web/mod.rs keeps the order).
  METHODS.forEach((m, i) => {
    api[m] = (...args) => {
      if (m === "debug") debug = !!args[0];
      if (state === "loading") queue.push([m, args]);
      else if (state === "ready") guard(() => wasm.call(i, args[0], args[1]));
      if (m === "shutdown") {
        listeners = {};
        off("shut down");
      }
    };
  });
  api.on = (kind, cb) => {
    if (!KINDS.includes(kind) || typeof cb !== "function") {
      say("on(): unknown event or no callback", kind);
      return () => {};
    }
    (listeners[kind] = listeners[kind] || []).push(cb);
    return () => {
      const l = listeners[kind] || [];
      const i = l.indexOf(cb);
      if (i >= 0) l.splice(i, 1);
    };
  };
  api.push = (cmd) => {
    if (Array.isArray(cmd) && cmd[0] !== "push" && typeof api[cmd[0]] === "function") {
      return guard(() => api[cmd[0]](...cmd.slice(1)));
    }
    say("push(): unknown command", cmd);
  };
  // Internal: the wasm is loaded and the config fetched.
  const ready = (mod, config, options) => {
    if (state !== "loading") return;
    wasm = mod;
    try {
      mod.start(config, options, emit, fail);
      state = "ready";
    } catch (e) {
      return off(e);
    }
    const q = queue;
    queue = [];
    for (const [m, args] of q) api[m](...args);
  };
  return { api, ready, off };
}

// Where the SDK cannot run (no WebAssembly, or a CSP without 'wasm-unsafe-eval').
export const why = (e) =>
  e && e.name === "CompileError"
    ? "WebAssembly is blocked; the CSP needs script-src 'wasm-unsafe-eval'"
    : e;

// Instantiates the wasm from `fetched` (a fetch promise) with the glue's imports, then hands the
// instance to the glue. Streaming where the browser can; from the bytes where it cannot or the
// server does not send `application/wasm` (the body is then still unread).
export const instantiate = (fetched) =>
  fetched.then(async (r) => {
    if (!r.ok) throw `wasm: HTTP ${r.status}`;
    const wanted = imports();
    let out;
    try {
      out = await WebAssembly.instantiateStreaming(r, wanted);
    } catch (e) {
      if (r.bodyUsed) throw e;
      out = await WebAssembly.instantiate(await r.arrayBuffer(), wanted);
    }
    finalize(out.instance, out.module);
  });
