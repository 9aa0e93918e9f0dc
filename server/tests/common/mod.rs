//! Test harness: the real `unstuck` binary on 127.0.0.1:0, a real database (a SQLite file in a
//! temp dir, or a fresh PostgreSQL database when `UNSTUCK_TEST_PG` names a server), and a
//! bare HTTP/1.1 client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use sqlx::Connection;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_unstuck");

/// Which store a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test.
pub struct Db {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Db {
    /// A fresh database, or `None` when the backend is PostgreSQL and `UNSTUCK_TEST_PG` is
    /// unset (scripts/test.sh always sets it).
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Some(Self {
                // A subdirectory that does not exist yet: the server must create it.
                url: format!("sqlite://{}/data/unstuck.db", dir.path().display()),
                dir,
                pg_admin: None,
            }),
            Backend::Postgres => {
                let Ok(admin) = std::env::var("UNSTUCK_TEST_PG") else {
                    eprintln!("UNSTUCK_TEST_PG is not set: skipping the PostgreSQL run");
                    return None;
                };
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos();
                let name = format!(
                    "t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    nanos
                );
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to UNSTUCK_TEST_PG");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
                Some(Self {
                    url: format!("{base}/{name}"),
                    dir,
                    pg_admin: Some((admin, name)),
                })
            }
        }
    }

    /// `unstuck export` with extra arguments; its stdout.
    pub fn export(&self, args: &[&str]) -> String {
        let out = Command::new(BIN)
            .args(["export", "--database", &self.url])
            .args(args)
            .output()
            .expect("run export");
        assert!(
            out.status.success(),
            "export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("export prints UTF-8")
    }

    /// Number of exported events.
    pub fn count(&self) -> usize {
        self.export(&[]).lines().count()
    }

    /// Drops the PostgreSQL database (best effort).
    pub async fn drop_pg(&self) {
        if let Some((admin, name)) = &self.pg_admin {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
            }
        }
    }
}

/// A running `unstuck serve`.
pub struct Server {
    child: Child,
    pub addr: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts the server on a free port with `db` and extra arguments; waits for its
    /// `listening on` line.
    pub fn start(db: &Db, extra: &[&str]) -> Self {
        let www = db.dir.path().join("www");
        let dist = db.dir.path().join("dist");
        let log = db.dir.path().join(format!(
            "server-{}.log",
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &db.url])
            .arg("--www")
            .arg(&www)
            .arg("--dist")
            .arg(&dist)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start unstuck serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the first line");
        let Some(addr) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            panic!(
                "server did not start: {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        Self {
            addr: addr.to_owned(),
            child,
            log,
        }
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM, then waits; returns whether it exited successfully.
    pub fn stop(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        false
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One request on a new connection.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        self.try_request(method, path, headers, body)
            .await
            .unwrap_or_else(|e| panic!("request to {path} failed: {e}"))
    }

    /// One request on a new connection; `Err` when the connection fails.
    pub async fn try_request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Reply, String> {
        let stream = tokio::net::TcpStream::connect(&self.addr)
            .await
            .map_err(|e| e.to_string())?;
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.addr);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = send
            .send_request(req.body(Full::new(body.into())).expect("request"))
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes()
            .to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Sends SIGTERM without waiting.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }

    /// `POST /v1/events` with `text/plain`.
    pub async fn post(&self, body: impl Into<Bytes>) -> Reply {
        self.request(
            Method::POST,
            "/v1/events",
            &[("content-type", "text/plain;charset=UTF-8")],
            body,
        )
        .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {:?} (status {})",
                String::from_utf8_lossy(&self.body),
                self.status
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(HeaderName::from_bytes(name.as_bytes()).ok()?)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    }

    /// The `error` field of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {:?}", self.json()))
            .to_owned()
    }
}

/// A UUIDv7-shaped id, distinct per (session, n).
pub fn id(session: u32, n: u32) -> String {
    format!("01938a8e-{session:04x}-7cc0-8d1b-{n:012x}")
}

/// A realistic batch of `n` events (seq from `first`) for `site`/`session`.
pub fn batch(site: &str, session: u32, first: u32, n: u32) -> String {
    let events: Vec<serde_json::Value> = (first..first + n)
        .map(|i| match i % 3 {
            0 => serde_json::json!({"id": id(session, i), "seq": i, "t": 1_733_300_000_000u64 + u64::from(i), "type": "step_entered", "step": "profile"}),
            1 => serde_json::json!({"id": id(session, i), "seq": i, "t": 1_733_300_000_000u64 + u64::from(i), "type": "signal", "kind": "idle", "step": "profile", "severity": "minor", "count": 1, "detail": "idle for 30 s"}),
            _ => serde_json::json!({"id": id(session, i), "seq": i, "t": 1_733_300_000_000u64 + u64::from(i), "type": "tip_shown", "tip": "profile-help", "step": null}),
        })
        .collect();
    serde_json::json!({
        "site": site, "session": format!("session-{session}"), "user": null,
        "sent_at": 1_733_300_000_000u64, "dropped": 0, "sdk": "unstuck/0.1.0", "events": events,
    })
    .to_string()
}

/// Writes a file under `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// Declares a test that runs once on SQLite and once on PostgreSQL (`<name>::sqlite`,
/// `<name>::postgres`); the body gets a fresh `Db`.
#[macro_export]
macro_rules! store_test {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: &$crate::common::Db) $body
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::Db::new($crate::common::Backend::Sqlite).await.unwrap();
                run(&db).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = $crate::common::Db::new($crate::common::Backend::Postgres).await {
                    run(&db).await;
                    db.drop_pg().await;
                }
            }
        }
    };
}
