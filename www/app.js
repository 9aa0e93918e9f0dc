// Brightlane's onboarding: a plain single-page app. It knows nothing about Unstuck: the script tag
// in index.html and /unstuck.config.json are the whole integration, so everything Unstuck sees
// comes from ordinary DOM (visible sections, native validation, role=alert text, buttons).
"use strict";

const STEPS = ["account", "company", "import", "integration", "team", "done"];
const STORE = "brightlane:onboarding";
const REQUIRED_COLUMNS = ["email", "first_name", "last_name"];
const MAX_CSV_BYTES = 1024 * 1024;

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// The app's own saved progress, so a returning user lands where they left off.
function load() {
  try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch { return {}; }
}
function save(patch) {
  const next = { ...load(), ...patch };
  try { localStorage.setItem(STORE, JSON.stringify(next)); } catch { /* private mode: keep going */ }
  return next;
}

function stepFromUrl() {
  const s = new URLSearchParams(location.search).get("step");
  return STEPS.includes(s) ? s : null;
}

function show(step) {
  for (const id of STEPS) $(`#step-${id}`).hidden = id !== step;
  const index = STEPS.indexOf(step);
  for (const li of $$("#stepper li")) {
    const i = STEPS.indexOf(li.dataset.for);
    li.classList.toggle("complete", i < index);
    if (i === index) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
  }
  document.title = `${$(`#step-${step} h1`).textContent} · Brightlane`;
  save({ step });
}

// SPA navigation: every step change is a history entry, so the browser's Back works too.
// The step's URL; `unstuck_debug=1` stays, so the SDK (loaded after this runs) still sees it.
const stepUrl = (step) => `/?step=${step}` + (/[?&]unstuck_debug=1/.test(location.search) ? "&unstuck_debug=1" : "");

function go(step, { replace = false } = {}) {
  const url = stepUrl(step);
  if (replace) history.replaceState({ step }, "", url); else history.pushState({ step }, "", url);
  show(step);
  const h = $(`#step-${step} h1`);
  h.tabIndex = -1;
  h.focus({ preventScroll: false });
}
function prevOf(step) { return STEPS[Math.max(STEPS.indexOf(step) - 1, 0)]; }
function current() { return STEPS.find((id) => !$(`#step-${id}`).hidden) || "account"; }

window.addEventListener("popstate", () => show(stepFromUrl() || "account"));

// ---------------------------------------------------------------------------------------------
// Field validation: native constraint validation (checkValidity fires `invalid` events), with
// the message shown in the field's role=alert element and aria-invalid on the control.
const MESSAGES = {
  valueMissing: (el) => el.type === "checkbox" ? "Accept the terms to continue." : `${labelOf(el)} is required.`,
  typeMismatch: (el) => el.type === "email" ? "Enter an email address like name@company.com." : "Enter a full URL, starting with https://.",
  tooShort: () => "Use at least 8 characters.",
  patternMismatch: () => "Use at least 8 characters, with a letter and a number.",
};
function labelOf(el) {
  const l = el.id && $(`label[for="${el.id}"]`);
  return l ? l.childNodes[0].textContent.trim() : "This field";
}
function messageFor(el) {
  for (const flag of Object.keys(MESSAGES)) if (el.validity[flag]) return MESSAGES[flag](el);
  return el.validationMessage;
}
function clearErrors(form) {
  for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
  for (const p of $$(".field-error, .form-error", form)) p.textContent = "";
}
function validate(form) {
  clearErrors(form);
  // Render after a frame, as form libraries do: the cleared state is observable first, so a
  // second identical mistake shows its message again rather than leaving it in place.
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(() => {
      const ok = form.checkValidity();
      for (const el of $$("input, select, textarea", form)) {
        if (el.validity.valid) continue;
        el.setAttribute("aria-invalid", "true");
        const out = $(`#${el.id}-error`);
        if (out) out.textContent = messageFor(el);
      }
      if (!ok) $("[aria-invalid=true]", form)?.focus();
      resolve(ok);
    }, 0));
  });
}
function formError(id, text) {
  const box = $(id);
  box.textContent = "";
  // A new node each time, so assistive tech (and anyone watching the DOM) sees the alert again.
  requestAnimationFrame(() => { box.textContent = text; });
}

// ---------------------------------------------------------------------------------------------
// 1. Account
$("#form-account").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!(await validate(e.target))) return;
  save({ email: $("#email").value.trim() });
  go("company");
});

// 2. Company
$("#form-company").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!(await validate(e.target))) return;
  save({ company: $("#company-name").value.trim() });
  go("import");
});

// 3. Import: parse the CSV in the browser and explain exactly what is wrong.
let imported = load().imported || 0;
$("#csv-file").addEventListener("change", () => {
  const f = $("#csv-file").files[0];
  $("#file-name").textContent = f ? `${f.name} · ${Math.max(1, Math.round(f.size / 1024))} KB` : "";
});

function parseCsvLine(line) {
  const out = [];
  let cur = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { out.push(cur.trim()); cur = ""; }
    else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Returns `{rows}` or `{error}` with a message a person can act on. */
function checkCsv(name, text) {
  if (!/\.csv$/i.test(name)) return { error: `Import failed: "${name}" is not a CSV file. Export your contacts as .csv and try again.` };
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return { error: "Import failed: the file is empty." };
  const header = parseCsvLine(lines[0]).map((h) => h.toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) {
    return { error: `Import failed: missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}. The first row must name the columns email, first_name and last_name.` };
  }
  if (lines.length < 2) return { error: "Import failed: the file has a header row but no contacts." };
  const at = Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, header.indexOf(c)]));
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = parseCsvLine(lines[i]);
    const email = cells[at.email] || "";
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      return { error: `Import failed: row ${i + 1} has no valid email address. Fix that row and upload again.` };
    }
    rows.push({ email, first: cells[at.first_name] || "", last: cells[at.last_name] || "" });
  }
  return { rows };
}

