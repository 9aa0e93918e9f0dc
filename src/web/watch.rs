//! Zero-code instrumentation: turns what happens on the page into engine inputs. Steps from
//! config selectors, URL patterns or `data-unstuck-step`; progress from required fields becoming
//! valid; errors from `invalid` events, `aria-invalid`, alert regions, error selectors and
//! blocked advances; help, clicks, and script errors. It reads no field values: only validity.
//! The rules it applies (masking, URL patterns, blocked codes) live in `core::mask`.

use crate::prelude::*;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget};

use super::dom::{
    self, closest, field_name, get, get_str, query_all, visible, Callback, Listener, Observer,
};
use crate::core::config::Config;
use crate::core::input::{ClickTarget, ErrorInfo, ErrorKind, Input};
use crate::core::mask::{blocked_code, mask_message, url_matches};

/// A blocked advance is judged this long after the click on "next".
const ADVANCE_WAIT_MS: u64 = 1_000;

/// Defaults for `selectors.error`: the common form-library conventions.
const DEFAULT_ERROR_SELECTORS: [&str; 8] = [
    ".is-invalid",
    ".has-error",
    ".error",
    ".field-error",
    ".form-error",
    ".error-message",
    ".invalid-feedback",
    ".ng-invalid.ng-touched",
];
const CONTROLS: &str = "input,select,textarea";
const ALERTS: &str = "[role=alert],[aria-live=assertive]";
const VALIDITY_FLAGS: [&str; 10] = [
    "valueMissing",
    "typeMismatch",
    "patternMismatch",
    "tooLong",
    "tooShort",
    "rangeUnderflow",
    "rangeOverflow",
    "stepMismatch",
    "badInput",
    "customError",
];

/// What the observer watches: the subtree, children, text, and the attributes that show steps,
/// errors and completion (a `MutationObserverInit` as JSON).
const OBSERVE: &str = concat!(
    r#"{"subtree":true,"childList":true,"characterData":true,"attributeFilter":["#,
    r#""class","style","hidden","open","aria-invalid","role","aria-live","#,
    r#""data-unstuck-step","data-unstuck-complete"]}"#
);

/// The page events the shell listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomEvent {
    /// `click` (captured).
    Click,
    /// `input` / `change` on a control.
    Field,
    /// `invalid` (captured: it does not bubble).
    Invalid,
    /// `focusin`.
    FocusIn,
    /// The window got focus back.
    WindowFocus,
    /// `window` `error`.
    ScriptError,
    /// `unhandledrejection`.
    Rejection,
    /// `visibilitychange`.
    Visibility,
    /// `pagehide`.
    PageHide,
    /// `pageshow`.
    PageShow,
    /// The URL changed (history API, `popstate`, `hashchange`).
    Location,
    /// The DOM changed.
    Mutation,
}

/// Attaches every listener and the observer; each routes to the shell. Dropping the returned
/// values removes them all.
pub fn attach() -> (Vec<Listener>, Option<Observer>, Option<HistoryHook>) {
    let mut ls = Vec::new();
    let win: EventTarget = dom::window().into();
    let Some(doc) = dom::document() else {
        return (ls, None, None);
    };
    let doc_t: &EventTarget = doc.as_ref();
    let on = |t: &EventTarget, kind: &'static str, capture: bool, e: DomEvent| {
        Listener::new(t, kind, capture, move |ev| {
            super::with(move |s| s.on_dom(e, &ev));
        })
    };
    ls.push(on(doc_t, "click", true, DomEvent::Click));
    ls.push(on(doc_t, "input", true, DomEvent::Field));
    ls.push(on(doc_t, "change", true, DomEvent::Field));
    ls.push(on(doc_t, "invalid", true, DomEvent::Invalid));
    ls.push(on(doc_t, "focusin", true, DomEvent::FocusIn));
    ls.push(on(doc_t, "visibilitychange", false, DomEvent::Visibility));
    ls.push(on(&win, "focus", false, DomEvent::WindowFocus));
    ls.push(on(&win, "error", false, DomEvent::ScriptError));
    ls.push(on(&win, "unhandledrejection", false, DomEvent::Rejection));
    ls.push(on(&win, "pagehide", false, DomEvent::PageHide));
    ls.push(on(&win, "pageshow", false, DomEvent::PageShow));
    ls.push(on(&win, "popstate", false, DomEvent::Location));
    ls.push(on(&win, "hashchange", false, DomEvent::Location));
    let observer = doc.document_element().and_then(|root| {
        Observer::new(&root, OBSERVE, || {
            super::with(|s| s.on_dom(DomEvent::Mutation, &JsValue::UNDEFINED.unchecked_into()))
        })
    });
    (ls, observer, HistoryHook::new())
}

