//! The reader's rules, one test each, and its agreement with the JSON Schema.

use serde_json::{json, Value};

use super::json::from_str;
use super::read::{self, href_problem, ConfigError};
use super::{Config, Frequency, SignalConfig, Step, TipLimits};
use crate::core::routing::RoutingThresholds;
use crate::core::signal::SignalKind;

fn read_value(v: &Value) -> Result<Config, Vec<ConfigError>> {
    read::read(&v)
}

/// The errors, as `path: problem` lines.
fn errors(v: Value) -> Vec<String> {
    match read_value(&v) {
        Ok(_) => Vec::new(),
        Err(errs) => errs.iter().map(ToString::to_string).collect(),
    }
}

/// Asserts the document has exactly this one error.
fn only_error(v: Value, expected: &str) {
    assert_eq!(errors(v), vec![expected.to_string()]);
}

fn steps() -> Value {
    json!([{"id": "account"}, {"id": "import"}, {"id": "invite"}])
}

/// A document with one tip, `tip` merged over a valid one.
fn with_tip(tip: Value) -> Value {
    let mut t = json!({"id": "t1", "trigger": {"signal": "stall"}, "text": "Stuck? Try this."});
    for (k, v) in tip.as_object().unwrap() {
        t[k] = v.clone();
    }
    json!({"steps": steps(), "tips": [t]})
}

#[test]
fn steps_alone_is_valid_and_everything_else_is_the_seeds_default() {
    let c = from_str(r#"{"steps":[{"id":"account"}]}"#).unwrap();
    assert_eq!(c.steps, vec![Step::new("account")]);
    assert_eq!(c.steps[0].weight, 1.0);
    assert!(c.steps[0].required);
    assert_eq!(c.signals, SignalConfig::default());
    assert_eq!(c.signals.stall_after_ms, 5 * crate::core::MINUTE);
    assert_eq!(c.signals.repeated_error_count, 2);
    assert_eq!(c.routing.thresholds, RoutingThresholds::default());
    assert!(!c.routing.abandonment_counts);
    assert_eq!(c.tip_limits, TipLimits::default());
    assert!(c.tips.is_empty());
}

#[test]
fn every_field_is_read() {
    let c = read_value(&full()).unwrap();
    assert_eq!(c.steps.len(), 2);
    assert_eq!(c.steps[1].weight, 2.5);
    assert!(!c.steps[1].required);
    assert_eq!(c.steps[0].selector.as_deref(), Some("#account"));
    assert_eq!(c.steps[0].url.as_deref(), Some("/onboarding/account*"));
    assert_eq!(c.steps[0].title.as_deref(), Some("Your account"));
    assert_eq!(c.selectors.next, vec!["button.next".to_string()]);
    assert_eq!(c.selectors.error, vec![".field-error".to_string()]);
    let s = &c.signals;
    assert_eq!(s.repeated_error_count, 3);
    assert_eq!(s.stall_after_ms, 120_000);
    assert!(!s.stall_visible_only);
    assert_eq!(s.rage_click_radius_px, 25.5);
    assert!(s.script_errors_count);
    assert_eq!(s.disabled, vec![SignalKind::RageClick]);
    assert_eq!(s.major_signal_window_ms, 3_600_000);
    assert_eq!(c.routing.thresholds.h24_high_touch_below, 0.1);
    assert_eq!(c.routing.thresholds.h48_high_touch_below, 0.3);
    assert!(c.routing.abandonment_counts);
    let t = &c.tips[0];
    assert_eq!(t.trigger.signal, SignalKind::RepeatedError);
    assert_eq!(t.trigger.step.as_deref(), Some("import"));
    assert_eq!(t.trigger.code.as_deref(), Some("E_COLUMNS"));
    assert_eq!(
        t.link.as_ref().unwrap().href,
        "https://example.com/guide#columns"
    );
    assert!(t.offer_help);
    assert_eq!(t.frequency, Frequency::Always);
    assert_eq!(t.cooldown_ms, 0);
    assert_eq!(t.priority, -2);
    assert_eq!(c.tip_limits.max_visible, 2);
    assert_eq!(c.tip_limits.window_ms, 60_000);
}

/// A valid document that sets every key the config accepts.
fn full() -> Value {
    json!({
        "steps": [
            {"id": "account", "weight": 1, "required": true, "selector": "#account",
             "url": "/onboarding/account*", "title": "Your account"},
            {"id": "import", "weight": 2.5, "required": false}
        ],
        "selectors": {"next": ["button.next"], "back": ["button.back"], "help": ["a.help"],
                      "error": [".field-error"]},
        "signals": {
            "repeated_error_count": 3, "repeated_error_window_ms": 60000,
            "stall_after_ms": 120000, "stall_visible_only": false,
            "back_loop_count": 3, "back_loop_window_ms": 60000,
            "help_open_max_ms": 60000, "help_grace_ms": 60000,
            "step_timeout_ms": 600000, "abandon_hidden_ms": 60000,
            "return_grace_ms": 60000,
            "rage_click_count": 4, "rage_click_gap_ms": 500, "rage_click_radius_px": 25.5,
            "major_error_count": 4, "major_error_window_ms": 600000,
            "major_signal_count": 4, "major_signal_kinds": 3, "major_signal_window_ms": 3600000,
            "script_errors_count": true, "disabled": ["rage_click"]
        },
        "routing": {
            "thresholds": {"h24_high_touch_below": 0.1, "h24_light_touch_at_most": 0.6,
                           "h48_stay_above": 0.8, "h48_high_touch_below": 0.3},
            "abandonment_counts": true
        },
        "tips": [{
            "id": "columns", "trigger": {"signal": "repeated_error", "step": "import",
                                         "code": "E_COLUMNS"},
            "title": "Columns", "text": "Match your columns first.", "anchor": "#map",
            "link": {"href": "https://example.com/guide#columns", "label": "Guide"},
            "offer_help": true, "frequency": "always", "cooldown_ms": 0, "priority": -2
        }],
        "tip_limits": {"max_visible": 2, "max_per_window": 5, "window_ms": 60000},
        "respect_do_not_track": true
    })
}

#[test]
fn not_json_and_not_an_object() {
    let errs = from_str("{steps: 1").unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "$");
    assert!(errs[0].problem.starts_with("not valid JSON"), "{errs:?}");
    only_error(json!([1, 2]), "$: must be an object");
}

