// Never break the host page: a CSP that forbids WebAssembly, hostile strings in the tip config,
// the host's own error handlers, and garbage passed to the API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ROOT, startServer, launch, openPage, waitForSdk, waitForSignal, tipCard, kinds, settle,
} from "./harness.mjs";

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const demoConfig = () => JSON.parse(readFileSync(join(ROOT, "www/unstuck.config.json"), "utf8"));

/** Three quick clicks on the account heading: a rage click, the easiest signal to cause. */
async function rageClick(page) {
  const box = await page.locator("#h-account").boundingBox();
  for (let i = 0; i < 4; i++) {
    await page.mouse.click(box.x + 40 + i * 2, box.y + box.height / 2);
    await page.clock.runFor(150);
  }
}

test("with a CSP lacking 'wasm-unsafe-eval' the host page keeps working and queued calls are harmless", async () => {
  const context = await browser.newContext();
  const { page, rec } = await openPage(context, { record: false });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const html = readFileSync(join(ROOT, "tests/e2e/pages/csp.html"), "utf8");
  await page.route((url) => url.pathname === "/e2e/csp.html", (route) => route.fulfill({
    contentType: "text/html",
    headers: { "content-security-policy": "default-src 'self'; script-src 'self' 'nonce-e2e'; style-src 'self'" },
    body: html,
  }));
  await page.goto(`${server.url}/e2e/csp.html?unstuck_debug=1`);
  await page.waitForFunction(() => document.getElementById("later").textContent !== "");
  await page.click("#count");
  await page.click("#count");
  assert.equal(await page.textContent("#count"), "Clicked 2 times", "the host's own script works");
  await settle(page);
  assert.deepEqual(rec.pageErrors, [], "nothing thrown into the page");
  const refused = await page.evaluate(() => window.__csp);
  assert.ok(refused.some((v) => /script-src/.test(v) && /wasm|eval/.test(v)), `the browser refused the wasm (so the test means something): ${refused}`);
  // The queue still accepts calls as no-ops.
  const pushed = await page.evaluate(() => { window.unstuck.push(["step", "account"]); return typeof window.unstuck.push; });
  assert.equal(pushed, "function");
  // In debug mode the loader says why, once.
  const said = rec.console.filter((m) => /unstuck/i.test(m) && !/Refused to/i.test(m) && /wasm|webassembly|csp|content.security/i.test(m));
  assert.equal(said.length, 1, `one debug message about the missing wasm support; got ${JSON.stringify(rec.console)}`);
  await context.close();
});

test("hostile strings in the tip config are shown as text, never as HTML", async () => {
  const context = await browser.newContext();
  const { page, rec } = await openPage(context);
  const config = demoConfig();
  config.tips = [{
    id: "xss",
    trigger: { signal: "rage_click" },
    title: "<img src=x onerror=\"window.__xss='title'\">",
    text: "<script>window.__xss='text'</script><b>bold</b> & \"quotes\"",
    anchor: "#h-account",
    link: { href: "https://example.com/?q=<script>", label: "<i onmouseover=\"window.__xss='label'\">guide</i>" },
    offer_help: true,
  }];
  await page.route("**/unstuck.config.json", (route) =>
    route.fulfill({ contentType: "application/json", body: JSON.stringify(config) }));
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  await rageClick(page);
  await waitForSignal(rec, "rage_click");
  const card = tipCard(page);
  await card.waitFor({ state: "visible" });
  const text = await card.textContent();
  assert.ok(text.includes("<script>window.__xss='text'</script><b>bold</b> & \"quotes\""), `text shown literally: ${text}`);
  assert.ok(text.includes("<img src=x onerror=\"window.__xss='title'\">"), `title shown literally: ${text}`);
  assert.equal(await card.locator("img, script, b, i").count(), 0, "no element made from config text");
  await card.locator("a").hover();
  await settle(page, 200);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(rec.pageErrors, []);
  await context.close();
});