/// Wraps `history.pushState` / `replaceState` so SPA route changes are seen. Dropping it puts
/// the originals back, or, if someone wrapped them after us, leaves our wrapper a pass-through
/// (its callback is gone; the guarded trampoline swallows the call).
pub struct HistoryHook {
    originals: Vec<(&'static str, Function, Function)>,
    _callback: Callback,
}

impl HistoryHook {
    fn new() -> Option<HistoryHook> {
        let history: JsValue = dom::window().history().ok()?.into();
        let (callback, notify) = dom::callback(Box::new(|_| {
            super::with(|s| s.on_dom(DomEvent::Location, &JsValue::UNDEFINED.unchecked_into()))
        }));
        let mut originals = Vec::new();
        for name in ["pushState", "replaceState"] {
            let Ok(original) = get(&history, name).dyn_into::<Function>() else {
                continue;
            };
            // The host's call behaves as before (same `this`, arguments, result, exceptions).
            let f = dom::hooked(&original, &history, &notify);
            dom::set(&history, name, &f);
            originals.push((name, original, f));
        }
        Some(HistoryHook {
            originals,
            _callback: callback,
        })
    }
}

impl Drop for HistoryHook {
    fn drop(&mut self) {
        let Ok(history) = dom::window().history() else {
            return;
        };
        let history: JsValue = history.into();
        for (name, original, ours) in &self.originals {
            if get(&history, name) == JsValue::from(ours.clone()) {
                dom::set(&history, name, original);
            }
        }
    }
}

/// An error recorded since the last user action: field, code, message.
type Recent = (Option<String>, Option<String>, Option<String>);

/// What the instrumentation knows about the page.
pub struct Watch {
    steps: Vec<(String, Option<String>, Option<String>)>,
    next: Vec<String>,
    back: Vec<String>,
    help: Vec<String>,
    errors: Vec<String>,
    /// The current step as seen on the page (or set through the API).
    pub current: Option<String>,
    marked: Vec<Element>,
    invalid: Vec<Element>,
    alerts: Vec<(Element, String)>,
    completes: Vec<Element>,
    done_fields: Vec<(String, String)>,
    done_steps: Vec<String>,
    recent: Vec<Recent>,
    blocked: Option<(u64, Option<String>)>,
    back_click: Option<(u64, Option<String>)>,
    help_open: bool,
    /// The help content, when its opener names it (`aria-controls`).
    help_panel: Option<Element>,
    help_seen: bool,
}

fn with_marker(list: &[String], marker: &str) -> Vec<String> {
    let mut v = list.to_vec();
    v.push(marker.into());
    v
}

impl Watch {
    /// The instrumentation for `config`.
    pub fn new(config: &Config) -> Watch {
        let s = &config.selectors;
        let mut errors = s.error.clone();
        errors.extend(DEFAULT_ERROR_SELECTORS.iter().map(|e| e.to_string()));
        Watch {
            steps: config
                .steps
                .iter()
                .map(|st| (st.id.clone(), st.selector.clone(), st.url.clone()))
                .collect(),
            next: with_marker(&s.next, "[data-unstuck-next]"),
            back: with_marker(&s.back, "[data-unstuck-back]"),
            help: with_marker(&s.help, "[data-unstuck-help]"),
            errors,
            current: None,
            marked: Vec::new(),
            invalid: Vec::new(),
            alerts: Vec::new(),
            completes: Vec::new(),
            done_fields: Vec::new(),
            done_steps: Vec::new(),
            recent: Vec::new(),
            blocked: None,
            back_click: None,
            help_open: false,
            help_panel: None,
            help_seen: false,
        }
    }

