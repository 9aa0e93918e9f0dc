//! `npm run loadtest`: starts `unstuck serve` (a second process) on SQLite, then on PostgreSQL
//! when `--pg URL` is given, drives `POST /v1/events` on loopback with realistic 20-event
//! batches from several keep-alive connections for a bounded time, checks that every event was
//! stored, and prints events/s, p50/p99 latency and where the CPU went (the bottleneck).
//!
//! ```text
//! loadtest [--seconds 10] [--connections 8] [--batch 20] [--pg postgres://...] [--bin PATH]
//! ```
#![deny(missing_docs)]

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;

struct Opts {
    seconds: u64,
    connections: usize,
    batch: usize,
    pg: Option<String>,
    bin: PathBuf,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        seconds: 10,
        connections: 8,
        batch: 20,
        pg: None,
        bin: std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("unstuck"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--seconds" => o.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--connections" => {
                o.connections = value()?
                    .parse()
                    .map_err(|e| format!("--connections: {e}"))?
            }
            "--batch" => o.batch = value()?.parse().map_err(|e| format!("--batch: {e}"))?,
            "--pg" => o.pg = Some(value()?).filter(|s| !s.is_empty()),
            "--bin" => o.bin = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.connections == 0 || o.batch == 0 || o.seconds == 0 {
        return Err("--seconds, --connections and --batch must be positive".into());
    }
    Ok(o)
}

/// The server under test, killed on drop.
struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start(bin: &PathBuf, database: Option<&str>) -> Result<Server, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let sites = dir.path().join("sites.json");
    // No rate limit: one client IP sends everything here.
    std::fs::write(
        &sites,
        r#"{"sites":[{"key":"load","origins":["*"],"rate_limit":null}]}"#,
    )
    .map_err(|e| e.to_string())?;
    let db = database
        .map(str::to_owned)
        .unwrap_or_else(|| format!("sqlite://{}/load.db", dir.path().display()));
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &db,
            "--sites",
        ])
        .arg(&sites)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line);
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .ok_or_else(|| format!("server did not start: {line:?}"))?
        .to_owned();
    Ok(Server {
        child,
        addr,
        _dir: dir,
    })
}

/// A realistic batch as the SDK sends it: a mix of event types, unique UUID-shaped ids.
fn body(worker: usize, n: u64, size: usize, run: u32) -> String {
    let mut s = String::with_capacity(300 * size);
    let _ = write!(
        s,
        r#"{{"site":"load","session":"{run:08x}-{worker:04x}","user":null,"sent_at":1733300000000,"dropped":0,"sdk":"unstuck/0.1.0","events":["#
    );
    for i in 0..size as u64 {
        let seq = n * size as u64 + i + 1;
        let id = format!("{run:08x}-{worker:04x}-7000-8000-{seq:012x}");
        if i > 0 {
            s.push(',');
        }
        let t = 1_733_300_000_000u64 + seq * 37;
        let _ = match i % 5 {
            0 => write!(
                s,
                r#"{{"id":"{id}","seq":{seq},"t":{t},"type":"step_entered","step":"connect-data"}}"#
            ),
            1 => write!(
                s,
                r#"{{"id":"{id}","seq":{seq},"t":{t},"type":"signal","kind":"repeated_error","step":"connect-data","severity":"minor","count":2,"detail":"the same error twice: import failed (row 12)"}}"#
            ),
            2 => write!(
                s,
                r#"{{"id":"{id}","seq":{seq},"t":{t},"type":"tip_shown","tip":"csv-format","step":"connect-data"}}"#
            ),
            3 => write!(
                s,
                r#"{{"id":"{id}","seq":{seq},"t":{t},"type":"error","message":"Import failed: column \"email\" is missing","kind":"import","step":"connect-data"}}"#
            ),
            _ => write!(
                s,
                r#"{{"id":"{id}","seq":{seq},"t":{t},"type":"track","name":"clicked_help","props":"{{\"from\":\"sidebar\"}}"}}"#
            ),
        };
    }
    s.push_str("]}");
    s
}

