// The tip playground: edit a config, validate it with the SDK's own reader (the same rules as
// `unstuck validate`), and preview a tip as the SDK renders it. Each check runs the real SDK in
// a frame with the config inline and consent off (nothing is sent), debug on to hear config errors; the
// frame reports back through postMessage.
"use strict";

const $ = (sel) => document.querySelector(sel);
const FRAME_SITE = "playground";
let parsed = null;
let run = 0;

function setProblems(items) {
  const list = $("#problems");
  list.replaceChildren(...items.map(({ path, problem }) => {
    const li = document.createElement("li");
    if (path) { const code = document.createElement("code"); code.textContent = path; li.append(code, " "); }
    li.append(problem);
    return li;
  }));
}
function verdict(text, ok) {
  const v = $("#verdict");
  v.textContent = text;
  v.className = `verdict ${ok ? "ok" : "bad"}`;
}

/** JSON syntax first, with a line and column, before the SDK sees anything. */
function parse(text) {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const at = syntaxErrorAt(text);
    const before = text.slice(0, at).split("\n");
    const where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
    const near = JSON.stringify(text.slice(at, at + 12));
    return { error: { path: where, problem: `not valid JSON near ${near}` } };
  }
}

/** Where a JSON document stops being valid (browsers' messages do not all say). */
function syntaxErrorAt(t) {
  let i = 0;
  const ws = () => { while (i < t.length && " \t\r\n".includes(t[i])) i++; };
  const fail = () => { throw i; };
  const lit = (w) => { if (t.startsWith(w, i)) i += w.length; else fail(); };
  const str = () => {
    i++;
    while (i < t.length && t[i] !== '"') { if (t[i] === "\\") i++; else if (t[i] < " ") fail(); i++; }
    if (t[i] !== '"') fail();
    i++;
  };
  const num = () => { const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(t.slice(i)); if (!m) fail(); i += m[0].length; };
  const value = () => {
    ws();
    const c = t[i];
    if (c === "{") {
      i++; ws();
      if (t[i] === "}") { i++; return; }
      for (;;) { ws(); if (t[i] !== '"') fail(); str(); ws(); if (t[i] !== ":") fail(); i++; value(); ws();
        if (t[i] === ",") { i++; continue; } if (t[i] === "}") { i++; return; } fail(); }
    } else if (c === "[") {
      i++; ws();
      if (t[i] === "]") { i++; return; }
      for (;;) { value(); ws(); if (t[i] === ",") { i++; continue; } if (t[i] === "]") { i++; return; } fail(); }
    } else if (c === '"') str();
    else if (c === "t") lit("true");
    else if (c === "f") lit("false");
    else if (c === "n") lit("null");
    else num();
  };
  try { value(); ws(); if (i < t.length) fail(); } catch (at) { if (typeof at === "number") return at; throw at; }
  return t.length;
}

/** `path: problem` lines the SDK printed in debug mode about the config. */
function problemsFrom(lines) {
  const out = [];
  for (const line of lines) {
    for (const raw of line.split("\n")) {
      // The loader prints `[unstuck] off: <path>: <problem>` (one per line) when start() refuses.
      const part = raw.replace(/^\s*\[unstuck\]\s*(off:\s*)?/, "");
      const m = /^\s*(?:.*?config[^:]*:\s*)?((?:[a-z_]+(?:\[\d+\])?)(?:\.[a-z_]+(?:\[\d+\])?)*|\(root\)|): (.+)$/.exec(part);
      if (m && /config|steps|tips|signals|selectors|routing|tip_limits/.test(part)) out.push({ path: m[1], problem: m[2] });
    }
  }
  return out;
}