#[test]
fn steps_are_required_and_not_empty() {
    only_error(json!({}), "steps: required field missing");
    only_error(json!({"steps": null}), "steps: required field missing");
    only_error(json!({"steps": []}), "steps: must list at least one step");
    only_error(json!({"steps": {"id": "a"}}), "steps: must be an array");
    only_error(json!({"steps": ["a"]}), "steps[0]: must be an object");
}

#[test]
fn step_ids_are_required_unique_strings() {
    only_error(
        json!({"steps": [{"title": "x"}]}),
        "steps[0].id: required field missing",
    );
    only_error(
        json!({"steps": [{"id": 3}]}),
        "steps[0].id: must be a string",
    );
    only_error(
        json!({"steps": [{"id": " "}]}),
        "steps[0].id: must not be empty",
    );
    only_error(
        json!({"steps": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}),
        "steps[2].id: duplicate id \"a\" (first at steps[0])",
    );
}

#[test]
fn step_weight_must_be_positive() {
    for w in [
        json!(0),
        json!(-0.0),
        json!(-1),
        json!(-0.5),
        json!(-5e-324),
    ] {
        only_error(
            json!({"steps": [{"id": "a", "weight": w}]}),
            "steps[0].weight: must be greater than 0",
        );
    }
    only_error(
        json!({"steps": [{"id": "a", "weight": "2"}]}),
        "steps[0].weight: must be a number",
    );
    let c = read_value(&json!({"steps": [{"id": "a", "weight": 0.25}]})).unwrap();
    assert_eq!(c.steps[0].weight, 0.25);
    // The least number above 0 and the largest are both greater than 0.
    for w in [5e-324, f64::MAX] {
        let c = read_value(&json!({"steps": [{"id": "a", "weight": w}]})).unwrap();
        assert_eq!(c.steps[0].weight, w);
    }
}

