//! Delivery I/O around the pure [`Outbox`]: `fetch(..., {keepalive: true})` POSTs of
//! `text/plain` JSON, `sendBeacon` when the page is hidden or unloading, the pending queue in
//! `localStorage` (`unstuck:<site>:outbox`, memory when storage fails), the `online` event,
//! one sending tab at a time (Web Locks, else a lease key), and the privacy switches. Every
//! rule (batching, retries, bounds, merging tabs' queues) lives in the outbox.

use crate::prelude::*;

use alloc::rc::Rc;
use core::cell::Cell;

use super::dom::{self, get, set, Listener};
use super::storage::Store;
use crate::core::outbox::{self, lease, Outbox, OutboxConfig, Outcome, Priority};
use crate::core::output::{Event, EventBody};
use crate::core::signal::{Severity, SignalKind};
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with(url: &str, init: &Object) -> Promise;
    /// A `Promise` (its own type: `new Promise(executor)` with a plain function, not a closure).
    #[wasm_bindgen(js_name = Promise)]
    type Held;
    #[wasm_bindgen(constructor, js_class = Promise)]
    fn new(executor: &Function) -> Held;
}

// Every promise and lock callback of a send is the transport's one `Step` closure with the
// step's kind (and batch) and a value bound in front (`Function.prototype.bind`): one closure
// type instead of six (wasm and glue bytes). Wrapped by `dom::guarded`: if the SDK died (the
// closure is gone or traps), the callback fails silently, never into the page.
#[wasm_bindgen]
extern "C" {
    /// A function whose `bind` takes a number and a value.
    #[wasm_bindgen(js_name = Function)]
    type Bindable;
    #[wasm_bindgen(method, js_name = bind)]
    fn bind2(this: &Bindable, this_arg: &JsValue, k: f64, d: &JsValue) -> JsValue;
}

/// `a => f(k, d, a)`, guarded.
fn step(f: &JsValue, k: f64, d: &JsValue) -> Function {
    dom::guarded(&f.unchecked_ref::<Bindable>().bind2(&JsValue::NULL, k, d))
}

/// `(kind + KINDS * batch, bound value, argument)`; the signature `watch` uses too (one shim).
type Step = dyn Fn(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>;
const KINDS: u64 = 8;
/// A rejected promise, ignored (so it never surfaces as the host's unhandled rejection).
const IGNORE: u64 = 0;
/// The keepalive fetch failed: `(batch, body, error)`; posts again without keepalive.
const RETRY: u64 = 1;
/// The fetch answered: `(batch, _, response)`.
const ANSWER: u64 = 2;
/// The fetch failed twice: `(batch, _, error)`.
const FAILED: u64 = 3;
/// The Web Lock's callback: `(_, the steps closure, lock or null)`.
const LOCKED: u64 = 4;
/// The executor of the promise that holds the lock: `(_, _, resolve)`.
const HOLD: u64 = 5;

/// The SDK name and version sent with every batch.
const SDK: &str = concat!("unstuck/", env!("CARGO_PKG_VERSION"));
/// How long to wait before asking again when another tab is sending.
const BUSY_RETRY_MS: u64 = 1_500;
/// A send not settled after this long frees the sender (the outbox already counts it lost).
const STUCK_MS: u64 = 70_000;

/// Whether this page may send, from the privacy signals and the host's choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Privacy {
    /// Sending (and storing the queue) allowed.
    Allowed,
    /// `navigator.globalPrivacyControl` is on: nothing is sent; tips still work.
    GlobalPrivacyControl,
    /// `doNotTrack` is on and the config honours it.
    DoNotTrack,
    /// The host withheld consent (`consent(false)` or the `consent: false` option).
    NoConsent,
}

