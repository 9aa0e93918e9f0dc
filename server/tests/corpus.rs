//! The bad-input corpus: every body gets a clear 4xx with a reason, the server stays up, and
//! what was stored before is exactly what is stored after (the export is byte-identical).

mod common;

use common::{batch, id, Server};
use hyper::{Method, StatusCode};

/// `(name, content type, body, expected status)`.
fn corpus() -> Vec<(&'static str, &'static str, Vec<u8>, StatusCode)> {
    let bad = StatusCode::BAD_REQUEST;
    let text = "text/plain;charset=UTF-8";
    let good_event = |extra: &str| {
        format!(
            r#"{{"site":"demo","session":"s","events":[{{"id":"{}","seq":1,"t":1,"type":"x"{extra}}}]}}"#,
            id(99, 1)
        )
    };
    let with_event = |event: &str| format!(r#"{{"site":"demo","session":"s","events":[{event}]}}"#);
    let uid = id(99, 2);
    let mut deep = String::new();
    for _ in 0..10_000 {
        deep.push('[');
    }
    let mut deep_payload = good_event(r#","p":"#);
    deep_payload.truncate(deep_payload.len() - 3);
    deep_payload.push_str(&"[".repeat(200));
    deep_payload.push_str(&"]".repeat(200));
    deep_payload.push_str("}]}");
    let huge_events = {
        let mut b: serde_json::Value = serde_json::from_str(&batch("demo", 98, 1, 1)).unwrap();
        b["events"][0]["blob"] = "€".repeat(30_000).into();
        b.to_string()
    };
    let many_small = {
        // Thousands of tiny events: each valid, together over 64 KB.
        let events: Vec<String> = (0..3000)
            .map(|i| format!(r#"{{"id":"{}","seq":{i},"t":1,"type":"x"}}"#, id(97, i)))
            .collect();
        with_event(&events.join(","))
    };
    vec![
        ("empty body", text, vec![], bad),
        ("whitespace", text, b"   \n".to_vec(), bad),
        ("not JSON", text, b"hello".to_vec(), bad),
        ("truncated JSON", text, br#"{"site":"demo","session":"s","events":[{"id":"#.to_vec(), bad),
        ("trailing garbage", text, format!("{}xyz", good_event("")).into_bytes(), bad),
        ("array at the top", text, b"[1,2,3]".to_vec(), bad),
        ("null at the top", text, b"null".to_vec(), bad),
        ("string at the top", text, br#""demo""#.to_vec(), bad),
        ("missing site", text, br#"{"session":"s","events":[]}"#.to_vec(), bad),
        ("site is a number", text, br#"{"site":1,"session":"s","events":[]}"#.to_vec(), bad),
        ("site is empty", text, br#"{"site":"","session":"s","events":[]}"#.to_vec(), bad),
        ("session is an object", text, br#"{"site":"demo","session":{},"events":[]}"#.to_vec(), bad),
        ("user is a number", text, br#"{"site":"demo","session":"s","user":5,"events":[]}"#.to_vec(), bad),
        ("events is an object", text, br#"{"site":"demo","session":"s","events":{}}"#.to_vec(), bad),
        ("events missing", text, br#"{"site":"demo","session":"s"}"#.to_vec(), bad),
        ("event is a string", text, with_event(r#""x""#).into_bytes(), bad),
        ("id missing", text, with_event(r#"{"seq":1,"t":1,"type":"x"}"#).into_bytes(), bad),
        ("id not a UUID", text, with_event(r#"{"id":"1234","seq":1,"t":1,"type":"x"}"#).into_bytes(), bad),
        ("id is a number", text, with_event(r#"{"id":7,"seq":1,"t":1,"type":"x"}"#).into_bytes(), bad),
        ("seq negative", text, with_event(&format!(r#"{{"id":"{uid}","seq":-1,"t":1,"type":"x"}}"#)).into_bytes(), bad),
        ("seq a string", text, with_event(&format!(r#"{{"id":"{uid}","seq":"1","t":1,"type":"x"}}"#)).into_bytes(), bad),
        ("seq a float", text, with_event(&format!(r#"{{"id":"{uid}","seq":1.5,"t":1,"type":"x"}}"#)).into_bytes(), bad),
        ("t huge integer", text, with_event(&format!(r#"{{"id":"{uid}","seq":1,"t":99999999999999999999999999,"type":"x"}}"#)).into_bytes(), bad),
        ("t above i64", text, with_event(&format!(r#"{{"id":"{uid}","seq":1,"t":18446744073709551615,"type":"x"}}"#)).into_bytes(), bad),
        ("t is 1e400", text, with_event(&format!(r#"{{"id":"{uid}","seq":1,"t":1e400,"type":"x"}}"#)).into_bytes(), bad),
        ("huge number in the payload", text, good_event(r#","n":1e999"#).into_bytes(), bad),
        ("type missing", text, with_event(&format!(r#"{{"id":"{uid}","seq":1,"t":1}}"#)).into_bytes(), bad),
        ("type empty", text, with_event(&format!(r#"{{"id":"{uid}","seq":1,"t":1,"type":""}}"#)).into_bytes(), bad),
        ("type null", text, with_event(&format!(r#"{{"id":"{uid}","seq":1,"t":1,"type":null}}"#)).into_bytes(), bad),
        ("type very long", text, with_event(&format!(r#"{{"id":"{uid}","seq":1,"t":1,"type":"{}"}}"#, "x".repeat(500))).into_bytes(), bad),
        ("deeply nested", text, deep.into_bytes(), bad),
        ("deeply nested payload", text, deep_payload.into_bytes(), bad),
        ("raw NUL byte", text, good_event("").replace(r#""s""#, "\"s\0\"").into_bytes(), bad),
        ("escaped NUL in the session", text, good_event("").replace(r#""s""#, r#""s\u0000""#).into_bytes(), bad),
        ("escaped NUL in the type", text, good_event("").replace(r#""type":"x""#, r#""type":"x\u0000""#).into_bytes(), bad),
        ("lone surrogate", text, good_event(r#","m":"\ud800""#).into_bytes(), bad),
        ("invalid UTF-8", text, {
            let mut b = good_event(r#","m":"XX""#).into_bytes();
            let at = b.len() - 6;
            b[at] = 0xff;
            b[at + 1] = 0xfe;
            b
        }, bad),
        ("UTF-16 with BOM", text, {
            let mut b = vec![0xff, 0xfe];
            for u in good_event("").encode_utf16() {
                b.extend_from_slice(&u.to_le_bytes());
            }
            b
        }, bad),
        ("SQL in the site", text, br#"{"site":"demo'; DROP TABLE events; --","session":"s","events":[]}"#.to_vec(), StatusCode::FORBIDDEN),
        ("SQL in the id", text, with_event(r#"{"id":"1' OR '1'='1","seq":1,"t":1,"type":"x"}"#).into_bytes(), bad),
        ("unicode-heavy site", text, r#"{"site":"デモ🙂\u200b","session":"s","events":[]}"#.as_bytes().to_vec(), StatusCode::FORBIDDEN),
        ("unicode control in the session", text, "{\"site\":\"demo\",\"session\":\"s\u{202e}\u{85}\",\"events\":[]}".as_bytes().to_vec(), bad),
        ("a valid event then a broken one", text, with_event(&format!(r#"{{"id":"{}","seq":1,"t":1,"type":"x"}},{{"id":"{uid}","seq":1,"t":-5,"type":"x"}}"#, id(99, 3))).into_bytes(), bad),
        ("over 64 KB of one string", text, huge_events.into_bytes(), StatusCode::PAYLOAD_TOO_LARGE),
        ("over 64 KB of events", text, many_small.into_bytes(), StatusCode::PAYLOAD_TOO_LARGE),
        ("1 MB of zeros", text, vec![0u8; 1 << 20], StatusCode::PAYLOAD_TOO_LARGE),
        ("form content type", "application/x-www-form-urlencoded", good_event("").into_bytes(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("xml content type", "application/xml", b"<events/>".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("no content type", "", good_event("").into_bytes(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("look-alike content type", "text/plainjunk", good_event("").into_bytes(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ]
}

store_test!(every_bad_body_gets_a_clear_4xx_and_changes_nothing, |db| {
    let mut server = Server::start(db, &[]);
    // Something stored first, so "nothing changes" has something to protect; one of the ids is
    // reused by the corpus.
    assert_eq!(
        server.post(batch("demo", 99, 1, 5)).await.status,
        StatusCode::OK
    );
    let before = db.export(&[]);
    assert_eq!(before.lines().count(), 5);
    let cases = corpus();
    assert!(cases.len() >= 40);
    for (name, content_type, body, want) in cases {
        let headers: Vec<(&str, &str)> = if content_type.is_empty() {
            vec![]
        } else {
            vec![("content-type", content_type)]
        };
        let r = server
            .request(Method::POST, "/v1/events", &headers, body)
            .await;
        assert_eq!(
            r.status,
            want,
            "{name}: {:?}",
            String::from_utf8_lossy(&r.body)
        );
        let reason = r.error();
        assert!(!reason.is_empty(), "{name}: empty reason");
        assert!(server.alive(), "{name}: the server died");
    }
    // Still serving, and nothing stored changed.
    assert_eq!(
        server
            .request(Method::GET, "/healthz", &[], "")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(db.export(&[]), before);
    assert!(server.stop());
    assert_eq!(db.export(&[]), before);
});

store_test!(sql_looking_and_unicode_values_are_stored_verbatim, |db| {
    let server = Server::start(db, &[]);
    let nasty = [
        "'; DROP TABLE events; --",
        "\" OR 1=1 --",
        "Robert'); DELETE FROM events WHERE ('1'='1",
        "😀👍🏽 中文 עברית العربية \u{200d}\u{fe0f}",
        "\\u0000 is text here, not a NUL",
        "%s%n%x {{}} ${x} $1 ?",
    ];
    let events: Vec<serde_json::Value> = nasty
        .iter()
        .enumerate()
        .map(|(i, s)| serde_json::json!({"id": id(96, i as u32), "seq": i, "t": 1, "type": "track", "name": s, "props": s, "nul": "a\u{0}b"}))
        .collect();
    let body = serde_json::json!({"site": "demo", "session": nasty[0], "user": nasty[3], "events": events});
    let r = server.post(body.to_string()).await;
    assert_eq!(r.json()["stored"], nasty.len());
    let lines: Vec<serde_json::Value> = db
        .export(&[])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), nasty.len());
    for line in &lines {
        let i = line["seq"].as_u64().unwrap() as usize;
        assert_eq!(line["payload"]["name"], nasty[i]);
        assert_eq!(
            line["payload"]["nul"], "a\u{0}b",
            "a NUL inside the payload survives as an escape"
        );
        assert_eq!(line["session"], nasty[0]);
        assert_eq!(line["user"], nasty[3]);
    }
});