#[test]
fn wrong_types_name_the_expected_type() {
    only_error(
        json!({"steps": steps(), "signals": {"stall_visible_only": "yes"}}),
        "signals.stall_visible_only: must be true or false",
    );
    only_error(
        json!({"steps": steps(), "signals": []}),
        "signals: must be an object",
    );
    only_error(
        json!({"steps": steps(), "selectors": {"next": "button"}}),
        "selectors.next: must be an array",
    );
    assert_eq!(
        errors(json!({"steps": steps(), "selectors": {"next": ["a", 1, ""]}})),
        vec![
            "selectors.next[1]: must be a string",
            "selectors.next[2]: must not be empty"
        ]
    );
    assert_eq!(
        errors(json!({"steps": steps(), "selectors": {"help": ["", "ok"]}})),
        vec!["selectors.help[0]: must not be empty"]
    );
    only_error(
        with_tip(json!({"text": 5})),
        "tips[0].text: must be a string",
    );
}

#[test]
fn unknown_fields_are_errors_with_a_suggestion_for_near_misses() {
    only_error(
        json!({"steps": steps(), "signals": {"stal_after_ms": 1000}}),
        "signals.stal_after_ms: unknown field (did you mean \"stall_after_ms\"?)",
    );
    only_error(
        json!({"steps": steps(), "colour": "red"}),
        "colour: unknown field",
    );
    only_error(
        json!({"steps": [{"id": "a", "wieght": 2}]}),
        "steps[0].wieght: unknown field (did you mean \"weight\"?)",
    );
    only_error(
        with_tip(json!({"link": {"href": "/x", "label": "x", "target": "_blank"}})),
        "tips[0].link.target: unknown field",
    );
    only_error(
        json!({"steps": steps(), "routing": {"thresholds": {"h24_stay_above": 0.5}}}),
        "routing.thresholds.h24_stay_above: unknown field (did you mean \"h48_stay_above\"?)",
    );
}

#[test]
fn durations_and_counts_must_be_positive_whole_numbers() {
    for (key, v) in [
        ("stall_after_ms", json!(0)),
        ("stall_after_ms", json!(-300000)),
        ("help_grace_ms", json!(1.5)),
        ("step_timeout_ms", json!(1e300)),
    ] {
        only_error(
            json!({"steps": steps(), "signals": {key: v}}),
            &format!("signals.{key}: must be a whole number of milliseconds, at least 1"),
        );
    }
    for (key, v) in [
        ("repeated_error_count", json!(0)),
        ("back_loop_count", json!(-2)),
        ("rage_click_count", json!(2.5)),
        ("major_error_count", json!(5_000_000_000u64)),
    ] {
        only_error(
            json!({"steps": steps(), "signals": {key: v}}),
            &format!("signals.{key}: must be a whole number, at least 1"),
        );
    }
    only_error(
        json!({"steps": steps(), "signals": {"rage_click_radius_px": 0}}),
        "signals.rage_click_radius_px: must be greater than 0",
    );
    only_error(
        json!({"steps": steps(), "tip_limits": {"max_visible": 0}}),
        "tip_limits.max_visible: must be a whole number, at least 1",
    );
    only_error(
        json!({"steps": steps(), "tip_limits": {"window_ms": -1}}),
        "tip_limits.window_ms: must be a whole number of milliseconds, at least 1",
    );
    only_error(
        with_tip(json!({"cooldown_ms": -1})),
        "tips[0].cooldown_ms: must be a whole number of milliseconds, 0 or more",
    );
    only_error(
        with_tip(json!({"priority": 1.5})),
        "tips[0].priority: must be a whole number",
    );
}