impl Privacy {
    /// What the browser and the host say at start: consent first, then GPC, then DNT.
    pub fn detect(consent: bool, honour_dnt: bool) -> Privacy {
        let nav = dom::window().navigator();
        if !consent {
            Privacy::NoConsent
        } else if get(&nav, "globalPrivacyControl").as_bool() == Some(true) {
            Privacy::GlobalPrivacyControl
        } else if honour_dnt && get(&nav, "doNotTrack") == "1" {
            Privacy::DoNotTrack
        } else {
            Privacy::Allowed
        }
    }
}

/// Where the sender stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sending {
    /// Nothing under way.
    Idle,
    /// The lock was asked for, or a request is in flight, since this time.
    Busy(u64),
    /// Another tab holds the lock; ask again at this time.
    Waiting(u64),
}

/// Sends engine events to the collector without losing them (see the module docs).
pub struct Transport {
    url: String,
    /// `unstuck:<site>:*` in localStorage: the queue (`outbox`) and the lease (`lease`).
    store: Store,
    session: String,
    outbox: Outbox,
    privacy: Privacy,
    sending: Sending,
    /// Resolves the Web Lock's promise (or releases the lease) when the send settles.
    release: Option<Function>,
    /// This tab's lease owner id (when there is no Web Locks API).
    tab: String,
    /// The text this tab wrote last: when storage still holds it, no other tab wrote since.
    written: Option<String>,
    /// The batch of the last send: only its callbacks act (an older send's are ignored).
    latest: Rc<Cell<u64>>,
    /// The promise and lock callbacks (see [`Step`]); freed with the transport.
    steps: Closure<Step>,
    online: Option<Listener>,
}

impl Transport {
    /// A transport posting to `{endpoint}/v1/events`, restoring the stored queue.
    pub fn new(endpoint: &str, site: &str, session: &str, privacy: Privacy) -> Transport {
        let now = dom::now();
        let url = [endpoint.trim_end_matches('/'), "/v1/events"].concat();
        let latest = Rc::new(Cell::new(0));
        let steps = Closure::<Step>::own_aborting({
            let (url, latest) = (url.clone(), latest.clone());
            move |k, d, a| Ok(on_step(&url, &latest, k, d, a))
        });
        let mut t = Transport {
            url,
            store: Store::new(site),
            session: session.into(),
            outbox: Outbox::new(OutboxConfig::default(), site, SDK, session, None),
            privacy,
            sending: Sending::Idle,
            release: None,
            tab: uuid_v7(now),
            written: None,
            latest,
            steps,
            online: None,
        };
        if privacy == Privacy::Allowed {
            t.sync(now); // nothing written yet: takes in the whole stored queue
        }
        let win = dom::window();
        t.online = Some(Listener::new(win.unchecked_ref(), "online", false, |_| {
            super::with(|s| s.transport().on_online())
        }));
        t
    }

    /// Sets the user sent with later events.
    pub fn set_user(&mut self, user: Option<String>) {
        self.outbox.set_session(&self.session, user.as_deref());
    }

    /// The host's consent: `false` stops sending and clears the queue, here and in storage;
    /// `true` allows sending (an explicit choice, so it also overrides GPC and DNT).
    pub fn set_enabled(&mut self, on: bool) {
        if on {
            self.privacy = Privacy::Allowed;
            return;
        }
        self.privacy = Privacy::NoConsent;
        self.outbox.clear();
        self.store.remove("outbox");
    }

    /// Queues one event (and stores the queue at once, so a closed tab keeps it).
    pub fn push(&mut self, event: &Event, now: u64) {
        if self.privacy != Privacy::Allowed {
            return;
        }
        let Some(json) = super::dom::json(event) else {
            return;
        };
        let priority = match &event.body {
            EventBody::Signal(s)
                if s.kind == SignalKind::MajorStruggle || s.severity == Severity::Major =>
            {
                Priority::Immediate
            }
            _ => Priority::Normal,
        };
        let mut random = [0u8; 10];
        fill_random(&mut random);
        if self.outbox.push(now, &json, random, priority).is_ok() {
            self.persist(now);
        }
    }

