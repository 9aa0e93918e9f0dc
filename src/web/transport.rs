//! Sends engine events to the collector in the wire format of CONTRACTS.md: batched, POSTed as
//! `text/plain` JSON with `fetch(..., {keepalive: true})`, and with `sendBeacon` when the page
//! is hidden or unloading. (A minimal version; the outbox-driven one replaces it.)

use js_sys::{Array, Object, Promise, JSON};
use wasm_bindgen::prelude::*;

use super::dom::{self, set};
use crate::core::output::Event;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with(url: &str, init: &Object) -> Promise;
}

/// Events waiting for the next send.
const BATCH_EVENTS: u32 = 20;
/// How long an event may wait for companions before it is sent.
const BATCH_DELAY_MS: u64 = 2_000;
/// The SDK name and version sent with every batch.
const SDK: &str = concat!("unstuck/", env!("CARGO_PKG_VERSION"));

/// Batches and sends events.
pub struct Transport {
    url: String,
    site: String,
    session: String,
    user: Option<String>,
    queue: Array,
    seq: u32,
    flush_at: Option<u64>,
    enabled: bool,
    // Keeps rejected fetches from surfacing as the host's unhandled rejections.
    ignore: Closure<dyn FnMut(JsValue)>,
}

impl Transport {
    /// A transport posting to `{endpoint}/v1/events`.
    pub fn new(endpoint: &str, site: &str, session: &str, enabled: bool) -> Transport {
        Transport {
            url: [endpoint.trim_end_matches('/'), "/v1/events"].concat(),
            site: site.into(),
            session: session.into(),
            user: None,
            queue: Array::new(),
            seq: 0,
            flush_at: None,
            enabled,
            ignore: Closure::<dyn FnMut(JsValue)>::own_aborting(|_| {}),
        }
    }

    /// Sets the user sent with later batches.
    pub fn set_user(&mut self, user: Option<String>) {
        self.user = user;
    }

    /// Sending on (consent given) or off (queued events are dropped).
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        if !on {
            self.queue = Array::new();
            self.flush_at = None;
        }
    }

    /// Queues one event.
    pub fn push(&mut self, event: &Event, now: u64) {
        if !self.enabled {
            return;
        }
        let ser = serde_wasm_bindgen::Serializer::json_compatible();
        let Ok(obj) = serde::Serialize::serialize(event, &ser) else {
            return;
        };
        self.seq += 1;
        set(&obj, "id", &JsValue::from_str(&uuid_v7(now)));
        set(&obj, "seq", &JsValue::from(self.seq));
        self.queue.push(&obj);
        if self.queue.length() >= BATCH_EVENTS {
            self.flush(false, now);
        } else if self.flush_at.is_none() {
            self.flush_at = Some(now + BATCH_DELAY_MS);
        }
    }

    /// When the transport wants [`Transport::poll`] called.
    pub fn deadline(&self) -> Option<u64> {
        self.flush_at
    }

    /// Sends the batch if its time has come.
    pub fn poll(&mut self, now: u64) {
        if self.flush_at.is_some_and(|t| t <= now) {
            self.flush(false, now);
        }
    }

    /// Sends everything queued; `beacon` when the page may be going away.
    pub fn flush(&mut self, beacon: bool, now: u64) {
        self.flush_at = None;
        if self.queue.length() == 0 || !self.enabled {
            return;
        }
        let events = core::mem::replace(&mut self.queue, Array::new());
        let body = Object::new();
        set(&body, "site", &JsValue::from_str(&self.site));
        set(&body, "session", &JsValue::from_str(&self.session));
        let user = self
            .user
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str);
        set(&body, "user", &user);
        set(&body, "sent_at", &JsValue::from_f64(now as f64));
        set(&body, "dropped", &JsValue::from(0));
        set(&body, "sdk", &JsValue::from_str(SDK));
        set(&body, "events", &events);
        let Some(text) = JSON::stringify(&body).ok().and_then(|s| s.as_string()) else {
            return;
        };
        if beacon {
            let nav = dom::window().navigator();
            if nav
                .send_beacon_with_opt_str(&self.url, Some(&text))
                .unwrap_or(false)
            {
                return;
            }
        }
        let init = Object::new();
        set(&init, "method", &JsValue::from_str("POST"));
        set(&init, "body", &JsValue::from_str(&text));
        set(&init, "keepalive", &JsValue::TRUE);
        let _ = fetch_with(&self.url, &init).catch(&self.ignore);
    }
}

/// A UUIDv7: 48 bits of milliseconds, then random bits (version 7, variant 10).
pub fn uuid_v7(now: u64) -> String {
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = if i < 6 {
            (now >> (40 - 8 * i)) as u8
        } else {
            (js_sys::Math::random() * 256.0) as u8
        };
    }
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        for nibble in [byte >> 4, byte & 0x0f] {
            s.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
        }
    }
    s
}