#[test]
fn major_signal_kinds_cannot_exceed_the_count() {
    only_error(
        json!({"steps": steps(), "signals": {"major_signal_count": 2, "major_signal_kinds": 3}}),
        "signals.major_signal_kinds: must not be greater than major_signal_count",
    );
}

#[test]
fn routing_thresholds_are_fractions_in_order() {
    for v in [json!(-0.1), json!(1.5)] {
        only_error(
            json!({"steps": steps(), "routing": {"thresholds": {"h48_stay_above": v}}}),
            "routing.thresholds.h48_stay_above: must be between 0 and 1",
        );
    }
    // The bounds themselves are allowed.
    let ok = json!({"steps": steps(), "routing": {"thresholds": {
        "h24_high_touch_below": 0, "h24_light_touch_at_most": 1,
        "h48_stay_above": 1, "h48_high_touch_below": 0}}});
    assert!(read_value(&ok).is_ok());
    only_error(
        json!({"steps": steps(), "routing": {"thresholds": {"h24_high_touch_below": 0.6}}}),
        "routing.thresholds.h24_high_touch_below: must not be greater than h24_light_touch_at_most",
    );
    only_error(
        json!({"steps": steps(), "routing": {"thresholds": {"h48_high_touch_below": 0.8}}}),
        "routing.thresholds.h48_high_touch_below: must not be greater than h48_stay_above",
    );
}

#[test]
fn tip_trigger_names_a_known_signal_and_step() {
    only_error(
        with_tip(json!({"trigger": {"signal": "stall", "step": "billing"}})),
        "tips[0].trigger.step: unknown step \"billing\"",
    );
    only_error(
        with_tip(json!({"trigger": {"signal": "stall", "step": "imprt"}})),
        "tips[0].trigger.step: unknown step \"imprt\" (did you mean \"import\"?)",
    );
    only_error(
        with_tip(json!({"trigger": {"signal": "stalled"}})),
        "tips[0].trigger.signal: unknown signal \"stalled\" (did you mean \"stall\"?)",
    );
    only_error(
        with_tip(json!({"trigger": {"signal": "sad"}})),
        "tips[0].trigger.signal: unknown signal \"sad\"",
    );
    only_error(
        with_tip(json!({"trigger": {"step": "account"}})),
        "tips[0].trigger.signal: required field missing",
    );
    only_error(
        with_tip(json!({"trigger": "stall"})),
        "tips[0].trigger: must be an object",
    );
    only_error(
        with_tip(json!({"trigger": {"signal": "stall", "code": "E1"}})),
        "tips[0].trigger.code: only applies to repeated_error, import_failure and integration_failure",
    );
    let ok = read_value(&with_tip(
        json!({"trigger": {"signal": "import_failure", "code": "E1"}}),
    ));
    assert_eq!(ok.unwrap().tips[0].trigger.code.as_deref(), Some("E1"));
}

#[test]
fn a_tip_on_a_disabled_signal_is_an_error() {
    let mut doc = with_tip(json!({}));
    doc["signals"] = json!({"disabled": ["stall"]});
    only_error(
        doc,
        "tips[0].trigger.signal: signal \"stall\" is disabled in signals.disabled",
    );
    only_error(
        json!({"steps": steps(), "signals": {"disabled": ["stall", "rage_clicks"]}}),
        "signals.disabled[1]: unknown signal \"rage_clicks\" (did you mean \"rage_click\"?)",
    );
}

#[test]
fn tips_need_an_id_a_trigger_and_text() {
    assert_eq!(
        errors(json!({"steps": steps(), "tips": [{}]})),
        vec![
            "tips[0].id: required field missing",
            "tips[0].trigger: required field missing",
            "tips[0].text: required field missing",
        ]
    );
    only_error(
        with_tip(json!({"text": "  "})),
        "tips[0].text: must not be empty",
    );
    let mut doc = with_tip(json!({}));
    let first = doc["tips"][0].clone();
    doc["tips"].as_array_mut().unwrap().push(first);
    only_error(doc, "tips[1].id: duplicate id \"t1\" (first at tips[0])");
    only_error(
        with_tip(json!({"frequency": "sometimes"})),
        "tips[0].frequency: must be one of \"once\", \"until_dismissed\", \"always\"",
    );
    only_error(
        json!({"steps": steps(), "tips": {}}),
        "tips: must be an array",
    );
}