    /// When the transport wants [`Transport::poll`] called.
    pub fn deadline(&self) -> Option<u64> {
        if self.privacy != Privacy::Allowed {
            return None;
        }
        match self.sending {
            Sending::Idle => self.outbox.poll_timeout(),
            Sending::Busy(since) => Some(since + STUCK_MS),
            Sending::Waiting(at) => Some(at),
        }
    }

    /// Starts a send if one is due.
    pub fn poll(&mut self, now: u64) {
        if self.privacy != Privacy::Allowed {
            return;
        }
        match self.sending {
            Sending::Busy(since) if now < since + STUCK_MS => return,
            Sending::Busy(_) => self.settle(),
            Sending::Waiting(at) if now < at => return,
            Sending::Waiting(_) => self.sending = Sending::Idle,
            Sending::Idle => {}
        }
        if self.outbox.poll_timeout().is_some_and(|t| t <= now) {
            self.sending = Sending::Busy(now);
            self.acquire(now);
        }
    }

    /// The page may be going away (`beacon`) or the SDK is shutting down: store the queue and,
    /// when hidden, beacon everything waiting (it stays stored until a send is acknowledged).
    pub fn flush(&mut self, beacon: bool, now: u64) {
        if self.privacy != Privacy::Allowed {
            return;
        }
        self.persist(now);
        if !beacon {
            self.poll(now);
            return;
        }
        let nav = dom::window().navigator();
        for body in self.outbox.on_hidden(now) {
            // `false` means the browser's beacon budget is spent: the rest waits in storage.
            if !nav
                .send_beacon_with_opt_str(&self.url, Some(&body))
                .unwrap_or(false)
            {
                break;
            }
        }
    }

    fn on_online(&mut self) {
        let now = dom::now();
        self.outbox.on_online(now);
        if let Sending::Waiting(_) = self.sending {
            self.sending = Sending::Idle;
        }
        self.poll(now);
    }

    /// Takes in what other tabs stored, unless storage still holds this tab's own last write.
    fn sync(&mut self, now: u64) {
        if let Some(text) = self.store.get("outbox") {
            if self.written.as_ref() != Some(&text) {
                self.outbox.sync(now, &text);
            }
        }
    }

    /// Merges storage into memory and writes the result back; on failure (quota, blocked)
    /// the queue stays in memory, bounded the same way, and the next write tries again.
    fn persist(&mut self, now: u64) {
        if self.privacy != Privacy::Allowed {
            return;
        }
        self.sync(now);
        if Store::storage().is_none() {
            return;
        }
        let text = self.outbox.snapshot();
        // A quota error leaves the queue in memory (same bounds); the next write tries again.
        if self.store.set("outbox", &text) {
            self.outbox.on_persisted();
            self.written = Some(text);
        }
    }

    /// Becomes the one sending tab, then sends: the Web Locks API where there is one
    /// (held until the send settles), else a lease key in storage.
    fn acquire(&mut self, now: u64) {
        let nav = dom::window().navigator();
        let locks = get(&nav, "locks");
        let request = get(&locks, "request").dyn_into::<Function>().ok();
        if let Some(request) = request {
            let options = Object::new();
            set(&options, "ifAvailable", &JsValue::TRUE);
            let name = JsValue::from_str(&self.store.key("send"));
            let cb = self.step(LOCKED, self.steps.as_ref());
            match request.call3(&locks, &name, &options, &cb) {
                Ok(p) => {
                    let _ = call(&p, "catch", &[&self.step(IGNORE, &JsValue::UNDEFINED)]);
                }
                Err(_) => self.sending = Sending::Idle,
            }
            return;
        }
        if Store::storage().is_none() {
            // No storage, no other tab to share it with: just send.
            return self.send(now);
        }
        let held = self.store.get("lease");
        if !lease::may_take(held.as_deref(), &self.tab, now)
            || !self.store.set("lease", &lease::claim(&self.tab, now))
        {
            return self.busy();
        }
        self.send(now);
    }