$("#import-button").addEventListener("click", async () => {
  const f = $("#csv-file").files[0];
  const status = $("#import-status");
  $("#import-error").textContent = "";
  $("#import-required").textContent = "";
  if (!f) { formError("#import-error", "Choose a CSV file to import first."); return; }
  if (f.size > MAX_CSV_BYTES) { formError("#import-error", "Import failed: the file is larger than 1 MB. Split it and upload the parts."); return; }
  status.textContent = "Importing…";
  const text = await f.text();
  await new Promise((r) => setTimeout(r, 400)); // the "server" takes a moment
  const result = checkCsv(f.name, text);
  status.textContent = "";
  if (result.error) {
    formError("#import-error", result.error);
    return;
  }
  imported = result.rows.length;
  save({ imported });
  const body = $("#import-preview tbody");
  body.replaceChildren(...result.rows.slice(0, 3).map((r) => {
    const tr = document.createElement("tr");
    for (const v of [r.email, r.first, r.last]) { const td = document.createElement("td"); td.textContent = v; tr.append(td); }
    return tr;
  }));
  $("#import-preview").hidden = false;
  status.textContent = `Imported ${imported} contacts.`;
});

$("#form-import").addEventListener("submit", (e) => {
  e.preventDefault();
  if (!imported) { formError("#import-required", "Import your contacts before you continue."); return; }
  go("integration");
});

// 4. Integration: a key check that fails for bad keys, the way a provider would answer.
let connected = !!load().connected;
$("#connect-button").addEventListener("click", async () => {
  const key = $("#api-key").value.trim();
  const provider = $("input[name=provider]:checked").value;
  const status = $("#integration-status");
  $("#integration-error").textContent = "";
  $("#integration-required").textContent = "";
  $("#api-key").removeAttribute("aria-invalid");
  status.textContent = "Checking the key…";
  await new Promise((r) => setTimeout(r, 600));
  status.textContent = "";
  let error = null;
  if (!key) error = "Connection failed: enter your secret API key.";
  else if (/^pk_/.test(key)) error = "Connection failed: that is a publishable key (pk_…). Paste the secret key, which starts with sk_.";
  else if (!/^sk_(live|test)_[A-Za-z0-9]{16,}$/.test(key)) error = `Connection failed: ${provider} rejected the API key (401 invalid_api_key). Check that you copied the whole secret key.`;
  if (error) {
    $("#api-key").setAttribute("aria-invalid", "true");
    formError("#integration-error", error);
    return;
  }
  connected = true;
  save({ connected: provider });
  status.textContent = `Connected to ${provider}.`;
});

$("#form-integration").addEventListener("submit", (e) => {
  e.preventDefault();
  if (!connected) { formError("#integration-required", "Test the connection before you continue."); return; }
  go("team");
});

// 5. Team
let inviteCount = 1;
$("#add-invite").addEventListener("click", () => {
  inviteCount += 1;
  const id = `invite-${inviteCount}`;
  const div = document.createElement("div");
  div.className = "field";
  div.innerHTML = `<label for="${id}">Teammate's email</label>
    <input id="${id}" name="invite_${inviteCount}" type="email" placeholder="name@company.com" aria-describedby="${id}-error">
    <p class="field-error" id="${id}-error" role="alert"></p>`;
  $("#invites").append(div);
  $(`#${id}`).focus();
});
$("#form-team").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!(await validate(e.target))) return;
  const invited = $$("#invites input").filter((i) => i.value.trim()).length;
  const s = save({ invited, finished: true });
  $("#done-summary").textContent =
    `${s.company || "Your workspace"} is ready: ${s.imported || 0} contacts imported` +
    `${s.connected ? `, billing connected to ${s.connected}` : ""}` +
    `${invited ? `, ${invited} teammate${invited > 1 ? "s" : ""} invited` : ""}.`;
  go("done");
});

// Back buttons: the previous step, as a new history entry (like the stepper in most wizards).
for (const b of $$("[data-unstuck-back]")) b.addEventListener("click", () => go(prevOf(current())));

// ---------------------------------------------------------------------------------------------
// Help panel: a non-modal side panel; focus goes into it and back to the app on close.
const helpButton = $("#help-button");
const panel = $("#help-panel");
function setHelp(open) {
  panel.hidden = !open;
  helpButton.setAttribute("aria-expanded", String(open));
  if (open) $("#help-close").focus(); else helpButton.focus();
}
helpButton.addEventListener("click", () => setHelp(panel.hidden));
$("#help-close").addEventListener("click", () => setHelp(false));
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !panel.hidden && panel.contains(document.activeElement)) setHelp(false);
});

// ---------------------------------------------------------------------------------------------
// Start: the URL wins; else resume where this browser left off.
{
  const saved = load();
  const step = stepFromUrl() || (saved.finished ? "done" : saved.step || "account");
  history.replaceState({ step }, "", stepUrl(step));
  show(step);
  if (connected) $("#integration-status").textContent = `Connected to ${load().connected}.`;
  if (imported) $("#import-status").textContent = `Imported ${imported} contacts.`;
}
