//! The outbox: every event the server must receive, batched, retried and bounded.
//!
//! Sans-IO like the engine: time comes in as `now_ms`, randomness as arguments, and the shell
//! performs the sends and the storage. The shell's loop is:
//!
//! - [`Outbox::push`] each event (its serde JSON text; the outbox stamps `id` and `seq` on it);
//! - when [`Outbox::poll_timeout`] comes (or after any call), take [`Outbox::poll_send`] and POST
//!   its body, then report with [`Outbox::on_result`];
//! - when the page is hidden, beacon the bodies of [`Outbox::on_hidden`];
//! - keep storage in step: [`Outbox::sync`] with the stored text, write [`Outbox::snapshot`],
//!   and on success call [`Outbox::on_persisted`].
//!
//! Events are opaque JSON strings here, so the wasm needs no JSON library: batches are built
//! by concatenation in the wire format of `CONTRACTS.md`. Delivery is at least once; the server
//! deduplicates on the event id, so a resend (after a lost answer, a beacon, a second tab) is
//! harmless, while an event is only forgotten once a send of it was acknowledged, rejected with
//! a non-retryable 4xx, or dropped (counted) to keep storage within its bound.

use crate::prelude::*;

use super::json::{push_str, push_u64};
use super::Millis;

/// Tunables. The defaults are the ones in issue 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxConfig {
    /// Events wait at most this long before a flush.
    pub flush_interval_ms: Millis,
    /// A flush happens at once when this many events are waiting.
    pub flush_at_events: usize,
    /// Largest request body, in bytes (the server accepts 64 KB; keepalive allows 64 KB in all).
    pub max_body_bytes: usize,
    /// Most events kept pending; the oldest are dropped (and counted) beyond it.
    pub max_events: usize,
    /// Most bytes of event JSON kept pending; the oldest are dropped (and counted) beyond it.
    pub max_bytes: usize,
    /// First retry delay.
    pub backoff_base_ms: Millis,
    /// Longest retry delay.
    pub backoff_cap_ms: Millis,
    /// Jitter, in percent either side of the retry delay.
    pub jitter_percent: u32,
    /// Longest `Retry-After` honoured.
    pub retry_after_cap_ms: Millis,
    /// A send with no answer after this long counts as a network failure.
    pub send_timeout_ms: Millis,
    /// How many acknowledged ids are remembered, so another tab's stale copy is not resent.
    pub max_acked: usize,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            flush_interval_ms: 5_000,
            flush_at_events: 20,
            max_body_bytes: 60_000,
            max_events: 1_000,
            max_bytes: 512 * 1024,
            backoff_base_ms: 1_000,
            backoff_cap_ms: 5 * 60_000,
            jitter_percent: 20,
            retry_after_cap_ms: 10 * 60_000,
            send_timeout_ms: 60_000,
            max_acked: 500,
        }
    }
}

/// How soon an event should go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Within the flush interval.
    Normal,
    /// At once (a major struggle).
    Immediate,
}

/// Why an event was refused by [`Outbox::push`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushError {
    /// The text is not a JSON object (`{...}`).
    NotAnObject,
    /// The text has a raw line break (serde_json never writes one; the store is line-based).
    LineBreak,
    /// The event alone would not fit in one request body.
    TooLarge,
}

/// What happened to a send, as the shell saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No HTTP answer: offline, DNS, connection reset, aborted.
    Network,
    /// An HTTP answer.
    Status {
        /// The status code.
        code: u16,
        /// `Retry-After`, already turned into a delay (see [`parse_retry_after`]).
        retry_after_ms: Option<Millis>,
    },
}

/// What [`Outbox::on_result`] made of an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The server has the events; they are forgotten.
    Delivered,
    /// The events wait and are sent again at `at`.
    Retry {
        /// When the next attempt may start.
        at: Millis,
    },
    /// The server refused the batch for good (a 4xx other than 408/429); it is dropped.
    Rejected,
    /// The result is for a batch no longer in flight (timed out or cleared); ignored.
    Stale,
}

/// A request to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Pass back to [`Outbox::on_result`].
    pub id: u64,
    /// The request body, at most `max_body_bytes`.
    pub body: String,
    /// How many events it carries.
    pub events: usize,
}