    /// Another tab is sending (it sends this tab's stored events too): ask again later.
    fn busy(&mut self) {
        let now = dom::now();
        self.sending = Sending::Waiting(now + BUSY_RETRY_MS + u64::from(random_u32() % 500));
    }

    fn send_locked(&mut self, release: Function) {
        self.release = Some(release);
        self.send(dom::now());
    }

    /// Holding the lock: takes the latest stored queue and sends the next batch, if any.
    fn send(&mut self, now: u64) {
        if self.privacy != Privacy::Allowed {
            return self.settle();
        }
        self.sync(now);
        let Some(batch) = self.outbox.poll_send(now) else {
            return self.settle();
        };
        let code = batch.id * KINDS;
        self.latest.set(batch.id);
        let body = JsValue::from_str(&batch.body);
        let first = post(&self.url, &body, true);
        let none = JsValue::UNDEFINED;
        let p = call(&first, "catch", &[&self.step(code + RETRY, &body)]);
        let (ok, err) = (
            self.step(code + ANSWER, &none),
            self.step(code + FAILED, &none),
        );
        let p = call(&p, "then", &[&ok, &err]);
        let _ = call(&p, "catch", &[&self.step(IGNORE, &none)]);
    }

    /// The callback for step `k` with `d` bound.
    fn step(&self, k: u64, d: &JsValue) -> Function {
        step(self.steps.as_ref(), k as f64, d)
    }

    /// The shell's part of a step (see [`on_step`]): `a` is its argument.
    fn on_step(&mut self, kind: u64, batch: u64, a: JsValue) {
        match kind {
            ANSWER => {
                let code = get(&a, "status").as_f64().unwrap_or(0.0) as u16;
                let headers = get(&a, "headers");
                let retry_after = get(&headers, "get")
                    .dyn_into::<Function>()
                    .ok()
                    .and_then(|f| f.call1(&headers, &JsValue::from_str("Retry-After")).ok())
                    .and_then(|v| v.as_string())
                    .and_then(|v| outbox::parse_retry_after(&v, dom::now()));
                let outcome = Outcome::Status {
                    code,
                    retry_after_ms: retry_after,
                };
                self.on_result(batch, outcome);
            }
            FAILED => self.on_result(batch, Outcome::Network),
            LOCKED => self.busy(),
            HOLD => self.send_locked(a.unchecked_into()),
            _ => {}
        }
    }

    fn on_result(&mut self, batch: u64, outcome: Outcome) {
        let now = dom::now();
        self.outbox.on_result(now, batch, outcome, random_u32());
        self.persist(now);
        self.settle();
    }

    /// The send is over: release the lock or lease; the next one waits for `poll`.
    fn settle(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        } else if self
            .store
            .get("lease")
            .is_some_and(|v| v.split(' ').next() == Some(self.tab.as_str()))
        {
            self.store.remove("lease");
        }
        self.sending = Sending::Idle;
    }
}

/// One step of a send (see [`Step`]), run by the browser.
fn on_step(url: &str, latest: &Cell<u64>, k: JsValue, d: JsValue, a: JsValue) -> JsValue {
    let k = k.as_f64().unwrap_or(0.0) as u64;
    let (kind, batch) = (k % KINDS, k / KINDS);
    if matches!(kind, RETRY | ANSWER | FAILED) && batch != latest.get() {
        // A newer send started: this one's answer no longer matters.
        return JsValue::UNDEFINED;
    }
    match kind {
        IGNORE => JsValue::UNDEFINED,
        // A keepalive fetch is refused when the page's keepalive budget (64 KB in flight,
        // beacons included) is spent: try once more without keepalive.
        RETRY => post(url, &d, false).into(),
        // Held until `release` (this promise's resolve) is called; `d` is the steps closure.
        LOCKED if !a.is_null() => Held::new(&step(&d, HOLD as f64, &JsValue::UNDEFINED)).into(),
        _ => {
            if kind == HOLD {
                // Never hold the lock forever, whatever happens to this page's SDK.
                let _ = dom::window().set_timeout_with_callback_and_timeout_and_arguments_0(
                    a.unchecked_ref(),
                    STUCK_MS as i32,
                );
            }
            // One closure type for every step that needs the shell.
            super::with(move |s| s.transport().on_step(kind, batch, a));
            JsValue::UNDEFINED
        }
    }
}

