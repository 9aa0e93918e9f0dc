// Shared helpers for the Playwright end-to-end suites: the real server on loopback with a
// fresh SQLite file, headless Chromium, the page clock, and what the SDK reported.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// The server's optimised build (`cargo build --profile server -p unstuck-server`, the same one
// scripts/serve.sh runs); a release build works too. UNSTUCK_BIN overrides both.
export const BIN = process.env.UNSTUCK_BIN
  || [join(ROOT, "target/server/unstuck"), join(ROOT, "target/release/unstuck")].find((p) => existsSync(p))
  || join(ROOT, "target/server/unstuck");
export const ARTIFACTS = join(ROOT, "artifacts");
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const run = promisify(execFile);

/**
 * Starts `unstuck serve` on an ephemeral loopback port with its own database file.
 * Returns `{ url, database, stop(), events() }`; `stop()` also removes the files.
 */
export async function startServer({ www = join(ROOT, "www"), dist = join(ROOT, "dist") } = {}) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run cargo build --profile server -p unstuck-server`);
  const dir = mkdtempSync(join(tmpdir(), "unstuck-e2e-"));
  const database = `sqlite://${join(dir, "e2e.db")}`;
  const child = spawn(
    BIN,
    ["serve", "--listen", "127.0.0.1:0", "--database", database, "--www", www, "--dist", dist],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" } },
  );
  let log = "";
  child.stderr.on("data", (d) => { log += d; });
  const url = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`server did not start in 20 s:\n${out}\n${log}`)), 20_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1].replace(/\/$/, "")); }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`server exited (${code}):\n${out}\n${log}`)); });
  });
  return {
    url,
    database,
    log: () => log,
    /** Every event the server stored, flattened (`{ id, type, ...payload }`). */
    async events() {
      const { stdout } = await run(BIN, ["export", "--database", database], { maxBuffer: 64 << 20 });
      return stdout.split("\n").filter((l) => l.trim()).map((l) => {
        const row = JSON.parse(l);
        const payload = row.payload && typeof row.payload === "object" ? row.payload : {};
        return { ...payload, ...row };
      });
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => {
          const t = setTimeout(() => { child.kill("SIGKILL"); r(); }, 5_000);
          child.once("exit", () => { clearTimeout(t); r(); });
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Stored signals of one kind (`abandoned`, ...), polling until `min` are there or `timeoutMs`. */
export async function waitForStored(server, predicate, { min = 1, timeoutMs = 10_000 } = {}) {
  const until = Date.now() + timeoutMs;
  let found = [];
  for (;;) {
    found = (await server.events()).filter(predicate);
    if (found.length >= min || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/**
 * Headless Chromium. Playwright turns the back/forward cache off by default; `bfcache: true`
 * keeps it on, for the test that checks the SDK does not block it and resumes after it.
 */
export function launch({ bfcache = false } = {}) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: bfcache ? ["--disable-back-forward-cache"] : [],
  });
}

/**
 * A page that records what the SDK reports, through the command queue a host would use:
 * `unstuck.push(["on", "signal", fn])` works before and after the SDK loads. The records live
 * in Node (`rec.signals`, `rec.tips`, `rec.actions`), so they survive reloads and navigations.
 * The page clock is installed (at `time` if given) so tests can jump minutes ahead.
 */
export async function openPage(context, { time, clock = true, record = true } = {}) {
  const page = await context.newPage();
  const rec = { signals: [], tips: [], actions: [], pageErrors: [], console: [] };
  page.on("pageerror", (e) => rec.pageErrors.push(e.message));
  page.on("console", (m) => rec.console.push(`${m.type()}: ${m.text()}`));
  if (clock) await page.clock.install(time === undefined ? {} : { time });
  if (record) {
    await page.exposeFunction("__e2eRecord", (kind, value) => { rec[kind]?.push(value); });
    await page.addInitScript(() => {
      const plain = (v) => { try { return JSON.parse(JSON.stringify(v)); } catch { return String(v); } };
      window.unstuck = window.unstuck || [];
      window.unstuck.push(["on", "signal", (s) => window.__e2eRecord("signals", plain(s))]);
      window.unstuck.push(["on", "tip", (t) => window.__e2eRecord("tips", plain(t))]);
      window.unstuck.push(["on", "action", (a) => window.__e2eRecord("actions", plain(a))]);
    });
  }
  return { page, rec };
}

/**
 * Resolves once the SDK is running: `window.unstuck` is the API object (that happens at once,
 * before the wasm loads) and the shell has attached to the page, which it does by wrapping
 * `history.pushState` (no longer native code). The API has no public "ready" hook.
 */
export async function waitForSdk(page, timeout = 10_000) {
  await page.waitForFunction(
    () => window.unstuck && !Array.isArray(window.unstuck) && typeof window.unstuck.on === "function"
      && !/\[native code\]/.test(String(history.pushState)),
    null,
    { timeout },
  );
}

/** Signal kinds recorded so far. */
export const kinds = (rec) => rec.signals.map((s) => s.kind);

/** Waits until a signal of `kind` was reported to the page (`rec`), or fails with what was. */
export async function waitForSignal(rec, kind, { timeoutMs = 5_000, count = 1 } = {}) {
  const until = Date.now() + timeoutMs;
  while (rec.signals.filter((s) => s.kind === kind).length < count) {
    if (Date.now() > until) {
      throw new Error(`no ${kind} signal within ${timeoutMs} ms; got [${kinds(rec).join(", ")}]`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return rec.signals.filter((s) => s.kind === kind);
}

/** The visible tip card (inside the SDK's open shadow root; Playwright's CSS pierces it). */
export const tipCard = (page) => page.locator("unstuck-tip .c");

/** Waits for a tip card whose text includes `text`, visible and placed. */
export async function waitForTip(page, text, timeout = 5_000) {
  const card = tipCard(page).filter({ hasText: text });
  await card.waitFor({ state: "visible", timeout });
  return card;
}

/** Pixels between two boxes (0 when they touch or overlap). */
export function gap(a, b) {
  const dx = Math.max(0, b.x - (a.x + a.width), a.x - (b.x + b.width));
  const dy = Math.max(0, b.y - (a.y + a.height), a.y - (b.y + b.height));
  return Math.hypot(dx, dy);
}

/** True when box `a` lies inside the viewport. */
export const inViewport = (a, vp) => a.x >= 0 && a.y >= 0 && a.x + a.width <= vp.width + 0.5 && a.y + a.height <= vp.height + 0.5;

// ---------------------------------------------------------------------------------------------
// The demo app, driven as a user would.

export const GOOD_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
export const SAMPLES = join(ROOT, "www/samples");

export async function fillAccount(page, email = "jane@example.com") {
  await page.fill("#email", email);
  await page.fill("#password", "correct-horse-1");
  await page.check("#terms");
}
export async function submit(page, step) {
  await page.click(`#step-${step} button[type=submit]`);
}
export async function createAccount(page) {
  await fillAccount(page);
  await submit(page, "account");
  await page.locator("#step-company").waitFor({ state: "visible" });
}
export async function fillCompany(page) {
  await page.fill("#company-name", "Acme Analytics");
  await page.selectOption("#company-size", { index: 2 });
  await submit(page, "company");
  await page.locator("#step-import").waitFor({ state: "visible" });
}
export async function uploadCsv(page, file) {
  await page.setInputFiles("#csv-file", join(SAMPLES, file));
  await page.click("#import-button");
}
/** Waits for the app's own import result (success status or role=alert error). */
export async function importResult(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector("#import-status").textContent;
    return /Imported/.test(s) || document.querySelector("#import-error").textContent !== "";
  });
  return page.textContent("#import-error");
}
export async function connectKey(page, key) {
  await page.fill("#api-key", key);
  await page.click("#connect-button");
  await page.waitForFunction(() => {
    const s = document.querySelector("#integration-status").textContent;
    return /Connected/.test(s) || document.querySelector("#integration-error").textContent !== "";
  });
  return page.textContent("#integration-error");
}

/** Lets the page's own timers and the SDK's (debounces, blocked-advance check) run. */
export async function settle(page, ms = 1_500) {
  await page.clock.runFor(ms);
}

export async function screenshot(page, name) {
  const path = join(ARTIFACTS, name);
  // Finite CSS animations (the tip's fade-in) run on real time, not the page clock: finish them.
  await page.screenshot({ path, animations: "disabled" });
  return path;
}

/** Fresh server + browser per test file; closes both after. */
export async function setup(t) {
  const server = await startServer();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.stop(); });
  return { server, browser };
}