    /// When [`Watch::poll`] wants to run.
    pub fn deadline(&self) -> Option<u64> {
        let a = self.blocked.as_ref().map(|b| b.0);
        let b = self.back_click.as_ref().map(|b| b.0);
        a.into_iter().chain(b).min()
    }

    /// Handles one page event.
    pub fn on_event(&mut self, e: DomEvent, ev: &Event, now: u64, out: &mut Vec<Input>) {
        match e {
            DomEvent::Click => self.click(ev, now, out),
            DomEvent::Field => self.field(ev, out),
            DomEvent::Invalid => self.invalid_event(ev, out),
            // Focus back in the app closes help: anywhere outside the help panel when the
            // opener names it, else a form field.
            DomEvent::FocusIn => {
                let Some(el) = dom::target(ev) else { return };
                let back = match &self.help_panel {
                    Some(panel) => !panel.contains(Some(&el)),
                    None => el.matches(CONTROLS).unwrap_or(false),
                };
                if back {
                    self.close_help(out);
                }
            }
            DomEvent::WindowFocus => self.close_help(out),
            DomEvent::ScriptError => {
                let name = get_str(&get(ev, "error"), "name");
                self.script_error(name, get_str(ev, "message"), out);
            }
            DomEvent::Rejection => {
                let reason = get(ev, "reason");
                let message = get_str(&reason, "message").or_else(|| reason.as_string());
                self.script_error(get_str(&reason, "name"), message, out);
            }
            // Mutation observers already batch a task's changes into one call.
            DomEvent::Location | DomEvent::Mutation => self.scan(out),
            // Lifecycle is the shell's.
            DomEvent::Visibility | DomEvent::PageHide | DomEvent::PageShow => {}
        }
    }

    /// Looks at the whole page: current step, error markers, completion markers.
    pub fn scan(&mut self, out: &mut Vec<Input>) {
        // The help panel closing closes help (once it has been seen open: it may open late).
        if let Some(shown) = self.help_panel.as_ref().map(visible) {
            if shown {
                self.help_seen = true;
            } else if self.help_seen {
                self.close_help(out);
            }
        }
        self.detect_step(out);
        self.scan_errors(out);
        self.scan_completes(out);
    }

    /// Runs deadlines that are due: blocked advances and back clicks.
    pub fn poll(&mut self, now: u64, out: &mut Vec<Input>) {
        if self.blocked.as_ref().is_some_and(|b| b.0 <= now) {
            self.detect_step(out);
            if let Some((_, Some(step))) = self.blocked.take() {
                // The same failure when the page already reported an error for this action
                // (an `invalid` event, `aria-invalid`, an alert): counting it again would make
                // one rejected submit two errors.
                if self.current.as_deref() == Some(&step) && self.recent.is_empty() {
                    let fields = self.invalid_fields(&step);
                    let code = blocked_code(&step, fields);
                    self.error(ErrorKind::Validation, Some(code), None, None, out);
                }
            }
        }
        if self.back_click.as_ref().is_some_and(|b| b.0 <= now) {
            let before = self.back_click.take().and_then(|b| b.1);
            // Only when the page shows no step the shell can see: a back click then stands for
            // the step change itself. Otherwise the step change (if any) is seen directly.
            if self.find_step().is_none() && before.is_some() && self.current == before {
                let i = self.index(before.as_deref().unwrap_or_default());
                if let Some(prev) = i.filter(|&i| i > 0).map(|i| self.steps[i - 1].0.clone()) {
                    self.current = Some(prev.clone());
                    out.push(Input::StepEntered { step: prev });
                }
            }
        }
    }

