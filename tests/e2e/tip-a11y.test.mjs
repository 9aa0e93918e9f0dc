// The tip card for people who use a keyboard, a screen reader or reduced motion: reachable by
// Tab with a visible focus ring, labelled, announced politely, no entrance animation when the
// user asked for less motion, and "Show me" rings the anchor and tells the host.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer, launch, openPage, waitForSdk, waitForSignal, waitForTip, fillAccount, submit, settle,
} from "./harness.mjs";

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** The demo's email tip: the same invalid-email mistake twice. */
async function emailTip(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const { page, rec } = await openPage(context);
  await page.goto(`${server.url}/`);
  await waitForSdk(page);
  for (const email of ["nope", "still nope"]) {
    await fillAccount(page, email);
    await submit(page, "account");
    await settle(page);
  }
  await waitForSignal(rec, "repeated_error");
  const card = await waitForTip(page, "Check the email address");
  return { context, page, rec, card };
}

const animation = (card) => card.evaluate((el) => getComputedStyle(el).animationName);

test("reduced motion: no entrance animation; otherwise a short fade", async () => {
  for (const [reducedMotion, want] of [["reduce", "none"], ["no-preference", "u"]]) {
    const { context, card } = await emailTip({ reducedMotion });
    assert.equal(await animation(card), want, `prefers-reduced-motion: ${reducedMotion}`);
    await context.close();
  }
});

test("labelled, announced politely, reachable by Tab with a visible focus ring, never focused by itself", async () => {
  const { context, page, card } = await emailTip();
  assert.equal(await card.getAttribute("role"), "region");
  assert.equal(await card.getAttribute("aria-label"), "Tip: Check the email address");
  const live = card.locator("[aria-live=polite]");
  assert.match(await live.textContent(), /Check the email address\. Use your full work email/);
  assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), "UNSTUCK-TIP");

  let inTip = false;
  for (let i = 0; i < 40 && !inTip; i++) {
    await page.keyboard.press("Tab");
    inTip = await page.evaluate(() => document.activeElement?.tagName === "UNSTUCK-TIP");
  }
  assert.ok(inTip, "Tab reaches the tip");
  const ring = await page.evaluate(() => {
    const el = document.querySelector("unstuck-tip").shadowRoot.activeElement;
    const cs = getComputedStyle(el);
    return { label: el.getAttribute("aria-label") || el.textContent, style: cs.outlineStyle, width: cs.outlineWidth };
  });
  assert.equal(ring.style, "solid", `focus ring on ${ring.label}`);
  assert.equal(ring.width, "2px");
  await page.keyboard.press("Enter"); // the first control is the close button
  await card.waitFor({ state: "hidden" });
  await context.close();
});

test("Show me scrolls to the anchor, rings it and tells the host", async () => {
  const { context, page, rec, card } = await emailTip({ viewport: { width: 1280, height: 400 } });
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await card.getByRole("button", { name: "Show me" }).click();
  await settle(page, 200);
  const [ring, anchor] = await Promise.all([
    page.evaluate(() => {
      const r = document.querySelector("unstuck-tip").shadowRoot.querySelector(".r").getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }),
    page.locator("#email").boundingBox(),
  ]);
  assert.ok(anchor.y >= 0 && anchor.y + anchor.height <= 400, `the anchor is on screen: ${JSON.stringify(anchor)}`);
  assert.ok(ring.x < anchor.x && ring.y < anchor.y && ring.x + ring.width > anchor.x + anchor.width
    && ring.y + ring.height > anchor.y + anchor.height, `ring ${JSON.stringify(ring)} around ${JSON.stringify(anchor)}`);
  assert.ok(rec.actions.some((a) => a.action === "show_me"), JSON.stringify(rec.actions));
  await context.close();
});
