// Delivery under faults (issue 4 §3): a page produces a known number N of events while the
// network, the tab, storage or the server misbehave; the database must end with exactly those
// N events, each once. Real Chromium, the real `unstuck serve` on loopback with a temp SQLite
// file (or, with UNSTUCK_TEST_PG set, a fresh PostgreSQL database per case), and a small fault-injecting proxy in front of it (the page only ever talks to the
// proxy, so the server can be killed and restarted on another port mid-session).
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawn, execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, BIN, launch, waitForSdk } from "./harness.mjs";

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PAGE = "/delivery.html";

// `scripts/test.sh` runs this file a second time with a throwaway PostgreSQL cluster.
const PG = process.env.UNSTUCK_TEST_PG;
let pgDatabases = 0;

/** A fresh database on the cluster at `PG`, for one case. */
function freshPg() {
  const name = `unstuck_e2e_${process.pid}_${++pgDatabases}`;
  execFileSync("psql", [PG, "-qc", `CREATE DATABASE ${name}`]);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `unstuck serve` on 127.0.0.1:0 with one database that survives kill and restart. */
class Server {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "unstuck-delivery-"));
    this.database = PG ? freshPg() : `sqlite://${join(this.dir, "e2e.db")}`;
    this.child = null;
    this.url = null;
  }

  async start() {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: cargo build --release -p unstuck-server`);
    const child = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--database", this.database,
      "--www", join(ROOT, "tests/e2e/pages"), "--dist", join(ROOT, "dist")],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "warn" } });
    this.child = child;
    let log = "";
    child.stderr.on("data", (d) => { log += d; });
    this.url = await new Promise((ok, fail) => {
      let out = "";
      const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}\n${log}`)), 20_000);
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) { clearTimeout(timer); ok(m[1].replace(/\/$/, "")); }
      });
      child.once("exit", (code) => { clearTimeout(timer); fail(new Error(`server exited (${code}):\n${log}`)); });
    });
    return this.url;
  }

  /** Kills the process at once (no graceful shutdown), as a crash would. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
    this.child = null;
  }

  async stop() {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every stored event, payload flattened. */
  async events() {
    const { stdout } = await run(BIN, ["export", "--database", this.database], { maxBuffer: 64 << 20 });
    return stdout.split("\n").filter((l) => l.trim()).map((l) => {
      const row = JSON.parse(l);
      return { ...(row.payload && typeof row.payload === "object" ? row.payload : {}), ...row };
    });
  }

  /** The `dropped` counts the SDK reported, summed per session. */
  async losses() {
    const { stdout } = await run(BIN, ["export", "--losses", "--database", this.database]);
    return stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  }
}

/**
 * The page's origin. Forwards everything to the current server; `POST /v1/events` requests
 * are logged and may be faulted: answered with a status (`500`, `[429, seconds]`), dropped
 * (`"drop"`: the connection is destroyed unanswered) or held until `release()`.
 */