    fn index(&self, step: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.0 == step)
    }

    /// The step the page shows now, if any.
    pub fn find_step(&self) -> Option<String> {
        // Read as properties: each string getter binding costs more glue than the lookup.
        let loc: JsValue = dom::window().location().into();
        let part = |k| get_str(&loc, k).unwrap_or_default();
        let (href, path, search, hash) =
            (part("href"), part("pathname"), part("search"), part("hash"));
        for (id, selector, url) in &self.steps {
            if selector
                .as_deref()
                .and_then(dom::query)
                .is_some_and(|el| visible(&el))
            {
                return Some(id.clone());
            }
            if url
                .as_deref()
                .is_some_and(|p| url_matches(p, &href, &path, &search, &hash))
            {
                return Some(id.clone());
            }
        }
        let root = dom::document()?.document_element()?;
        query_all(&root, "[data-unstuck-step]")
            .iter()
            .filter(|el| visible(el))
            .find_map(|el| {
                el.get_attribute("data-unstuck-step")
                    .filter(|s| !s.is_empty())
            })
    }

    /// Feeds a step change seen on the page: the previous step completes when a later one
    /// becomes current; an earlier one is just entered (the engine counts it as going back).
    fn detect_step(&mut self, out: &mut Vec<Input>) {
        let Some(step) = self.find_step() else { return };
        self.enter(step, out);
    }

    /// Makes `step` current (from the page or the API).
    pub fn enter(&mut self, step: String, out: &mut Vec<Input>) {
        if self.current.as_deref() == Some(&step) {
            return;
        }
        if let Some(old) = self.current.take() {
            let forward = match (self.index(&old), self.index(&step)) {
                (Some(a), Some(b)) => b > a,
                _ => false,
            };
            if forward {
                self.complete_step(old, out);
            }
        }
        self.current = Some(step.clone());
        out.push(Input::StepEntered { step });
    }

    fn complete_step(&mut self, step: String, out: &mut Vec<Input>) {
        if !self.done_steps.contains(&step) {
            self.done_steps.push(step.clone());
            out.push(Input::StepCompleted { step });
        }
    }

    /// The element holding a step, when the step is shown by an element.
    fn container(&self, step: &str) -> Option<Element> {
        let by_selector = self
            .steps
            .iter()
            .find(|s| s.0 == step)
            .and_then(|s| s.1.as_deref())
            .and_then(dom::query);
        by_selector.or_else(|| {
            let root = dom::document()?.document_element()?;
            query_all(&root, "[data-unstuck-step]")
                .into_iter()
                .find(|el| el.get_attribute("data-unstuck-step").as_deref() == Some(step))
        })
    }

    fn invalid_fields(&self, step: &str) -> Vec<String> {
        let root = self
            .container(step)
            .or_else(|| dom::document()?.document_element());
        let Some(root) = root else { return Vec::new() };
        let sel = "input:invalid,select:invalid,textarea:invalid,[aria-invalid=true]";
        query_all(&root, sel)
            .iter()
            .filter_map(field_name)
            .collect()
    }

    fn click(&mut self, ev: &Event, now: u64, out: &mut Vec<Input>) {
        // A new user action: what fails from here on is a new failure.
        self.recent.clear();
        let Some(el) = dom::target(ev) else { return };
        let any = |list: &[String]| list.iter().any(|s| closest(&el, s).is_some());
        let (next, back) = (any(&self.next), any(&self.back));
        let nav = next || back || closest(&el, "[aria-current=step]").is_some();
        out.push(Input::Click {
            x: get(ev, "clientX").as_f64().unwrap_or(0.0),
            y: get(ev, "clientY").as_f64().unwrap_or(0.0),
            target: if nav {
                ClickTarget::Navigation
            } else {
                ClickTarget::Other
            },
        });
        if next {
            self.blocked = Some((now + ADVANCE_WAIT_MS, self.current.clone()));
        }
        if back {
            self.back_click = Some((now + ADVANCE_WAIT_MS, self.current.clone()));
        }
        let help = self.help.iter().find_map(|s| closest(&el, s));
        if let Some(h) = help {
            let topic = h
                .get_attribute("data-unstuck-help")
                .filter(|t| !t.is_empty())
                .or_else(|| get_str(&h, "id").filter(|t| !t.is_empty()))
                .unwrap_or_else(|| "help".into());
            self.help_open = true;
            self.help_panel = h
                .get_attribute("aria-controls")
                .and_then(|id| dom::document()?.get_element_by_id(&id));
            out.push(Input::HelpOpened { topic });
        }
        if let Some(c) = closest(&el, "[data-unstuck-complete]") {
            self.complete_marker(&c, out);
        }
    }

