//! The one config reader: walks any [`Source`] (a JSON value natively, a JS object in the
//! browser), fills typed values with defaults, and validates, collecting every error with
//! its exact path (`tips[3].trigger.step: unknown step "billing"`).
//!
//! Written for the wasm budget: no serde Deserialize, no maps, no float formatting in
//! messages, and generic code only where a [`Source`] is touched (one copy per source type).
//! `null` anywhere means "absent": the default applies.

use crate::prelude::*;

use super::{
    Config, Frequency, Link, RoutingConfig, Selectors, SignalConfig, Step, Tip, TipLimits, Trigger,
};
use crate::core::json::push_u64;
use crate::core::routing::RoutingThresholds;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// A read-only view of a JSON-like value. Implemented for `serde_json::Value` natively and
/// for `JsValue` in the browser shell.
// `len` answers "is this an array, and how long": an `is_empty` would add nothing.
#[allow(clippy::len_without_is_empty)]
pub trait Source: Sized {
    /// The member `key` of an object; `None` if absent or not an object.
    fn get(&self, key: &str) -> Option<Self>;
    /// The keys of an object, in document order; `None` if not an object.
    fn keys(&self) -> Option<Vec<String>>;
    /// The length of an array; `None` if not an array.
    fn len(&self) -> Option<usize>;
    /// Element `i` of an array.
    fn index(&self, i: usize) -> Option<Self>;
    /// A string value.
    fn as_str(&self) -> Option<String>;
    /// A finite number.
    fn as_f64(&self) -> Option<f64>;
    /// A boolean.
    fn as_bool(&self) -> Option<bool>;
    /// `null` (or JS `undefined`).
    fn is_null(&self) -> bool;
}

/// One problem in a config document.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ConfigError {
    /// Where: `tips[3].trigger.step`.
    pub path: String,
    /// What: `unknown step "billing"`.
    pub problem: String,
}

impl ConfigError {
    /// Every error as one text, one `path: problem` line each (what [`Display`] writes per
    /// error), built without `core::fmt` for the wasm.
    ///
    /// [`Display`]: core::fmt::Display
    pub fn lines(errors: &[ConfigError]) -> String {
        let mut out = String::new();
        for (i, e) in errors.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&e.path);
            out.push_str(": ");
            out.push_str(&e.problem);
        }
        out
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

// The keys each object accepts, space-separated (one string each, not a table of `&str`: fewer
// wasm bytes). The schema/reader agreement test compares these with the JSON Schema generated
// from the types, so the two cannot drift apart.
pub(crate) const CONFIG_KEYS: &str =
    "steps selectors signals routing tips tip_limits respect_do_not_track";
pub(crate) const STEP_KEYS: &str = "id weight required selector url title";
pub(crate) const SELECTOR_KEYS: &str = "next back help error";
pub(crate) const SIGNAL_KEYS: &str = "repeated_error_count repeated_error_window_ms stall_after_ms stall_visible_only back_loop_count back_loop_window_ms help_open_max_ms help_grace_ms step_timeout_ms abandon_hidden_ms return_grace_ms rage_click_count rage_click_gap_ms rage_click_radius_px major_error_count major_error_window_ms major_signal_count major_signal_kinds major_signal_window_ms script_errors_count disabled";
pub(crate) const ROUTING_KEYS: &str = "thresholds abandonment_counts";
pub(crate) const THRESHOLD_KEYS: &str =
    "h24_high_touch_below h24_light_touch_at_most h48_stay_above h48_high_touch_below";
pub(crate) const TIP_KEYS: &str =
    "id trigger title text anchor link offer_help frequency cooldown_ms priority";
pub(crate) const TRIGGER_KEYS: &str = "signal step code";
pub(crate) const LINK_KEYS: &str = "href label";
pub(crate) const TIP_LIMIT_KEYS: &str = "max_visible max_per_window window_ms";

/// The keys of a list like [`STEP_KEYS`].
pub(crate) fn words(list: &str) -> impl Iterator<Item = &str> {
    list.split(' ')
}

/// Largest whole number a JSON number (an f64) holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// Reads and validates a config document. Returns every error found, not just the first.
pub fn read<S: Source>(doc: &S) -> Result<Config, Vec<ConfigError>> {
    let mut r = Reader {
        path: String::new(),
        errors: Vec::new(),
    };
    let config = r.config(doc);
    if r.errors.is_empty() {
        Ok(config)
    } else {
        Err(r.errors)
    }
}