/// The last batch the server refused for good, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status.
    pub status: u16,
    /// How many events it carried.
    pub events: usize,
    /// When.
    pub at: Millis,
}

/// Counters, for the debug overlay and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events acknowledged by the server.
    pub delivered: u64,
    /// Events dropped to keep the pending store within its bound.
    pub dropped: u64,
    /// Events in batches refused for good.
    pub rejected: u64,
    /// Sends that will be retried.
    pub retries: u64,
    /// The last refusal.
    pub last_rejection: Option<Rejection>,
}

#[derive(Clone, Debug)]
struct Entry {
    /// Index into `heads`.
    head: usize,
    /// The stamped event: `{"id":"<36 chars>","seq":N,...}`.
    json: String,
    /// Written to storage (as far as this tab knows).
    persisted: bool,
    /// Part of the batch in flight.
    flight: bool,
}

impl Entry {
    fn id(&self) -> &str {
        event_id(&self.json).unwrap_or("")
    }
}

#[derive(Clone, Copy, Debug)]
struct Flight {
    id: u64,
    started: Millis,
    /// The `dropped` count the batch reported.
    dropped: u64,
}

/// The outbox of one page (see the module docs).
#[derive(Debug)]
pub struct Outbox {
    cfg: OutboxConfig,
    /// `"site":"...",` pre-rendered.
    site: String,
    /// `"sdk":"..."` pre-rendered.
    sdk: String,
    /// `"session":"...","user":...` fragments; entries point into it.
    heads: Vec<String>,
    /// The head of new events.
    head: usize,
    /// The current session, JSON-escaped (seq numbers belong to it).
    session: String,
    /// Next seq in the current session.
    next_seq: u64,
    pending: Vec<Entry>,
    bytes: usize,
    flight: Option<Flight>,
    next_batch: u64,
    /// When a flush is due (before any backoff).
    flush_at: Option<Millis>,
    /// No send before this (backoff or Retry-After).
    retry_at: Option<Millis>,
    attempt: u32,
    /// Dropped events not yet reported in an acknowledged batch.
    dropped: u64,
    /// Of those, dropped since the last successful persist.
    dropped_unsaved: u64,
    /// Ids recently acknowledged, oldest first.
    acked: Vec<String>,
    stats: Stats,
}

impl Outbox {
    /// A new, empty outbox for `site` (the site key), the SDK's `sdk` name (`unstuck/0.1.0`),
    /// and the session and user events are attributed to.
    pub fn new(
        cfg: OutboxConfig,
        site: &str,
        sdk: &str,
        session: &str,
        user: Option<&str>,
    ) -> Outbox {
        let mut s = String::from("\"site\":");
        push_str(&mut s, site);
        let mut k = String::from("\"sdk\":");
        push_str(&mut k, sdk);
        let mut o = Outbox {
            cfg,
            site: s,
            sdk: k,
            heads: Vec::new(),
            head: 0,
            session: String::new(),
            next_seq: 1,
            pending: Vec::new(),
            bytes: 0,
            flight: None,
            next_batch: 1,
            flush_at: None,
            retry_at: None,
            attempt: 0,
            dropped: 0,
            dropped_unsaved: 0,
            acked: Vec::new(),
            stats: Stats::default(),
        };
        o.set_session(session, user);
        o
    }

    /// Attributes new events to `session` and `user` (e.g. after `identify`). A new session
    /// restarts `seq` at 1; events already pending keep their attribution.
    pub fn set_session(&mut self, session: &str, user: Option<&str>) {
        let mut esc = String::new();
        push_str(&mut esc, session);
        if esc != self.session {
            self.session = esc;
            self.next_seq = 1;
        }
        let mut h = String::from("\"session\":");
        h.push_str(&self.session);
        h.push_str(",\"user\":");
        match user {
            Some(u) => push_str(&mut h, u),
            None => h.push_str("null"),
        }
        self.head = self.slot(&h, true);
    }

