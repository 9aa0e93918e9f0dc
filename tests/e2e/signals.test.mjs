// Every seed signal, caused by what a real user does in the demo app, and the tip the demo's
// config attaches to it, placed next to its anchor. The app makes no Unstuck calls: the script
// tag and www/unstuck.config.json are all the SDK gets.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer, launch, openPage, waitForSdk, waitForSignal, waitForTip, waitForStored, tipCard,
  gap, inViewport, kinds, fillAccount, submit, createAccount, fillCompany, uploadCsv,
  importResult, connectKey, settle, MINUTE, DAY,
} from "./harness.mjs";

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function fresh(opts) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, rec } = await openPage(context, opts);
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  return { context, page, rec };
}

/** The tip sits beside its anchor (within 24 px) and fully inside the viewport. */
async function assertNextTo(page, card, anchorSelector) {
  const tip = await card.boundingBox();
  const anchor = await page.locator(anchorSelector).boundingBox();
  assert.ok(tip && anchor, `tip and ${anchorSelector} both rendered`);
  const d = gap(tip, anchor);
  assert.ok(d <= 24, `tip is ${d.toFixed(1)} px from ${anchorSelector} (tip ${JSON.stringify(tip)}, anchor ${JSON.stringify(anchor)})`);
  assert.ok(inViewport(tip, page.viewportSize()), `tip inside the viewport: ${JSON.stringify(tip)}`);
}

/** The session id from `unstuck:demo:session` (a bare id, or JSON holding one). */
function sessionId(raw) {
  if (!raw) return null;
  try { const v = JSON.parse(raw); return typeof v === "string" ? v : v?.id ?? v?.session ?? raw; } catch { return raw; }
}

async function invalidEmail(page, email) {
  await fillAccount(page, email);
  await submit(page, "account");
  await settle(page);
}

test("one invalid email is not struggle; the same mistake twice is repeated_error with its tip by the email field", async () => {
  const { context, page, rec } = await fresh();
  try {
    await invalidEmail(page, "jane.example.com");
    assert.equal(await page.getAttribute("#email", "aria-invalid"), "true", "the app marked the field");
    assert.deepEqual(kinds(rec), [], "one typo is not struggle");

    await invalidEmail(page, "jane@@example.com");
    const [signal, ...more] = await waitForSignal(rec, "repeated_error");
    assert.equal(signal.step, "account");
    assert.equal(more.length, 0, "one repeated mistake, one signal");
    assert.ok(!kinds(rec).includes("major_struggle"), `two typos are not major struggle: [${kinds(rec)}]`);
    const card = await waitForTip(page, "Check the email address");
    await assertNextTo(page, card, "#email");
    // The tip never takes focus away from what the user is typing.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "email");
  } finally {
    await context.close();
  }
});

test("an error message sent to the server never holds what the user typed", async () => {
  const { context, page } = await fresh();
  const session = sessionId(await page.evaluate(() => localStorage.getItem("unstuck:demo:session")));
  await invalidEmail(page, "jane.example.com");
  await invalidEmail(page, "jane.example.org");
  await settle(page, 6_000);
  const errors = await waitForStored(server, (e) => e.type === "error" && JSON.stringify(e).includes(session), { min: 2 });
  const leaked = errors.filter((e) => /jane\.example/.test(JSON.stringify(e)));
  assert.deepEqual(leaked, [], "the browser's validationMessage quotes the typed value; it must not be sent");
  await context.close();
});

test("Esc dismisses a tip, and the server is told why", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await page.clock.fastForward(5 * MINUTE + 1_000);
  await settle(page, 500);
  await waitForSignal(rec, "stall");
  const card = await waitForTip(page, "Only the name is required");
  await page.keyboard.press("Escape");
  await card.waitFor({ state: "hidden", timeout: 2_000 });
  assert.equal(await tipCard(page).count(), 0, "no tip left in the page");
  await settle(page, 6_000); // the outbox flushes every 5 s
  const stored = await waitForStored(server, (e) => e.type === "tip_dismissed" && e.tip === "company-stall");
  assert.equal(stored[0]?.reason, "escape", JSON.stringify(stored));
  await context.close();
});

test("a `once` tip does not come back after a reload, while other tips still do", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await page.clock.fastForward(5 * MINUTE + 1_000);
  await settle(page, 500);
  await waitForSignal(rec, "stall");
  await waitForTip(page, "Only the name is required"); // `company-stall` is `once`

  await page.reload();
  await waitForSdk(page);
  await page.locator("#step-company").waitFor({ state: "visible" });
  assert.equal(await tipCard(page).count(), 0, "nothing shows on reload");
  // Stuck again on the same step: the stall fires again, the `once` tip must not come back,
  // and the generic stall tip (until_dismissed) shows in its place. (The engine counts a reload
  // as a return, so returned_no_resume may show its tip at 2 min: close whatever is open then.)
  await page.clock.fastForward(2.5 * MINUTE);
  await settle(page, 500);
  if (await tipCard(page).count()) {
    await page.keyboard.press("Escape");
    await tipCard(page).waitFor({ state: "detached" });
  }
  await page.clock.fastForward(2.5 * MINUTE + 1_000);
  await settle(page, 500);
  await waitForSignal(rec, "stall", { count: 2 });
  await waitForTip(page, "Taking a moment?");
  assert.equal(await tipCard(page).filter({ hasText: "Only the name is required" }).count(), 0, "the once tip came back");
  await context.close();
});