struct WorkerResult {
    latencies_us: Vec<u32>,
    events: u64,
    errors: u64,
}

async fn worker(addr: String, w: usize, size: usize, run: u32, until: Instant) -> WorkerResult {
    let mut r = WorkerResult {
        latencies_us: Vec::new(),
        events: 0,
        errors: 0,
    };
    let Ok(stream) = tokio::net::TcpStream::connect(&addr).await else {
        r.errors += 1;
        return r;
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut send, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        r.errors += 1;
        return r;
    };
    tokio::spawn(conn);
    let mut n = 0u64;
    while Instant::now() < until {
        let req = Request::post("/v1/events")
            .header("host", &addr)
            .header("content-type", "text/plain;charset=UTF-8")
            .body(Full::new(Bytes::from(body(w, n, size, run))))
            .expect("request");
        n += 1;
        let t0 = Instant::now();
        let ok = match send.send_request(req).await {
            Ok(resp) => {
                let status = resp.status();
                let bytes = resp.into_body().collect().await.map(|b| b.to_bytes());
                status.is_success()
                    && bytes.is_ok_and(|b| b.starts_with(b"{\"duplicates\":0,\"stored\":"))
            }
            Err(_) => false,
        };
        r.latencies_us
            .push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
        if ok {
            r.events += size as u64;
        } else {
            r.errors += 1;
            if send.ready().await.is_err() {
                break;
            }
        }
    }
    r
}

/// CPU seconds used by a process (all threads), and by its threads whose name starts with
/// `thread_prefix`.
fn cpu(pid: u32, thread_prefix: &str) -> (f64, f64) {
    let ticks = 100.0; // USER_HZ on Linux.
    let read = |path: &str| -> Option<(String, f64)> {
        let s = std::fs::read_to_string(path).ok()?;
        let close = s.rfind(')')?;
        let name = s[s.find('(')? + 1..close].to_owned();
        let f: Vec<&str> = s[close + 2..].split(' ').collect();
        let t = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
        Some((name, t / ticks))
    };
    let total = read(&format!("/proc/{pid}/stat")).map_or(0.0, |(_, t)| t);
    let mut part = 0.0;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Some((name, secs)) = read(&format!("{}/stat", t.path().display())) {
                if name.starts_with(thread_prefix) {
                    part += secs;
                }
            }
        }
    }
    (total, part)
}

/// CPU seconds of every `postgres` process (the PostgreSQL server's backends).
fn postgres_cpu() -> f64 {
    let mut total = 0.0;
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for p in procs.flatten() {
            let name = p.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
            {
                total += cpu(pid, "\u{0}").0;
            }
        }
    }
    total
}