    fn close_help(&mut self, out: &mut Vec<Input>) {
        self.help_panel = None;
        self.help_seen = false;
        if self.help_open {
            self.help_open = false;
            out.push(Input::HelpClosed);
        }
    }

    fn complete_marker(&mut self, el: &Element, out: &mut Vec<Input>) {
        let value = el
            .get_attribute("data-unstuck-complete")
            .unwrap_or_default();
        if value == "onboarding" {
            if let Some(step) = self.current.clone() {
                self.complete_step(step, out);
            }
            if !self.done_steps.iter().any(|s| s == "\u{0}onboarding") {
                self.done_steps.push("\u{0}onboarding".into());
                out.push(Input::OnboardingCompleted);
            }
        } else if let Some(step) = Some(value)
            .filter(|v| !v.is_empty())
            .or(self.current.clone())
        {
            self.complete_step(step, out);
        }
    }

    fn field(&mut self, ev: &Event, out: &mut Vec<Input>) {
        self.recent.clear();
        let Some(el) = dom::target(ev) else { return };
        let required = el.has_attribute("required")
            || el.get_attribute("aria-required").as_deref() == Some("true");
        let Some(step) = self.current.clone() else {
            return;
        };
        if !required {
            return;
        }
        // Validity only: the SDK never reads what the user typed.
        let valid = get(&get(&el, "validity"), "valid")
            .as_bool()
            .unwrap_or(false)
            && el.get_attribute("aria-invalid").as_deref() != Some("true");
        let Some(field) = field_name(&el) else { return };
        if let Some(c) = self.container(&step) {
            if !c.contains(Some(&el)) {
                return;
            }
        }
        let key = (step.clone(), field.clone());
        if valid && !self.done_fields.contains(&key) {
            self.done_fields.push(key);
            out.push(Input::FieldCompleted { step, field });
        }
    }

    fn invalid_event(&mut self, ev: &Event, out: &mut Vec<Input>) {
        let Some(el) = dom::target(ev) else { return };
        let validity = get(&el, "validity");
        let code = VALIDITY_FLAGS
            .iter()
            .find(|f| get(&validity, f).as_bool() == Some(true))
            .map(|f| f.to_string());
        // No `validationMessage`: browsers quote what the user typed in it.
        let kind = kind_of(&el);
        self.error(kind, code, None, field_name(&el), out);
    }

    fn script_error(
        &mut self,
        name: Option<String>,
        message: Option<String>,
        out: &mut Vec<Input>,
    ) {
        out.push(Input::Error(ErrorInfo {
            step: None,
            kind: ErrorKind::Script,
            code: name,
            message: message.as_deref().and_then(mask_message),
            field: None,
        }));
    }

    /// Records one error unless the same one was already recorded since the last user action
    /// (click, input) through another channel: an `invalid` event, `aria-invalid` and an error
    /// text for one failure count once. The same means the same field, or, when either names no
    /// field, the same message or code. (Not by time: pages under a test clock freeze it.)
    fn error(
        &mut self,
        kind: ErrorKind,
        code: Option<String>,
        message: Option<String>,
        field: Option<String>,
        out: &mut Vec<Input>,
    ) {
        let message = message.as_deref().and_then(mask_message);
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        let dup = self.recent.iter().any(|(f, c, m)| {
            if field.is_some() && f.is_some() {
                f == &field
            } else {
                same(m, &message) || same(c, &code)
            }
        });
        // Remembered even when a duplicate, so its message matches the next channel too.
        self.recent
            .push((field.clone(), code.clone(), message.clone()));
        if dup {
            return;
        }
        out.push(Input::Error(ErrorInfo {
            step: None,
            kind,
            code,
            message,
            field,
        }));
    }

