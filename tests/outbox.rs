//! The outbox's rules on the virtual clock: ids, batching, bounds, retries, storage, tabs.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use serde_json::Value;
use unstuck::core::outbox::{
    lease, parse_retry_after, uuid_v7, Batch, Outbox, OutboxConfig, Outcome, Priority, PushError,
    Verdict,
};
use unstuck::core::{Event, EventBody};

const SDK: &str = "unstuck/0.1.0";

fn event(t: u64, name: &str) -> String {
    serde_json::to_string(&Event {
        t,
        body: EventBody::Track {
            name: name.to_string(),
            props: None,
        },
    })
    .unwrap()
}

fn rnd(n: u64) -> [u8; 10] {
    let mut r = [0u8; 10];
    r[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
    r[8] = (n >> 3) as u8;
    r[9] = (n >> 11) as u8;
    r
}

fn outbox() -> Outbox {
    Outbox::new(OutboxConfig::default(), "demo", SDK, "s1", None)
}

fn push(o: &mut Outbox, now: u64, n: u64) -> String {
    o.push(now, &event(now, &format!("e{n}")), rnd(n), Priority::Normal)
        .unwrap()
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).expect("a batch is valid JSON")
}

fn ids(body: &str) -> Vec<String> {
    parse(body)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn ok() -> Outcome {
    Outcome::Status {
        code: 200,
        retry_after_ms: None,
    }
}

fn status(code: u16) -> Outcome {
    Outcome::Status {
        code,
        retry_after_ms: None,
    }
}

#[test]
fn events_get_uuidv7_ids_and_session_seq_in_the_wire_format() {
    let mut o = Outbox::new(
        OutboxConfig::default(),
        "demo",
        SDK,
        "sess \"1\"",
        Some("u\n1"),
    );
    let t0 = 1_733_300_000_000;
    let a = push(&mut o, t0, 1);
    let b = push(&mut o, t0 + 7, 2);
    assert_ne!(a, b);
    let batch = o.poll_send(t0 + 5_000).expect("due after 5 s");
    let v = parse(&batch.body);
    assert_eq!(v["site"], "demo");
    assert_eq!(v["session"], "sess \"1\"");
    assert_eq!(v["user"], "u\n1");
    assert_eq!(v["sent_at"], t0 + 5_000);
    assert_eq!(v["dropped"], 0);
    assert_eq!(v["sdk"], SDK);
    let evs = v["events"].as_array().unwrap();
    assert_eq!(evs.len(), 2);
    for (i, (e, id)) in evs.iter().zip([&a, &b]).enumerate() {
        assert_eq!(e["id"], id.as_str());
        assert_eq!(e["seq"], i as u64 + 1);
        assert_eq!(e["type"], "track");
        assert_eq!(e["name"], format!("e{}", i + 1));
        let u = uuid::Uuid::parse_str(id).unwrap();
        assert_eq!(u.get_version_num(), 7);
        let (secs, nanos) = u.get_timestamp().unwrap().to_unix();
        assert_eq!(
            secs * 1000 + u64::from(nanos) / 1_000_000,
            e["t"].as_u64().unwrap()
        );
    }
    assert_eq!(batch.events, 2);
}

proptest! {
    // The SDK's own UUIDv7 encoder writes exactly what the uuid crate's builder does.
    #[test]
    fn uuid_v7_matches_the_uuid_crate(millis in any::<u64>(), random in any::<[u8; 10]>()) {
        let mut buf = [0u8; 36];
        let want = uuid::Builder::from_unix_timestamp_millis(millis, &random)
            .into_uuid()
            .hyphenated()
            .encode_lower(&mut buf)
            .to_string();
        prop_assert_eq!(uuid_v7(millis, &random), want);
    }
}

#[test]
fn a_user_less_session_sends_null_and_an_empty_object_gets_id_and_seq() {
    let mut o = outbox();
    o.push(0, "{}", rnd(1), Priority::Immediate).unwrap();
    let v = parse(&o.poll_send(0).unwrap().body);
    assert!(v["user"].is_null());
    assert_eq!(v["events"][0]["seq"], 1);
    assert_eq!(v["events"][0].as_object().unwrap().len(), 2);
}

#[test]
fn bad_events_are_refused() {
    let mut o = outbox();
    assert_eq!(
        o.push(0, "[1]", rnd(1), Priority::Normal),
        Err(PushError::NotAnObject)
    );
    assert_eq!(
        o.push(0, "", rnd(1), Priority::Normal),
        Err(PushError::NotAnObject)
    );
    assert_eq!(
        o.push(0, "{\"a\":\n1}", rnd(1), Priority::Normal),
        Err(PushError::LineBreak)
    );
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(60_000));
    assert_eq!(
        o.push(0, &big, rnd(1), Priority::Normal),
        Err(PushError::TooLarge)
    );
    assert!(o.is_empty());
    // A refused event does not use up a seq number.
    push(&mut o, 0, 1);
    let v = parse(&o.poll_send(5_000).unwrap().body);
    assert_eq!(v["events"][0]["seq"], 1);
}