/// The walk's state: where we are and what went wrong so far.
struct Reader {
    /// Path of the value being read (`tips[3].trigger`); empty at the root.
    path: String,
    errors: Vec<ConfigError>,
}

/// What a number must be.
#[derive(Clone, Copy)]
enum Num {
    /// A whole number, at least 1, that fits a u32.
    Count,
    /// A whole number of milliseconds, at least 1.
    Duration,
    /// A whole number of milliseconds, 0 or more.
    DurationOrZero,
    /// Any number above 0.
    Positive,
    /// A number from 0 to 1.
    Fraction,
    /// A whole number that fits an i32.
    Integer,
}

impl Reader {
    // ---- paths and errors (not generic) ----

    fn push_key(&mut self, key: &str) -> usize {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        len
    }

    fn push_index(&mut self, i: usize) -> usize {
        let len = self.path.len();
        self.path.push('[');
        push_u64(&mut self.path, i as u64);
        self.path.push(']');
        len
    }

    fn pop(&mut self, len: usize) {
        self.path.truncate(len);
    }

    /// An error at the current path.
    fn error(&mut self, problem: &str) {
        let path = if self.path.is_empty() {
            String::from("$")
        } else {
            self.path.clone()
        };
        self.errors.push(ConfigError {
            path,
            problem: problem.into(),
        });
    }

    /// An error at `key` under the current path.
    fn error_at(&mut self, key: &str, problem: &str) {
        let len = self.push_key(key);
        self.error(problem);
        self.pop(len);
    }

    fn unknown_field(&mut self, key: &str, allowed: &str) {
        let len = self.push_key(key);
        let mut p = String::from("unknown field");
        did_you_mean(&mut p, key, &mut words(allowed));
        self.error(&p);
        self.pop(len);
    }

    /// Checks a parsed number against what it must be; reports at `key`.
    fn check_num(&mut self, key: &str, n: f64, kind: Num) -> Option<f64> {
        // One rule for all: a range, whole numbers only or not, and the message (a table,
        // not one comparison path per kind). Numbers here are finite.
        let (lo, hi, whole, problem) = match kind {
            Num::Count => (
                1.0,
                u32::MAX as f64,
                true,
                "must be a whole number, at least 1",
            ),
            Num::Duration => (
                1.0,
                MAX_SAFE,
                true,
                "must be a whole number of milliseconds, at least 1",
            ),
            Num::DurationOrZero => (
                0.0,
                MAX_SAFE,
                true,
                "must be a whole number of milliseconds, 0 or more",
            ),
            // The least number above 0: "greater than 0" as a closed range.
            Num::Positive => (f64::from_bits(1), f64::MAX, false, "must be greater than 0"),
            Num::Fraction => (0.0, 1.0, false, "must be between 0 and 1"),
            Num::Integer => (
                i32::MIN as f64,
                i32::MAX as f64,
                true,
                "must be a whole number",
            ),
        };
        // Whole: in range, so within i64 (`f64::fract` is std-only).
        if (lo..=hi).contains(&n) && !(whole && n as i64 as f64 != n) {
            return Some(n);
        }
        self.error_at(key, problem);
        None
    }

    /// Reports `id` as a duplicate of entry `first` of `list`, if there is one.
    fn check_unique(&mut self, id: &str, first: Option<usize>, list: &str) {
        if let Some(first) = first {
            let mut p = format!("duplicate id \"{id}\" (first at {list}[");
            push_u64(&mut p, first as u64);
            p.push_str("])");
            self.error_at("id", &p);
        }
    }

    // ---- generic access: one copy per Source type ----

    /// Checks that `v` is an object with only `allowed` keys.
    fn object<S: Source>(&mut self, v: &S, allowed: &str) -> bool {
        let Some(keys) = v.keys() else {
            self.error("must be an object");
            return false;
        };
        for key in &keys {
            if !words(allowed).any(|k| k == key) {
                self.unknown_field(key, allowed);
            }
        }
        true
    }

    /// The member `key` of `obj` unless absent or null.
    fn member<S: Source>(&mut self, obj: &S, key: &str) -> Option<S> {
        obj.get(key).filter(|v| !v.is_null())
    }

    fn number<S: Source>(&mut self, obj: &S, key: &str, kind: Num) -> Option<f64> {
        let v = self.member(obj, key)?;
        match v.as_f64() {
            Some(n) => self.check_num(key, n, kind),
            None => {
                self.error_at(key, "must be a number");
                None
            }
        }
    }

