//! Browser tests of the shell (wasm-bindgen-test in headless Chromium). DOM-heavy end-to-end
//! checks live in the Playwright suite; these check the shell's own resources and readers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, HtmlElement};

use super::dom::{self, Listener, Timer};
use super::shell::{Options, Shell};
use super::storage::Store;
use crate::core::config::{Config, Selectors, Source, Step};
use crate::core::input::{ErrorInfo, ErrorKind, Input};
use crate::core::state::State;
use crate::core::Tier;

wasm_bindgen_test_configure!(run_in_browser);

// Counts what the SDK adds to the page, by wrapping the browser's own methods.
#[wasm_bindgen(inline_js = "
const c = { add: 0, remove: 0, observe: 0, disconnect: 0 };
let on = false;
export function count_start() {
  if (on) return; on = true;
  const E = EventTarget.prototype, M = MutationObserver.prototype;
  const a = E.addEventListener, r = E.removeEventListener, o = M.observe, d = M.disconnect;
  E.addEventListener = function (...x) { c.add++; return a.apply(this, x); };
  E.removeEventListener = function (...x) { c.remove++; return r.apply(this, x); };
  M.observe = function (...x) { c.observe++; return o.apply(this, x); };
  M.disconnect = function (...x) { c.disconnect++; return d.apply(this, x); };
}
export function counts() { return [c.add, c.remove, c.observe, c.disconnect]; }
")]
extern "C" {
    fn count_start();
    fn counts() -> Vec<u32>;
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        let _ = dom::window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

fn html(markup: &str) -> Element {
    let doc = dom::document().unwrap();
    let el = doc.create_element("div").unwrap();
    el.set_inner_html(markup);
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

fn step(id: &str) -> Step {
    Step {
        id: id.into(),
        weight: 1.0,
        required: true,
        selector: None,
        url: None,
        title: None,
    }
}

/// Starts a shell on `config` that records every input it feeds the engine.
fn start(config: Config) -> Rc<RefCell<Vec<Input>>> {
    let opts = Options {
        site: "wasm-test".into(),
        endpoint: "http://127.0.0.1:9".into(),
        debug: false,
        consent: false,
    };
    let noop = Function::new_no_args("");
    let mut shell = Shell::new(config, opts, noop);
    let seen = Rc::new(RefCell::new(Vec::new()));
    shell.seen = Some(seen.clone());
    super::SHELL.with(|s| *s.borrow_mut() = Some(shell));
    super::with(|s| s.begin(false));
    seen
}

fn errors(seen: &Rc<RefCell<Vec<Input>>>) -> Vec<ErrorInfo> {
    seen.borrow()
        .iter()
        .filter_map(|i| match i {
            Input::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
fn listener_is_removed_on_drop() {
    let el = html("<button>x</button>");
    let hits = Rc::new(Cell::new(0));
    let h = hits.clone();
    let l = Listener::new(el.as_ref(), "click", false, move |_| h.set(h.get() + 1));
    el.unchecked_ref::<HtmlElement>().click();
    assert_eq!(hits.get(), 1);
    drop(l);
    el.unchecked_ref::<HtmlElement>().click();
    assert_eq!(hits.get(), 1);
    el.remove();
}

#[wasm_bindgen_test]
async fn timer_rearms_to_one_deadline() {
    let fired = Rc::new(Cell::new(0));
    let f = fired.clone();
    let timer = Rc::new(RefCell::new(None::<Timer>));
    let t = timer.clone();
    *timer.borrow_mut() = Some(Timer::new(move || {
        f.set(f.get() + 1);
        if let Some(t) = t.borrow_mut().as_mut() {
            t.fired();
        }
    }));
    let now = dom::now();
    let arm = |at: Option<u64>| timer.borrow_mut().as_mut().unwrap().arm(at, dom::now());
    arm(Some(now + 30));
    // Re-armed later: the earlier deadline must not fire.
    arm(Some(now + 150));
    assert_eq!(timer.borrow().as_ref().unwrap().deadline(), Some(now + 150));
    sleep(80).await;
    assert_eq!(fired.get(), 0);
    sleep(150).await;
    assert_eq!(fired.get(), 1);
    assert_eq!(timer.borrow().as_ref().unwrap().deadline(), None);
    // Disarmed and dropped timers never fire.
    arm(Some(dom::now() + 20));
    arm(None);
    arm(Some(dom::now() + 20));
    drop(timer.borrow_mut().take());
    sleep(60).await;
    assert_eq!(fired.get(), 1);
}

#[wasm_bindgen_test]
fn storage_round_trips_state() {
    let store = Store::new("wasm-test-store");
    store.remove("state");
    assert_eq!(store.load_state(), None);
    let state = State {
        session: "s1".into(),
        user: Some("u1".into()),
        step: Some("profile".into()),
        completed: vec!["account".into()],
        signup_at: Some(1_733_300_000_000),
        tier: Some(Tier::HighTouch),
        tip_shown_at: vec![("t1".into(), 42)],
        struggle: vec![(crate::core::SignalKind::Stall, 7)],
        last_seen: 1_733_300_000_500,
        ..State::default()
    };
    store.save_state(&state);
    assert_eq!(store.load_state(), Some(state));
    // Someone else's junk under our key is ignored, not trusted.
    store.set("state", "{not json");
    assert_eq!(store.load_state(), None);
    store.remove("state");
}

#[wasm_bindgen_test]
fn js_values_read_like_json() {
    let v = JSON::parse(
        r#"{"steps":[{"id":"a","weight":2.5},{"id":"b","required":false}],"x":null,"n":"3"}"#,
    )
    .unwrap();
    assert_eq!(
        v.keys(),
        Some(vec!["steps".to_string(), "x".into(), "n".into()])
    );
    let steps = Source::get(&v, "steps").unwrap();
    assert_eq!(steps.len(), Some(2));
    assert_eq!(Source::keys(&steps), None);
    let a = steps.index(0).unwrap();
    assert_eq!(a.get("id").and_then(|s| s.as_str()), Some("a".into()));
    assert_eq!(a.get("weight").and_then(|s| Source::as_f64(&s)), Some(2.5));
    assert_eq!(steps.index(2), None);
    let b = steps.index(1).unwrap();
    assert_eq!(
        b.get("required").and_then(|s| Source::as_bool(&s)),
        Some(false)
    );
    // Present-but-null differs from absent, as in serde_json.
    assert!(Source::get(&v, "x").is_some_and(|x| Source::is_null(&x)));
    assert!(Source::get(&v, "missing").is_none());
    // A string is not a number; inherited members are not config.
    assert_eq!(Source::get(&v, "n").and_then(|n| Source::as_f64(&n)), None);
    assert!(Source::get(&v, "toString").is_none());
    assert!(Source::get(&v, "constructor").is_none());
    let nan = JsValue::from_f64(f64::NAN);
    assert_eq!(Source::as_f64(&nan), None);
}

#[wasm_bindgen_test]
async fn invalid_events_and_blocked_advances_become_errors() {
    let page = html(
        r#"<section data-unstuck-step="profile"><form onsubmit="return false">
             <input name="email" type="email" required>
             <input name="company" required>
             <button type="button" data-unstuck-next>Next</button>
           </form></section>"#,
    );
    let config = Config {
        steps: vec![step("account"), step("profile"), step("team")],
        ..Config::default()
    };
    let seen = start(config);
    assert!(seen.borrow().contains(&Input::StepEntered {
        step: "profile".into()
    }));

    let email = page.query_selector("input[name=email]").unwrap().unwrap();
    dom::set(&email, "value", &JsValue::from_str("not-an-email"));
    let _ = dom::get(&email, "checkValidity")
        .unchecked_into::<Function>()
        .call0(&email);
    let e = errors(&seen);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].code.as_deref(), Some("typeMismatch"));
    assert_eq!(e[0].field.as_deref(), Some("email"));
    assert_eq!(e[0].kind, ErrorKind::Validation);
    // The browser's message quotes what was typed: it never leaves the page.
    assert_eq!(e[0].message, None);

    // Two blocked attempts (the step does not change) give two identical codes.
    click_next_twice(&page).await;
    let blocked: Vec<_> = errors(&seen)
        .into_iter()
        .filter_map(|e| e.code.filter(|c| c.starts_with("blocked:")))
        .collect();
    assert_eq!(
        blocked,
        vec!["blocked:profile:company,email".to_string(); 2]
    );
    super::shutdown();
    page.remove();
}

/// Clicks the page's `[data-unstuck-next]` twice, each time waiting out the blocked-advance
/// second.
async fn click_next_twice(page: &Element) {
    let next: HtmlElement = page
        .query_selector("[data-unstuck-next]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    for _ in 0..2 {
        next.click();
        sleep(1_150).await;
    }
}

#[wasm_bindgen_test]
async fn a_submit_the_form_rejects_is_one_error_not_also_a_blocked_advance() {
    let page = html(
        r#"<section data-unstuck-step="profile"><form onsubmit="return false">
             <input name="email" type="email" required>
             <button data-unstuck-next>Next</button>
           </form></section>"#,
    );
    let config = Config {
        steps: vec![step("account"), step("profile"), step("team")],
        ..Config::default()
    };
    let seen = start(config);
    // The browser's own validation rejects each submit: an `invalid` event per attempt.
    click_next_twice(&page).await;
    let codes: Vec<_> = errors(&seen).into_iter().filter_map(|e| e.code).collect();
    assert_eq!(codes, ["valueMissing", "valueMissing"], "{codes:?}");
    super::shutdown();
    page.remove();
}

#[wasm_bindgen_test]
async fn required_fields_progress_and_next_step_completes() {
    let page = html(
        r#"<section id="p1" data-unstuck-step="profile"><input name="company" required></section>
           <section id="p2" data-unstuck-step="team" hidden></section>"#,
    );
    let config = Config {
        steps: vec![step("profile"), step("team")],
        selectors: Selectors::default(),
        ..Config::default()
    };
    let seen = start(config);
    let input = page.query_selector("input").unwrap().unwrap();
    dom::set(&input, "value", &JsValue::from_str("Acme"));
    let ev = Event::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
    assert!(seen.borrow().contains(&Input::FieldCompleted {
        step: "profile".into(),
        field: "company".into()
    }));
    // The next step becomes visible: the previous one completes.
    page.query_selector("#p1")
        .unwrap()
        .unwrap()
        .set_attribute("hidden", "")
        .unwrap();
    page.query_selector("#p2")
        .unwrap()
        .unwrap()
        .remove_attribute("hidden")
        .unwrap();
    sleep(150).await; // DOM changes are scanned within 100 ms
    let tail: Vec<Input> = seen.borrow().iter().rev().take(2).rev().cloned().collect();
    assert_eq!(
        tail,
        vec![
            Input::StepCompleted {
                step: "profile".into()
            },
            Input::StepEntered {
                step: "team".into()
            }
        ]
    );
    super::shutdown();
    page.remove();
}

#[wasm_bindgen_test]
async fn shutdown_removes_everything() {
    count_start();
    let history: JsValue = dom::window().history().unwrap().into();
    let push_before = dom::get(&history, "pushState");
    let body = dom::document().unwrap().body().unwrap();
    let children = body.child_element_count();
    let before = counts();
    let seen = start(Config {
        steps: vec![step("a")],
        ..Config::default()
    });
    super::debug(true);
    assert_ne!(dom::get(&history, "pushState"), push_before);
    let during = counts();
    assert!(during[0] > before[0] + 5, "listeners added: {during:?}");
    assert!(during[2] > before[2], "observer added");
    super::shutdown();
    let after = counts();
    assert_eq!(
        after[0] - before[0],
        after[1] - before[1],
        "every listener removed"
    );
    assert_eq!(
        after[2] - before[2],
        after[3] - before[3],
        "every observer disconnected"
    );
    assert_eq!(dom::get(&history, "pushState"), push_before);
    assert_eq!(body.child_element_count(), children);
    assert!(super::SHELL.with(|s| s.borrow().is_none()));
    // Nothing reaches a stopped SDK.
    let n = seen.borrow().len();
    body.unchecked_ref::<HtmlElement>().click();
    sleep(10).await;
    assert_eq!(seen.borrow().len(), n);
}

#[wasm_bindgen_test]
fn history_wrapper_keeps_host_behaviour() {
    let seen = start(Config {
        steps: vec![step("a")],
        ..Config::default()
    });
    let history: JsValue = dom::window().history().unwrap().into();
    let push: Function = dom::get(&history, "pushState").unchecked_into();
    // A cross-origin URL throws in the host's call exactly as without the SDK.
    let r = push.call3(
        &history,
        &JsValue::NULL,
        &JsValue::from_str(""),
        &JsValue::from_str("https://elsewhere.example/"),
    );
    assert!(r.is_err());
    let here = dom::window().location().href().unwrap();
    assert!(push
        .call3(
            &history,
            &JsValue::NULL,
            &JsValue::from_str(""),
            &JsValue::from_str(&here)
        )
        .is_ok());
    drop(seen);
    super::shutdown();
}

#[wasm_bindgen_test]
async fn one_failure_seen_through_several_channels_counts_once() {
    let page = html(
        r#"<section data-unstuck-step="import" data-unstuck-kind="import">
             <input name="csv" type="file">
             <div class="form-error" role="alert"></div>
           </section>"#,
    );
    let seen = start(Config {
        steps: vec![step("import")],
        ..Config::default()
    });
    let banner = page.query_selector("[role=alert]").unwrap().unwrap();
    let input = page.query_selector("input").unwrap().unwrap();
    // The host marks the field and shows the text: one error, of the declared kind.
    input.set_attribute("aria-invalid", "true").unwrap();
    banner.set_text_content(Some("Row 12: missing column email (ref 123456789)"));
    sleep(150).await;
    let e = errors(&seen);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].kind, ErrorKind::Import);
    assert_eq!(e[0].field.as_deref(), Some("csv"));
    // The user tries again (a new file): the same failure is a second error. Masked message.
    input.remove_attribute("aria-invalid").unwrap();
    banner.set_text_content(Some(""));
    sleep(20).await;
    input
        .dispatch_event(&Event::new("change").unwrap())
        .unwrap();
    banner.set_text_content(Some("Row 12: missing column email (ref 123456789)"));
    sleep(150).await;
    let e = errors(&seen);
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(
        e[1].message.as_deref(),
        Some("Row 12: missing column email (ref <number>)")
    );
    super::shutdown();
    page.remove();
}

#[wasm_bindgen_test]
fn a_failing_callback_never_reaches_the_page() {
    let errors = Rc::new(Cell::new(0));
    let seen = errors.clone();
    let on_error = Listener::new(&dom::window(), "error", false, move |_| {
        seen.set(seen.get() + 1)
    });
    let el = html("<button>x</button>");
    let button: &HtmlElement = el.unchecked_ref();
    // Control: an unguarded callback that throws is reported to the page.
    let raw = Closure::<dyn Fn()>::new(|| wasm_bindgen::throw_str("raw"));
    let f: &Function = raw.as_ref().unchecked_ref();
    el.add_event_listener_with_callback("click", f).unwrap();
    button.click();
    assert_eq!(errors.get(), 1);
    el.remove_event_listener_with_callback("click", f).unwrap();
    // The SDK's own listeners swallow it.
    let _l = Listener::new(el.as_ref(), "click", false, |_| {
        wasm_bindgen::throw_str("ours")
    });
    button.click();
    assert_eq!(errors.get(), 1);
    drop(on_error);
    el.remove();
}

#[wasm_bindgen_test]
fn config_errors_read_from_js_match_the_native_reader() {
    // The same fixture as tests/config_fixture.rs (serde_json natively).
    let fixture = JSON::parse(include_str!("../../tests/fixtures/config-errors.json")).unwrap();
    let doc = dom::get(&fixture, "doc");
    let errors = crate::core::config::read::read(&doc).unwrap_err();
    let mut got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    // The one text `start` throws holds these lines, in order.
    let text = crate::core::config::ConfigError::lines(&errors);
    assert_eq!(text, got.join("\n"));
    got.sort();
    let want: Vec<String> = js_sys::Array::from(&dom::get(&fixture, "errors"))
        .iter()
        .filter_map(|e| e.as_string())
        .collect();
    assert_eq!(got, want);
    // And a valid document reads the same way: ids and defaults.
    let ok =
        JSON::parse(r##"{"steps":[{"id":"a","selector":"#a"},{"id":"b","url":"/b*"}]}"##).unwrap();
    let config = crate::core::config::read::read(&ok).unwrap();
    assert_eq!(config.steps.len(), 2);
    assert_eq!(config.steps[1].url.as_deref(), Some("/b*"));
    assert_eq!(config.tip_limits.max_visible, 1);
}

/// Floats through JavaScript's formatting come out as serde_json writes them (expected texts
/// from serde_json 1.0.154), and outputs reach JS as the objects `JSON.parse` makes.
#[wasm_bindgen_test]
fn floats_and_values_are_written_as_serde_json_writes_them() {
    let cases: [(f64, &str); 11] = [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (1.0 / 3.0, "0.3333333333333333"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.5e-5, "0.000015"),
        (2.5e-6, "2.5e-6"),
        (1e16, "1e+16"),
        (1e21, "1e+21"),
        (123456.0, "123456.0"),
        // Two shortest texts are equally near (…23.25): JavaScript and serde_json take the even one.
        (2180629095220023.25, "2180629095220023.2"),
    ];
    for (x, want) in cases {
        let mut s = String::new();
        super::dom::js_float(x, &mut s);
        assert_eq!(s, want);
    }
    let v = super::dom::to_js(&crate::core::output::ShowTip {
        tip: "t\"1".into(),
        step: None,
        anchor: Some("#a".into()),
        signal: crate::core::signal::SignalKind::RageClick,
    });
    assert_eq!(super::dom::get_str(&v, "tip").as_deref(), Some("t\"1"));
    assert!(super::dom::get(&v, "step").is_null());
    assert_eq!(
        super::dom::get_str(&v, "signal").as_deref(),
        Some("rage_click")
    );
}

/// `call(method, a, b)` takes the method's index in js/api.js `METHODS`: each index reaches the
/// method of that name.
#[wasm_bindgen_test]
fn call_indices_follow_the_js_method_list() {
    let api = include_str!("../../js/api.js");
    let list = api.split("const METHODS = [").nth(1).unwrap();
    let list = list.split(']').next().unwrap();
    let names: Vec<&str> = list
        .split(',')
        .map(|n| n.trim().trim_matches('"'))
        .collect();
    assert_eq!(names.len(), 14, "{names:?}");
    let seen = start(Config {
        steps: vec![step("a")],
        ..Config::default()
    });
    let flags = || super::SHELL.with(|s| s.borrow().as_ref().map(|s| s.flags()));
    let text = |s: &str| JsValue::from_str(s);
    for (i, name) in names.iter().enumerate() {
        let (a, b) = match *name {
            "identify" => (text("u1"), js_sys::Object::new().into()),
            "progress" => (text("a"), JsValue::from_f64(0.5)),
            "fieldCompleted" => (text("a"), text("f")),
            "error" => (
                JSON::parse(r#"{"kind":"network"}"#).unwrap(),
                JsValue::UNDEFINED,
            ),
            "consent" | "debug" => (JsValue::TRUE, JsValue::UNDEFINED),
            _ => (
                text(if *name == "track" { "t" } else { "a" }),
                JsValue::UNDEFINED,
            ),
        };
        let before = seen.borrow().len();
        let flags_before = flags();
        super::call(i as u32, a, b).unwrap_or_else(|_| panic!("{name} failed"));
        let fed: Vec<Input> = seen.borrow()[before..].to_vec();
        let ok = match *name {
            "identify" => matches!(&fed[..], [Input::Identify { user, .. }] if user == "u1"),
            "step" => matches!(&fed[..], [Input::StepEntered { step }] if step == "a"),
            "progress" => {
                matches!(&fed[..], [Input::StepProgress { fraction, .. }] if *fraction == 0.5)
            }
            "fieldCompleted" => {
                matches!(&fed[..], [Input::FieldCompleted { field, .. }] if field == "f")
            }
            "completeStep" => matches!(&fed[..], [Input::StepCompleted { step }] if step == "a"),
            "complete" => matches!(&fed[..], [Input::OnboardingCompleted]),
            "error" => matches!(&fed[..], [Input::Error(e)] if e.kind == ErrorKind::Network),
            "helpOpened" => matches!(&fed[..], [Input::HelpOpened { topic }] if topic == "a"),
            "helpClosed" => matches!(&fed[..], [Input::HelpClosed]),
            "requestHelp" => matches!(&fed[..], [Input::HelpRequested]),
            "track" => matches!(&fed[..], [Input::Track { name, .. }] if name == "t"),
            "consent" => {
                fed.is_empty()
                    && flags_before == Some((false, false))
                    && flags() == Some((true, false))
            }
            "debug" => fed.is_empty() && flags() == Some((true, true)),
            "shutdown" => fed.is_empty() && flags().is_none(),
            _ => false,
        };
        assert!(ok, "method {i} ({name}) fed {fed:?}, flags {:?}", flags());
    }
    assert!(super::call(14, JsValue::UNDEFINED, JsValue::UNDEFINED).is_err());
}
