//! The configuration: typed values, read and validated once by [`read`].
//!
//! One reader serves both sides: natively it walks a `serde_json::Value`, in the browser a
//! JS object (the browser's own `JSON.parse`), both through the [`read::Source`] trait, so
//! the validation rules and their path-precise errors exist once.

use crate::prelude::*;

#[cfg(not(target_arch = "wasm32"))]
pub mod json;
pub mod read;
#[cfg(not(target_arch = "wasm32"))]
mod schema;
#[cfg(all(test, not(target_arch = "wasm32")))] // They read JSON through serde_json (native only).
mod tests;

use serde::Serialize;

use super::routing::RoutingThresholds;
use super::signal::SignalKind;
use super::Millis;

pub use read::{ConfigError, Source};

/// A validated configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The ordered onboarding steps (at least one).
    #[cfg_attr(not(target_arch = "wasm32"), schemars(length(min = 1)))]
    pub steps: Vec<Step>,
    /// Selectors for the page's own controls (zero-code instrumentation).
    #[serde(default)]
    pub selectors: Selectors,
    /// Signal thresholds.
    #[serde(default)]
    pub signals: SignalConfig,
    /// Tier routing thresholds.
    #[serde(default)]
    pub routing: RoutingConfig,
    /// Tips.
    #[serde(default)]
    pub tips: Vec<Tip>,
    /// Global limits on tips.
    #[serde(default)]
    pub tip_limits: TipLimits,
    /// Send nothing while the browser's `doNotTrack` is on. Off by default (Global Privacy
    /// Control is always honoured); tips work either way.
    #[serde(default)]
    pub respect_do_not_track: bool,
}

/// One onboarding step.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::non_empty_strings))]
pub struct Step {
    /// Unique id.
    pub id: String,
    /// Weight in progress (default 1), greater than 0.
    #[serde(default = "Step::default_weight")]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::positive))]
    pub weight: f64,
    /// Whether the step counts toward completion (default true).
    #[serde(default = "Step::default_required")]
    pub required: bool,
    /// The step is current while this element is visible.
    pub selector: Option<String>,
    /// The step is current while the URL matches this pattern (`*` wildcard).
    pub url: Option<String>,
    /// Human title for tips and the dashboard.
    pub title: Option<String>,
}

impl Step {
    /// A step with this id and every other field at its default.
    pub fn new(id: &str) -> Step {
        Step {
            id: id.into(),
            weight: Step::default_weight(),
            required: Step::default_required(),
            selector: None,
            url: None,
            title: None,
        }
    }
    /// The default weight: every step counts the same.
    pub fn default_weight() -> f64 {
        1.0
    }
    /// Steps are required unless the config says otherwise.
    pub fn default_required() -> bool {
        true
    }
}

/// Selectors for the page's own controls.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::non_empty_strings))]
pub struct Selectors {
    /// Buttons that advance a step.
    pub next: Vec<String>,
    /// Buttons that go back.
    pub back: Vec<String>,
    /// Elements that open help.
    pub help: Vec<String>,
    /// Elements that mark an error when they appear.
    pub error: Vec<String>,
}

/// Thresholds for every signal; defaults are the seed's values.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::positive_numbers))]
pub struct SignalConfig {
    /// `repeated_error`: how many of the same error.
    pub repeated_error_count: u32,
    /// `repeated_error`: within this window.
    pub repeated_error_window_ms: Millis,
    /// `stall`: time on one step without progress.
    pub stall_after_ms: Millis,
    /// `stall`: count visible time only (default) or wall time.
    pub stall_visible_only: bool,
    /// `back_loop`: how many times back.
    pub back_loop_count: u32,
    /// `back_loop`: within this window.
    pub back_loop_window_ms: Millis,
    /// `help_unresolved`: help open this long counts as closed.
    pub help_open_max_ms: Millis,
    /// `help_unresolved`: no progress within this long after help closed.
    pub help_grace_ms: Millis,
    /// `step_timeout`: a step not completed within this long (wall time).
    pub step_timeout_ms: Millis,
    /// `abandoned`: hidden this long while incomplete.
    pub abandon_hidden_ms: Millis,
    /// `returned_no_resume`: no progress within this long after coming back.
    pub return_grace_ms: Millis,
    /// `rage_click`: clicks in a burst.
    pub rage_click_count: u32,
    /// `rage_click`: max gap between clicks.
    pub rage_click_gap_ms: Millis,
    /// `rage_click`: max distance from the previous click, CSS px.
    pub rage_click_radius_px: f64,
    /// Major: this many errors...
    pub major_error_count: u32,
    /// ...within this window.
    pub major_error_window_ms: Millis,
    /// Major: this many error/confusion signals...
    pub major_signal_count: u32,
    /// ...of at least this many kinds...
    pub major_signal_kinds: u32,
    /// ...within this window.
    pub major_signal_window_ms: Millis,
    /// Script errors count toward struggle (default false).
    pub script_errors_count: bool,
    /// Signals turned off.
    pub disabled: Vec<SignalKind>,
}