class Proxy {
  constructor(upstream) {
    this.upstream = upstream;
    this.faults = []; // one per request, in order; then `mode`
    this.mode = "pass"; // "pass" | "drop" | "hold"
    this.log = []; // { at, ids, dropped, beacon, outcome }
    this.inflight = new Set();
    this.overlaps = []; // two fetches in flight at once with an event in common
    this.held = [];
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async listen() {
    await new Promise((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this.url;
  }

  close() {
    this.release();
    this.server.closeAllConnections?.();
    return new Promise((r) => this.server.close(r));
  }

  release() {
    const held = this.held;
    this.held = [];
    held.forEach((r) => r());
  }

  async handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    if (req.method !== "POST" || !req.url.startsWith("/v1/events")) return this.forward(req, body, res);
    let parsed = null;
    try { parsed = JSON.parse(body.toString("utf8")); } catch { /* logged as such */ }
    const entry = {
      at: Date.now(),
      ids: (parsed?.events || []).map((e) => e.id),
      names: (parsed?.events || []).map((e) => e.name),
      dropped: parsed?.dropped,
      // sendBeacon requests are no-cors; the SDK's fetches are cors/same-origin.
      beacon: req.headers["sec-fetch-mode"] === "no-cors",
      contentType: req.headers["content-type"],
      outcome: "pending",
    };
    this.log.push(entry);
    if (!entry.beacon) {
      for (const other of this.inflight) {
        if (other.ids.some((id) => entry.ids.includes(id))) this.overlaps.push([other, entry]);
      }
      this.inflight.add(entry);
    }
    try {
      let fault = this.faults.length ? this.faults.shift() : this.mode;
      if (fault === "hold") {
        await new Promise((r) => this.held.push(r));
        fault = this.mode === "hold" ? "pass" : this.mode;
      }
      if (fault === "drop") {
        entry.outcome = "dropped";
        req.socket.destroy();
      } else if (typeof fault === "number" || Array.isArray(fault)) {
        const [status, retryAfter] = [].concat(fault);
        entry.outcome = status;
        const headers = { "content-type": "application/json" };
        if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
        res.writeHead(status, headers);
        res.end(JSON.stringify({ error: "injected" }));
      } else {
        entry.outcome = await this.forward(req, body, res);
      }
    } finally {
      this.inflight.delete(entry);
    }
  }

  /** Passes one request to the server; a server that is down looks like a network failure. */
  forward(req, body, res) {
    return new Promise((done) => {
      const target = new URL(req.url, this.upstream());
      const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
        r.on("end", () => done(r.statusCode));
      });
      up.on("error", () => { req.socket.destroy(); done("down"); });
      up.end(body);
    });
  }

  sends() { return this.log.filter((e) => !e.beacon); }
}

/** Fresh server, proxy and browser context for one test. */
async function setup(t, { clock = true, serverUp = true } = {}) {
  const server = new Server();
  if (serverUp) await server.start();
  const proxy = new Proxy(() => server.url || "http://127.0.0.1:9");
  await proxy.listen();
  const browser = await launch();
  const context = await browser.newContext();
  t.after(async () => {
    await browser.close();
    await proxy.close();
    await server.stop();
  });
  const open = async () => {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.errors = errors;
    if (clock) await page.clock.install();
    await page.goto(proxy.url + PAGE);
    await waitForSdk(page);
    return page;
  };
  return { server, proxy, browser, context, open };
}

const produce = (page, from, to) => page.evaluate(([a, b]) => window.produce(a, b), [from, to]);

/** Stored `ev-*` events, waiting until `n` are there (or `timeoutMs` passed). */
async function stored(server, n, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const evs = (await server.events()).filter((e) => e.type === "track" && /^ev-\d+$/.test(e.name));
    if (evs.length >= n || Date.now() > until) return evs;
    await sleep(250);
  }
}

/** Exactly `ev-1` .. `ev-n`, each once, each with a distinct id. */
function assertExactly(evs, n, from = 1) {
  const names = evs.map((e) => e.name).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const want = Array.from({ length: n }, (_, i) => `ev-${from + i}`);
  assert.deepEqual(names, want, "every event stored exactly once");
  assert.equal(new Set(evs.map((e) => e.id)).size, n, "distinct ids");
}

/** Waits a little longer, then checks nothing more arrived (no late duplicates). */
async function settledExactly(server, n, from = 1) {
  assertExactly(await stored(server, n), n, from);
  await sleep(1_500);
  assertExactly(await stored(server, n, 0), n, from);
}