    /// The index of `head` in the table, added if missing: in a slot no entry points to if
    /// `reuse` (so identify/reload cycles do not grow the table), else at the end.
    fn slot(&mut self, head: &str, reuse: bool) -> usize {
        if let Some(i) = self.heads.iter().position(|h| h == head) {
            return i;
        }
        let free =
            (0..self.heads.len()).find(|&i| reuse && !self.pending.iter().any(|e| e.head == i));
        match free {
            Some(i) => {
                self.heads[i] = head.to_string();
                i
            }
            None => {
                self.heads.push(head.to_string());
                self.heads.len() - 1
            }
        }
    }

    /// Adds one event: `event_json` is the serde JSON object of an
    /// [`Event`](super::output::Event); `random` are ten random bytes for its UUIDv7 id.
    /// Returns the id given to the event.
    pub fn push(
        &mut self,
        now_ms: Millis,
        event_json: &str,
        random: [u8; 10],
        priority: Priority,
    ) -> Result<String, PushError> {
        let inner = event_json
            .trim()
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .ok_or(PushError::NotAnObject)?;
        if event_json.bytes().any(|b| b == b'\n' || b == b'\r') {
            return Err(PushError::LineBreak);
        }
        let id = uuid_v7(now_ms, &random);
        let mut json = String::with_capacity(event_json.len() + 64);
        json.push_str("{\"id\":\"");
        json.push_str(&id);
        json.push_str("\",\"seq\":");
        push_u64(&mut json, self.next_seq);
        if !inner.trim().is_empty() {
            json.push(',');
            json.push_str(inner);
        }
        json.push('}');
        // Worst case for the envelope: the largest numbers it may carry.
        if self.envelope_len(self.head, u64::MAX, u64::MAX) + json.len() > self.cfg.max_body_bytes {
            return Err(PushError::TooLarge);
        }
        self.next_seq += 1;
        self.bytes += json.len();
        self.pending.push(Entry {
            head: self.head,
            json,
            persisted: false,
            flight: false,
        });
        self.enforce_bounds();
        let due = if priority == Priority::Immediate || self.sendable() >= self.cfg.flush_at_events
        {
            now_ms
        } else {
            now_ms + self.cfg.flush_interval_ms
        };
        self.flush_at = Some(self.flush_at.map_or(due, |t| t.min(due)));
        Ok(id)
    }

    /// Drops the oldest events until the bounds hold, counting them.
    fn enforce_bounds(&mut self) {
        let mut n = 0;
        while self.pending.len() - n > self.cfg.max_events || self.bytes > self.cfg.max_bytes {
            let Some(e) = self.pending.get(n) else {
                break;
            };
            self.bytes -= e.json.len();
            n += 1;
        }
        let mut i = 0;
        self.retain(&mut |_| {
            i += 1;
            i > n
        });
        self.dropped += n as u64;
        self.dropped_unsaved += n as u64;
        self.stats.dropped += n as u64;
    }

    fn sendable(&self) -> usize {
        self.pending.iter().filter(|e| !e.flight).count()
    }

    /// Events waiting (including any in flight).
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// No events are waiting.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Bytes of event JSON waiting.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Dropped events not yet reported to the server.
    pub fn unreported_dropped(&self) -> u64 {
        self.dropped
    }

    /// Some events are not in storage yet: the shell should persist.
    pub fn needs_persist(&self) -> bool {
        self.dropped_unsaved > 0 || self.pending.iter().any(|e| !e.persisted)
    }