    fn boolean<S: Source>(&mut self, obj: &S, key: &str, default: bool) -> bool {
        let Some(v) = self.member(obj, key) else {
            return default;
        };
        match v.as_bool() {
            Some(b) => b,
            None => {
                self.error_at(key, "must be true or false");
                default
            }
        }
    }

    /// An optional non-empty string.
    fn string<S: Source>(&mut self, obj: &S, key: &str) -> Option<String> {
        self.text(obj, key, false)
    }

    /// A required non-empty string.
    fn required_string<S: Source>(&mut self, obj: &S, key: &str) -> Option<String> {
        self.text(obj, key, true)
    }

    /// A non-empty string; `required` reports it missing. One look-up for both.
    fn text<S: Source>(&mut self, obj: &S, key: &str, required: bool) -> Option<String> {
        let Some(v) = self.member(obj, key) else {
            if required {
                self.error_at(key, "required field missing");
            }
            return None;
        };
        match v.as_str() {
            Some(s) if blank(&s) => {
                self.error_at(key, "must not be empty");
                None
            }
            Some(s) => Some(s),
            None => {
                self.error_at(key, "must be a string");
                None
            }
        }
    }

    /// An array at `key`: its value and length; `None` (after an error) if not an array, or
    /// if absent (an error too when `required`).
    fn array<S: Source>(&mut self, obj: &S, key: &str, required: bool) -> Option<(S, usize)> {
        let Some(v) = self.member(obj, key) else {
            if required {
                self.error_at(key, "required field missing");
            }
            return None;
        };
        match v.len() {
            Some(n) => Some((v, n)),
            None => {
                self.error_at(key, "must be an array");
                None
            }
        }
    }

    /// An array of non-empty strings.
    fn strings<S: Source>(&mut self, obj: &S, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        let Some((arr, n)) = self.array(obj, key, false) else {
            return out;
        };
        let len = self.push_key(key);
        for i in 0..n {
            let at = self.push_index(i);
            match arr.index(i).and_then(|v| v.as_str()) {
                Some(s) if blank(&s) => self.error("must not be empty"),
                Some(s) => out.push(s),
                None => self.error("must be a string"),
            }
            self.pop(at);
        }
        self.pop(len);
        out
    }

    /// Runs `f` on the object at `key` of `obj` (if present and it has only `allowed` keys),
    /// with the path at it. One copy for every section (`dyn`, not generic over `f`).
    fn within<S: Source>(
        &mut self,
        obj: &S,
        key: &str,
        allowed: &str,
        f: &mut dyn FnMut(&mut Reader, &S),
    ) {
        if let Some((v, len)) = self.enter(obj, key, allowed) {
            f(self, &v);
            self.pop(len);
        }
    }

    /// Enters the object at `key` of `obj` (if present), checking its keys.
    fn enter<S: Source>(&mut self, obj: &S, key: &str, allowed: &str) -> Option<(S, usize)> {
        let v = self.member(obj, key)?;
        let len = self.push_key(key);
        if self.object(&v, allowed) {
            Some((v, len))
        } else {
            self.pop(len);
            None
        }
    }

    // ---- the document ----

    fn config<S: Source>(&mut self, doc: &S) -> Config {
        let mut c = Config::default();
        if !self.object(doc, CONFIG_KEYS) {
            return c;
        }
        c.steps = self.steps(doc);
        self.within(doc, "selectors", SELECTOR_KEYS, &mut |r, v| {
            c.selectors = Selectors {
                next: r.strings(v, "next"),
                back: r.strings(v, "back"),
                help: r.strings(v, "help"),
                error: r.strings(v, "error"),
            };
        });
        self.within(doc, "signals", SIGNAL_KEYS, &mut |r, v| {
            r.signals(v, &mut c.signals)
        });
        self.within(doc, "routing", ROUTING_KEYS, &mut |r, v| {
            r.routing(v, &mut c.routing)
        });
        c.tips = self.tips(doc, &c.steps, &c.signals.disabled);
        self.within(doc, "tip_limits", TIP_LIMIT_KEYS, &mut |r, v| {
            r.tip_limits(v, &mut c.tip_limits)
        });
        c.respect_do_not_track = self.boolean(doc, "respect_do_not_track", false);
        c
    }