#[test]
fn tip_defaults() {
    let c = read_value(&with_tip(json!({}))).unwrap();
    let t = &c.tips[0];
    assert_eq!(t.frequency, Frequency::UntilDismissed);
    assert_eq!(t.cooldown_ms, super::Tip::default_cooldown_ms());
    assert_eq!(t.priority, 0);
    assert!(!t.offer_help);
    assert!(t.link.is_none() && t.anchor.is_none() && t.title.is_none());
    assert!(t.trigger.step.is_none());
}

#[test]
fn links_are_http_or_relative_only() {
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "mailto:a@b.c",
        "http:relative",
        "https://",
    ] {
        assert!(href_problem(bad).is_some(), "{bad:?} should be refused");
    }
    for good in [
        "https://example.com/guide",
        "HTTP://example.com",
        "/docs/import",
        "docs/import.html",
        "./x",
        "../x",
        "#section",
        "?q=1",
        "//cdn.example.com/x",
        "/path/with:colon",
    ] {
        assert_eq!(href_problem(good), None, "{good:?} should pass");
    }
    only_error(
        with_tip(json!({"link": {"href": "javascript:alert(1)", "label": "Go"}})),
        "tips[0].link.href: must be an http(s) URL or a relative URL",
    );
    only_error(
        with_tip(json!({"link": {"href": "/a b", "label": "Go"}})),
        "tips[0].link.href: must not contain spaces or control characters",
    );
    only_error(
        with_tip(json!({"link": {"href": "/guide"}})),
        "tips[0].link.label: required field missing",
    );
}

#[test]
fn null_means_the_default() {
    let c = read_value(
        &json!({"steps": [{"id": "a", "weight": null}], "signals": null,
                               "tips": null, "tip_limits": {"max_visible": null}}),
    )
    .unwrap();
    assert_eq!(c.steps[0].weight, 1.0);
    assert_eq!(c.signals, SignalConfig::default());
    assert_eq!(c.tip_limits, TipLimits::default());
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let doc = json!({
        "steps": [{"id": "a"}, {"id": "a", "weight": 0}],
        "signals": {"stal_after_ms": 1, "back_loop_count": 0},
        "routing": {"thresholds": {"h24_high_touch_below": 2}},
        "tips": [
            {"id": "x", "trigger": {"signal": "stall", "step": "billing"}, "text": "t"},
            {"id": "y", "trigger": {"signal": "nope"}, "text": "",
             "link": {"href": "javascript:void(0)", "label": "l"}}
        ],
        "tip_limits": {"max_per_window": -3}
    });
    assert_eq!(
        errors(doc),
        vec![
            "steps[1].weight: must be greater than 0",
            "steps[1].id: duplicate id \"a\" (first at steps[0])",
            "signals.stal_after_ms: unknown field (did you mean \"stall_after_ms\"?)",
            "signals.back_loop_count: must be a whole number, at least 1",
            "routing.thresholds.h24_high_touch_below: must be between 0 and 1",
            "tips[0].trigger.step: unknown step \"billing\"",
            "tips[1].trigger.signal: unknown signal \"nope\"",
            "tips[1].text: must not be empty",
            "tips[1].link.href: must be an http(s) URL or a relative URL",
            "tip_limits.max_per_window: must be a whole number, at least 1",
        ]
    );
}

#[test]
fn hostile_documents_do_not_panic() {
    let deep = "[".repeat(100) + &"]".repeat(100);
    for text in [
        "",
        "null",
        "1",
        "\"steps\"",
        r#"{"steps": [null, 1, "x", [], {}]}"#,
        r#"{"steps": [{"id": "a"}], "tips": [null, [], {"trigger": null, "link": 3}]}"#,
        r#"{"steps": [{"id": "a"}], "signals": {"disabled": [1, null, "x"]}}"#,
        r#"{"steps": [{"id": "\u0000"}], "signals": {"stall_after_ms": 1e308}}"#,
        &deep,
    ] {
        let _ = from_str(text);
    }
}