test("a javascript: link or a broken anchor selector in the config never runs and never throws", async () => {
  const context = await browser.newContext();
  const { page, rec } = await openPage(context);
  const config = demoConfig();
  config.tips = [{
    id: "bad-link",
    trigger: { signal: "rage_click" },
    text: "Read the guide",
    anchor: "]]not a selector((",
    link: { href: "javascript:window.__xss='link'", label: "guide" },
  }];
  await page.route("**/unstuck.config.json", (route) =>
    route.fulfill({ contentType: "application/json", body: JSON.stringify(config) }));
  await page.goto(`${server.url}/`);
  await page.clock.runFor(2_000); // loaded, or refused the config: either way the page is fine
  await rageClick(page);
  await settle(page);
  // Either the config is refused as invalid (no tip) or the tip shows as a corner card without
  // the link; in no case is there a javascript: URL in the page.
  const hrefs = await page.evaluate(() => {
    const all = [];
    const walk = (root) => root.querySelectorAll("*").forEach((el) => {
      if (el.getAttribute("href")) all.push(el.getAttribute("href"));
      if (el.shadowRoot) walk(el.shadowRoot);
    });
    walk(document);
    return all;
  });
  assert.ok(!hrefs.some((h) => /^\s*javascript:/i.test(h)), `hrefs: ${hrefs}`);
  if (await tipCard(page).count()) await tipCard(page).locator("button, a").first().click();
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(rec.pageErrors, []);
  await context.close();
});

test("the host's own window.onerror and unhandledrejection handlers still get the host's errors, and they are not struggle", async () => {
  const context = await browser.newContext();
  // Real timers here: the host's errors must travel the browser's own path to window.onerror.
  const { page, rec } = await openPage(context, { clock: false });
  await page.addInitScript(() => {
    window.__hostErrors = [];
    window.__hostRejections = [];
    window.onerror = (message) => { window.__hostErrors.push(`early: ${message}`); };
    window.addEventListener("unhandledrejection", (e) => { window.__hostRejections.push(String(e.reason?.message)); });
  });
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  await page.evaluate(() => {
    setTimeout(() => { throw new Error("host boom 1"); }, 0);
    Promise.reject(new Error("host reject"));
  });
  await page.waitForTimeout(200);
  // A handler the host installs after the SDK loaded works too.
  await page.evaluate(() => {
    window.onerror = (message) => { window.__hostErrors.push(`late: ${message}`); return false; };
    for (let i = 2; i <= 4; i++) setTimeout(() => { throw new Error(`host boom ${i}`); }, 0);
  });
  await page.waitForTimeout(500);
  const errors = await page.evaluate(() => window.__hostErrors);
  assert.ok(errors.some((m) => m.startsWith("early:") && m.includes("host boom 1")), JSON.stringify(errors));
  assert.equal(errors.filter((m) => m.startsWith("late:")).length, 3, JSON.stringify(errors));
  assert.deepEqual(await page.evaluate(() => window.__hostRejections), ["host reject"]);
  assert.equal(rec.pageErrors.filter((m) => m.includes("host boom")).length, 4, "the browser still reports them as uncaught");
  await page.waitForTimeout(1_500);
  assert.deepEqual(kinds(rec), [], "script errors are not user struggle");
  await context.close();
});

test("garbage passed to the API never throws into the page", async () => {
  const context = await browser.newContext();
  const { page, rec } = await openPage(context);
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  const thrown = await page.evaluate(() => {
    const u = window.unstuck;
    const calls = [
      () => u.step(), () => u.step(null), () => u.step({ toString() { throw new Error("evil"); } }),
      () => u.progress("account", "lots"), () => u.progress("account", NaN), () => u.error(42),
      () => u.error({ kind: "nope" }), () => u.identify(undefined, 7), () => u.on("signal", "not a function"),
      () => u.on("bogus", () => {}), () => u.track(Symbol("x")), () => u.push(["nonsense", 1, 2]),
      () => u.push("not an array"), () => u.helpOpened(new Proxy({}, { get() { throw new Error("trap"); } })),
    ];
    const out = [];
    for (const [i, call] of calls.entries()) {
      try { call(); } catch (e) { out.push(`${i}: ${e && e.message}`); }
    }
    return out;
  });
  await settle(page);
  assert.deepEqual(thrown, [], "each call returned normally");
  assert.deepEqual(rec.pageErrors, []);
  // And the SDK still works afterwards.
  await page.fill("#email", "x");
  await page.check("#terms");
  for (let i = 0; i < 2; i++) { await page.click("#step-account button[type=submit]"); await settle(page); }
  await waitForSignal(rec, "repeated_error");
  await context.close();
});
