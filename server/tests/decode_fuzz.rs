//! Fuzzing the request decoder with proptest: arbitrary bytes and mutated valid batches never
//! panic, and valid batches round-trip field for field.

use proptest::prelude::*;
use serde_json::{json, Value};
use unstuck_server::decode::decode;

fn uuid() -> impl Strategy<Value = String> {
    any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).hyphenated().to_string())
}

fn text() -> impl Strategy<Value = String> {
    // Printable text of every script (no control characters: those are refused on purpose).
    "[\\PC]{1,40}"
}

fn payload_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC*".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn event() -> impl Strategy<Value = Value> {
    (
        uuid(),
        0..=i64::MAX,
        0..=i64::MAX,
        "[a-z_]{1,20}",
        prop::collection::btree_map("[a-z]{1,8}", payload_value(), 0..4),
    )
        .prop_map(|(id, seq, t, kind, extra)| {
            let mut e = serde_json::Map::new();
            for (k, v) in extra {
                if !["id", "seq", "t", "type"].contains(&k.as_str()) {
                    e.insert(k, v);
                }
            }
            e.insert("id".into(), id.into());
            e.insert("seq".into(), seq.into());
            e.insert("t".into(), t.into());
            e.insert("type".into(), kind.into());
            Value::Object(e)
        })
}

fn batch() -> impl Strategy<Value = Value> {
    (
        text(),
        text(),
        prop::option::of(text()),
        prop::collection::vec(event(), 0..20),
    )
        .prop_map(|(site, session, user, events)| {
            json!({"site": site, "session": session, "user": user, "sent_at": 1, "dropped": 0, "sdk": "unstuck/0.1.0", "events": events})
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn valid_batches_round_trip(b in batch()) {
        let decoded = decode(b.to_string().as_bytes()).expect("a valid batch decodes");
        prop_assert_eq!(&decoded.site, b["site"].as_str().unwrap());
        prop_assert_eq!(&decoded.session, b["session"].as_str().unwrap());
        prop_assert_eq!(decoded.user.as_deref(), b["user"].as_str());
        let sent = b["events"].as_array().unwrap();
        prop_assert_eq!(decoded.events.len(), sent.len());
        for (row, original) in decoded.events.iter().zip(sent) {
            prop_assert_eq!(&row.id, original["id"].as_str().unwrap());
            prop_assert_eq!(row.seq, original["seq"].as_i64().unwrap());
            prop_assert_eq!(row.t, original["t"].as_i64().unwrap());
            prop_assert_eq!(&row.kind, original["type"].as_str().unwrap());
            // Payload + the four columns = the event as sent.
            let mut rebuilt: serde_json::Map<String, Value> = serde_json::from_str(&row.payload).unwrap();
            rebuilt.insert("id".into(), row.id.clone().into());
            rebuilt.insert("seq".into(), row.seq.into());
            rebuilt.insert("t".into(), row.t.into());
            rebuilt.insert("type".into(), row.kind.clone().into());
            prop_assert_eq!(&Value::Object(rebuilt), original);
        }
    }

    #[test]
    fn mutated_batches_never_panic_and_errors_say_where(
        b in batch(),
        cut in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        mode in 0..3u8,
    ) {
        let mut bytes = b.to_string().into_bytes();
        let at = cut.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
        match mode {
            0 => bytes.truncate(at),
            1 if !bytes.is_empty() => bytes[at] = byte,
            _ => bytes.insert(at, byte),
        }
        if let Err(e) = decode(&bytes) {
            prop_assert!(e.0.contains(':'), "reason without a place: {}", e.0);
        }
    }

    #[test]
    fn wrongly_typed_fields_are_refused_by_name(
        b in batch().prop_filter("has events", |b| !b["events"].as_array().unwrap().is_empty()),
        field in prop::sample::select(vec!["id", "seq", "t", "type"]),
        value in prop_oneof![Just(json!(null)), Just(json!(-1)), Just(json!(1.5)), Just(json!("")), Just(json!([])), Just(json!({})), Just(json!(true))],
    ) {
        let mut b = b;
        b["events"][0][field] = value;
        let e = decode(b.to_string().as_bytes()).expect_err("refused");
        let want = format!("events[0].{field}: ");
        prop_assert!(e.0.starts_with(&want), "{}", e.0);
    }
}
