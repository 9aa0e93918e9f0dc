//! `POST /v1/events` and the other endpoints, against the real server and a real database,
//! each on SQLite and on PostgreSQL.

mod common;

use common::{batch, write, Server};
use hyper::{Method, StatusCode};

const TEXT: (&str, &str) = ("content-type", "text/plain;charset=UTF-8");

store_test!(a_batch_is_stored_once_then_counted_as_duplicates, |db| {
    let server = Server::start(db, &[]);
    let body = batch("demo", 1, 1, 20);
    let first = server.post(body.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json());
    assert_eq!(
        first.json(),
        serde_json::json!({"stored": 20, "duplicates": 0})
    );
    let again = server.post(body).await;
    assert_eq!(
        again.json(),
        serde_json::json!({"stored": 0, "duplicates": 20})
    );
    // Overlapping batch: 10 old, 10 new.
    let overlap = server.post(batch("demo", 1, 11, 20)).await;
    assert_eq!(
        overlap.json(),
        serde_json::json!({"stored": 10, "duplicates": 10})
    );
    assert_eq!(db.count(), 30);
    assert!(server.stop(), "graceful stop");
});

store_test!(an_id_repeated_inside_one_batch_is_stored_once, |db| {
    let server = Server::start(db, &[]);
    let mut body: serde_json::Value = serde_json::from_str(&batch("demo", 2, 1, 3)).unwrap();
    let events = body["events"].as_array_mut().unwrap();
    let copy = events[0].clone();
    events.push(copy);
    // The same UUID in upper case is the same id.
    let mut upper = events[1].clone();
    upper["id"] = upper["id"].as_str().unwrap().to_uppercase().into();
    events.push(upper);
    let r = server.post(body.to_string()).await;
    assert_eq!(r.json(), serde_json::json!({"stored": 3, "duplicates": 2}));
    assert_eq!(db.count(), 3);
});

store_test!(unknown_event_types_and_fields_are_kept, |db| {
    let server = Server::start(db, &[]);
    let body = serde_json::json!({"site": "demo", "session": "s", "future_field": {"a": 1}, "events": [
        {"id": common::id(9, 1), "seq": 1, "t": 5, "type": "from_the_future", "nested": {"deep": [1, "two", null]}, "emoji": "😀 ü 中文"}
    ]});
    let r = server.post(body.to_string()).await;
    assert_eq!(r.json()["stored"], 1);
    let line: serde_json::Value = serde_json::from_str(db.export(&[]).trim()).unwrap();
    assert_eq!(line["id"], common::id(9, 1));
    assert_eq!(line["type"], "from_the_future");
    assert_eq!(line["seq"], 1);
    assert_eq!(line["t"], 5);
    assert_eq!(line["site"], "demo");
    assert_eq!(line["session"], "s");
    assert_eq!(
        line["payload"],
        serde_json::json!({"nested": {"deep": [1, "two", null]}, "emoji": "😀 ü 中文"})
    );
});