    fn steps<S: Source>(&mut self, doc: &S) -> Vec<Step> {
        let mut steps: Vec<Step> = Vec::new();
        let Some((arr, n)) = self.array(doc, "steps", true) else {
            return steps;
        };
        let len = self.push_key("steps");
        if n == 0 {
            self.error("must list at least one step");
        }
        for i in 0..n {
            let at = self.push_index(i);
            if let Some(v) = arr.index(i) {
                if self.object(&v, STEP_KEYS) {
                    if let Some(step) = self.step(&v, &steps) {
                        steps.push(step);
                    }
                }
            }
            self.pop(at);
        }
        self.pop(len);
        steps
    }

    fn step<S: Source>(&mut self, v: &S, earlier: &[Step]) -> Option<Step> {
        let id = self.required_string(v, "id");
        let mut step = Step::new(id.as_deref().unwrap_or(""));
        if let Some(w) = self.number(v, "weight", Num::Positive) {
            step.weight = w;
        }
        step.required = self.boolean(v, "required", Step::default_required());
        step.selector = self.string(v, "selector");
        step.url = self.string(v, "url");
        step.title = self.string(v, "title");
        let id = id?;
        self.check_unique(&id, earlier.iter().position(|s| s.id == id), "steps");
        Some(step)
    }

    /// Fills `s` (at its defaults) from `v`: in place, so the wasm builds the defaults once.
    fn signals<S: Source>(&mut self, v: &S, s: &mut SignalConfig) {
        let count = |r: &mut Reader, key: &str, slot: &mut u32| {
            if let Some(n) = r.number(v, key, Num::Count) {
                *slot = n as u32;
            }
        };
        count(self, "repeated_error_count", &mut s.repeated_error_count);
        count(self, "back_loop_count", &mut s.back_loop_count);
        count(self, "rage_click_count", &mut s.rage_click_count);
        count(self, "major_error_count", &mut s.major_error_count);
        count(self, "major_signal_count", &mut s.major_signal_count);
        count(self, "major_signal_kinds", &mut s.major_signal_kinds);
        let ms = |r: &mut Reader, key: &str, slot: &mut Millis| {
            if let Some(n) = r.number(v, key, Num::Duration) {
                *slot = n as Millis;
            }
        };
        ms(
            self,
            "repeated_error_window_ms",
            &mut s.repeated_error_window_ms,
        );
        ms(self, "stall_after_ms", &mut s.stall_after_ms);
        ms(self, "back_loop_window_ms", &mut s.back_loop_window_ms);
        ms(self, "help_open_max_ms", &mut s.help_open_max_ms);
        ms(self, "help_grace_ms", &mut s.help_grace_ms);
        ms(self, "step_timeout_ms", &mut s.step_timeout_ms);
        ms(self, "abandon_hidden_ms", &mut s.abandon_hidden_ms);
        ms(self, "return_grace_ms", &mut s.return_grace_ms);
        ms(self, "rage_click_gap_ms", &mut s.rage_click_gap_ms);
        ms(self, "major_error_window_ms", &mut s.major_error_window_ms);
        ms(
            self,
            "major_signal_window_ms",
            &mut s.major_signal_window_ms,
        );
        if let Some(px) = self.number(v, "rage_click_radius_px", Num::Positive) {
            s.rage_click_radius_px = px;
        }
        s.stall_visible_only = self.boolean(v, "stall_visible_only", s.stall_visible_only);
        s.script_errors_count = self.boolean(v, "script_errors_count", s.script_errors_count);
        if s.major_signal_kinds > s.major_signal_count {
            self.error_at(
                "major_signal_kinds",
                "must not be greater than major_signal_count",
            );
        }
        let names = self.strings(v, "disabled");
        let len = self.push_key("disabled");
        for (i, name) in names.iter().enumerate() {
            match SignalKind::parse(name) {
                Some(k) if !s.disabled.contains(&k) => s.disabled.push(k),
                Some(_) => {}
                None => {
                    let at = self.push_index(i);
                    self.error(&unknown("signal", name, &mut signal_names()));
                    self.pop(at);
                }
            }
        }
        self.pop(len);
    }

    fn routing<S: Source>(&mut self, v: &S, r: &mut RoutingConfig) {
        r.abandonment_counts = self.boolean(v, "abandonment_counts", false);
        if let Some((t, len)) = self.enter(v, "thresholds", THRESHOLD_KEYS) {
            let th = &mut r.thresholds;
            let frac = |me: &mut Reader, key: &str, slot: &mut f64| {
                if let Some(n) = me.number(&t, key, Num::Fraction) {
                    *slot = n;
                }
            };
            frac(self, "h24_high_touch_below", &mut th.h24_high_touch_below);
            frac(
                self,
                "h24_light_touch_at_most",
                &mut th.h24_light_touch_at_most,
            );
            frac(self, "h48_stay_above", &mut th.h48_stay_above);
            frac(self, "h48_high_touch_below", &mut th.h48_high_touch_below);
            self.check_order(th);
            self.pop(len);
        }
    }

