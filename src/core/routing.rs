//! The seed's tier routing: one pure function, shared by the SDK, `unstuck replay` and the server.

use serde::Serialize;

use super::input::Traits;

/// The seed's three tracks, plus graduation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Tier 1: automated only.
    SelfServe,
    /// Tier 2: automation plus proactive outreach when stuck.
    LightTouch,
    /// Tier 3: a dedicated success manager.
    HighTouch,
    /// Onboarding completed; handed to standard customer success.
    Graduated,
}

impl Tier {
    /// 1, 2, 3, or `None` for graduated.
    pub fn number(self) -> Option<u8> {
        match self {
            Tier::SelfServe => Some(1),
            Tier::LightTouch => Some(2),
            Tier::HighTouch => Some(3),
            Tier::Graduated => None,
        }
    }
}

/// When routing is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Checkpoint {
    /// At signup (identify).
    #[serde(rename = "signup")]
    Signup,
    /// 24 hours after signup.
    #[serde(rename = "24h")]
    H24,
    /// 48 hours after signup.
    #[serde(rename = "48h")]
    H48,
    /// 72 hours after signup.
    #[serde(rename = "72h")]
    H72,
    /// Onboarding completed.
    #[serde(rename = "completed")]
    Completed,
}

impl Checkpoint {
    /// The name used in events and replay output.
    pub fn as_str(self) -> &'static str {
        match self {
            Checkpoint::Signup => "signup",
            Checkpoint::H24 => "24h",
            Checkpoint::H48 => "48h",
            Checkpoint::H72 => "72h",
            Checkpoint::Completed => "completed",
        }
    }
}

/// How much a user has struggled, for routing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Struggle {
    /// No struggle signal counted.
    #[default]
    None,
    /// At least one counted struggle signal.
    Minor,
    /// Major struggle (see [`crate::core::severity`]).
    Major,
}

/// What routing looks at.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Facts {
    /// Traits from identify.
    pub traits: Traits,
    /// Weighted onboarding progress, 0.0 to 1.0.
    pub progress: f64,
    /// Struggle so far.
    pub struggle: Struggle,
    /// Onboarding completed.
    pub completed: bool,
}

/// A routing outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The tier after this checkpoint.
    pub tier: Tier,
    /// The checkpoint evaluated.
    pub checkpoint: Checkpoint,
    /// Whether the tier changed.
    pub changed: bool,
    /// The rule that fired, in words.
    pub reason: String,
}

/// Routing boundaries; defaults are the seed's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoutingThresholds {
    /// 24h: progress below this goes to tier 3.
    pub h24_high_touch_below: f64,
    /// 24h: progress at or below this goes to tier 2.
    pub h24_light_touch_at_most: f64,
    /// 48h: progress above this stays.
    pub h48_stay_above: f64,
    /// 48h: tier 2 with progress below this goes to tier 3.
    pub h48_high_touch_below: f64,
}

impl Default for RoutingThresholds {
    fn default() -> Self {
        RoutingThresholds {
            h24_high_touch_below: 0.20,
            h24_light_touch_at_most: 0.50,
            h48_stay_above: 0.70,
            h48_high_touch_below: 0.40,
        }
    }
}

/// Routes a user at a checkpoint. `current` is `None` before the signup decision.
pub fn route(
    checkpoint: Checkpoint,
    facts: &Facts,
    current: Option<Tier>,
    th: &RoutingThresholds,
) -> Decision {
    let (tier, reason): (Tier, &str) = if current == Some(Tier::Graduated) {
        (
            Tier::Graduated,
            "already graduated: no tier change after completion",
        )
    } else if facts.completed || checkpoint == Checkpoint::Completed {
        (
            Tier::Graduated,
            "onboarding completed: graduate to standard customer success",
        )
    } else {
        let cur = current.unwrap_or(Tier::SelfServe);
        let t = &facts.traits;
        let p = facts.progress;
        match checkpoint {
            Checkpoint::Signup if t.enterprise => (Tier::HighTouch, "signup: enterprise account"),
            Checkpoint::Signup if t.sales_qualified => {
                (Tier::HighTouch, "signup: sales-qualified lead")
            }
            Checkpoint::Signup if t.high_value => (Tier::LightTouch, "signup: high-value signals"),
            Checkpoint::Signup => (Tier::SelfServe, "signup: default to self-serve"),
            Checkpoint::H24 if p < th.h24_high_touch_below => {
                (Tier::HighTouch, "24h: progress below 20%")
            }
            Checkpoint::H24 if facts.struggle == Struggle::Major => {
                (Tier::HighTouch, "24h: major struggle signals")
            }
            Checkpoint::H24 if t.high_value => (Tier::HighTouch, "24h: high-value signals"),
            Checkpoint::H24 if p <= th.h24_light_touch_at_most => {
                (Tier::LightTouch, "24h: progress 20-50%")
            }
            Checkpoint::H24 if facts.struggle == Struggle::Minor => {
                (Tier::LightTouch, "24h: minor struggle signals")
            }
            Checkpoint::H24 => (Tier::SelfServe, "24h: progress over 50% and no struggle"),
            Checkpoint::H48 if p > th.h48_stay_above => (cur, "48h: progress over 70%, stay"),
            Checkpoint::H48 if cur == Tier::SelfServe => (
                Tier::LightTouch,
                "48h: self-serve with progress at or below 70%",
            ),
            Checkpoint::H48 if cur == Tier::LightTouch && p < th.h48_high_touch_below => {
                (Tier::HighTouch, "48h: light-touch with progress below 40%")
            }
            Checkpoint::H48 => (cur, "48h: no rule applies, stay"),
            Checkpoint::H72 if t.high_value => (
                Tier::HighTouch,
                "72h: not completed and high-value, escalate",
            ),
            Checkpoint::H72 => (cur, "72h: not completed, stay"),
            Checkpoint::Completed => unreachable_completed(),
        }
    };
    Decision {
        tier,
        checkpoint,
        changed: current != Some(tier),
        reason: reason.into(),
    }
}

// `Completed` is handled before the match; kept as a function so the match stays exhaustive
// without a panic path.
fn unreachable_completed() -> (Tier, &'static str) {
    (Tier::Graduated, "onboarding completed")
}