/// Busy and total CPU seconds of the whole machine so far (from `/proc/stat`).
fn machine_cpu() -> (f64, f64) {
    let Ok(s) = std::fs::read_to_string("/proc/stat") else {
        return (0.0, 0.0);
    };
    let Some(line) = s.lines().next() else {
        return (0.0, 0.0);
    };
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: f64 = f.iter().sum();
    // idle + iowait are not busy.
    let idle = f.get(3).copied().unwrap_or(0.0) + f.get(4).copied().unwrap_or(0.0);
    ((total - idle) / 100.0, total / 100.0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

async fn run_one(name: &str, opts: &Opts, database: Option<&str>) -> Result<(), String> {
    let server = start(&opts.bin, database)?;
    let run: u32 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(7);
    let pid = server.child.id();
    let before_server = cpu(pid, "sqlx-sqlite");
    let before_pg = postgres_cpu();
    let before_client = cpu(std::process::id(), "\u{0}").0;
    let before_machine = machine_cpu();
    let started = Instant::now();
    let until = started + Duration::from_secs(opts.seconds);
    let tasks: Vec<_> = (0..opts.connections)
        .map(|w| tokio::spawn(worker(server.addr.clone(), w, opts.batch, run, until)))
        .collect();
    let mut latencies = Vec::new();
    let (mut events, mut errors) = (0u64, 0u64);
    for t in tasks {
        let r = t.await.map_err(|e| e.to_string())?;
        latencies.extend(r.latencies_us);
        events += r.events;
        errors += r.errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after_server = cpu(pid, "sqlx-sqlite");
    let pg = postgres_cpu() - before_pg;
    let client = cpu(std::process::id(), "\u{0}").0 - before_client;
    let after_machine = machine_cpu();
    let machine_busy = after_machine.0 - before_machine.0;
    let machine_total = (after_machine.1 - before_machine.1).max(1e-9);
    let (server_cpu, writer_cpu) = (
        after_server.0 - before_server.0,
        after_server.1 - before_server.1,
    );
    latencies.sort_unstable();

    // Every acknowledged event is in the store, exactly once.
    let stored = unstuck_server::store::Store::open(
        &database
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sqlite://{}/load.db", server._dir.path().display())),
    )
    .await
    .map_err(|e| e.to_string())?;
    let count = stored.count().await.map_err(|e| e.to_string())?;
    stored.close().await;
    drop(server);

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let pct = |secs: f64| 100.0 * secs / elapsed;
    println!(
        "\n== {name}: {} connections, {}-event batches, {:.1} s",
        opts.connections, opts.batch, elapsed
    );
    println!(
        "  {:>9.0} events/s   {:>7.0} requests/s   latency p50 {:.2} ms  p99 {:.2} ms   errors {errors}",
        events as f64 / elapsed,
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
    println!(
        "  stored {count} rows for {events} acknowledged events{}",
        if count as u64 >= events {
            ""
        } else {
            "  <-- MISSING EVENTS"
        }
    );
    let mut cpu_line = format!(
        "  CPU (100% = one core, {cores} cores): server {:.0}%",
        pct(server_cpu)
    );
    if database.is_none() {
        let _ = write!(cpu_line, " (SQLite writer thread {:.0}%)", pct(writer_cpu));
    } else {
        let _ = write!(cpu_line, ", postgres {:.0}%", pct(pg));
    }
    let ours = server_cpu + client + if database.is_some() { pg } else { 0.0 };
    let _ = write!(
        cpu_line,
        ", load client {:.0}%; whole machine {:.0}% busy, {:.0}% of it other processes",
        pct(client),
        100.0 * machine_busy / machine_total,
        100.0 * (machine_busy - ours).max(0.0) / machine_total
    );
    println!("{cpu_line}");
    let busy = pct(ours);
    let bottleneck = if database.is_none() && pct(writer_cpu) > 85.0 {
        "the single SQLite writer thread (one core busy with inserts)".to_owned()
    } else if machine_busy / machine_total > 0.9 && busy < 80.0 * cores {
        format!(
            "CPU: the machine is saturated and other processes took {:.0}% of it; this run got {busy:.0}% of {:.0}%",
            100.0 * (machine_busy - ours).max(0.0) / machine_total,
            100.0 * cores
        )
    } else if busy > 80.0 * cores {
        format!(
            "CPU: client, server{} share the {cores} cores ({busy:.0}% of {:.0}% used)",
            if database.is_some() {
                " and PostgreSQL"
            } else {
                ""
            },
            100.0 * cores
        )
    } else {
        "waiting, not CPU: commits (fsync) and round trips; more connections would raise throughput"
            .to_owned()
    };
    println!("  bottleneck: {bottleneck}");
    if count as u64 != events {
        return Err(format!(
            "{name}: {events} events acknowledged, {count} stored"
        ));
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    // One client thread: the load generator should take as little of the 2 cores as it can.
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    if let Err(e) = run_one("SQLite (WAL, one file)", &opts, None).await {
        eprintln!("loadtest: {e}");
        ok = false;
    }
    match &opts.pg {
        Some(url) => {
            if let Err(e) = run_one("PostgreSQL", &opts, Some(url)).await {
                eprintln!("loadtest: {e}");
                ok = false;
            }
        }
        None => println!("\n(PostgreSQL skipped: no --pg URL; `npm run loadtest` starts one)"),
    }
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
