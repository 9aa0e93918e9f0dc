//! Decodes and validates a `POST /v1/events` body into rows to store.
//!
//! Strict where it matters to storage (ids, counters, times, the kind of event) and
//! forward-compatible elsewhere: unknown event types and unknown fields are kept in the payload,
//! unknown top-level fields are ignored. Every error names the exact place:
//! `events[3].id: not a UUID`.

use serde_json::{Map, Value};

/// The longest site key, session id, event type or SDK name accepted.
const MAX_KEY: usize = 128;
/// The longest user id accepted.
const MAX_USER: usize = 256;

/// A validated batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// The site key.
    pub site: String,
    /// The browser session.
    pub session: String,
    /// The host's user id, when identified.
    pub user: Option<String>,
    /// When the SDK sent it (ms since the epoch), if it said.
    pub sent_at: Option<i64>,
    /// Events the SDK lost to its storage bound since its last batch.
    pub dropped: i64,
    /// The SDK's name and version, if it said.
    pub sdk: Option<String>,
    /// The events, in the order sent.
    pub events: Vec<EventRow>,
}

/// One event, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    /// The UUID in canonical form (lowercase, hyphenated), so two spellings of one id dedupe.
    pub id: String,
    /// Per-session counter.
    pub seq: i64,
    /// When it happened (ms since the epoch).
    pub t: i64,
    /// The event type (`signal`, `step_entered`, or a type this server does not know yet).
    pub kind: String,
    /// Every other field of the event, as a JSON object.
    pub payload: String,
}

/// Why a body was refused; the text is sent to the client as `{"error": ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

fn err(path: &str, problem: impl std::fmt::Display) -> DecodeError {
    DecodeError(format!("{path}: {problem}"))
}

/// Decodes a body. Never panics, whatever the bytes.
pub fn decode(body: &[u8]) -> Result<Batch, DecodeError> {
    // serde_json checks UTF-8, rejects raw control characters and lone surrogates, and stops
    // at 128 levels of nesting, so nothing here can recurse without bound.
    let value: Value =
        serde_json::from_slice(body).map_err(|e| DecodeError(format!("not valid JSON: {e}")))?;
    let Value::Object(mut top) = value else {
        return Err(err("$", "expected an object"));
    };
    let site = key_string(&top, "site", MAX_KEY)?;
    let session = key_string(&top, "session", MAX_KEY)?;
    let user = match top.get("user") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(checked_text("user", s, MAX_USER)?.to_owned()),
        Some(_) => return Err(err("user", "expected a string or null")),
    };
    let sent_at = optional_count(&top, "sent_at")?;
    let dropped = optional_count(&top, "dropped")?.unwrap_or(0);
    let sdk = match top.get("sdk") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(checked_text("sdk", s, MAX_KEY)?.to_owned()),
        Some(_) => return Err(err("sdk", "expected a string")),
    };
    let events = match top.remove("events") {
        Some(Value::Array(events)) => events,
        Some(_) => return Err(err("events", "expected an array")),
        None => return Err(err("events", "missing")),
    };
    let events = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| event_row(i, event))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Batch {
        site,
        session,
        user,
        sent_at,
        dropped,
        sdk,
        events,
    })
}

fn event_row(i: usize, event: Value) -> Result<EventRow, DecodeError> {
    let at = |field: &str| format!("events[{i}].{field}");
    let Value::Object(mut fields) = event else {
        return Err(err(&format!("events[{i}]"), "expected an object"));
    };
    let id = match fields.remove("id") {
        Some(Value::String(s)) => match uuid::Uuid::try_parse(&s) {
            Ok(id) => id.hyphenated().to_string(),
            Err(_) => return Err(err(&at("id"), "not a UUID")),
        },
        Some(_) => return Err(err(&at("id"), "expected a UUID string")),
        None => return Err(err(&at("id"), "missing")),
    };
    let seq = count(fields.remove("seq"), &at("seq"))?;
    let t = count(fields.remove("t"), &at("t"))?;
    let kind = match fields.remove("type") {
        Some(Value::String(s)) if s.is_empty() => return Err(err(&at("type"), "empty")),
        Some(Value::String(s)) => checked_text(&at("type"), &s, MAX_KEY)?.to_owned(),
        Some(_) => return Err(err(&at("type"), "expected a string")),
        None => return Err(err(&at("type"), "missing")),
    };
    Ok(EventRow {
        id,
        seq,
        t,
        kind,
        payload: Value::Object(fields).to_string(),
    })
}