test("a bad CSV is import_failure with a tip by the upload that links the sample file", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await fillCompany(page);
  await uploadCsv(page, "contacts-bad.csv");
  assert.match(await importResult(page), /missing required columns/);
  const [first] = await waitForSignal(rec, "import_failure");
  assert.equal(first.step, "import");
  const card = await waitForTip(page, "Your CSV needs three columns");
  await assertNextTo(page, card, "#dropzone");
  assert.equal(await card.locator("a").getAttribute("href"), "/samples/contacts-good.csv");
  await card.getByRole("button", { name: "Dismiss tip" }).click();
  await card.waitFor({ state: "hidden" });
  await context.close();
});

test("the same bad CSV twice is major struggle, and its tip offers a person through the host", async () => {
  const { context, page, rec } = await fresh();
  try {
    await createAccount(page);
    await fillCompany(page);
    await uploadCsv(page, "contacts-bad.csv");
    await importResult(page);
    const card = await waitForTip(page, "Your CSV needs three columns");
    assert.deepEqual(kinds(rec), ["import_failure"], "one bad upload is one import failure");
    await card.getByRole("button", { name: "Dismiss tip" }).click();
    await card.waitFor({ state: "hidden" });

    await uploadCsv(page, "contacts-bad.csv");
    await importResult(page);
    await waitForSignal(rec, "import_failure", { count: 2 });
    const [major] = await waitForSignal(rec, "major_struggle");
    assert.equal(major.severity, "major");
    const offer = await waitForTip(page, "Want a hand?");
    await assertNextTo(page, offer, "#help-button");
    // "Get help" is the seed's "Need help?" offer: the host hears it through on("action").
    await offer.getByRole("button", { name: "Get help" }).click();
    await page.clock.runFor(100);
    assert.ok(rec.actions.length >= 1, "the host's action callback ran");
    await settle(page, 6_000);
    const stored = await waitForStored(server, (e) => e.type === "signal" && e.kind === "major_struggle");
    assert.ok(stored.length >= 1, "the server got major_struggle");
  } finally {
    await context.close();
  }
});

test("a rejected API key is integration_failure with a tip by the key field", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await fillCompany(page);
  await uploadCsv(page, "contacts-good.csv");
  assert.equal(await importResult(page), "");
  await submit(page, "import");
  await page.locator("#step-integration").waitFor({ state: "visible" });
  assert.match(await connectKey(page, "sk_live_oops"), /rejected the API key/);
  const [signal] = await waitForSignal(rec, "integration_failure");
  assert.equal(signal.step, "integration");
  const card = await waitForTip(page, "Use the secret key");
  await assertNextTo(page, card, "#api-key");
  await context.close();
});

test("five idle minutes on a step is a stall, with the step's own tip", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await page.clock.fastForward(4 * MINUTE);
  await settle(page, 500);
  assert.ok(!kinds(rec).includes("stall"), "no stall before 5 minutes");
  await page.clock.fastForward(MINUTE + 1_000);
  await settle(page, 500);
  const [signal] = await waitForSignal(rec, "stall");
  assert.equal(signal.step, "company");
  const card = await waitForTip(page, "Only the name is required");
  await assertNextTo(page, card, "#company-name");
  await context.close();
});

test("going back twice is a back_loop, with a tip by the stepper", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await fillCompany(page);
  await page.click("#step-import [data-unstuck-back]");
  await page.locator("#step-company").waitFor({ state: "visible" });
  await page.click("#step-company [data-unstuck-back]");
  await page.locator("#step-account").waitFor({ state: "visible" });
  const [signal] = await waitForSignal(rec, "back_loop");
  assert.ok(signal.count >= 2, JSON.stringify(signal));
  const card = await waitForTip(page, "Your answers are saved");
  await assertNextTo(page, card, "#stepper");
  await context.close();
});

test("forward navigation alone is never a back_loop", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await fillCompany(page);
  await settle(page);
  assert.ok(!kinds(rec).includes("back_loop"), `got [${kinds(rec)}]`);
  await context.close();
});

