// The demo's config: valid for `unstuck validate`, a tip for every seed signal, and every
// selector it names exists in the demo page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pathToFileURL } from "node:url";
import { ROOT, BIN, launch } from "./harness.mjs";

const run = promisify(execFile);
const CONFIG = join(ROOT, "www/unstuck.config.json");
const SIGNALS = [
  "repeated_error", "import_failure", "integration_failure", "stall", "back_loop", "help_unresolved",
  "step_timeout", "abandoned", "returned_no_resume", "rage_click", "major_struggle",
];

test("unstuck validate accepts the demo config", async () => {
  const { stdout } = await run(BIN, ["validate", CONFIG]);
  assert.ok(stdout.trim().length > 0, "prints a summary");
});

test("unstuck validate names the exact path of a mistake in it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "unstuck-config-"));
  try {
    const config = JSON.parse(readFileSync(CONFIG, "utf8"));
    config.tips[1].trigger.step = "billing";
    const file = join(dir, "broken.json");
    writeFileSync(file, JSON.stringify(config));
    const err = await run(BIN, ["validate", file]).then(() => null, (e) => e);
    assert.ok(err, "exit status is not 0");
    assert.equal(err.code, 1);
    assert.match(`${err.stdout}${err.stderr}`, /tips\[1\]\.trigger\.step/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every seed signal has a tip, and major struggle offers help", () => {
  const config = JSON.parse(readFileSync(CONFIG, "utf8"));
  const covered = new Set(config.tips.map((t) => t.trigger.signal));
  for (const s of SIGNALS) assert.ok(covered.has(s), `no tip for ${s}`);
  assert.ok(config.tips.some((t) => t.trigger.signal === "major_struggle" && t.offer_help));
});

test("every selector in the config finds an element in the demo page", async () => {
  const config = JSON.parse(readFileSync(CONFIG, "utf8"));
  const selectors = [
    ...config.steps.map((s) => s.selector).filter(Boolean),
    ...Object.values(config.selectors || {}).flat(),
    ...config.tips.map((t) => t.anchor).filter(Boolean),
  ];
  const browser = await launch();
  try {
    const page = await browser.newPage();
    // The markup alone (scripts and styles do not load from file://): what the selectors target.
    await page.goto(pathToFileURL(join(ROOT, "www/index.html")).href);
    const missing = await page.evaluate((list) => list.filter((s) => !document.querySelector(s)), selectors);
    assert.deepEqual(missing, []);
  } finally {
    await browser.close();
  }
});
