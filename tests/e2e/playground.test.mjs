// The tip playground: a product manager edits the config, sees its problems by path (the SDK's
// own reader), and previews a tip as the SDK renders it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, screenshot } from "./harness.mjs";

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test("the playground validates the demo config, names a broken path, and previews a tip", async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/playground.html`);
  await page.locator("#verdict", { hasText: "Valid: 6 steps, 13 tips" }).waitFor({ timeout: 10_000 });

  // Not JSON: said with a line and column, before the SDK is asked.
  await page.fill("#config", '{\n  "steps": [\n    { "id": "a" },\n  ]\n}');
  await page.click("#validate");
  await page.locator("#verdict", { hasText: "Not valid JSON" }).waitFor();
  assert.match(await page.textContent("#problems"), /line 4/);

  // Valid JSON, wrong config: every problem with its path.
  const config = JSON.parse(await (await page.request.get(`${server.url}/unstuck.config.json`)).text());
  config.tips[1].trigger.step = "billing";
  config.steps[0].colour = "blue";
  await page.fill("#config", JSON.stringify(config, null, 2));
  await page.click("#validate");
  await page.locator("#verdict", { hasText: "2 problems" }).waitFor({ timeout: 10_000 });
  const problems = await page.locator("#problems li").allTextContents();
  assert.ok(problems.some((p) => p.includes("tips[1].trigger.step") && p.includes("billing")), JSON.stringify(problems));
  assert.ok(problems.some((p) => p.includes("steps[0].colour")), JSON.stringify(problems));

  // Back to the demo's config; preview the import tip.
  await page.click("#load-demo");
  await page.locator("#verdict", { hasText: "Valid" }).waitFor({ timeout: 10_000 });
  const index = await page.locator("#tip option", { hasText: "import-columns" }).getAttribute("value");
  await page.selectOption("#tip", index);
  await page.click("#preview");
  const card = page.frameLocator("#frame").locator("unstuck-tip .c");
  await card.waitFor({ state: "visible", timeout: 10_000 });
  assert.match(await card.textContent(), /Your CSV needs three columns/);
  assert.equal(await card.locator("a").getAttribute("href"), "/samples/contacts-good.csv");
  await page.locator("#preview-note", { hasText: "Showing" }).waitFor();
  await screenshot(page, "playground.png");
  assert.deepEqual(errors, []);
  await context.close();
});