/** The HTML of a frame that runs the SDK on `config` (hostile: it only ever goes in as JSON). */
function frameHtml(config, { dark, rtl, step, anchor, ask = false, debug = !ask }) {
  // Config text is hostile: JSON in a script element cannot close it once `<` is escaped.
  const json = JSON.stringify(config).replace(/</g, "\\u003c");
  const scheme = dark ? "dark" : "light";
  return `<!doctype html><html lang="en"${rtl ? ' dir="rtl"' : ""}><head><meta charset="utf-8">
<base href="${location.origin}/">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="${scheme}">
<style>:root{color-scheme:${scheme}}body{font:15px/1.5 system-ui,sans-serif;margin:0;padding:24px;min-height:420px;
background:${dark ? "#0f1117" : "#f5f6fa"};color:${dark ? "#e7e9ef" : "#1b1f2a"}}
.anchor{border:2px dashed #8b93a7;border-radius:8px;padding:14px;margin:90px auto 0;max-width:300px;text-align:center}
h1{font-size:16px;margin:0;color:#8b93a7;font-weight:500}</style>
<script>
(function () {
  var run = ${run};
  // A srcdoc document's own location.origin is "null": name the parent's origin explicitly.
  var origin = ${JSON.stringify(location.origin)};
  function post(type, value) { parent.postMessage({ source: "unstuck-playground", run: run, type: type, value: value }, origin); }
  ["log", "info", "warn", "error", "debug"].forEach(function (k) {
    var original = console[k];
    console[k] = function () {
      try { post("log", Array.prototype.map.call(arguments, function (a) { return a && a.message ? a.message : String(a); }).join(" ")); } catch (e) {}
      return original.apply(console, arguments);
    };
  });
  addEventListener("error", function (e) { post("log", String(e.message)); });
  for (var i = localStorage.length - 1; i >= 0; i--) {
    var k = localStorage.key(i);
    if (k && k.indexOf("unstuck:${FRAME_SITE}:") === 0) localStorage.removeItem(k);
  }
  window.unstuck = window.unstuck || [];
  unstuck.push(["consent", false]);
  unstuck.push(["debug", ${debug}]);
  unstuck.push(["on", "tip", function (t) { post("tip", JSON.parse(JSON.stringify(t))); }]);
  window.__post = post;
})();
</script>
<script type="application/json" id="unstuck-config">${json}</script>
<script async src="/unstuck/unstuck.js" data-site="${FRAME_SITE}" data-consent="pending"${debug ? ' data-debug="true"' : ""}></script>
</head><body>
<main${step ? ` data-unstuck-step="${encodeAttr(step)}"` : ""}><h1 id="where"></h1><div class="anchor" id="stand-in"></div></main>
<script>(${frameSetup.toString()})(${JSON.stringify({ anchor, ask }).replace(/</g, "\\u003c")});</script>
</body></html>`;
}
function encodeAttr(s) { return String(s).replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`); }

/**
 * Runs in the frame (its source is copied there): names the stand-in so the anchor selector
 * finds it, waits for the SDK, and with `ask` asks for help, which raises major_struggle.
 */
function frameSetup({ anchor, ask }) {
  var el = document.getElementById("stand-in");
  var where = document.getElementById("where");
  var simple = /^([a-z]+)?(#[\w-]+)?((?:\.[\w-]+)*)$/i.exec(anchor || "");
  if (anchor && simple && (simple[2] || simple[3])) {
    if (simple[2]) el.id = simple[2].slice(1);
    if (simple[3]) el.className += " " + simple[3].split(".").join(" ");
    el.textContent = "Stand-in for " + anchor;
  } else {
    el.textContent = anchor ? "No stand-in for " + anchor + ": the tip shows as a corner card" : "No anchor: the tip shows as a corner card";
  }
  where.textContent = "Preview";
  var tries = 0;
  (function wait() {
    var u = window.unstuck;
    // Running: the shell wraps history.pushState when it attaches (the API has no ready hook).
    if (u && !Array.isArray(u) && typeof u.on === "function" && !/\[native code\]/.test(String(history.pushState))) {
      window.__post("ready", true);
      if (ask && typeof u.requestHelp === "function") u.requestHelp();
      return;
    }
    if (++tries > 60) { window.__post("ready", false); return; }
    setTimeout(wait, 50);
  })();
}

/** Loads `html` in the frame and collects what it reports for `ms` or until `until` says so. */
function runFrame(html, { until, ms = 2500 } = {}) {
  const my = run;
  const got = { logs: [], tips: [], ready: null };
  return new Promise((resolve) => {
    const finish = () => { removeEventListener("message", on); clearTimeout(timer); resolve(got); };
    const on = (e) => {
      if (e.origin !== location.origin || e.data?.source !== "unstuck-playground" || e.data.run !== my) return;
      if (e.data.type === "log") got.logs.push(e.data.value);
      if (e.data.type === "tip") got.tips.push(e.data.value);
      if (e.data.type === "ready") got.ready = e.data.value;
      if (until && until(got)) finish();
    };
    addEventListener("message", on);
    const timer = setTimeout(finish, ms);
    $("#frame").srcdoc = html;
  });
}

async function validate() {
  run += 1;
  const text = $("#config").value;
  const { value, error } = parse(text);
  parsed = null;
  refreshTips(null);
  if (error) { setProblems([error]); verdict("Not valid JSON", false); return false; }
  verdict("Checking…", true);
  const got = await runFrame(frameHtml(value, {}), {
    until: (g) => g.ready !== null || g.logs.some((l) => /\[unstuck\] off:/.test(l)),
    ms: 4000,
  });
  const problems = problemsFrom(got.logs);
  if (problems.length || got.ready !== true) {
    setProblems(problems.length ? problems : got.logs.map((l) => ({ path: "", problem: l })).slice(0, 20));
    verdict(problems.length ? `${problems.length} problem${problems.length > 1 ? "s" : ""}` : "The SDK did not start", false);
    return false;
  }
  setProblems([]);
  parsed = value;
  const n = Array.isArray(value.tips) ? value.tips.length : 0;
  verdict(`Valid: ${value.steps.length} steps, ${n} tips`, true);
  refreshTips(value);
  return true;
}

function refreshTips(config) {
  const select = $("#tip");
  const tips = config && Array.isArray(config.tips) ? config.tips : [];
  select.replaceChildren(...tips.map((t, i) => {
    const o = document.createElement("option");
    o.value = String(i);
    o.textContent = `${t.id} (${t.trigger?.signal}${t.trigger?.step ? ` on ${t.trigger.step}` : ""})`;
    return o;
  }));
  $("#preview").disabled = tips.length === 0;
}

/**
 * Shows one tip. Rendering depends only on the tip itself, so the preview config holds just that
 * tip, triggered by `major_struggle`, which the frame raises by asking for help: one path that
 * works for every signal, including the ones that need days to happen.
 */
async function preview() {
  if (!parsed && !(await validate())) return;
  run += 1;
  const tip = parsed.tips[Number($("#tip").value) || 0];
  const step = parsed.steps[0]?.id;
  const config = {
    ...parsed,
    tips: [{ ...tip, trigger: { signal: "major_struggle" }, frequency: "always" }],
    tip_limits: { max_visible: 1, max_per_window: 100, window_ms: 60000 },
  };
  delete config.tips[0].cooldown_ms;
  const frame = $("#frame");
  frame.style.width = $("#width").value;
  const html = frameHtml(config, {
    dark: $("#theme").value === "dark",
    rtl: $("#rtl").checked,
    step,
    anchor: tip.anchor,
    ask: true,
  });
  const got = await runFrame(html, { until: (g) => g.tips.length > 0, ms: 4000 });
  $("#preview-note").textContent = got.tips.length
    ? `Showing "${tip.id}". Esc or × dismisses it, as for your users.`
    : `"${tip.id}" did not show. ${got.logs.slice(-3).join(" ")}`;
}

async function loadDemo() {
  const res = await fetch("/unstuck.config.json", { cache: "no-store" });
  $("#config").value = await res.text();
  await validate();
}

$("#validate").addEventListener("click", validate);
$("#preview").addEventListener("click", preview);
$("#load-demo").addEventListener("click", loadDemo);
$("#config").addEventListener("input", () => { parsed = null; verdict("Edited: validate again", true); });
for (const id of ["#theme", "#width", "#rtl"]) $(id).addEventListener("change", () => { if (parsed) preview(); });
loadDemo();