#[test]
fn flushes_after_five_seconds() {
    let mut o = outbox();
    assert_eq!(o.poll_timeout(), None);
    push(&mut o, 1_000, 1);
    push(&mut o, 3_000, 2);
    assert_eq!(
        o.poll_timeout(),
        Some(6_000),
        "the oldest event sets the deadline"
    );
    assert!(o.poll_send(5_999).is_none());
    let b = o.poll_send(6_000).unwrap();
    assert_eq!(b.events, 2);
}

#[test]
fn flushes_at_once_at_twenty_events_not_nineteen() {
    let mut o = outbox();
    for i in 0..19 {
        push(&mut o, 0, i);
    }
    assert_eq!(o.poll_timeout(), Some(5_000));
    assert!(o.poll_send(1).is_none());
    push(&mut o, 1, 19);
    assert_eq!(o.poll_timeout(), Some(1));
    assert_eq!(o.poll_send(1).unwrap().events, 20);
}

#[test]
fn a_major_struggle_flushes_at_once() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    o.push(10, &event(10, "major"), rnd(2), Priority::Immediate)
        .unwrap();
    assert_eq!(o.poll_timeout(), Some(10));
    assert_eq!(o.poll_send(10).unwrap().events, 2);
}

#[test]
fn batches_are_split_at_60000_bytes_exactly() {
    let pad = |n: usize| {
        format!(
            "{{\"t\":0,\"type\":\"track\",\"name\":\"{}\"}}",
            "x".repeat(n)
        )
    };
    // Measure the envelope and one stamped event from a real batch.
    let mut probe = outbox();
    probe.push(0, &pad(100), rnd(1), Priority::Normal).unwrap();
    let body = probe.poll_send(5_000).unwrap().body;
    let envelope = body.find("\"events\":[").unwrap() + "\"events\":[".len() + "]}".len();
    let stamped = body.len() - envelope;
    // Two events (seq 1 and 2, same length per padding byte) and a comma: exactly 60,000.
    let n2 = 100 + (60_000 - envelope - 1 - 2 * stamped);
    let batch = |n: usize| {
        let mut o = outbox();
        o.push(0, &pad(100), rnd(1), Priority::Normal).unwrap();
        o.push(0, &pad(n), rnd(2), Priority::Normal).unwrap();
        let b = o.poll_send(5_000).unwrap();
        (b.events, b.body.len())
    };
    assert_eq!(batch(n2), (2, 60_000));
    assert_eq!(batch(n2 + 1).0, 1, "one byte more splits the batch");
}

#[test]
fn a_backlog_drains_in_bodies_of_at_most_60000_bytes_without_loss() {
    let mut o = outbox();
    let mut pushed = HashSet::new();
    for i in 0..900 {
        let e = format!(
            "{{\"t\":{i},\"type\":\"track\",\"name\":\"{}\"}}",
            "y".repeat(i % 500)
        );
        pushed.insert(o.push(0, &e, rnd(i as u64), Priority::Normal).unwrap());
    }
    let mut got = HashSet::new();
    let mut now = 0;
    let mut batches = 0;
    while let Some(t) = o.poll_timeout() {
        now = now.max(t);
        let b = o.poll_send(now).unwrap();
        assert!(b.body.len() <= 60_000, "body {} bytes", b.body.len());
        for id in ids(&b.body) {
            assert!(got.insert(id), "sent twice");
        }
        assert_eq!(o.on_result(now, b.id, ok(), 0), Verdict::Delivered);
        batches += 1;
    }
    assert_eq!(got, pushed);
    assert!(batches > 3);
    assert_eq!(o.stats().delivered, 900);
    assert!(o.is_empty());
}

#[test]
fn the_store_keeps_at_most_1000_events_dropping_the_oldest_and_reports_the_count_once() {
    let mut o = outbox();
    for i in 0..1_005 {
        push(&mut o, 0, i);
    }
    assert_eq!(o.len(), 1_000);
    assert_eq!(o.stats().dropped, 5);
    let b = o.poll_send(0).unwrap();
    let v = parse(&b.body);
    assert_eq!(v["dropped"], 5);
    assert_eq!(v["events"][0]["name"], "e5", "the five oldest went");
    // A failed batch keeps the count for the retry...
    let Verdict::Retry { at } = o.on_result(0, b.id, Outcome::Network, 7) else {
        panic!("network errors are retried")
    };
    let b = o.poll_send(at).unwrap();
    assert_eq!(parse(&b.body)["dropped"], 5);
    o.on_result(at, b.id, ok(), 0);
    // ...and once acknowledged it is not reported again.
    let b = o.poll_send(at).unwrap();
    assert_eq!(parse(&b.body)["dropped"], 0);
}

