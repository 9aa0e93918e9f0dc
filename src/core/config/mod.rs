//! The configuration: typed values, read and validated once by [`read`].
//!
//! One reader serves both sides: natively it walks a `serde_json::Value`, in the browser a
//! JS object (the browser's own `JSON.parse`), both through the [`read::Source`] trait, so
//! the validation rules and their path-precise errors exist once.

#[cfg(not(target_arch = "wasm32"))]
pub mod json;
pub mod read;

use serde::Serialize;

use super::routing::RoutingThresholds;
use super::signal::SignalKind;
use super::Millis;

pub use read::{ConfigError, Source};

/// A validated configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct Config {
    /// The ordered onboarding steps.
    pub steps: Vec<Step>,
    /// Selectors for the page's own controls (zero-code instrumentation).
    pub selectors: Selectors,
    /// Signal thresholds.
    pub signals: SignalConfig,
    /// Tier routing thresholds.
    pub routing: RoutingConfig,
    /// Tips.
    pub tips: Vec<Tip>,
    /// Global limits on tips.
    pub tip_limits: TipLimits,
}

/// One onboarding step.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct Step {
    /// Unique id.
    pub id: String,
    /// Weight in progress (default 1).
    pub weight: f64,
    /// Whether the step counts toward completion (default true).
    pub required: bool,
    /// The step is current while this element is visible.
    pub selector: Option<String>,
    /// The step is current while the URL matches this pattern (`*` wildcard).
    pub url: Option<String>,
    /// Human title for tips and the dashboard.
    pub title: Option<String>,
}

/// Selectors for the page's own controls.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
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

#[cfg(not(target_arch = "wasm32"))]
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct RoutingThresholdsSchema {
    h24_high_touch_below: f64,
    h24_light_touch_at_most: f64,
    h48_stay_above: f64,
    h48_high_touch_below: f64,
}

/// A tip: what to say, and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct Tip {
    /// Unique id.
    pub id: String,
    /// When it shows.
    pub trigger: Trigger,
    /// Short title.
    pub title: Option<String>,
    /// The text (plain text, never HTML).
    pub text: String,
    /// Element to anchor to (CSS selector); a corner card when absent or hidden.
    pub anchor: Option<String>,
    /// A guide link (http(s) or relative only).
    pub link: Option<Link>,
    /// Offer "get help" (the host opens its chat).
    pub offer_help: bool,
    /// How often it may show.
    pub frequency: Frequency,
    /// Minimum time between two showings (for `always`).
    pub cooldown_ms: Millis,
    /// Higher wins when several match.
    pub priority: i32,
}

/// When a tip shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct Trigger {
    /// The signal.
    pub signal: SignalKind,
    /// Only on this step.
    pub step: Option<String>,
    /// Only for this error code.
    pub code: Option<String>,
}

/// A link in a tip.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
pub struct Link {
    /// http(s) or relative URL.
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

impl Config {
    /// The step with this id, and its index.
    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }
}