    /// The next time [`Outbox::poll_send`] may return a batch (a flush, a retry, or the
    /// timeout of the send in flight); `None` when there is nothing to wait for. Changes after
    /// `push`, `poll_send`, `on_result`, `on_online`, `sync` and `clear`.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if let Some(f) = self.flight {
            return Some(f.started + self.cfg.send_timeout_ms);
        }
        if self.sendable() == 0 {
            return None;
        }
        let at = self.flush_at?;
        Some(at.max(self.retry_at.unwrap_or(0)))
    }

    /// The next request to make, if one is due at `now_ms`. At most one is in flight at a time.
    pub fn poll_send(&mut self, now_ms: Millis) -> Option<Batch> {
        if let Some(f) = self.flight {
            if now_ms < f.started + self.cfg.send_timeout_ms {
                return None;
            }
            // No answer in time: assume the network failed; a late answer is then stale.
            self.on_result(now_ms, f.id, Outcome::Network, 0);
        }
        match self.poll_timeout() {
            Some(t) if t <= now_ms => {}
            _ => return None,
        }
        let first = self.pending.iter().find(|e| !e.flight)?.head;
        let mut body = self.envelope_open(first, now_ms, self.dropped);
        let limit = self.cfg.max_body_bytes - 2; // room for `]}`
        let mut events = 0;
        for e in self.pending.iter_mut() {
            if e.flight || e.head != first {
                continue;
            }
            let extra = e.json.len() + usize::from(events > 0);
            if body.len() + extra > limit {
                break;
            }
            if events > 0 {
                body.push(',');
            }
            body.push_str(&e.json);
            e.flight = true;
            events += 1;
        }
        body.push_str("]}");
        let id = self.next_batch;
        self.next_batch += 1;
        self.flight = Some(Flight {
            id,
            started: now_ms,
            dropped: self.dropped,
        });
        self.flush_at = None;
        Some(Batch { id, body, events })
    }

    /// Reports what happened to batch `batch_id`; `random` is any random number (for jitter).
    pub fn on_result(
        &mut self,
        now_ms: Millis,
        batch_id: u64,
        outcome: Outcome,
        random: u32,
    ) -> Verdict {
        let Some(f) = self.flight.filter(|f| f.id == batch_id) else {
            return Verdict::Stale;
        };
        self.flight = None;
        // No answer reads as status 0: retried, like 5xx, 408, 429 and odd statuses.
        let (code, after) = match outcome {
            Outcome::Network => (0, None),
            Outcome::Status {
                code,
                retry_after_ms,
            } => (code, retry_after_ms),
        };
        match code {
            200..=299 => {
                let n = self.remove_flight(true);
                self.stats.delivered += n as u64;
                self.dropped = self.dropped.saturating_sub(f.dropped);
                self.dropped_unsaved = self.dropped_unsaved.min(self.dropped);
                self.attempt = 0;
                self.retry_at = None;
                if self.sendable() > 0 {
                    // Drain a backlog without waiting for the interval.
                    self.flush_at = Some(now_ms);
                }
                Verdict::Delivered
            }
            400..=499 if code != 408 && code != 429 => {
                let n = self.remove_flight(false);
                self.stats.rejected += n as u64;
                self.stats.last_rejection = Some(Rejection {
                    status: code,
                    events: n,
                    at: now_ms,
                });
                // Not retried (it would fail again); the next batch goes on schedule.
                self.attempt = 0;
                if self.sendable() > 0 {
                    self.flush_at = Some(now_ms);
                }
                Verdict::Rejected
            }
            _ => {
                for e in self.pending.iter_mut() {
                    e.flight = false;
                }
                let delay = match after {
                    Some(ms) => ms.min(self.cfg.retry_after_cap_ms),
                    None => self.backoff(random),
                };
                self.attempt = self.attempt.saturating_add(1);
                self.stats.retries += 1;
                let at = now_ms + delay;
                self.retry_at = Some(at);
                self.flush_at = Some(now_ms);
                Verdict::Retry { at }
            }
        }
    }

    /// The delay before the next attempt: `base * 2^attempt`, capped, with jitter.
    fn backoff(&self, random: u32) -> Millis {
        let c = &self.cfg;
        let exp = c
            .backoff_base_ms
            .saturating_mul(1u64 << self.attempt.min(40))
            .min(c.backoff_cap_ms);
        let span = u64::from(c.jitter_percent.min(100)) * 2 + 1;
        let factor = 100 - u64::from(c.jitter_percent.min(100)) + u64::from(random) % span;
        (exp * factor / 100).min(c.backoff_cap_ms)
    }

    /// Forgets the events in flight, remembering their ids if they were `acked`; returns how
    /// many there were.
    fn remove_flight(&mut self, acked: bool) -> usize {
        let mut n = 0;
        for e in self.pending.iter().filter(|e| e.flight) {
            n += 1;
            self.bytes -= e.json.len();
            if acked && self.cfg.max_acked > 0 {
                if self.acked.len() >= self.cfg.max_acked {
                    self.acked.remove(0);
                }
                self.acked.push(e.id().to_string());
            }
        }
        self.retain(&mut |e| !e.flight);
        n
    }

    /// `pending.retain` (one copy for its callers: wasm bytes).
    fn retain(&mut self, keep: &mut dyn FnMut(&Entry) -> bool) {
        self.pending.retain(keep);
    }

    /// The browser came back online: send what waits now, without waiting out a backoff.
    pub fn on_online(&mut self, now_ms: Millis) {
        self.retry_at = None;
        if self.sendable() > 0 {
            self.flush_at = Some(now_ms);
        }
    }

    /// The page is being hidden or unloaded: request bodies (each at most `max_body_bytes`)
    /// holding every waiting event, for `sendBeacon`. Nothing is forgotten (a beacon is never
    /// acknowledged): the events stay pending and stored, and go again by `fetch` later,
    /// which the server's dedupe makes harmless. They report `dropped: 0`, so a count is
    /// reported once, by an acknowledged batch.
    pub fn on_hidden(&self, now_ms: Millis) -> Vec<String> {
        let mut out = Vec::new();
        let limit = self.cfg.max_body_bytes - 2;
        for (i, first) in self.pending.iter().enumerate() {
            let h = first.head;
            if self.pending[..i].iter().any(|e| e.head == h) {
                continue; // this attribution's bodies are out already
            }
            let mut body = self.envelope_open(h, now_ms, 0);
            let mut n = 0;
            for e in self.pending[i..].iter().filter(|e| e.head == h) {
                if n > 0 && body.len() + 1 + e.json.len() > limit {
                    body.push_str("]}");
                    out.push(core::mem::replace(
                        &mut body,
                        self.envelope_open(h, now_ms, 0),
                    ));
                    n = 0;
                }
                if n > 0 {
                    body.push(',');
                }
                body.push_str(&e.json);
                n += 1;
            }
            body.push_str("]}");
            out.push(body);
        }
        out
    }

    /// Forgets every pending event (consent withdrawn). The shell also clears storage.
    pub fn clear(&mut self) {
        self.pending.clear();
        self.bytes = 0;
        self.flight = None;
        self.flush_at = None;
        self.retry_at = None;
        self.dropped = 0;
        self.dropped_unsaved = 0;
    }

    fn envelope_open(&self, head: usize, sent_at: u64, dropped: u64) -> String {
        let mut s = String::with_capacity(self.cfg.max_body_bytes.min(4096));
        s.push('{');
        s.push_str(&self.site);
        s.push(',');
        s.push_str(self.heads.get(head).map_or("", |h| h.as_str()));
        s.push_str(",\"sent_at\":");
        push_u64(&mut s, sent_at);
        s.push_str(",\"dropped\":");
        push_u64(&mut s, dropped);
        s.push(',');
        s.push_str(&self.sdk);
        s.push_str(",\"events\":[");
        s
    }

    fn envelope_len(&self, head: usize, sent_at: u64, dropped: u64) -> usize {
        self.envelope_open(head, sent_at, dropped).len() + 2
    }

    /// The stored form of the pending queue, for `localStorage` (`unstuck:<site>:outbox`).
    /// A line-based text (the events' JSON never holds a raw line break), so reading it back
    /// needs no JSON parser. Call [`Outbox::on_persisted`] once it is written.
    pub fn snapshot(&self) -> String {
        let mut s = String::with_capacity(self.bytes + 64 * self.pending.len() + 64);
        s.push_str(SNAPSHOT_MAGIC);
        s.push_str("\nq\t");
        s.push_str(&self.session);
        s.push('\t');
        push_u64(&mut s, self.next_seq);
        s.push_str("\nd\t");
        push_u64(&mut s, self.dropped);
        for (i, h) in self.heads.iter().enumerate() {
            if self.pending.iter().any(|e| e.head == i) {
                s.push_str("\nh\t");
                push_u64(&mut s, i as u64);
                s.push('\t');
                s.push_str(h);
            }
        }
        for id in &self.acked {
            s.push_str("\na\t");
            s.push_str(id);
        }
        for e in &self.pending {
            s.push_str("\ne\t");
            push_u64(&mut s, e.head as u64);
            s.push('\t');
            s.push_str(&e.json);
        }
        s.push('\n');
        s
    }

    /// The snapshot taken last was written: everything in it is stored.
    pub fn on_persisted(&mut self) {
        for e in self.pending.iter_mut() {
            e.persisted = true;
        }
        self.dropped_unsaved = 0;
    }

    /// Merges the stored queue (possibly written by another tab) into this one; call it before
    /// a send and before each write. The result is the union of both, less the events whose
    /// id is among the recently acknowledged ones (this tab's and those stored by other
    /// tabs), so an event is only forgotten once some tab's send of it was acknowledged, even
    /// if two tabs' writes raced. Bad or foreign text is ignored line by line. Returns how
    /// many events came from storage that this tab did not have (they are due at once).
    pub fn sync(&mut self, now_ms: Millis, stored: &str) -> usize {
        let Some(rest) = stored.strip_prefix(SNAPSHOT_MAGIC) else {
            return 0;
        };
        let mut heads: Vec<(u64, &str)> = Vec::new();
        let mut entries: Vec<(u64, &str)> = Vec::new();
        let mut acked: Vec<&str> = Vec::new();
        let mut stored_dropped = 0;
        let mut stored_seq = None;
        for line in rest.split('\n') {
            // `tag \t a [\t b]`, where `b` is the rest of the line.
            let Some((tag, fields)) = line.split_once('\t') else {
                continue;
            };
            let (a, b) = match fields.split_once('\t') {
                Some((a, b)) => (a, Some(b)),
                None => (fields, None),
            };
            match (tag, b) {
                ("q", Some(seq)) => stored_seq = Some((a, seq)),
                ("d", None) => stored_dropped = parse_u64(a).unwrap_or(0),
                ("h", Some(h)) => {
                    if let Some(i) = parse_u64(a) {
                        heads.push((i, h));
                    }
                }
                ("a", None) if is_uuid(a) => acked.push(a),
                ("e", Some(json)) => {
                    if let Some(i) = parse_u64(a) {
                        if event_id(json).is_some() && json.ends_with('}') {
                            entries.push((i, json));
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some((session, seq)) = stored_seq {
            if session == self.session {
                if let Some(seq) = parse_u64(seq) {
                    self.next_seq = self.next_seq.max(seq);
                }
            }
        }
        // Merge acknowledged ids: ours win, theirs fill the rest of the bound.
        for id in acked.iter().rev() {
            if self.acked.len() >= self.cfg.max_acked {
                break;
            }
            if !self.acked.iter().any(|a| a == id) {
                self.acked.insert(0, id.to_string());
            }
        }
        let old = core::mem::take(&mut self.pending);
        let mut added = 0;
        for (hi, json) in entries {
            let Some((_, h)) = heads.iter().find(|(i, _)| *i == hi) else {
                continue;
            };
            let id = event_id(json).unwrap_or("");
            if self.acked.iter().any(|a| a == id) || self.pending.iter().any(|e| e.id() == id) {
                continue;
            }
            let mine = old.iter().find(|e| e.id() == id);
            if mine.is_none() {
                added += 1;
            }
            let head = self.slot(h, false);
            self.pending.push(Entry {
                head,
                json: json.to_string(),
                persisted: true,
                flight: mine.is_some_and(|e| e.flight),
            });
        }
        for e in old {
            let id = e.id();
            if !self.acked.iter().any(|a| a == id) && !self.pending.iter().any(|p| p.id() == id) {
                // Not stored (yet, or any more: another tab's write may have raced ours).
                self.pending.push(Entry {
                    persisted: false,
                    ..e
                });
            }
        }
        self.bytes = self.pending.iter().map(|e| e.json.len()).sum();
        self.dropped = stored_dropped.saturating_add(self.dropped_unsaved);
        self.enforce_bounds();
        if self.flight.is_some() && !self.pending.iter().any(|e| e.flight) {
            // Everything in flight was settled elsewhere; the answer no longer matters.
            self.flight = None;
        }
        if added > 0 {
            self.flush_at = Some(self.flush_at.map_or(now_ms, |t| t.min(now_ms)));
        }
        added
    }
}

/// The UUIDv7 of `millis` (its low 48 bits) and ten random bytes, laid out as RFC 9562 and
/// the `uuid` crate's `Builder::from_unix_timestamp_millis` do, in lower-case hyphenated form
/// (a test holds the two together; the crate's encoder cost more wasm).
pub fn uuid_v7(millis: u64, random: &[u8; 10]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    b[6..].copy_from_slice(random);
    b[6] = 0x70 | (b[6] & 0x0f); // version 7
    b[8] = 0x80 | (b[8] & 0x3f); // variant 10
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(x >> 4)]));
        s.push(char::from(HEX[usize::from(x & 15)]));
    }
    s
}