    /// The seed's bands only make sense in order: tier 3 below tier 2's upper bound, and the
    /// 48h escalation below the 48h "stay" line.
    fn check_order(&mut self, th: &RoutingThresholds) {
        if th.h24_high_touch_below > th.h24_light_touch_at_most {
            self.error_at(
                "h24_high_touch_below",
                "must not be greater than h24_light_touch_at_most",
            );
        }
        if th.h48_high_touch_below > th.h48_stay_above {
            self.error_at(
                "h48_high_touch_below",
                "must not be greater than h48_stay_above",
            );
        }
    }

    fn tips<S: Source>(&mut self, doc: &S, steps: &[Step], disabled: &[SignalKind]) -> Vec<Tip> {
        let mut tips: Vec<Tip> = Vec::new();
        let Some((arr, n)) = self.array(doc, "tips", false) else {
            return tips;
        };
        let len = self.push_key("tips");
        for i in 0..n {
            let at = self.push_index(i);
            if let Some(v) = arr.index(i) {
                if self.object(&v, TIP_KEYS) {
                    if let Some(tip) = self.tip(&v, steps, disabled, &tips) {
                        tips.push(tip);
                    }
                }
            }
            self.pop(at);
        }
        self.pop(len);
        tips
    }

    fn tip<S: Source>(
        &mut self,
        v: &S,
        steps: &[Step],
        disabled: &[SignalKind],
        earlier: &[Tip],
    ) -> Option<Tip> {
        let id = self.required_string(v, "id");
        if let Some(id) = &id {
            self.check_unique(id, earlier.iter().position(|t| t.id == *id), "tips");
        }
        let trigger = match self.enter(v, "trigger", TRIGGER_KEYS) {
            Some((t, len)) => {
                let trigger = self.trigger(&t, steps, disabled);
                self.pop(len);
                trigger
            }
            None => {
                if self.member(v, "trigger").is_none() {
                    self.error_at("trigger", "required field missing");
                }
                None
            }
        };
        let title = self.string(v, "title");
        let text = self.required_string(v, "text");
        let anchor = self.string(v, "anchor");
        let link = match self.enter(v, "link", LINK_KEYS) {
            Some((l, len)) => {
                let link = self.link(&l);
                self.pop(len);
                link
            }
            None => None,
        };
        let offer_help = self.boolean(v, "offer_help", false);
        let frequency = self.frequency(v);
        let cooldown_ms = self
            .number(v, "cooldown_ms", Num::DurationOrZero)
            .map_or(Tip::default_cooldown_ms(), |n| n as Millis);
        let priority = self
            .number(v, "priority", Num::Integer)
            .map_or(0, |n| n as i32);
        Some(Tip {
            id: id?,
            trigger: trigger?,
            title,
            text: text?,
            anchor,
            link,
            offer_help,
            frequency,
            cooldown_ms,
            priority,
        })
    }

    fn trigger<S: Source>(
        &mut self,
        v: &S,
        steps: &[Step],
        disabled: &[SignalKind],
    ) -> Option<Trigger> {
        let name = self.required_string(v, "signal");
        let signal = match name.as_deref().map(|n| (n, SignalKind::parse(n))) {
            Some((_, Some(k))) => {
                if disabled.contains(&k) {
                    let mut p = String::from("signal \"");
                    p.push_str(k.as_str());
                    p.push_str("\" is disabled in signals.disabled");
                    self.error_at("signal", &p);
                }
                Some(k)
            }
            Some((n, None)) => {
                self.error_at("signal", &unknown("signal", n, &mut signal_names()));
                None
            }
            None => None,
        };
        let step = self.string(v, "step");
        if let Some(id) = &step {
            if !steps.iter().any(|s| s.id == *id) {
                let mut ids = steps.iter().map(|s| s.id.as_str());
                self.error_at("step", &unknown("step", id, &mut ids));
            }
        }
        let code = self.string(v, "code");
        if let (Some(_), Some(k)) = (&code, signal) {
            if !matches!(
                k,
                SignalKind::RepeatedError
                    | SignalKind::ImportFailure
                    | SignalKind::IntegrationFailure
            ) {
                self.error_at(
                    "code",
                    "only applies to repeated_error, import_failure and integration_failure",
                );
            }
        }
        Some(Trigger {
            signal: signal?,
            step,
            code,
        })
    }

