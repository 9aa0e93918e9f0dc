// The debug overlay (?unstuck_debug=1): the current step, the signals as they fire and why each
// tip showed, as text, in a panel that never takes a click from the page under it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer, launch, openPage, waitForSdk, waitForSignal, waitForTip, fillAccount, submit, settle,
} from "./harness.mjs";

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const overlayText = (page) =>
  page.evaluate(() => document.querySelector("unstuck-debug")?.shadowRoot?.textContent ?? null);

test("?unstuck_debug=1 shows the step, the signals and the tips, and ignores the pointer", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, rec } = await openPage(context);
  await page.goto(`${server.url}/?unstuck_debug=1`);
  await waitForSdk(page);
  await settle(page, 500);
  const before = await overlayText(page);
  assert.ok(before, "the overlay is in the page");
  assert.match(before, /step: account/);
  assert.match(before, /signals: none/);

  for (const email of ["nope", "still nope"]) {
    await fillAccount(page, email);
    await submit(page, "account");
    await settle(page);
  }
  await waitForSignal(rec, "repeated_error");
  await waitForTip(page, "Check the email address");
  await settle(page, 500);
  const after = await overlayText(page);
  assert.match(after, /repeated_error @account/, after);
  assert.match(after, /email-format/, after);
  // Text only: the panel holds no element but its one box.
  const elements = await page.evaluate(() => document.querySelector("unstuck-debug").shadowRoot.querySelectorAll("*").length);
  assert.equal(elements, 1);

  // A click where the panel is lands on the page.
  const box = await page.evaluate(() => {
    const r = document.querySelector("unstuck-debug").shadowRoot.firstElementChild.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  });
  const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.tagName, box);
  assert.notEqual(hit, "UNSTUCK-DEBUG", "the overlay took the pointer");

  await page.evaluate(() => window.unstuck.debug(false));
  await settle(page, 100);
  assert.equal(await overlayText(page), null, "debug(false) removes it");
  await context.close();
});