/// A required non-empty string field of the envelope.
fn key_string(top: &Map<String, Value>, key: &str, max: usize) -> Result<String, DecodeError> {
    match top.get(key) {
        Some(Value::String(s)) if s.is_empty() => Err(err(key, "empty")),
        Some(Value::String(s)) => Ok(checked_text(key, s, max)?.to_owned()),
        Some(_) => Err(err(key, "expected a string")),
        None => Err(err(key, "missing")),
    }
}

/// Text that goes into its own column: bounded, and free of control characters (PostgreSQL
/// refuses NUL in text, and they have no business in ids anyway).
fn checked_text<'a>(path: &str, s: &'a str, max: usize) -> Result<&'a str, DecodeError> {
    if s.len() > max {
        return Err(err(path, format!("longer than {max} bytes")));
    }
    if s.chars().any(char::is_control) {
        return Err(err(path, "contains a control character"));
    }
    Ok(s)
}

fn optional_count(top: &Map<String, Value>, key: &str) -> Result<Option<i64>, DecodeError> {
    match top.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => count(Some(v.clone()), key).map(Some),
    }
}

/// A non-negative integer that fits a BIGINT column.
fn count(value: Option<Value>, path: &str) -> Result<i64, DecodeError> {
    match value {
        None => Err(err(path, "missing")),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) => i64::try_from(v).map_err(|_| err(path, "too large")),
            None if n.is_i64() => Err(err(path, "negative")),
            None => Err(err(path, "not an integer")),
        },
        Some(_) => Err(err(path, "expected a non-negative integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "01938a8e-6f2a-7cc0-8d1b-3f0e6a9b2c41";

    fn body(event: &str) -> String {
        format!(
            r#"{{"site":"demo","session":"s1","user":null,"sent_at":5,"dropped":0,"sdk":"unstuck/0.1.0","events":[{event}]}}"#
        )
    }

    #[test]
    fn a_valid_batch_decodes_with_the_rest_in_the_payload() {
        let b = decode(
            body(&format!(
                r#"{{"id":"{ID}","seq":1,"t":2,"type":"signal","kind":"idle"}}"#
            ))
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(b.site, "demo");
        assert_eq!(b.events[0].kind, "signal");
        assert_eq!(b.events[0].payload, r#"{"kind":"idle"}"#);
    }

    #[test]
    fn errors_name_the_field() {
        let e = decode(body(r#"{"id":"nope","seq":1,"t":2,"type":"x"}"#).as_bytes()).unwrap_err();
        assert_eq!(e.0, "events[0].id: not a UUID");
        let e = decode(body(&format!(r#"{{"id":"{ID}","seq":-1,"t":2,"type":"x"}}"#)).as_bytes())
            .unwrap_err();
        assert_eq!(e.0, "events[0].seq: negative");
        let e = decode(body(&format!(r#"{{"id":"{ID}","seq":1,"t":1.5,"type":"x"}}"#)).as_bytes())
            .unwrap_err();
        assert_eq!(e.0, "events[0].t: not an integer");
        let e = decode(body(&format!(r#"{{"id":"{ID}","seq":1,"t":1,"type":""}}"#)).as_bytes())
            .unwrap_err();
        assert_eq!(e.0, "events[0].type: empty");
    }
}