    fn link<S: Source>(&mut self, v: &S) -> Option<Link> {
        let href = self.required_string(v, "href");
        if let Some(h) = &href {
            if let Some(problem) = href_problem(h) {
                self.error_at("href", problem);
            }
        }
        let label = self.required_string(v, "label");
        Some(Link {
            href: href?,
            label: label?,
        })
    }

    fn frequency<S: Source>(&mut self, v: &S) -> Frequency {
        let Some(s) = self.member(v, "frequency") else {
            return Frequency::default();
        };
        match s.as_str().as_deref() {
            Some("once") => Frequency::Once,
            Some("until_dismissed") => Frequency::UntilDismissed,
            Some("always") => Frequency::Always,
            _ => {
                self.error_at(
                    "frequency",
                    "must be one of \"once\", \"until_dismissed\", \"always\"",
                );
                Frequency::default()
            }
        }
    }

    fn tip_limits<S: Source>(&mut self, v: &S, t: &mut TipLimits) {
        let count = |r: &mut Reader, key: &str, slot: &mut u32| {
            if let Some(n) = r.number(v, key, Num::Count) {
                *slot = n as u32;
            }
        };
        count(self, "max_visible", &mut t.max_visible);
        count(self, "max_per_window", &mut t.max_per_window);
        if let Some(n) = self.number(v, "window_ms", Num::Duration) {
            t.window_ms = n as Millis;
        }
    }
}

/// Why a tip link's `href` is unsafe or unusable, if it is. Only `http(s)://` and relative
/// URLs pass: `javascript:`, `data:` and every other scheme are refused. Whitespace and
/// control characters are refused too, because browsers strip some of them while parsing
/// (`java\tscript:` would run as `javascript:`).
pub fn href_problem(href: &str) -> Option<&'static str> {
    // Bytes, not str slicing: no char-boundary panic paths in the wasm.
    let b = href.as_bytes();
    if b.iter().any(|&c| c <= b' ' || c == 0x7f) {
        return Some("must not contain spaces or control characters");
    }
    // A scheme is whatever precedes the first ':' when that comes before any '/', '?', '#'.
    let end = b
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(b.len());
    let colon = b.iter().take(end).position(|&c| c == b':')?; // none: relative
    let scheme = b.get(..colon).unwrap_or_default();
    let rest = b.get(colon + 1..).unwrap_or_default();
    let web = scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"https");
    if web && rest.starts_with(b"//") && rest.len() > 2 {
        None
    } else {
        Some("must be an http(s) URL or a relative URL")
    }
}

/// Whether a tip link may be rendered: non-empty and no [`href_problem`]. The tip renderer
/// re-checks every link with this, so config validation and rendering share one rule.
pub fn safe_href(href: &str) -> bool {
    !href.is_empty() && href_problem(href).is_none()
}

/// `unknown step "billing"`, with a suggestion for a near miss.
fn unknown(what: &str, name: &str, known: &mut dyn Iterator<Item = &str>) -> String {
    let mut p = String::from("unknown ");
    p.push_str(what);
    p.push_str(" \"");
    p.push_str(name);
    p.push('"');
    did_you_mean(&mut p, name, known);
    p
}

/// Appends ` (did you mean "status"?)` when a candidate is a near miss for `word`.
fn did_you_mean(p: &mut String, word: &str, candidates: &mut dyn Iterator<Item = &str>) {
    if let Some(s) = suggest(word, candidates) {
        p.push_str(" (did you mean \"");
        p.push_str(s);
        p.push_str("\"?)");
    }
}

fn signal_names() -> impl Iterator<Item = &'static str> {
    SignalKind::ALL.iter().map(|k| k.as_str())
}

/// The closest candidate within a small edit distance (typos, not different words).
fn suggest<'a>(word: &str, candidates: &mut dyn Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        let limit = (c.len().max(word.len()) / 3).clamp(1, 3);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over bytes (keys and ids are ASCII in practice), one row at a time.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = Vec::with_capacity(b.len() + 1);
    for j in 0..=b.len() {
        row.push(j);
    }
    for (i, ca) in a.bytes().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diag
            } else {
                1 + diag.min(above).min(row[j])
            };
            diag = above;
        }
    }
    row[b.len()]
}

/// Empty or only ASCII whitespace (cheaper in the wasm than `trim`, which is Unicode-aware).
fn blank(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_whitespace())
}