impl Default for SignalConfig {
    fn default() -> Self {
        use super::{HOUR, MINUTE};
        SignalConfig {
            repeated_error_count: 2,
            repeated_error_window_ms: 10 * MINUTE,
            stall_after_ms: 5 * MINUTE,
            stall_visible_only: true,
            back_loop_count: 2,
            back_loop_window_ms: 10 * MINUTE,
            help_open_max_ms: 3 * MINUTE,
            help_grace_ms: 3 * MINUTE,
            step_timeout_ms: 30 * MINUTE,
            abandon_hidden_ms: 10 * MINUTE,
            return_grace_ms: 2 * MINUTE,
            rage_click_count: 3,
            rage_click_gap_ms: 1000,
            rage_click_radius_px: 30.0,
            major_error_count: 3,
            major_error_window_ms: 20 * MINUTE,
            major_signal_count: 3,
            major_signal_kinds: 2,
            major_signal_window_ms: 24 * HOUR,
            script_errors_count: false,
            disabled: Vec::new(),
        }
    }
}

/// Routing settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    /// Boundaries of the seed's rules.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        schemars(with = "RoutingThresholdsSchema")
    )]
    pub thresholds: RoutingThresholds,
    /// Abandonment signals count as struggle for routing (default false).
    pub abandonment_counts: bool,
}

/// The schema of [`RoutingThresholds`] (declared in `routing.rs`, which has no schema derive).
/// Kept in step with it by the schema/reader agreement test in `read.rs`.
#[cfg(not(target_arch = "wasm32"))]
#[derive(schemars::JsonSchema, Serialize)]
#[serde(default, deny_unknown_fields)]
#[schemars(rename = "RoutingThresholds", transform = schema::fractions)]
#[allow(dead_code)]
struct RoutingThresholdsSchema {
    /// 24h: progress below this goes to tier 3 (default 0.2).
    h24_high_touch_below: f64,
    /// 24h: progress at or below this goes to tier 2 (default 0.5). Not below `h24_high_touch_below`.
    h24_light_touch_at_most: f64,
    /// 48h: progress above this stays in its tier (default 0.7).
    h48_stay_above: f64,
    /// 48h: tier 2 with progress below this goes to tier 3 (default 0.4). Not above `h48_stay_above`.
    h48_high_touch_below: f64,
}

#[cfg(not(target_arch = "wasm32"))]
impl Default for RoutingThresholdsSchema {
    fn default() -> Self {
        let t = RoutingThresholds::default();
        RoutingThresholdsSchema {
            h24_high_touch_below: t.h24_high_touch_below,
            h24_light_touch_at_most: t.h24_light_touch_at_most,
            h48_stay_above: t.h48_stay_above,
            h48_high_touch_below: t.h48_high_touch_below,
        }
    }
}

/// A tip: what to say, and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::non_empty_strings))]
pub struct Tip {
    /// Unique id.
    pub id: String,
    /// When it shows.
    pub trigger: Trigger,
    /// Short title.
    pub title: Option<String>,
    /// The text (plain text, never HTML; not empty).
    pub text: String,
    /// Element to anchor to (CSS selector); a corner card when absent or hidden.
    pub anchor: Option<String>,
    /// A guide link (http(s) or relative only).
    pub link: Option<Link>,
    /// Offer "get help" (the host opens its chat).
    #[serde(default)]
    pub offer_help: bool,
    /// How often it may show.
    #[serde(default)]
    pub frequency: Frequency,
    /// Minimum time between two showings (for `always`), 0 or more (default 10 minutes).
    #[serde(default = "Tip::default_cooldown_ms")]
    pub cooldown_ms: Millis,
    /// Higher wins when several match (default 0; may be negative).
    #[serde(default)]
    pub priority: i32,
}

/// When a tip shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::non_empty_strings))]
pub struct Trigger {
    /// The signal.
    pub signal: SignalKind,
    /// Only on this step (a step id).
    pub step: Option<String>,
    /// Only for this error code (error signals only).
    pub code: Option<String>,
}

/// A link in a tip.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::non_empty_strings))]
pub struct Link {
    /// http(s) or relative URL (no `javascript:`, `data:` or other schemes).
    #[cfg_attr(not(target_arch = "wasm32"), schemars(regex(pattern = schema::HREF_PATTERN)))]
    pub href: String,
    /// Link text.
    pub label: String,
}

/// How often a tip may show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Once per user, ever.
    Once,
    /// Until the user dismisses it.
    #[default]
    UntilDismissed,
    /// Every time it matches, after a cooldown.
    Always,
}

/// Global limits on tips.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(transform = schema::positive_numbers))]
pub struct TipLimits {
    /// Tips visible at once.
    pub max_visible: u32,
    /// Tips shown per window.
    pub max_per_window: u32,
    /// The window.
    pub window_ms: Millis,
}

impl Default for TipLimits {
    fn default() -> Self {
        TipLimits {
            max_visible: 1,
            max_per_window: 3,
            window_ms: 10 * super::MINUTE,
        }
    }
}

impl Tip {
    /// The default cooldown between two showings of an `always` tip.
    pub fn default_cooldown_ms() -> Millis {
        10 * super::MINUTE
    }
}

impl Config {
    /// The step with this id, and its index.
    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }
}