const SNAPSHOT_MAGIC: &str = "unstuck-outbox/1";

/// The id of a stamped event (`{"id":"<uuid>",...`).
fn event_id(json: &str) -> Option<&str> {
    let id = json.strip_prefix("{\"id\":\"")?.get(..36)?;
    (is_uuid(id) && json.get(36 + 7..36 + 8) == Some("\"")).then_some(id)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        b.is_ascii_digit()
            .then_some(())
            .and_then(|_| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
    })
}

/// Turns a `Retry-After` header into a delay: delta-seconds, or an HTTP date (IMF-fixdate,
/// `Sun, 06 Nov 1994 08:49:37 GMT`) against `now_ms` (wall clock). `None` if unreadable.
pub fn parse_retry_after(value: &str, now_ms: Millis) -> Option<Millis> {
    let v = value.trim();
    if let Some(s) = parse_u64(v) {
        return Some(s.saturating_mul(1000));
    }
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let rest = v.get(5..)?;
    let mut p = rest.split(' ');
    let day = parse_u64(p.next()?)?;
    let mon = p.next()?;
    // One string and a loop, not twelve comparisons unrolled (wasm bytes).
    let month = match mon.len() {
        3 => {
            MONTHS
                .as_bytes()
                .chunks(3)
                .position(|m| m == mon.as_bytes())? as u64
                + 1
        }
        _ => return None,
    };
    let year = parse_u64(p.next()?)?;
    let mut hms = p.next()?.split(':');
    let (h, m, s) = (
        parse_u64(hms.next()?)?,
        parse_u64(hms.next()?)?,
        parse_u64(hms.next()?)?,
    );
    if p.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || year < 1970 {
        return None;
    }
    // Any year past 1,000,000 is as far off as that one (and the delay is capped anyway); the
    // day arithmetic below would overflow on absurd years.
    let days = days_from_civil(year.min(1_000_000), month, day);
    let at = ((days * 24 + h) * 60 + m) * 60 + s;
    Some(at.saturating_mul(1000).saturating_sub(now_ms))
}

/// The month names, three letters each.
const MONTHS: &str = "JanFebMarAprMayJunJulAugSepOctNovDec";

/// Days since 1970-01-01 (Howard Hinnant's algorithm, for years from 1970).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The cross-tab lease used where the Web Locks API is missing: a `localStorage` value
/// `<owner> <expires_ms>`. A tab may send while it holds an unexpired lease.
pub mod lease {
    use super::{parse_u64, push_u64, Millis};
    use crate::prelude::*;

    /// How long a lease lasts without renewal.
    pub const TTL_MS: Millis = 10_000;

    /// Whether `me` may take (or renew) the lease given the `stored` value at `now_ms`.
    pub fn may_take(stored: Option<&str>, me: &str, now_ms: Millis) -> bool {
        let Some((owner, expires)) = stored.and_then(|s| s.split_once(' ')) else {
            return true;
        };
        match parse_u64(expires) {
            Some(exp) => owner == me || exp <= now_ms,
            None => true,
        }
    }

    /// The value that claims the lease for `me` until `now_ms + TTL_MS`.
    pub fn claim(me: &str, now_ms: Millis) -> String {
        let mut s = String::from(me);
        s.push(' ');
        push_u64(&mut s, now_ms + TTL_MS);
        s
    }
}