test("(a) offline for minutes, then online: every event arrives once", async (t) => {
  const { server, proxy, context, open } = await setup(t);
  const page = await open();
  const N = 60;
  await context.setOffline(true);
  await produce(page, 1, N);
  // Minutes offline: retries come and fail (backing off, never giving up).
  for (let i = 0; i < 10; i++) await page.clock.fastForward(30_000);
  assert.equal(proxy.sends().length, 0, "nothing reached the network while offline");
  const stillStored = await page.evaluate(() => localStorage.getItem("unstuck:demo:outbox") || "");
  assert.equal((stillStored.match(/"name":"ev-/g) || []).length, N, "all pending, in storage");
  await context.setOffline(false); // `online` flushes at once, whatever the backoff
  await settledExactly(server, N);
  assert.deepEqual(page.errors, []);
});

test("(b) the tab is closed while a send is in flight: nothing is lost", async (t) => {
  const { server, proxy, open } = await setup(t);
  let page = await open();
  const N = 20; // 20 events flush at once
  proxy.mode = "hold";
  await produce(page, 1, N);
  const until = Date.now() + 10_000;
  while (!proxy.sends().some((e) => e.ids.length) && Date.now() < until) await sleep(50);
  assert.ok(proxy.sends().length >= 1, "a send is in flight");
  // The tab closes with the request unanswered, and the request is then lost on the way.
  proxy.mode = "drop";
  await page.close({ runBeforeUnload: true });
  proxy.release();
  await sleep(500);
  assert.equal((await stored(server, N, 0)).length, 0, "nothing arrived yet");
  // The next visit finds the events in storage and sends them.
  proxy.mode = "pass";
  page = await open();
  await settledExactly(server, N);
});

test("(b2) the tab is closed while a keepalive send is in flight: it completes", async (t) => {
  const { server, proxy, open } = await setup(t);
  const page = await open();
  const N = 20;
  proxy.mode = "hold";
  await produce(page, 1, N);
  const until = Date.now() + 10_000;
  while (!proxy.sends().some((e) => e.ids.length) && Date.now() < until) await sleep(50);
  proxy.mode = "pass";
  await page.close({ runBeforeUnload: true });
  proxy.release(); // the held request (and any beacon) now reach the server
  await settledExactly(server, N);
});

test("(c) the server answers 500, then 429 with Retry-After, then 200", async (t) => {
  const { server, proxy, open } = await setup(t, { clock: false });
  const page = await open();
  const N = 20;
  proxy.faults = [500, [429, 3]];
  await produce(page, 1, N);
  await settledExactly(server, N);
  const sends = proxy.sends().filter((e) => e.ids.length);
  assert.deepEqual(sends.slice(0, 3).map((e) => e.outcome), [500, 429, 200]);
  assert.ok(sends[1].at - sends[0].at >= 700, "a backoff of about 1 s after the 500");
  assert.ok(sends[2].at - sends[1].at >= 2_900, "Retry-After: 3 honoured");
  for (const s of sends.slice(0, 3)) assert.deepEqual(s.ids, sends[0].ids, "the same batch retried");
  assert.ok(sends.every((s) => s.contentType.startsWith("text/plain")), "text/plain: no preflight");
});

test("(d) the server is killed and restarted mid-session", async (t) => {
  const { server, proxy, open } = await setup(t);
  const page = await open();
  await produce(page, 1, 20);
  assertExactly(await stored(server, 20), 20);
  await server.kill();
  await produce(page, 21, 50);
  await page.clock.fastForward(6_000);
  await page.clock.fastForward(6_000);
  assert.ok(proxy.sends().some((e) => e.outcome === "down"), "sends failed while it was down");
  await server.start(); // same database file, new port behind the proxy
  for (let i = 0; i < 12; i++) {
    if ((await stored(server, 50, 0)).length >= 50) break;
    await page.clock.fastForward(30_000); // past any backoff
    await sleep(300);
  }
  await settledExactly(server, 50);
});

// Two tabs produce 80 events between them, in turns: the collector gets each exactly once and
// the proxy never sees two sends in flight at once. `check(tab)` runs once both tabs are open.
async function twoTabsSendEveryEventOnce({ server, proxy, open }, check = async () => {}) {
  const [a, b] = [await open(), await open()];
  await check(a);
  const N = 80;
  for (let i = 1; i <= N; i += 10) {
    await produce(i % 20 === 1 ? a : b, i, i + 9);
    await sleep(100);
  }
  await settledExactly(server, N);
  assert.deepEqual(proxy.overlaps.map(([x, y]) => [x.names, y.names]), [], "no overlapping sends");
}

test("(e) two tabs at once: every event once, never the same events in flight twice", async (t) => {
  await twoTabsSendEveryEventOnce(await setup(t, { clock: false }));
});

test("(e2) two tabs without the Web Locks API: the lease key keeps one sender", async (t) => {
  const env = await setup(t, { clock: false });
  await env.context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined });
  });
  await twoTabsSendEveryEventOnce(env, async (tab) =>
    assert.equal(await tab.evaluate(() => navigator.locks), undefined));
});

