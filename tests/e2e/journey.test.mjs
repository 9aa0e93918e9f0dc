// Whole journeys: a user who breezes through sees nothing and the server sees every step; SPA
// route changes (pushState, browser back/forward) drive the steps, also by URL pattern alone;
// a back/forward-cache restore resumes the same session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ROOT, startServer, launch, openPage, waitForSdk, waitForSignal, waitForStored, tipCard, kinds,
  createAccount, fillCompany, uploadCsv, importResult, connectKey, submit, settle, GOOD_KEY, MINUTE,
} from "./harness.mjs";

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const REQUIRED = ["account", "company", "import", "integration", "team"];

async function sessionOf(page) {
  const raw = await page.evaluate(() => localStorage.getItem("unstuck:demo:session"));
  try { const v = JSON.parse(raw); return typeof v === "string" ? v : v?.id ?? v?.session ?? raw; } catch { return raw; }
}
const ofSession = (session) => (e) => JSON.stringify(e).includes(session);

test("a user who breezes through sees no tip and raises no signal; the server sees every step and the completion", async () => {
  const context = await browser.newContext();
  const { page, rec } = await openPage(context);
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  const session = await sessionOf(page);
  assert.ok(session, "session id stored");

  await createAccount(page);
  await fillCompany(page);
  await uploadCsv(page, "contacts-good.csv");
  assert.equal(await importResult(page), "");
  await submit(page, "import");
  await page.locator("#step-integration").waitFor({ state: "visible" });
  assert.equal(await connectKey(page, GOOD_KEY), "");
  await submit(page, "integration");
  await page.fill("#invite-1", "sam@example.com");
  await submit(page, "team");
  await page.locator("#step-done").waitFor({ state: "visible" });
  await settle(page, 6_000);

  assert.deepEqual(rec.signals, [], "no struggle signal");
  assert.deepEqual(rec.tips, [], "no tip callback");
  assert.equal(await tipCard(page).count(), 0, "no tip in the page");
  const done = await waitForStored(server, (e) => ofSession(session)(e) && e.type === "onboarding_completed");
  assert.equal(done.length, 1, "onboarding_completed stored once");
  const events = (await server.events()).filter(ofSession(session));
  const completed = events.filter((e) => e.type === "step_completed").map((e) => e.step);
  for (const step of REQUIRED) assert.ok(completed.includes(step), `step_completed ${step}; got [${completed}]`);
  assert.ok(!events.some((e) => e.type === "signal"), "no signal stored");
  await context.close();
});

test("SPA navigation: browser back and forward move between steps, and two backs are a back_loop", async () => {
  const context = await browser.newContext();
  const { page, rec } = await openPage(context);
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  const session = await sessionOf(page);
  await createAccount(page);
  await fillCompany(page);
  assert.match(page.url(), /\?step=import$/);

  await page.goBack();
  await page.locator("#step-company").waitFor({ state: "visible" });
  await page.goForward();
  await page.locator("#step-import").waitFor({ state: "visible" });
  await settle(page);
  assert.ok(!kinds(rec).includes("back_loop"), "one back is not a loop");
  await page.goBack();
  await page.locator("#step-company").waitFor({ state: "visible" });
  await settle(page);
  const [loop] = await waitForSignal(rec, "back_loop");
  assert.equal(loop.step, "import", "the step the user keeps leaving");

  await settle(page, 6_000);
  const entered = (await waitForStored(server, (e) => ofSession(session)(e) && e.type === "step_entered", { min: 5 }))
    .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)).map((e) => e.step);
  assert.deepEqual(entered.slice(0, 5), ["account", "company", "import", "company", "import"], `step_entered order: [${entered}]`);
  await context.close();
});

test("steps declared by URL pattern alone follow pushState routes", async () => {
  const context = await browser.newContext();
  const { page, rec } = await openPage(context);
  const config = JSON.parse(readFileSync(join(ROOT, "www/unstuck.config.json"), "utf8"));
  config.steps = config.steps.map(({ selector, ...s }) => ({ ...s, url: `/?step=${s.id}` }));
  await page.route("**/unstuck.config.json", (route) =>
    route.fulfill({ contentType: "application/json", body: JSON.stringify(config) }));
  // The page without its data-unstuck-step markers: only the URL says which step is current.
  await page.route((url) => url.pathname === "/", async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace(/\sdata-unstuck-step="[^"]*"/g, "");
    await route.fulfill({ response: res, body: html });
  });
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  assert.equal(await page.locator("[data-unstuck-step]").count(), 0);
  await createAccount(page);
  await page.clock.fastForward(5 * MINUTE + 1_000);
  await settle(page, 500);
  const [stall] = await waitForSignal(rec, "stall");
  assert.equal(stall.step, "company", "the step came from the URL");
  await context.close();
});

test("a back/forward-cache restore resumes the same SDK and session", async () => {
  const bfBrowser = await launch({ bfcache: true });
  try {
    const context = await bfBrowser.newContext();
    const { page, rec } = await openPage(context);
    await page.addInitScript(() => addEventListener("pageshow", (e) => { window.__e2ePersisted = e.persisted; }));
    await page.goto(`${server.url}/`);
    await waitForSdk(page);
    await createAccount(page);
    const session = await sessionOf(page);
    await page.evaluate(() => { window.unstuck.__e2eMark = 1; });

    await page.goto(`${server.url}/healthz`);
    await page.goBack({ waitUntil: "commit" });
    await page.waitForFunction(() => window.__e2ePersisted !== undefined);
    assert.equal(await page.evaluate(() => window.__e2ePersisted), true,
      "restored from the back/forward cache (the SDK must not block it: no unload listener, no open connection)");
    assert.equal(await page.evaluate(() => window.unstuck.__e2eMark), 1, "the same SDK instance");
    assert.equal(await sessionOf(page), session, "the same session");
    // And it still works: its timer was re-armed after the restore.
    await page.clock.fastForward(5 * MINUTE + 1_000);
    await settle(page, 500);
    const [stall] = await waitForSignal(rec, "stall");
    assert.equal(stall.step, "company");
    await context.close();
  } finally {
    await bfBrowser.close();
  }
});
