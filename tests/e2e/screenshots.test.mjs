// A tip in light, dark and on a 360 px phone: placed beside its anchor, inside the viewport, in
// the user's colour scheme. Saves artifacts/tip-{light,dark,mobile}.png for a person to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import {
  ARTIFACTS, startServer, launch, openPage, waitForSdk, waitForSignal, waitForTip, gap, inViewport,
  createAccount, fillCompany, uploadCsv, importResult, screenshot,
} from "./harness.mjs";

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); mkdirSync(ARTIFACTS, { recursive: true }); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Relative luminance of a CSS `rgb()`/`rgba()` colour, 0 (black) to 1 (white). */
function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const CASES = [
  { name: "light", options: { viewport: { width: 1280, height: 800 }, colorScheme: "light" } },
  { name: "dark", options: { viewport: { width: 1280, height: 800 }, colorScheme: "dark" } },
  { name: "mobile", options: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: "light" } },
];

for (const { name, options } of CASES) {
  test(`the import tip, ${name}`, async () => {
    const context = await browser.newContext(options);
    const { page, rec } = await openPage(context);
    await page.goto(`${server.url}/`);
    await waitForSdk(page);
    await createAccount(page);
    await fillCompany(page);
    await uploadCsv(page, "contacts-bad.csv");
    await importResult(page);
    await waitForSignal(rec, "import_failure");
    const card = await waitForTip(page, "Your CSV needs three columns");
    const path = await screenshot(page, `tip-${name}.png`);

    const box = await card.boundingBox();
    const vp = page.viewportSize();
    assert.ok(inViewport(box, vp), `inside the ${vp.width} px viewport: ${JSON.stringify(box)}`);
    const anchor = await page.locator("#dropzone").boundingBox();
    assert.ok(gap(box, anchor) <= 24, `beside #dropzone: tip ${JSON.stringify(box)}, anchor ${JSON.stringify(anchor)}`);
    const bg = await card.evaluate((el) => getComputedStyle(el).backgroundColor);
    const fg = await card.evaluate((el) => getComputedStyle(el).color);
    if (name === "dark") assert.ok(luminance(bg) < 0.2, `dark background in dark mode: ${bg}`);
    else assert.ok(luminance(bg) > 0.6, `light background in light mode: ${bg}`);
    const [hi, lo] = [luminance(bg), luminance(fg)].sort((a, b) => b - a);
    const contrast = (hi + 0.05) / (lo + 0.05);
    assert.ok(contrast >= 4.5, `text contrast ${contrast.toFixed(2)} ≥ 4.5 (${fg} on ${bg}); ${path}`);
    await context.close();
  });
}
