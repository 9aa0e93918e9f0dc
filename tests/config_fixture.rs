//! The native half of "the browser reads config like the native side": the errors for
//! `tests/fixtures/config-errors.json` (the wasm half is in `src/web/tests.rs`).

#[test]
fn native_reader_reports_the_fixture_errors() {
    let text = include_str!("fixtures/config-errors.json");
    let fixture: serde_json::Value = serde_json::from_str(text).unwrap();
    let errors = unstuck::core::config::read::read(&&fixture["doc"]).unwrap_err();
    let mut got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    // The one text the browser's `start` throws: these lines, in order, without core::fmt.
    let text = unstuck::core::config::ConfigError::lines(&errors);
    assert_eq!(text, got.join("\n"));
    got.sort();
    let want: Vec<String> = fixture["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want);
}
