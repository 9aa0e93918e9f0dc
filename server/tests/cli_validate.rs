//! `unstuck validate` and `unstuck schema`, run as the built binary on checked-in files.

use std::path::PathBuf;
use std::process::{Command, Output};

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

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn the_checked_in_schema_is_current() {
    let out = unstuck(&["schema"]);
    assert!(out.status.success());
    let checked_in = std::fs::read_to_string(root().join("schema/unstuck.config.schema.json"))
        .expect("schema/unstuck.config.schema.json exists");
    assert!(
        stdout(&out) == checked_in,
        "schema/unstuck.config.schema.json is stale; regenerate it with\n  \
         cargo run -p unstuck-server -- schema > schema/unstuck.config.schema.json"
    );
}

#[test]
fn a_valid_config_prints_a_summary_and_exits_0() {
    let out = unstuck(&["validate", "tests/fixtures/config.json"]);
    assert_eq!(stdout(&out), "ok: 6 steps, 13 tips\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_smallest_config_is_valid() {
    let dir = std::env::temp_dir().join(format!("unstuck-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("min.json");
    std::fs::write(&file, r#"{"steps": [{"id": "account"}]}"#).unwrap();
    let out = unstuck(&["validate", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(stdout(&out), "ok: 1 step, 0 tips\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn an_invalid_config_prints_every_error_with_its_path_and_exits_1() {
    let out = unstuck(&["validate", "tests/fixtures/invalid.config.json"]);
    let expected = [
        "steps[1].weight: must be greater than 0",
        "steps[2].id: duplicate id \"account\" (first at steps[0])",
        "signals.stal_after_ms: unknown field (did you mean \"stall_after_ms\"?)",
        "signals.repeated_error_count: must be a whole number, at least 1",
        "signals.abandon_hidden_ms: must be a whole number of milliseconds, at least 1",
        "signals.disabled[0]: unknown signal \"rage_clicks\" (did you mean \"rage_click\"?)",
        "routing.thresholds.h48_stay_above: must be between 0 and 1",
        "routing.thresholds.h24_high_touch_below: must not be greater than h24_light_touch_at_most",
        "tips[0].trigger.step: unknown step \"billing\"",
        "tips[1].id: duplicate id \"a\" (first at tips[0])",
        "tips[1].trigger.signal: unknown signal \"stalled\" (did you mean \"stall\"?)",
        "tips[1].text: must not be empty",
        "tips[2].link.href: must be an http(s) URL or a relative URL",
    ];
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unreadable_or_broken_files_are_one_error_not_a_crash() {
    let out = unstuck(&["validate", "tests/fixtures/no-such-file.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("$: cannot read "),
        "{}",
        stdout(&out)
    );

    let out = unstuck(&["validate", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("$: not valid JSON"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn every_checked_in_config_is_valid() {
    // The demo's config (once the demo lands) and the fixtures used by replay.
    for file in ["tests/fixtures/config.json", "www/unstuck.config.json"] {
        if !root().join(file).exists() {
            continue;
        }
        let out = unstuck(&["validate", file]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stdout(&out));
    }
}
