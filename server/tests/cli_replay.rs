//! `unstuck replay`, run as the built binary on the checked-in config and recorded sessions
//! (`tests/sessions/*.jsonl`): one session that breezes through, one per seed signal, and
//! one for the 24/48/72 h routing checkpoints. Each asserts the exact signals and tiers.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const HOUR: u64 = 3_600_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn unstuck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unstuck"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the unstuck binary runs")
}

/// Replays a session against the fixture config; it must succeed. Returns the output lines.
fn replay(session: &str) -> Vec<Value> {
    let path = format!("tests/sessions/{session}.jsonl");
    let out = unstuck(&["replay", "tests/fixtures/config.json", &path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{session}: {stderr}");
    assert!(stderr.is_empty(), "{session}: {stderr}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{session}: {l}: {e}")))
        .collect()
}

/// `(t, signal, step, severity)` of every signal line.
fn signals(lines: &[Value]) -> Vec<(u64, String, Option<String>, String)> {
    lines
        .iter()
        .filter(|l| l["kind"] == "signal")
        .map(|l| {
            (
                l["t"].as_u64().unwrap(),
                l["signal"].as_str().unwrap().to_string(),
                l["step"].as_str().map(str::to_string),
                l["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `(t, tier, checkpoint)` of every tier line; tier as text (`1`, `3`, `"graduated"`).
fn tiers(lines: &[Value]) -> Vec<(u64, String, String)> {
    lines
        .iter()
        .filter(|l| l["kind"] == "tier")
        .map(|l| {
            (
                l["t"].as_u64().unwrap(),
                l["tier"].to_string(),
                l["checkpoint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sig(t: u64, kind: &str, step: &str, severity: &str) -> (u64, String, Option<String>, String) {
    (t, kind.into(), Some(step.into()), severity.into())
}

fn tier(t: u64, tier: &str, checkpoint: &str) -> (u64, String, String) {
    (t, tier.into(), checkpoint.into())
}

/// The session's signals are exactly these, and no tier line comes out (no identify).
fn assert_only_signal(session: &str, expected: (u64, &str, &str, &str)) {
    let lines = replay(session);
    let (t, kind, step, severity) = expected;
    assert_eq!(
        signals(&lines),
        vec![sig(t, kind, step, severity)],
        "{session}"
    );
    assert_eq!(tiers(&lines), vec![], "{session}");
}

#[test]
fn breeze_through_raises_no_signal_and_graduates() {
    let lines = replay("breeze");
    assert_eq!(signals(&lines), vec![]);
    assert_eq!(
        tiers(&lines),
        // Graduation comes with the last required step ("done" is optional), at 5 min.
        vec![
            tier(0, "1", "signup"),
            tier(300_000, "\"graduated\"", "completed")
        ]
    );
    let signup = lines.iter().find(|l| l["kind"] == "tier").unwrap();
    assert_eq!(signup["reason"], "signup: default to self-serve");
}

#[test]
fn repeated_error_fires_on_the_second_same_error() {
    assert_only_signal(
        "repeated_error",
        (40_000, "repeated_error", "account", "minor"),
    );
}

#[test]
fn import_failure_fires_on_an_import_error() {
    assert_only_signal(
        "import_failure",
        (30_000, "import_failure", "import", "minor"),
    );
}

#[test]
fn integration_failure_fires_on_an_integration_error() {
    assert_only_signal(
        "integration_failure",
        (45_000, "integration_failure", "integration", "minor"),
    );
}

#[test]
fn stall_fires_five_minutes_after_the_last_progress_exactly() {
    // Entered at 0, a field completed at 1 min: the stall is due at 6 min, not 5.
    assert_only_signal("stall", (360_000, "stall", "company", "minor"));
}

#[test]
fn back_loop_fires_on_the_second_way_back() {
    assert_only_signal("back_loop", (120_000, "back_loop", "company", "minor"));
}

#[test]
fn help_unresolved_fires_three_minutes_after_help_closed() {
    assert_only_signal(
        "help_unresolved",
        (220_000, "help_unresolved", "import", "minor"),
    );
}

#[test]
fn step_timeout_fires_thirty_minutes_after_entering_despite_progress() {
    assert_only_signal(
        "step_timeout",
        (1_800_000, "step_timeout", "import", "minor"),
    );
}

#[test]
fn abandoned_fires_after_ten_minutes_hidden() {
    assert_only_signal("abandoned", (660_000, "abandoned", "company", "minor"));
}

#[test]
fn returned_no_resume_fires_two_minutes_after_coming_back() {
    assert_only_signal(
        "returned_no_resume",
        (120_000, "returned_no_resume", "company", "minor"),
    );
}

#[test]
fn rage_click_fires_once_per_burst_and_never_on_navigation() {
    assert_only_signal("rage_click", (10_800, "rage_click", "team", "minor"));
}

#[test]
fn asking_for_help_is_major_struggle() {
    assert_only_signal(
        "major_struggle",
        (30_000, "major_struggle", "account", "major"),
    );
}

#[test]
fn routing_checkpoints_fire_at_24_48_and_72_hours() {
    let lines = replay("routing");
    assert_eq!(
        tiers(&lines),
        vec![
            tier(0, "1", "signup"),
            tier(24 * HOUR, "3", "24h"),
            tier(48 * HOUR, "3", "48h"),
            tier(72 * HOUR, "3", "72h"),
        ]
    );
    let reasons: Vec<&str> = lines
        .iter()
        .filter(|l| l["kind"] == "tier")
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons[1], "24h: progress 14% below 20%");
    assert_eq!(reasons[2], "48h: no rule applies, stay");
    // Leaving the page is an abandonment signal: it does not count as struggle for routing.
    let kinds: Vec<String> = signals(&lines).into_iter().map(|s| s.1).collect();
    assert_eq!(kinds, vec!["abandoned"]);
}

#[test]
fn output_lines_have_the_documented_shape() {
    for session in ["breeze", "stall", "rage_click", "routing", "repeated_error"] {
        for line in replay(session) {
            assert!(line["t"].is_u64(), "{line}");
            match line["kind"].as_str().unwrap() {
                "signal" => {
                    assert!(line["signal"].is_string(), "{line}");
                    assert!(line.get("step").is_some(), "{line}");
                    assert!(["minor", "major"].contains(&line["severity"].as_str().unwrap()));
                }
                "tier" => {
                    assert!(
                        line["tier"].is_u64() || line["tier"] == "graduated",
                        "{line}"
                    );
                    assert!(line["checkpoint"].is_string() && line["reason"].is_string());
                }
                "tip_show" | "tip_hide" => assert!(line["tip"].is_string(), "{line}"),
                "event" => assert!(line["event"]["type"].is_string(), "{line}"),
                other => panic!("unexpected kind {other}: {line}"),
            }
        }
    }
}

#[test]
fn a_stall_shows_the_steps_own_tip() {
    let lines = replay("stall");
    let shown: Vec<&str> = lines
        .iter()
        .filter(|l| l["kind"] == "tip_show")
        .map(|l| l["tip"].as_str().unwrap())
        .collect();
    assert_eq!(shown, vec!["company-stall"]);
}

#[test]
fn replay_is_deterministic() {
    let a = unstuck(&[
        "replay",
        "tests/fixtures/config.json",
        "tests/sessions/routing.jsonl",
    ]);
    let b = unstuck(&[
        "replay",
        "tests/fixtures/config.json",
        "tests/sessions/routing.jsonl",
    ]);
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn malformed_lines_are_reported_by_number_and_nothing_is_replayed() {
    let dir = std::env::temp_dir().join(format!("unstuck-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"t\": 0, \"type\": \"step\", \"step\": \"account\"}\n\
         {\"t\": 5, \"type\": \"progress\", \"step\": \"account\"}\n\
         \n\
         {\"t\": 9, \"type\": \"wander\"}\n",
    )
    .unwrap();
    let out = unstuck(&[
        "replay",
        "tests/fixtures/config.json",
        file.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("line 2: missing field `fraction`"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("line 4: unknown variant `wander`"),
        "{stderr}"
    );
}

#[test]
fn an_invalid_config_is_reported_and_nothing_is_replayed() {
    let out = unstuck(&[
        "replay",
        "tests/fixtures/invalid.config.json",
        "tests/sessions/stall.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "tests/fixtures/invalid.config.json: steps[1].weight: must be greater than 0\n"
        ),
        "{stderr}"
    );
}

/// Replays `session` text (written to a temporary file) against the fixture config.
fn replay_text(name: &str, session: &str) -> Vec<Value> {
    let dir = std::env::temp_dir().join(format!("unstuck-replay-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.jsonl");
    std::fs::write(&file, session).unwrap();
    let out = unstuck(&[
        "replay",
        "tests/fixtures/config.json",
        file.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn timers_fire_at_their_own_time_between_lines_and_not_before() {
    let enter = "{\"t\": 0, \"type\": \"step\", \"step\": \"company\"}\n";
    // One millisecond short of 5 minutes: no stall yet.
    let early = replay_text(
        "early",
        &format!("{enter}{{\"t\": 299999, \"type\": \"end\"}}\n"),
    );
    assert_eq!(signals(&early), vec![]);
    // Exactly 5 minutes: the stall fires.
    let exact = replay_text(
        "exact",
        &format!("{enter}{{\"t\": 300000, \"type\": \"end\"}}\n"),
    );
    assert_eq!(
        signals(&exact),
        vec![sig(300_000, "stall", "company", "minor")]
    );
    // A later line: the stall is stamped with its own time, not the next line's.
    let late = replay_text(
        "late",
        &format!("{enter}{{\"t\": 400000, \"type\": \"end\"}}\n"),
    );
    assert_eq!(
        signals(&late),
        vec![sig(300_000, "stall", "company", "minor")]
    );
}

#[test]
fn inputs_the_engine_refuses_are_reported_by_line_and_fail_the_replay() {
    let dir = std::env::temp_dir().join(format!("unstuck-replay-rej-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rejected.jsonl");
    std::fs::write(
        &file,
        "{\"t\": 0, \"type\": \"step\", \"step\": \"account\"}\n\
         {\"t\": 1000, \"type\": \"step\", \"step\": \"billing\"}\n\
         {\"t\": 300000, \"type\": \"end\"}\n",
    )
    .unwrap();
    let out = unstuck(&[
        "replay",
        "tests/fixtures/config.json",
        file.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "line 2: rejected by the engine: unknown step \"billing\"\n"
    );
    // The replay went on: the stall on the step that was entered still comes out.
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        signals(&lines),
        vec![sig(300_000, "stall", "account", "minor")]
    );
}