store_test!(json_content_type_is_accepted_and_others_refused, |db| {
    let server = Server::start(db, &[]);
    let r = server
        .request(
            Method::POST,
            "/v1/events",
            &[("content-type", "application/json")],
            batch("demo", 3, 1, 2),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for ct in [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "image/png",
        "text/html",
    ] {
        let r = server
            .request(
                Method::POST,
                "/v1/events",
                &[("content-type", ct)],
                batch("demo", 3, 10, 2),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        assert!(r.error().contains("content-type"), "{}", r.error());
    }
    let r = server
        .request(Method::POST, "/v1/events", &[], batch("demo", 3, 10, 2))
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(db.count(), 2);
});

store_test!(malformed_bodies_get_400_with_the_place, |db| {
    let server = Server::start(db, &[]);
    let mut body: serde_json::Value = serde_json::from_str(&batch("demo", 4, 1, 5)).unwrap();
    body["events"][3]["id"] = "not-a-uuid".into();
    let r = server.post(body.to_string()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error(), "events[3].id: not a UUID");
    // Nothing of a refused batch is stored, not even its valid events.
    assert_eq!(db.count(), 0);
});

store_test!(over_64_kb_gets_413, |db| {
    let server = Server::start(db, &[]);
    let mut body: serde_json::Value = serde_json::from_str(&batch("demo", 5, 1, 1)).unwrap();
    body["events"][0]["detail"] = "x".repeat(70_000).into();
    let r = server.post(body.to_string()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.error().contains("65536"), "{}", r.error());
    // Just under the limit is fine.
    body["events"][0]["detail"] = "x".repeat(60_000).into();
    let r = server.post(body.to_string()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(db.count(), 1);
});

store_test!(unknown_site_gets_403, |db| {
    let server = Server::start(db, &[]);
    let r = server.post(batch("not-a-site", 6, 1, 2)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error(), "unknown site \"not-a-site\"");
    assert_eq!(db.count(), 0);
});

store_test!(origins_are_checked_per_site, |db| {
    let server = Server::start(db, &[]);
    let post = |origin: &'static str, first| {
        let body = batch("demo", 7, first, 1);
        let server = &server;
        async move {
            server
                .request(
                    Method::POST,
                    "/v1/events",
                    &[TEXT, ("origin", origin)],
                    body,
                )
                .await
        }
    };
    for (i, ok) in [
        "http://localhost:5173",
        "http://127.0.0.1:8787",
        "http://localhost",
    ]
    .iter()
    .enumerate()
    {
        let r = post(ok, i as u32 + 1).await;
        assert_eq!(r.status, StatusCode::OK, "{ok}");
        assert_eq!(r.header("access-control-allow-origin"), Some(*ok));
        assert!(r
            .header("access-control-expose-headers")
            .unwrap()
            .contains("retry-after"));
    }
    for (i, bad) in [
        "http://evil.example",
        "http://localhost.evil.example",
        "null",
        "http://127.0.0.2:80",
    ]
    .iter()
    .enumerate()
    {
        let r = post(bad, 100 + i as u32).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{bad}");
        assert_eq!(r.header("access-control-allow-origin"), None, "{bad}");
        assert!(r.error().contains("not allowed"), "{}", r.error());
    }
    assert_eq!(db.count(), 3);
    // Preflight (application/json): allowed origin gets the CORS answer, others none.
    let r = server
        .request(
            Method::OPTIONS,
            "/v1/events",
            &[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    assert!(r
        .header("access-control-allow-headers")
        .unwrap()
        .contains("content-type"));
    let r = server
        .request(
            Method::OPTIONS,
            "/v1/events",
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "POST"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.header("access-control-allow-origin"), None);
});

store_test!(rate_limit_answers_429_with_retry_after, |db| {
    let sites = write(
        db.dir.path(),
        "sites.json",
        r#"{"sites": [{"key": "tight", "origins": ["*"], "rate_limit": {"per_second": 0.1, "burst": 2}},
                      {"key": "open", "origins": ["*"], "rate_limit": null}]}"#,
    );
    let server = Server::start(db, &["--sites", sites.to_str().unwrap()]);
    assert_eq!(
        server.post(batch("tight", 8, 1, 1)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        server.post(batch("tight", 8, 2, 1)).await.status,
        StatusCode::OK
    );
    let r = server.post(batch("tight", 8, 3, 1)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    assert!(r.error().contains("rate limit"));
    // Another site has its own bucket; `null` means no limit.
    for i in 0..30 {
        assert_eq!(
            server.post(batch("open", 8, 100 + i, 1)).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(db.count(), 32);
});

store_test!(healthz_and_static_files, |db| {
    write(db.dir.path(), "www/index.html", "<h1>demo</h1>");
    write(db.dir.path(), "dist/unstuck_bg.wasm", "\0asm");
    write(db.dir.path(), "dist/unstuck.js", "console.log(1)");
    let server = Server::start(db, &[]);
    let r = server.request(Method::GET, "/healthz", &[], "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["ok"], true);
    let r = server.request(Method::GET, "/", &[], "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, b"<h1>demo</h1>");
    let r = server
        .request(Method::GET, "/unstuck/unstuck_bg.wasm", &[], "")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let r = server
        .request(Method::GET, "/unstuck/unstuck.js", &[], "")
        .await;
    assert!(r.header("content-type").unwrap().contains("javascript"));
    let r = server.request(Method::GET, "/nope.html", &[], "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
});

store_test!(missing_demo_config_is_a_404_with_a_reason, |db| {
    let server = Server::start(db, &[]);
    let r = server
        .request(Method::GET, "/v1/config/demo", &[], "")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.error().contains("unstuck.config.json"), "{}", r.error());
    let r = server
        .request(Method::GET, "/v1/config/other", &[], "")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.error().contains("unknown site"));
});

store_test!(graceful_stop_keeps_every_acknowledged_batch, |db| {
    let server = Server::start(db, &[]);
    let mut stored = 0;
    for i in 0..10 {
        stored += server.post(batch("demo", 10, i * 20 + 1, 20)).await.json()["stored"]
            .as_u64()
            .unwrap();
    }
    assert!(server.stop(), "exit status 0 after SIGTERM");
    assert_eq!(stored, 200);
    assert_eq!(db.count(), 200);
    // And a restart on the same database sees them as duplicates.
    let server = Server::start(db, &[]);
    assert_eq!(
        server.post(batch("demo", 10, 1, 20)).await.json()["duplicates"],
        20
    );
});

store_test!(export_filters_by_site_and_time, |db| {
    let sites = write(
        db.dir.path(),
        "sites.json",
        r#"{"sites": [{"key": "a", "origins": ["*"]}, {"key": "b", "origins": ["*"]}]}"#,
    );
    let server = Server::start(db, &["--sites", sites.to_str().unwrap()]);
    server.post(batch("a", 11, 1, 3)).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let cut = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    server.post(batch("b", 12, 1, 2)).await;
    let all: Vec<serde_json::Value> = db
        .export(&[])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(all.len(), 5);
    assert!(all
        .iter()
        .all(|e| e["id"].is_string() && e["type"].is_string() && e["payload"].is_object()));
    assert_eq!(db.export(&["--site", "a"]).lines().count(), 3);
    let since = db.export(&["--since", &cut.to_string()]);
    assert_eq!(since.lines().count(), 2);
    assert!(since.lines().all(|l| l.contains("\"site\":\"b\"")));
    assert_eq!(db.export(&["--site", "a", "--since", &cut.to_string()]), "");
});

store_test!(config_is_served_with_a_strong_etag_and_304, |db| {
    let config = r#"{"steps": [{"id": "welcome"}, {"id": "profile"}]}"#;
    write(db.dir.path(), "sites/shop.json", config);
    write(db.dir.path(), "sites/broken.json", r#"{"steps": "nope"}"#);
    let sites = write(
        db.dir.path(),
        "sites/sites.json",
        r#"{"sites": [{"key": "shop", "origins": ["https://shop.example"], "config": "shop.json"}]}"#,
    );
    let server = Server::start(db, &["--sites", sites.to_str().unwrap()]);
    let r = server
        .request(
            Method::GET,
            "/v1/config/shop",
            &[("origin", "https://shop.example")],
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, config.as_bytes());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("max-age=60"));
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let etag = r.header("etag").expect("ETag").to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let r = server
        .request(
            Method::GET,
            "/v1/config/shop",
            &[("if-none-match", &etag)],
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = server
        .request(
            Method::GET,
            "/v1/config/shop",
            &[("if-none-match", "\"other\"")],
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = server
        .request(
            Method::GET,
            "/v1/config/shop",
            &[("origin", "https://evil.example")],
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert!(server.stop());

    // A sites file naming an invalid config refuses to start, and says where.
    let bad = write(
        db.dir.path(),
        "sites/bad-sites.json",
        r#"{"sites": [{"key": "x", "origins": ["*"], "config": "broken.json"}]}"#,
    );
    let out = std::process::Command::new(common::BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &db.url,
            "--sites",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sites[0].config") && err.contains("steps"),
        "{err}"
    );
});

store_test!(concurrent_overlapping_sends_store_each_event_once, |db| {
    let server = std::sync::Arc::new(Server::start(db, &[]));
    // 6 "tabs" send the same 10 batches of 20 events, each in its own order, all at once.
    let tasks: Vec<_> = (0..6u32)
        .map(|tab| {
            let server = server.clone();
            tokio::spawn(async move {
                let (mut stored, mut duplicates) = (0, 0);
                for k in 0..10u32 {
                    let b = (k * 7 + tab * 3) % 10;
                    let r = server.post(batch("demo", 20, b * 20 + 1, 20)).await;
                    assert_eq!(r.status, StatusCode::OK);
                    stored += r.json()["stored"].as_u64().unwrap();
                    duplicates += r.json()["duplicates"].as_u64().unwrap();
                }
                (stored, duplicates)
            })
        })
        .collect();
    let (mut stored, mut duplicates) = (0, 0);
    for t in tasks {
        let (s, d) = t.await.unwrap();
        stored += s;
        duplicates += d;
    }
    assert_eq!(stored, 200, "each event stored by exactly one request");
    assert_eq!(duplicates, 6 * 200 - 200);
    assert_eq!(db.count(), 200);
});

store_test!(a_chunked_body_over_64_kb_gets_413, |db| {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Server::start(db, &[]);
    // No Content-Length: the limit must hold while reading.
    let mut s = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let head = "POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 8192, "a".repeat(8192));
    for _ in 0..10 {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break; // the server may answer and close before the rest is sent
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than 65536"), "{answer}");
    assert_eq!(
        server.post(batch("demo", 21, 1, 1)).await.status,
        StatusCode::OK
    );
});

#[test]
fn export_of_a_missing_sqlite_file_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let out = std::process::Command::new(common::BIN)
        .args([
            "export",
            "--database",
            &format!("sqlite://{}", path.display()),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database at"));
    assert!(!path.exists());
}

store_test!(sigterm_during_sends_keeps_every_acknowledged_event, |db| {
    let server = std::sync::Arc::new(Server::start(db, &[]));
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let tasks: Vec<_> = (0..4u32)
        .map(|w| {
            let (server, acked) = (server.clone(), acked.clone());
            tokio::spawn(async move {
                for k in 0..10_000u32 {
                    let body = batch("demo", 30 + w, k * 20 + 1, 20);
                    let headers = [("content-type", "text/plain")];
                    match server
                        .try_request(Method::POST, "/v1/events", &headers, body)
                        .await
                    {
                        Ok(r) if r.status == StatusCode::OK => {
                            let n = r.json()["stored"].as_u64().unwrap();
                            acked.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                        }
                        _ => return, // refused or cut off: the server is going away
                    }
                }
            })
        })
        .collect();
    // Let the senders get going, then ask the server to stop while requests are in flight.
    while acked.load(std::sync::atomic::Ordering::SeqCst) < 400 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.terminate();
    for t in tasks {
        t.await.unwrap();
    }
    let server = std::sync::Arc::try_unwrap(server)
        .ok()
        .expect("tasks are done");
    assert!(server.stop(), "exit status 0 after SIGTERM");
    let acked = acked.load(std::sync::atomic::Ordering::SeqCst);
    assert!(acked >= 400);
    // Every 200 was a commit. (At most the 4 requests in flight could be committed without
    // their answer arriving; graceful shutdown answers them, but the test does not rely on it.)
    let stored = db.count() as u64;
    assert!(
        stored >= acked && stored <= acked + 4 * 20,
        "stored {stored}, acknowledged {acked}"
    );
});

store_test!(reported_losses_are_recorded_once_per_batch, |db| {
    let server = Server::start(db, &[]);
    let mut body: serde_json::Value = serde_json::from_str(&batch("demo", 40, 1, 3)).unwrap();
    body["dropped"] = 17.into();
    let body = body.to_string();
    assert_eq!(server.post(body.clone()).await.json()["stored"], 3);
    // The same batch again (a retry after a lost answer) does not count the loss twice.
    assert_eq!(server.post(body).await.json()["duplicates"], 3);
    // An empty batch can carry a loss on its own.
    let empty = r#"{"site":"demo","session":"session-40","sent_at":99,"dropped":2,"events":[]}"#;
    assert_eq!(
        server.post(empty).await.json(),
        serde_json::json!({"stored": 0, "duplicates": 0})
    );
    let losses: Vec<serde_json::Value> = db
        .export(&["--losses"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(losses.len(), 2, "{losses:?}");
    let total: i64 = losses.iter().map(|l| l["dropped"].as_i64().unwrap()).sum();
    assert_eq!(total, 19);
    assert!(losses
        .iter()
        .all(|l| l["site"] == "demo" && l["session"] == "session-40"));
});

store_test!(overlapping_batches_in_opposite_orders_never_fail, |db| {
    let server = std::sync::Arc::new(Server::start(db, &[]));
    let forward: serde_json::Value = serde_json::from_str(&batch("demo", 50, 1, 40)).unwrap();
    let mut backward = forward.clone();
    backward["events"].as_array_mut().unwrap().reverse();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let server = server.clone();
            let body = if i % 2 == 0 { &forward } else { &backward }.to_string();
            tokio::spawn(async move {
                let mut stored = 0;
                for _ in 0..5 {
                    let r = server.post(body.clone()).await;
                    assert_eq!(
                        r.status,
                        StatusCode::OK,
                        "{:?}",
                        String::from_utf8_lossy(&r.body)
                    );
                    stored += r.json()["stored"].as_u64().unwrap();
                }
                stored
            })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        stored += t.await.unwrap();
    }
    assert_eq!(stored, 40);
    assert_eq!(db.count(), 40);
});

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = common::Db::new(common::Backend::Sqlite).await.unwrap();
    let server = Server::start(&db, &[]);
    let mut slow = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    slow.write_all(b"POST /v1/events HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // Meanwhile the server serves others.
    assert_eq!(
        server.post(batch("demo", 60, 1, 1)).await.status,
        StatusCode::OK
    );
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(read.is_ok(), "the connection was still open after 30 s");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(5),
        "closed too early: {:?}",
        started.elapsed()
    );
}