#[test]
fn the_store_keeps_at_most_512_kb() {
    let mut o = outbox();
    let e = format!(
        "{{\"t\":0,\"type\":\"track\",\"name\":\"{}\"}}",
        "z".repeat(10_000)
    );
    for i in 0..60 {
        o.push(0, &e, rnd(i), Priority::Normal).unwrap();
    }
    assert!(o.bytes() <= 512 * 1024);
    assert!(
        o.bytes() + 10_100 > 512 * 1024,
        "no more dropped than needed"
    );
    assert_eq!(o.stats().dropped as usize + o.len(), 60);
    assert_eq!(o.unreported_dropped(), o.stats().dropped);
}

#[test]
fn retries_back_off_from_one_second_doubling_to_five_minutes_with_jitter() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    let mut now = 5_000;
    let mut expected = 1_000u64;
    for attempt in 0..12 {
        let b = o.poll_send(now).unwrap();
        // Alternate the extremes of the ±20% jitter.
        let random = if attempt % 2 == 0 { 0 } else { 40 };
        let Verdict::Retry { at } = o.on_result(now, b.id, status(503), random) else {
            panic!("5xx is retried")
        };
        let want = if attempt % 2 == 0 {
            expected * 8 / 10
        } else {
            (expected * 12 / 10).min(300_000)
        };
        assert_eq!(at - now, want, "attempt {attempt}");
        assert!(
            o.poll_send(at - 1).is_none(),
            "no send before the backoff ends"
        );
        assert_eq!(o.poll_timeout(), Some(at));
        now = at;
        expected = (expected * 2).min(300_000);
    }
    // Success resets the schedule.
    let b = o.poll_send(now).unwrap();
    o.on_result(now, b.id, ok(), 0);
    push(&mut o, now, 2);
    let b = o.poll_send(now + 5_000).unwrap();
    let Verdict::Retry { at } = o.on_result(now + 5_000, b.id, Outcome::Network, 20) else {
        panic!()
    };
    assert_eq!(at - (now + 5_000), 1_000);
}

#[test]
fn network_5xx_408_429_and_odd_statuses_are_retried() {
    for outcome in [
        Outcome::Network,
        status(500),
        status(502),
        status(599),
        status(408),
        status(429),
        status(0),
        status(302),
    ] {
        let mut o = outbox();
        push(&mut o, 0, 1);
        let b = o.poll_send(5_000).unwrap();
        assert!(
            matches!(o.on_result(5_000, b.id, outcome, 0), Verdict::Retry { .. }),
            "{outcome:?}"
        );
        assert_eq!(o.len(), 1, "{outcome:?} keeps the event");
    }
}

#[test]
fn other_4xx_drop_the_batch_and_record_why() {
    for code in [400, 401, 403, 404, 413, 422, 499] {
        let mut o = outbox();
        push(&mut o, 0, 1);
        push(&mut o, 0, 2);
        let b = o.poll_send(5_000).unwrap();
        push(&mut o, 5_001, 3);
        assert_eq!(o.on_result(5_002, b.id, status(code), 0), Verdict::Rejected);
        assert_eq!(o.len(), 1, "only the later event is left");
        let s = o.stats();
        assert_eq!(s.rejected, 2);
        let r = s.last_rejection.unwrap();
        assert_eq!((r.status, r.events, r.at), (code, 2, 5_002));
        // No endless retry, and the rest still goes.
        let b = o.poll_send(5_002).unwrap();
        assert_eq!(b.events, 1);
    }
}

#[test]
fn retry_after_is_honoured_up_to_ten_minutes() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    let b = o.poll_send(5_000).unwrap();
    let ra = Outcome::Status {
        code: 429,
        retry_after_ms: Some(30_000),
    };
    assert_eq!(
        o.on_result(5_000, b.id, ra, 0),
        Verdict::Retry { at: 35_000 }
    );
    let b = o.poll_send(35_000).unwrap();
    let ra = Outcome::Status {
        code: 503,
        retry_after_ms: Some(3_600_000),
    };
    assert_eq!(
        o.on_result(35_000, b.id, ra, 0),
        Verdict::Retry { at: 635_000 }
    );
}

#[test]
fn retry_after_header_parses_seconds_and_http_dates() {
    // An absurd year is a far future, not an overflow (a debug build would panic on one).
    let far = parse_retry_after("Sun, 06 Nov 9999999999999999999 08:49:37 GMT", 0);
    assert!(
        far.is_some_and(|ms| ms > 365 * 24 * 3_600_000 * 900_000),
        "{far:?}"
    );
    assert_eq!(parse_retry_after("120", 0), Some(120_000));
    assert_eq!(parse_retry_after(" 0 ", 0), Some(0));
    // 1994-11-06T08:49:37Z = 784111777 s.
    let at = 784_111_777_000;
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at - 5_000),
        Some(5_000)
    );
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at + 1),
        Some(0)
    );
    assert_eq!(
        parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        Some(0)
    );
    assert_eq!(
        parse_retry_after("Tue, 29 Feb 2028 12:00:00 GMT", 0),
        Some(1_835_438_400_000)
    );
    for bad in [
        "",
        "-1",
        "1.5",
        "soon",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37 PST",
        "99999999999999999999999",
    ] {
        assert_eq!(parse_retry_after(bad, 0), None, "{bad:?}");
    }
}