test("(f) a reload between every few events", async (t) => {
  const { server, open } = await setup(t, { clock: false });
  let page = await open();
  const N = 30;
  for (let i = 1; i <= N; i += 3) {
    await produce(page, i, i + 2);
    await page.reload();
    await waitForSdk(page);
  }
  await settledExactly(server, N);
  await page.close();
});

test("(g) storage full: the loss is bounded, counted and reported in the next batch", async (t) => {
  const { server, proxy, context, open } = await setup(t);
  const page = await open();
  const BOUND = 1_000; // the default pending bound
  const EXTRA = 40;
  await context.setOffline(true);
  await page.evaluate(([n]) => window.produce(1, n), [BOUND + EXTRA]);
  await context.setOffline(false);
  // The oldest EXTRA went; the rest arrive once; the first batch says how many were lost.
  const evs = await stored(server, BOUND, 60_000);
  assertExactly(evs, BOUND, EXTRA + 1);
  const first = proxy.sends().find((e) => e.outcome === 200);
  assert.equal(first.dropped, EXTRA, "the next batch reports the drop");
  const later = proxy.sends().filter((e) => e.outcome === 200 && e !== first);
  assert.ok(later.every((e) => e.dropped === 0), "reported once");
  const losses = await server.losses();
  assert.equal(losses.reduce((s, l) => s + l.dropped, 0), EXTRA, "the server recorded the loss");
});

test("(g2) localStorage itself full: events fall back to memory and still arrive", async (t) => {
  const { server, open } = await setup(t, { clock: false });
  const page = await open();
  // Fill the origin's quota with someone else's data.
  await page.evaluate(() => {
    const chunk = "x".repeat(256 * 1024);
    try { for (let i = 0; ; i++) localStorage.setItem("filler-" + i, chunk); } catch { /* full */ }
    try { for (let i = 0; ; i++) localStorage.setItem("small-" + i, "x".repeat(1024)); } catch { /* full */ }
  });
  const N = 30;
  await produce(page, 1, N);
  await settledExactly(server, N);
  assert.deepEqual(page.errors, [], "a quota error never reaches the page");
});

test("(h) Global Privacy Control: nothing is sent or stored", async (t) => {
  const { server, proxy, context, open } = await setup(t, { clock: false });
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true });
  });
  const page = await open();
  await produce(page, 1, 25);
  await sleep(1_500);
  assert.deepEqual(proxy.sends(), [], "no request");
  assert.equal(await page.evaluate(() => localStorage.getItem("unstuck:demo:outbox")), null);
  assert.equal((await stored(server, 1, 0)).length, 0);
});

test("(i) consent(false) stops sending and clears the stored queue", async (t) => {
  const { server, proxy, context, open } = await setup(t, { clock: false });
  const page = await open();
  await context.setOffline(true);
  await produce(page, 1, 5);
  const before = await page.evaluate(() => localStorage.getItem("unstuck:demo:outbox") || "");
  assert.equal((before.match(/"name":"ev-/g) || []).length, 5, "queued while offline");
  await page.evaluate(() => window.unstuck.consent(false));
  assert.equal(await page.evaluate(() => localStorage.getItem("unstuck:demo:outbox")), null);
  await context.setOffline(false);
  await produce(page, 6, 30);
  await sleep(1_500);
  assert.deepEqual(proxy.sends().filter((e) => e.names.some((n) => /^ev-/.test(n))), []);
  assert.equal((await stored(server, 1, 0)).length, 0);
});