fn post(url: &str, body: &JsValue, keepalive: bool) -> Promise {
    let init = Object::new();
    set(&init, "method", &JsValue::from_str("POST"));
    set(&init, "body", body);
    // text/plain (a string body's default) keeps the request simple: no CORS preflight.
    set(&init, "keepalive", &JsValue::from_bool(keepalive));
    set(&init, "credentials", &JsValue::from_str("omit"));
    fetch_with(url, &init)
}

/// `target[method](...args)` (js-sys' `Promise::then` takes only closures returning nothing).
fn call(target: &JsValue, method: &str, args: &[&JsValue]) -> JsValue {
    let Ok(f) = get(target, method).dyn_into::<Function>() else {
        return JsValue::UNDEFINED;
    };
    let r = match args {
        [a] => f.call1(target, a),
        [a, b] => f.call2(target, a, b),
        _ => f.call0(target),
    };
    r.unwrap_or(JsValue::UNDEFINED)
}

/// Fills `buf` from `crypto.getRandomValues` (`Math.random` only if that is missing).
pub fn fill_random(buf: &mut [u8]) {
    let filled = dom::window()
        .crypto()
        .is_ok_and(|c| c.get_random_values_with_u8_array(buf).is_ok());
    if !filled {
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    fill_random(&mut b);
    u32::from_le_bytes(b)
}

/// A UUIDv7 string from the clock and `crypto.getRandomValues` (session and tab ids).
pub fn uuid_v7(now: u64) -> String {
    let mut random = [0u8; 10];
    fill_random(&mut random);
    outbox::uuid_v7(now, &random)
}

#[cfg(test)]
mod tests {
    use js_sys::Reflect;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// Shadows `navigator[key]` with `value` (`None` removes the shadow).
    fn navigator(key: &str, value: Option<JsValue>) {
        let nav: Object = dom::window().navigator().unchecked_into();
        let key = JsValue::from_str(key);
        let _ = Reflect::delete_property(&nav, &key);
        if let Some(value) = value {
            let desc = Object::new();
            set(&desc, "value", &value);
            set(&desc, "configurable", &JsValue::TRUE);
            Object::define_property(&nav, &key, &desc);
        }
    }

    #[wasm_bindgen_test]
    fn privacy_is_consent_then_gpc_then_dnt_as_the_string_1() {
        navigator("globalPrivacyControl", Some(JsValue::FALSE));
        navigator("doNotTrack", Some("1".into()));
        assert_eq!(Privacy::detect(true, true), Privacy::DoNotTrack);
        assert_eq!(Privacy::detect(true, false), Privacy::Allowed);
        assert_eq!(Privacy::detect(false, true), Privacy::NoConsent);
        for other in [JsValue::from(1), "0".into(), "yes".into(), JsValue::NULL] {
            navigator("doNotTrack", Some(other));
            assert_eq!(Privacy::detect(true, true), Privacy::Allowed);
        }
        navigator("globalPrivacyControl", Some(JsValue::TRUE));
        assert_eq!(Privacy::detect(true, true), Privacy::GlobalPrivacyControl);
        assert_eq!(Privacy::detect(false, true), Privacy::NoConsent);
        navigator("globalPrivacyControl", None);
        navigator("doNotTrack", None);
        assert_eq!(Privacy::detect(true, false), Privacy::Allowed);
    }
}