// ---- the JSON Schema and the reader agree ----

/// The objects of a config: where each sits in [`full`], its schema, and the reader's keys.
const OBJECTS: &[(&str, &str, &str)] = &[
    ("", "#", read::CONFIG_KEYS),
    ("/steps/0", "#/$defs/Step", read::STEP_KEYS),
    ("/selectors", "#/$defs/Selectors", read::SELECTOR_KEYS),
    ("/signals", "#/$defs/SignalConfig", read::SIGNAL_KEYS),
    ("/routing", "#/$defs/RoutingConfig", read::ROUTING_KEYS),
    (
        "/routing/thresholds",
        "#/$defs/RoutingThresholds",
        read::THRESHOLD_KEYS,
    ),
    ("/tips/0", "#/$defs/Tip", read::TIP_KEYS),
    ("/tips/0/trigger", "#/$defs/Trigger", read::TRIGGER_KEYS),
    ("/tips/0/link", "#/$defs/Link", read::LINK_KEYS),
    ("/tip_limits", "#/$defs/TipLimits", read::TIP_LIMIT_KEYS),
];

fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap()
}

fn sorted(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = keys.into_iter().collect();
    v.sort();
    v
}

fn schema_object<'a>(schema: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.trim_start_matches('#');
    schema
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {reference} in the schema"))
}

#[test]
fn schema_and_reader_accept_the_same_keys() {
    let schema = schema();
    let doc = full();
    let mut defs_seen = 0;
    for (at, reference, reader_keys) in OBJECTS {
        let object = schema_object(&schema, reference);
        assert_eq!(object["additionalProperties"], json!(false), "{reference}");
        let schema_keys = sorted(object["properties"].as_object().unwrap().keys().cloned());
        let reader = sorted(read::words(reader_keys).map(|k| k.to_string()));
        assert_eq!(schema_keys, reader, "{reference}: schema vs reader keys");
        let doc_keys = sorted(
            doc.pointer(at)
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .cloned(),
        );
        assert_eq!(doc_keys, reader, "{at}: the full example misses a key");
        defs_seen += 1;
    }
    // Every object definition in the schema is covered above.
    let objects_in_schema = schema["$defs"]
        .as_object()
        .unwrap()
        .values()
        .filter(|d| d["type"] == "object")
        .count();
    assert_eq!(objects_in_schema + 1, defs_seen);
}

#[test]
fn schema_required_keys_are_exactly_the_ones_the_reader_requires() {
    let schema = schema();
    for (at, reference, reader_keys) in OBJECTS {
        let object = schema_object(&schema, reference);
        let required: Vec<&str> = object["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for key in read::words(reader_keys) {
            let mut doc = full();
            doc.pointer_mut(at)
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove(key);
            let path = format!(
                "{}.{key}",
                at.trim_start_matches('/')
                    .replace("/0", "[0]")
                    .replace('/', ".")
            );
            let path = path.trim_start_matches('.').to_string();
            let missing = format!("{path}: required field missing");
            let errs = errors(doc);
            if required.contains(&key) {
                // (Removing `steps` also orphans the tip's step: only the first error counts.)
                assert_eq!(errs.first(), Some(&missing), "{reference} requires {key}");
            } else {
                assert_eq!(errs, Vec::<String>::new(), "{reference}: {key} is optional");
            }
        }
    }
}

