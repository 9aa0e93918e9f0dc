//! The one delivery switch in the config: `respect_do_not_track`.

use unstuck::core::config::json::from_str;

#[test]
fn do_not_track_is_off_by_default_and_can_be_turned_on() {
    let c = from_str(r#"{"steps": [{"id": "a"}]}"#).unwrap();
    assert!(!c.respect_do_not_track);
    let c = from_str(r#"{"steps": [{"id": "a"}], "respect_do_not_track": true}"#).unwrap();
    assert!(c.respect_do_not_track);
}

#[test]
fn a_non_boolean_is_an_error_naming_the_field() {
    let errors =
        from_str(r#"{"steps": [{"id": "a"}], "respect_do_not_track": "yes"}"#).unwrap_err();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(text, ["respect_do_not_track: must be true or false"]);
}