#[test]
fn a_send_with_no_answer_times_out_and_a_late_answer_is_stale() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    let b = o.poll_send(5_000).unwrap();
    assert_eq!(o.poll_timeout(), Some(65_000));
    assert!(o.poll_send(64_999).is_none(), "one send at a time");
    assert!(
        o.poll_send(65_000).is_none(),
        "the timeout starts a backoff"
    );
    let t = o.poll_timeout().unwrap();
    assert!((65_800..=66_200).contains(&t), "{t}");
    assert_eq!(o.on_result(t, b.id, ok(), 0), Verdict::Stale);
    assert_eq!(o.len(), 1, "a stale answer forgets nothing");
    let b2 = o.poll_send(t).unwrap();
    assert_eq!(ids(&b2.body), ids(&b.body));
}

#[test]
fn online_ends_the_backoff() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    let b = o.poll_send(5_000).unwrap();
    let ra = Outcome::Status {
        code: 503,
        retry_after_ms: Some(600_000),
    };
    o.on_result(5_000, b.id, ra, 0);
    assert!(o.poll_send(6_000).is_none());
    o.on_online(6_000);
    assert_eq!(o.poll_timeout(), Some(6_000));
    assert!(o.poll_send(6_000).is_some());
}

#[test]
fn hidden_gives_beacon_bodies_of_at_most_60000_bytes_with_every_event_and_forgets_none() {
    let mut o = outbox();
    o.set_session("s1", Some("u1"));
    let mut pushed = HashSet::new();
    for i in 0..300 {
        if i == 150 {
            o.set_session("s1", Some("u2"));
        }
        let e = format!(
            "{{\"t\":{i},\"type\":\"track\",\"name\":\"{}\"}}",
            "b".repeat(700)
        );
        pushed.insert(o.push(0, &e, rnd(i), Priority::Normal).unwrap());
    }
    let b = o.poll_send(5_000).unwrap(); // one batch in flight: beacons carry it too
    let bodies = o.on_hidden(6_000);
    let mut got = HashSet::new();
    for body in &bodies {
        assert!(body.len() <= 60_000);
        let v = parse(body);
        assert_eq!(v["dropped"], 0);
        assert_eq!(v["sent_at"], 6_000);
        for e in v["events"].as_array().unwrap() {
            let name = e["t"].as_u64().unwrap();
            assert_eq!(v["user"], if name < 150 { "u1" } else { "u2" });
            assert!(got.insert(e["id"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(got, pushed);
    assert_eq!(
        o.len(),
        300,
        "beacons are never acknowledged, so nothing is forgotten"
    );
    assert_eq!(o.on_result(6_000, b.id, ok(), 0), Verdict::Delivered);
}

#[test]
fn batches_never_mix_users_or_sessions() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    o.set_session("s1", Some("u1"));
    push(&mut o, 0, 2);
    o.set_session("s2", Some("u1"));
    push(&mut o, 0, 3);
    let mut seen = Vec::new();
    let mut now = 5_000;
    while let Some(t) = o.poll_timeout() {
        now = now.max(t);
        let b = o.poll_send(now).unwrap();
        let v = parse(&b.body);
        assert_eq!(b.events, 1);
        seen.push((
            v["session"].as_str().unwrap().to_string(),
            v["user"].clone(),
            v["events"][0]["seq"].as_u64().unwrap(),
        ));
        o.on_result(now, b.id, ok(), 0);
    }
    assert_eq!(
        seen,
        [
            ("s1".into(), Value::Null, 1),
            ("s1".into(), Value::from("u1"), 2),
            ("s2".into(), Value::from("u1"), 1),
        ]
    );
}

#[test]
fn a_snapshot_restores_every_event_its_attribution_seq_and_dropped_count() {
    let cfg = OutboxConfig {
        max_events: 10,
        ..OutboxConfig::default()
    };
    let mut a = Outbox::new(cfg.clone(), "demo", SDK, "s1", Some("u1"));
    for i in 0..12 {
        push(&mut a, 0, i);
    }
    let text = a.snapshot();
    a.on_persisted();
    assert!(!a.needs_persist());
    let mut b = Outbox::new(cfg, "demo", SDK, "s1", Some("u1"));
    assert_eq!(b.sync(100, &text), 10);
    assert_eq!(b.len(), 10);
    assert_eq!(b.poll_timeout(), Some(100), "restored events go at once");
    push(&mut b, 100, 99);
    assert_eq!(b.len(), 10, "the bound holds after a restore too");
    let batch = b.poll_send(100).unwrap();
    let v = parse(&batch.body);
    assert_eq!(v["dropped"], 3, "two dropped before the reload, one after");
    assert_eq!(v["user"], "u1");
    let seqs: Vec<u64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    // Seq 1..=12 before the reload, 1 to 3 dropped; the new event continues the session: 13.
    assert_eq!(seqs, (4..=13).collect::<Vec<_>>());
}

#[test]
fn a_new_session_restarts_seq_but_keeps_the_stored_events_attribution() {
    let mut a = outbox();
    push(&mut a, 0, 1);
    let text = a.snapshot();
    let mut b = Outbox::new(OutboxConfig::default(), "demo", SDK, "s2", None);
    b.sync(0, &text);
    push(&mut b, 0, 2);
    let mut sessions = Vec::new();
    let mut now = 0;
    while let Some(t) = b.poll_timeout() {
        now = now.max(t);
        let batch = b.poll_send(now).unwrap();
        let v = parse(&batch.body);
        sessions.push((v["session"].clone(), v["events"][0]["seq"].clone()));
        b.on_result(now, batch.id, ok(), 0);
    }
    assert_eq!(
        sessions,
        [
            (Value::from("s1"), Value::from(1)),
            (Value::from("s2"), Value::from(1))
        ]
    );
}

#[test]
fn garbage_in_storage_is_ignored_without_panicking() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    let good = o.snapshot();
    for bad in [
        "",
        "{}",
        "unstuck-outbox/2\ne\t0\t{}",
        "unstuck-outbox/1\ne\tx\t{\"id\":\"zz\"}",
        "unstuck-outbox/1\ne\t0\t{\"id\":\"0190a0b0-0000-7000-8000-00000000000",
        "unstuck-outbox/1\nd\t99999999999999999999999\nq\t\"s1\"\tabc",
        "unstuck-outbox/1\ne\t7\t{\"id\":\"0190a0b0-0000-7000-8000-000000000000\",\"seq\":1}",
        "unstuck-outbox/1\n\u{feff}\t\t\t\n\ne\t0",
    ] {
        let mut fresh = outbox();
        assert_eq!(fresh.sync(0, bad), 0, "{bad:?}");
        assert!(fresh.is_empty());
    }
    // The good one still restores after a corrupted line is appended.
    let mut fresh = outbox();
    assert_eq!(fresh.sync(0, &format!("{good}e\t0\t{{broken\n")), 1);
}

#[test]
fn two_tabs_sharing_storage_do_not_resend_each_others_delivered_events() {
    let mut store = String::new();
    let mut a = outbox();
    let mut b = outbox();
    let persist = |o: &mut Outbox, store: &mut String| {
        o.sync(0, store);
        *store = o.snapshot();
        o.on_persisted();
    };
    push(&mut a, 0, 1);
    persist(&mut a, &mut store);
    push(&mut b, 0, 2);
    persist(&mut b, &mut store);
    assert_eq!(b.len(), 2, "b holds a's stored event too");
    // b holds the lock and sends both.
    let batch = b.poll_send(0).unwrap();
    assert_eq!(batch.events, 2);
    b.on_result(0, batch.id, ok(), 0);
    persist(&mut b, &mut store);
    // a catches up from storage and has nothing left to send.
    a.sync(0, &store);
    assert!(a.is_empty(), "a forgets what b delivered");
}

#[test]
fn a_lost_write_race_between_tabs_loses_nothing() {
    let mut a = outbox();
    let mut b = outbox();
    push(&mut a, 0, 1);
    let base = a.snapshot();
    a.on_persisted();
    // Both read `base`; a writes its event, then b overwrites with its own view.
    push(&mut a, 0, 2);
    a.sync(0, &base);
    let a_text = a.snapshot();
    a.on_persisted();
    let _ = a_text;
    b.sync(0, &base);
    push(&mut b, 0, 3);
    let store = b.snapshot();
    b.on_persisted();
    // a's second event is missing from storage but nobody acknowledged it: a keeps it.
    a.sync(0, &store);
    assert!(a.needs_persist(), "a writes it back");
    let mut all: HashSet<String> = HashSet::new();
    for o in [&a, &b] {
        for body in o.on_hidden(0) {
            all.extend(ids(&body));
        }
    }
    assert_eq!(all.len(), 3, "every event is still held by some tab");
}

#[test]
fn consent_withdrawn_clears_everything() {
    let mut o = outbox();
    push(&mut o, 0, 1);
    let b = o.poll_send(5_000).unwrap();
    o.clear();
    assert!(o.is_empty());
    assert_eq!(o.poll_timeout(), None);
    assert_eq!(o.on_result(5_001, b.id, ok(), 0), Verdict::Stale);
    assert!(!o.snapshot().contains("\ne\t"));
}

#[test]
fn the_lease_is_exclusive_until_it_expires() {
    assert!(lease::may_take(None, "a", 0));
    let held = lease::claim("a", 1_000);
    assert!(lease::may_take(Some(&held), "a", 1_001), "the owner renews");
    assert!(!lease::may_take(
        Some(&held),
        "b",
        1_000 + lease::TTL_MS - 1
    ));
    assert!(lease::may_take(Some(&held), "b", 1_000 + lease::TTL_MS));
    assert!(lease::may_take(Some("garbage"), "b", 0));
    assert!(lease::may_take(Some("a x"), "b", 0));
}

// ---- Nothing lost, nothing duplicated, across arbitrary failures and restarts. ----

#[derive(Clone, Debug)]
enum Op {
    Push(bool),
    Advance(u64),
    Send,
    /// The server stored it and answered 200.
    Ok,
    /// The server stored it but the answer was lost.
    AckLost,
    /// The request never arrived.
    Lost,
    /// 500 or 503.
    ServerError,
    /// 429 with Retry-After seconds.
    TooMany(u64),
    /// Page hidden; the beacons arrive or not.
    Hidden(bool),
    /// The page reloads from storage; a request in flight arrives or not.
    Reload(bool),
    Online,
    Identify(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<bool>().prop_map(Op::Push),
        2 => (0u64..400_000).prop_map(Op::Advance),
        3 => Just(Op::Send),
        3 => Just(Op::Ok),
        1 => Just(Op::AckLost),
        1 => Just(Op::Lost),
        1 => Just(Op::ServerError),
        1 => (0u64..900).prop_map(Op::TooMany),
        1 => any::<bool>().prop_map(Op::Hidden),
        1 => any::<bool>().prop_map(Op::Reload),
        1 => Just(Op::Online),
        1 => (0u8..3).prop_map(Op::Identify),
    ]
}

#[derive(Default)]
struct Server {
    /// id -> (times received, event JSON).
    got: HashMap<String, (u32, Value)>,
}

impl Server {
    fn receive(&mut self, body: &str, ambiguous: &mut HashSet<String>, mark: bool) {
        for e in parse(body)["events"].as_array().unwrap() {
            let id = e["id"].as_str().unwrap().to_string();
            if mark {
                ambiguous.insert(id.clone());
            }
            let entry = self.got.entry(id).or_insert((0, e.clone()));
            assert_eq!(&entry.1, e, "a resend carries the same event");
            entry.0 += 1;
        }
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut store = String::new();
    let mut o = outbox();
    let mut now = 1_000_000u64;
    let mut n = 0u64;
    let mut pushed: HashMap<String, u64> = HashMap::new();
    let mut flight: Option<Batch> = None;
    let mut server = Server::default();
    // Ids that may legitimately arrive twice: their delivery was ambiguous to the page.
    let mut ambiguous = HashSet::new();
    for op in ops {
        match op {
            Op::Push(major) => {
                n += 1;
                let p = if major {
                    Priority::Immediate
                } else {
                    Priority::Normal
                };
                let id = o
                    .push(now, &event(now, &format!("e{n}")), rnd(n), p)
                    .unwrap();
                pushed.insert(id, n);
            }
            Op::Advance(ms) => now += ms,
            Op::Send => {
                if flight.is_none() {
                    flight = o.poll_send(now);
                }
            }
            Op::Ok | Op::AckLost | Op::Lost | Op::ServerError | Op::TooMany(_) => {
                if let Some(b) = flight.take() {
                    let outcome = match op {
                        Op::Ok => {
                            server.receive(&b.body, &mut ambiguous, false);
                            ok()
                        }
                        Op::AckLost => {
                            server.receive(&b.body, &mut ambiguous, true);
                            Outcome::Network
                        }
                        Op::Lost => Outcome::Network,
                        Op::ServerError => status(503),
                        Op::TooMany(s) => Outcome::Status {
                            code: 429,
                            retry_after_ms: Some(s * 1000),
                        },
                        _ => unreachable!(),
                    };
                    o.on_result(now, b.id, outcome, (now % 997) as u32);
                }
            }
            Op::Hidden(arrive) => {
                for body in o.on_hidden(now) {
                    if arrive {
                        server.receive(&body, &mut ambiguous, true);
                    }
                }
            }
            Op::Reload(arrives) => {
                if let Some(b) = flight.take() {
                    if arrives {
                        server.receive(&b.body, &mut ambiguous, true);
                    }
                }
                o = outbox();
                o.sync(now, &store);
            }
            Op::Online => o.on_online(now),
            Op::Identify(u) => o.set_session("s1", Some(&format!("u{u}"))),
        }
        // The shell persists after every change.
        o.sync(now, &store);
        store = o.snapshot();
        o.on_persisted();
    }
    // Back to a healthy network: everything drains.
    if let Some(b) = flight.take() {
        o.on_result(now, b.id, Outcome::Network, 0);
    }
    o.on_online(now);
    let mut rounds = 0;
    while let Some(t) = o.poll_timeout() {
        now = now.max(t);
        if let Some(b) = o.poll_send(now) {
            server.receive(&b.body, &mut ambiguous, false);
            o.on_result(now, b.id, ok(), 0);
        }
        rounds += 1;
        prop_assert!(rounds < 10_000, "the outbox drains");
    }
    prop_assert!(o.is_empty());
    let got: HashSet<&String> = server.got.keys().collect();
    let want: HashSet<&String> = pushed.keys().collect();
    prop_assert_eq!(got, want, "nothing lost, nothing invented");
    for (id, (times, _)) in &server.got {
        prop_assert!(
            *times == 1 || ambiguous.contains(id),
            "event {} sent {} times with no ambiguous delivery",
            pushed[id],
            times
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn nothing_is_lost_or_duplicated(ops in prop::collection::vec(op(), 0..120)) {
        run(ops)?;
    }

    #[test]
    fn any_stored_text_is_survived(text in ".{0,300}", lines in prop::collection::vec("[eqdha]\t[0-9a-z{}\"\t:,-]{0,60}", 0..20)) {
        let mut o = outbox();
        o.sync(0, &text);
        let joined = format!("unstuck-outbox/1\n{}", lines.join("\n"));
        o.sync(0, &joined);
        // Whatever was accepted can be stored and read again.
        let again = o.snapshot();
        let mut p = outbox();
        p.sync(0, &again);
        prop_assert_eq!(p.len(), o.len());
    }
}

// ---- Two tabs sharing one stored queue, one sender at a time (the lock). ----

#[derive(Clone, Debug)]
enum TabOp {
    Push,
    Advance(u64),
    /// Take the lock (if no tab has a send in flight) and send.
    Send,
    /// Answer the send in flight: stored and acknowledged, stored but answer lost, or lost.
    Answer(u8),
    /// The tab is hidden; its beacons arrive or not.
    Hidden(bool),
    /// The tab reloads (writing storage on `pagehide`); its send in flight arrives or not.
    Reload(bool),
    /// The tab writes storage from a stale read (another tab's write raced it).
    RacyWrite,
}

fn tab_op() -> impl Strategy<Value = (bool, TabOp)> {
    let op = prop_oneof![
        4 => Just(TabOp::Push),
        1 => (0u64..100_000).prop_map(TabOp::Advance),
        3 => Just(TabOp::Send),
        3 => (0u8..4).prop_map(TabOp::Answer),
        1 => any::<bool>().prop_map(TabOp::Hidden),
        1 => any::<bool>().prop_map(TabOp::Reload),
        1 => Just(TabOp::RacyWrite),
    ];
    (any::<bool>(), op)
}

fn run_two_tabs(ops: Vec<(bool, TabOp)>) -> Result<(), TestCaseError> {
    let mut store = String::new();
    let mut stale = String::new();
    let mut tabs = [outbox(), outbox()];
    let mut flights: [Option<Batch>; 2] = [None, None];
    let mut now = 1_000_000u64;
    let mut n = 0u64;
    let mut pushed = HashSet::new();
    let mut server = Server::default();
    let mut ambiguous = HashSet::new();
    let mut raced = false;
    for (second, op) in ops {
        let t = usize::from(second);
        let o = &mut tabs[t];
        let mut write = true;
        match op {
            TabOp::Push => {
                n += 1;
                pushed.insert(
                    o.push(now, &event(now, "x"), rnd(n), Priority::Normal)
                        .unwrap(),
                );
            }
            TabOp::Advance(ms) => now += ms,
            TabOp::Send => {
                if flights.iter().all(Option::is_none) {
                    o.sync(now, &store);
                    flights[t] = o.poll_send(now);
                }
            }
            TabOp::Answer(k) => {
                if let Some(b) = flights[t].take() {
                    if k < 2 {
                        server.receive(&b.body, &mut ambiguous, k == 1);
                    }
                    let outcome = if k == 0 { ok() } else { Outcome::Network };
                    o.on_result(now, b.id, outcome, 3);
                }
            }
            TabOp::Hidden(arrive) => {
                for body in o.on_hidden(now) {
                    if arrive {
                        server.receive(&body, &mut ambiguous, true);
                    }
                }
            }
            TabOp::Reload(arrives) => {
                if let Some(b) = flights[t].take() {
                    if arrives {
                        server.receive(&b.body, &mut ambiguous, true);
                    }
                }
                // `pagehide` writes once more, which also heals a raced write.
                o.sync(now, &store);
                store = o.snapshot();
                *o = outbox();
                o.sync(now, &store);
            }
            TabOp::RacyWrite => {
                o.sync(now, &stale);
                store = o.snapshot();
                o.on_persisted();
                raced = true;
                write = false;
            }
        }
        if write {
            stale = store.clone();
            o.sync(now, &store);
            store = o.snapshot();
            o.on_persisted();
        }
    }
    // Healthy again: the tabs take turns until both are empty.
    for (t, f) in flights.iter_mut().enumerate() {
        if let Some(b) = f.take() {
            tabs[t].on_result(now, b.id, Outcome::Network, 0);
        }
    }
    for round in 0.. {
        prop_assert!(round < 20_000, "the tabs drain");
        let t = round % 2;
        let o = &mut tabs[t];
        o.sync(now, &store);
        o.on_online(now);
        if let Some(at) = o.poll_timeout() {
            now = now.max(at);
            if let Some(b) = o.poll_send(now) {
                server.receive(&b.body, &mut ambiguous, false);
                o.on_result(now, b.id, ok(), 0);
            }
        }
        o.sync(now, &store);
        store = o.snapshot();
        o.on_persisted();
        if tabs.iter().all(Outbox::is_empty) {
            break;
        }
    }
    let got: HashSet<&String> = server.got.keys().collect();
    let want: HashSet<&String> = pushed.iter().collect();
    prop_assert_eq!(got, want, "nothing lost, nothing invented");
    if !raced {
        for (id, (times, _)) in &server.got {
            prop_assert!(
                *times == 1 || ambiguous.contains(id),
                "{} sent {} times",
                id,
                times
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn two_tabs_lose_nothing_and_duplicate_only_when_ambiguous(
        ops in prop::collection::vec(tab_op(), 0..120)
    ) {
        run_two_tabs(ops)?;
    }
}

fn http_date_like() -> impl Strategy<Value = String> {
    // Mostly valid fields (so whole dates parse often), each sometimes out of range or broken.
    fn field(good: BoxedStrategy<String>, bad: &'static [&'static str]) -> BoxedStrategy<String> {
        prop_oneof![12 => good, 1 => prop::sample::select(bad).prop_map(String::from)].boxed()
    }
    fn num(lo: u32, hi: u32) -> BoxedStrategy<String> {
        prop_oneof![
            4 => (lo..hi).prop_map(|n| n.to_string()),
            1 => (lo..hi).prop_map(|n| format!("{n:02}")),
        ]
        .boxed()
    }
    let day = field(num(0, 33), &["", "x", "006", "+1"]);
    let month = field(
        prop::sample::select(&MONTH_NAMES[..])
            .prop_map(String::from)
            .boxed(),
        &["", "nov", "Foo", "Janu", "Ja"],
    );
    let year = field(num(1965, 2200), &["", "99999", "19x0", "0"]);
    let hms = (
        field(num(0, 26), &["", "x"]),
        field(num(0, 62), &["", "x"]),
        field(num(0, 62), &["", "x"]),
        0usize..12,
    );
    let time = hms.prop_map(|(h, m, s, shape)| match shape {
        0 => format!("{h}:{m}"),
        1 => format!("{h}:{m}:{s}:{s}"),
        _ => format!("{h}:{m}:{s}"),
    });
    let zone = field(
        Just("GMT".to_string()).boxed(),
        &["", "PST", "GMT x", "gmt", "GMT "],
    );
    let weekday = field(
        Just("Sun, ".to_string()).boxed(),
        &["Sun,", "Sun,  ", "", "Thu, 0", "\u{e9}, "],
    );
    let gap = || field(Just(" ".to_string()).boxed(), &["  ", "", "\t"]);
    let pad = || field(Just(String::new()).boxed(), &[" ", "\t", "\n "]);
    let date = (
        weekday,
        day,
        gap(),
        month,
        gap(),
        year,
        gap(),
        time,
        gap(),
        zone,
    );
    (pad(), date, pad()).prop_map(|(a, (w, d, g1, mo, g2, y, g3, t, g4, z), b)| {
        format!("{a}{w}{d}{g1}{mo}{g2}{y}{g3}{t}{g4}{z}{b}")
    })
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `parse_retry_after` as first written (split, a month table): the reference the smaller
/// version in the SDK must match on every input.
fn reference_retry_after(value: &str, now_ms: u64) -> Option<u64> {
    fn num(s: &str) -> Option<u64> {
        if s.is_empty() || s.len() > 20 {
            return None;
        }
        s.bytes().try_fold(0u64, |n, b| {
            b.is_ascii_digit()
                .then_some(())
                .and_then(|_| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
        })
    }
    let v = value.trim();
    if let Some(s) = num(v) {
        return Some(s.saturating_mul(1000));
    }
    let rest = v.get(5..)?;
    let mut p = rest.split(' ');
    let day = num(p.next()?)?;
    let mon = p.next()?;
    let month = MONTH_NAMES.iter().position(|m| *m == mon)? as u64 + 1;
    let year = num(p.next()?)?;
    let mut hms = p.next()?.split(':');
    let (h, m, s) = (num(hms.next()?)?, num(hms.next()?)?, num(hms.next()?)?);
    if p.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || year < 1970 {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let at = ((days * 24 + h) * 60 + m) * 60 + s;
    Some(at.saturating_mul(1000).saturating_sub(now_ms))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]
    // HTTP dates and their near-misses: every field valid, out of range, malformed or missing.
    #[test]
    fn retry_after_parses_exactly_as_the_reference(
        text in http_date_like(),
        now in 0u64..4_000_000_000_000,
    ) {
        prop_assert_eq!(parse_retry_after(&text, now), reference_retry_after(&text, now), "{:?}", text);
    }

    #[test]
    fn retry_after_matches_the_reference_on_any_text(text in ".{0,40}", now in any::<u32>()) {
        let now = u64::from(now);
        prop_assert_eq!(parse_retry_after(&text, now), reference_retry_after(&text, now));
    }
}