#[test]
fn schema_defaults_are_the_readers_defaults() {
    // The schema's `default` values come from the types' Default; the reader fills the same.
    let schema = schema();
    let c = from_str(r#"{"steps":[{"id":"a"}]}"#).unwrap();
    let read_back = serde_json::to_value(&c).unwrap();
    for key in ["signals", "routing", "tip_limits", "selectors"] {
        assert_eq!(
            schema["properties"][key]["default"], read_back[key],
            "{key}"
        );
    }
    let step = &schema["$defs"]["Step"]["properties"];
    assert_eq!(step["weight"]["default"], json!(c.steps[0].weight));
    assert_eq!(step["required"]["default"], json!(c.steps[0].required));
}

#[test]
fn signal_names_in_the_schema_are_the_parsers() {
    let schema = schema();
    let names: Vec<&str> = schema["$defs"]["SignalKind"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["const"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), SignalKind::ALL.len());
    for name in names {
        assert!(SignalKind::parse(name).is_some(), "{name}");
    }
}

// ---- hostile input, generated ----

mod generated {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::{full, read_value};

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            "[a-z_:/ \\t]{0,12}".prop_map(Value::from),
            prop::sample::select(vec!["stall", "account", "javascript:x", "", "once"])
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Every JSON pointer to a value inside `v`.
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    pointers(c, format!("{at}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    pointers(c, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }

    proptest! {
        /// Any JSON at all: an answer, never a panic; errors always name a path.
        #[test]
        fn any_document_is_answered(doc in any_json()) {
            if let Err(errs) = read_value(&doc) {
                prop_assert!(!errs.is_empty());
                for e in errs {
                    prop_assert!(!e.path.is_empty() && !e.problem.is_empty());
                }
            }
        }

        /// A valid document with one value replaced by anything: either still valid, or
        /// errors that point inside the replaced value's branch (or at a cross-reference).
        #[test]
        fn one_bad_value_is_reported_where_it_is(pick in any::<prop::sample::Index>(),
                                                 junk in any_json()) {
            let mut doc = full();
            let mut all = Vec::new();
            pointers(&doc, String::new(), &mut all);
            all.retain(|p| !p.is_empty());
            let at = pick.get(&all).clone();
            *doc.pointer_mut(&at).unwrap() = junk;
            let first = read_value(&doc);
            // Deterministic: the same document, the same answer.
            prop_assert_eq!(&first, &read_value(&doc));
            if let Err(errs) = first {
                let top = at.trim_start_matches('/').split('/').next().unwrap().to_string();
                for e in &errs {
                    // Cross-references: a tip names a step; major_signal_kinds names the count.
                    let related = e.path.starts_with("tips[") || e.path.starts_with("signals.");
                    prop_assert!(e.path.starts_with(&top) || related, "{} vs {}", e, at);
                }
            }
        }
    }
}

#[test]
fn number_bounds_are_inclusive_where_documented() {
    // Accepted at the edges of each rule.
    let ok = json!({
        "steps": steps(),
        "signals": {"rage_click_count": 4294967295u64, "stall_after_ms": 9007199254740991u64},
        "routing": {"thresholds": {"h24_high_touch_below": 0, "h24_light_touch_at_most": 1}},
        "tips": [{"id": "t", "trigger": {"signal": "stall"}, "text": "x",
                  "cooldown_ms": 0, "priority": -2147483648i64}],
    });
    let c = read_value(&ok).unwrap();
    assert_eq!(c.signals.rage_click_count, u32::MAX);
    assert_eq!(c.signals.stall_after_ms, 9_007_199_254_740_991);
    assert_eq!(c.tips[0].cooldown_ms, 0);
    assert_eq!(c.tips[0].priority, i32::MIN);
    // Refused just past them.
    only_error(
        json!({"steps": steps(), "signals": {"rage_click_count": 4294967296u64}}),
        "signals.rage_click_count: must be a whole number, at least 1",
    );
    only_error(
        json!({"steps": steps(), "signals": {"stall_after_ms": 9007199254740993u64}}),
        "signals.stall_after_ms: must be a whole number of milliseconds, at least 1",
    );
    only_error(
        with_tip(json!({"priority": 2147483648u64})),
        "tips[0].priority: must be a whole number",
    );
    only_error(
        json!({"steps": steps(), "routing": {"thresholds": {"h48_stay_above": 1.0000000000000002}}}),
        "routing.thresholds.h48_stay_above: must be between 0 and 1",
    );
}