    fn scan_errors(&mut self, out: &mut Vec<Input>) {
        let Some(root) = dom::document().and_then(|d| d.document_element()) else {
            return;
        };
        let invalid = query_all(&root, "[aria-invalid=true]");
        for el in &invalid {
            if !self.invalid.contains(el) {
                let code = Some("aria_invalid".into());
                self.error(kind_of(el), code, None, field_name(el), out);
            }
        }
        self.invalid = invalid;

        let mut marked: Vec<Element> = Vec::new();
        for sel in &self.errors {
            for el in query_all(&root, sel) {
                // An empty error container waiting for text is not an error yet.
                let shows = visible(&el)
                    && (text_of(&el).is_some_and(|t| t.bytes().any(|b| !b.is_ascii_whitespace()))
                        || el.matches(CONTROLS).unwrap_or(false)
                        || el.query_selector(CONTROLS).ok().flatten().is_some());
                if shows && !marked.contains(&el) {
                    marked.push(el);
                }
            }
        }
        for el in &marked {
            if !self.marked.contains(el) {
                let text = text_of(el).and_then(|t| mask_message(&t));
                let code = text.is_none().then(|| "marked_invalid".to_string());
                self.error(kind_of(el), code, text, marker_field(el), out);
            }
        }
        self.marked = marked;

        let mut alerts = Vec::new();
        for el in query_all(&root, ALERTS) {
            let text = text_of(&el)
                .and_then(|t| mask_message(&t))
                .unwrap_or_default();
            let before = self.alerts.iter().find(|a| a.0 == el).map(|a| a.1.as_str());
            if !text.is_empty() && before != Some(text.as_str()) {
                self.error(kind_of(&el), None, Some(text.clone()), None, out);
            }
            alerts.push((el, text));
        }
        self.alerts = alerts;
    }

    fn scan_completes(&mut self, out: &mut Vec<Input>) {
        let Some(root) = dom::document().and_then(|d| d.document_element()) else {
            return;
        };
        // Buttons and links complete on click; other marked elements when they appear.
        let shown: Vec<Element> = query_all(&root, "[data-unstuck-complete]")
            .into_iter()
            .filter(|el| !el.matches("button,a,input").unwrap_or(true) && visible(el))
            .collect();
        for el in &shown {
            if !self.completes.contains(el) {
                self.complete_marker(el, out);
            }
        }
        self.completes = shown;
    }

    /// Forgets everything seen of the page (after a back/forward cache restore).
    pub fn reset_help(&mut self) {
        self.help_open = false;
    }
}

/// An element's `textContent`.
fn text_of(el: &Element) -> Option<String> {
    get_str(el, "textContent")
}

/// The error kind declared by `data-unstuck-kind` on the element or an ancestor.
fn kind_of(el: &Element) -> ErrorKind {
    closest(el, "[data-unstuck-kind]")
        .and_then(|k| k.get_attribute("data-unstuck-kind"))
        .and_then(|k| ErrorKind::parse(&k))
        .unwrap_or_default()
}

/// The named control an error marker is about: itself, inside it, or next to it.
fn marker_field(el: &Element) -> Option<String> {
    if el.matches(CONTROLS).unwrap_or(false) {
        return field_name(el);
    }
    let inside = el.query_selector(CONTROLS).ok().flatten();
    let before = el
        .previous_element_sibling()
        .filter(|p| p.matches(CONTROLS).unwrap_or(false));
    let around = el
        .parent_element()
        .and_then(|p| p.query_selector(CONTROLS).ok().flatten());
    inside.or(before).or(around).as_ref().and_then(field_name)
}