/** Help opened from the header, closed, focus back in the form, then three idle minutes. */
async function helpThenStuck(page, rec) {
  await createAccount(page);
  await page.click("#help-button");
  await page.locator("#help-panel").waitFor({ state: "visible" });
  await page.clock.runFor(20_000);
  await page.click("#help-close");
  await page.locator("#help-panel").waitFor({ state: "hidden" });
  // Back in the form (focus returns to the app: help is closed), and still stuck.
  await page.click("#company-name");
  await settle(page, 500);
  assert.ok(!kinds(rec).includes("help_unresolved"), "not right after closing help");
  await page.clock.fastForward(3 * MINUTE + 1_000);
  await settle(page, 500);
  await waitForSignal(rec, "help_unresolved");
  return waitForTip(page, "Didn't find your answer?");
}

test("opening help, closing it and staying stuck is help_unresolved, offering a person", async () => {
  const { context, page, rec } = await fresh();
  const card = await helpThenStuck(page, rec);
  await assertNextTo(page, card, "#help-button");
  // "Get help" is the seed's "Need help?" offer: the host hears it through on("action"), and
  // the server hears that the user asked for a person.
  const session = sessionId(await page.evaluate(() => localStorage.getItem("unstuck:demo:session")));
  await card.getByRole("button", { name: "Get help" }).click();
  await page.clock.runFor(100);
  assert.equal(rec.actions.length, 1, "the host's action callback ran once");
  assert.equal(rec.actions[0].action, "get_help");
  await settle(page, 6_000);
  const acted = await waitForStored(server, (e) => e.type === "tip_acted" && JSON.stringify(e).includes(session));
  assert.equal(acted[0]?.action, "get_help");
  await context.close();
});

test("acting on a tip's \"Get help\" closes that tip", async () => {
  const { context, page, rec } = await fresh();
  try {
    const card = await helpThenStuck(page, rec);
    await card.getByRole("button", { name: "Get help" }).click();
    await card.waitFor({ state: "detached", timeout: 2_000 });
  } finally {
    await context.close();
  }
});

test("thirty minutes on one step is a step_timeout", async () => {
  const { context, page, rec } = await fresh();
  await createAccount(page);
  await fillCompany(page);
  // In five-minute jumps, as a clock does; the SDK re-arms its one timer after each.
  for (let i = 0; i < 7; i++) {
    await page.clock.fastForward(5 * MINUTE);
    await settle(page, 200);
  }
  const [signal] = await waitForSignal(rec, "step_timeout");
  assert.equal(signal.step, "import");
  await context.close();
});

test("three quick clicks on a dead spot is a rage_click; on Next it is not", async () => {
  const { context, page, rec } = await fresh();
  const box = await page.locator("#h-account").boundingBox();
  for (let i = 0; i < 4; i++) {
    await page.mouse.click(box.x + 40 + i * 2, box.y + box.height / 2);
    await page.clock.runFor(150);
  }
  const rage = (await waitForSignal(rec, "rage_click")).length;
  const card = await waitForTip(page, "Something not responding?");
  await page.keyboard.press("Escape");
  await card.waitFor({ state: "hidden" });

  // Next, clicked fast while the form is invalid: navigation, never rage.
  for (let i = 0; i < 4; i++) {
    await page.click("#step-account button[type=submit]");
    await page.clock.runFor(150);
  }
  await settle(page);
  assert.equal(rec.signals.filter((s) => s.kind === "rage_click").length, rage, `Next clicks counted as rage: [${kinds(rec)}]`);
  await context.close();
});

test("closing the tab mid-onboarding reaches the server as abandoned; coming back days later without resuming is returned_no_resume", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const first = await openPage(context);
  await first.page.goto(`${server.url}/`);
  await waitForSdk(first.page);
  await createAccount(first.page);
  await fillCompany(first.page);
  const session = sessionId(await first.page.evaluate(() => localStorage.getItem("unstuck:demo:session")));
  assert.ok(session, "the SDK keeps its session id in localStorage");
  await first.page.close({ runBeforeUnload: true });

  const abandoned = await waitForStored(server, (e) => e.type === "signal" && e.kind === "abandoned"
    && JSON.stringify(e).includes(session));
  assert.ok(abandoned.length >= 1, "the server stored abandoned from the closing tab");

  // Two days later the same browser comes back, lands on the import step, and does nothing.
  const later = await openPage(context, { time: Date.now() + 2 * DAY });
  await later.page.goto(`${server.url}/`);
  await waitForSdk(later.page);
  await later.page.locator("#step-import").waitFor({ state: "visible" });
  await later.page.clock.fastForward(MINUTE);
  await settle(later.page, 500);
  assert.ok(!kinds(later.rec).includes("returned_no_resume"), "not before 2 minutes");
  await later.page.clock.fastForward(MINUTE + 1_000);
  await settle(later.page, 500);
  const [signal] = await waitForSignal(later.rec, "returned_no_resume");
  assert.equal(signal.step, "import");
  await waitForTip(later.page, "Picking up where you left off");
  await settle(later.page, 6_000);
  const stored = await waitForStored(server, (e) => e.type === "signal" && e.kind === "returned_no_resume");
  assert.ok(stored.length >= 1, "the server stored returned_no_resume");
  await context.close();
});
