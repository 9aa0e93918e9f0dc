//! The seed's tier routing: one pure function, shared by the SDK, `unstuck replay` and the server.

use crate::prelude::*;

use serde::Serialize;

use super::input::Traits;
use super::signals::text;

/// The seed's three tracks, plus graduation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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

    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::SelfServe => "self_serve",
            Tier::LightTouch => "light_touch",
            Tier::HighTouch => "high_touch",
            Tier::Graduated => "graduated",
        }
    }

    /// Parses the snake_case name (for restoring persisted state).
    pub fn parse(s: &str) -> Option<Tier> {
        [
            Tier::SelfServe,
            Tier::LightTouch,
            Tier::HighTouch,
            Tier::Graduated,
        ]
        .iter()
        .copied()
        .find(|t| t.as_str() == s)
    }
}

/// When routing is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkpoint {
    /// At signup (identify).
    Signup,
    /// 24 hours after signup.
    H24,
    /// 48 hours after signup.
    H48,
    /// 72 hours after signup.
    H72,
    /// Onboarding completed.
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

    /// Parses the name used in events (for restoring persisted state).
    pub fn parse(s: &str) -> Option<Checkpoint> {
        [
            Checkpoint::Signup,
            Checkpoint::H24,
            Checkpoint::H48,
            Checkpoint::H72,
            Checkpoint::Completed,
        ]
        .iter()
        .copied()
        .find(|c| c.as_str() == s)
    }
}

super::json::serialize_as_str!(Tier, Checkpoint);

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

/// A fraction as a whole percentage for reasons (`0.2` → `20`). Integer formatting only: the
/// float formatter costs ~14 KB of wasm (see ../shared/notes/wasm-size.md). NaN → 0.
pub fn percent(x: f64) -> u32 {
    // `f64::round` is std-only: half away from zero by hand (`as` truncates and saturates, so
    // negatives and NaN give 0 and huge values u32::MAX, as before; `y - t` is exact).
    let y = x * 100.0;
    let t = y as u32;
    if y - f64::from(t) >= 0.5 {
        t.saturating_add(1)
    } else {
        t
    }
}

/// Routes a user at a checkpoint. `current` is `None` before the signup decision.
///
/// The rules are the seed's, checked in the order written there; the first that applies wins
/// and names itself in [`Decision::reason`] with the configured thresholds.
pub fn route(
    checkpoint: Checkpoint,
    facts: &Facts,
    current: Option<Tier>,
    th: &RoutingThresholds,
) -> Decision {
    // Each rule gives its tier and its reason with up to three percentages for its `#`s (see
    // `signals::text`): one string built at the end instead of one per rule.
    let cur = current.unwrap_or(Tier::SelfServe);
    let t = &facts.traits;
    let p = facts.progress;
    let pc = u64::from(percent(p));
    let [lo24, hi24, stay48, lo48] = [
        th.h24_high_touch_below,
        th.h24_light_touch_at_most,
        th.h48_stay_above,
        th.h48_high_touch_below,
    ]
    .map(|x| u64::from(percent(x)));
    let (tier, reason, nums): (Tier, &str, [u64; 3]) = if current == Some(Tier::Graduated) {
        (
            Tier::Graduated,
            "already graduated: no tier change after completion",
            [0; 3],
        )
    } else if facts.completed || checkpoint == Checkpoint::Completed {
        (
            Tier::Graduated,
            "onboarding completed: graduate to standard customer success",
            [0; 3],
        )
    } else {
        match checkpoint {
            Checkpoint::Signup if t.enterprise => {
                (Tier::HighTouch, "signup: enterprise account", [0; 3])
            }
            Checkpoint::Signup if t.sales_qualified => {
                (Tier::HighTouch, "signup: sales-qualified lead", [0; 3])
            }
            Checkpoint::Signup if t.high_value => {
                (Tier::LightTouch, "signup: high-value signals", [0; 3])
            }
            Checkpoint::Signup => (Tier::SelfServe, "signup: default to self-serve", [0; 3]),
            Checkpoint::H24 if p < th.h24_high_touch_below => {
                (Tier::HighTouch, "24h: progress #% below #%", [pc, lo24, 0])
            }
            Checkpoint::H24 if facts.struggle == Struggle::Major => {
                (Tier::HighTouch, "24h: major struggle signals", [0; 3])
            }
            Checkpoint::H24 if t.high_value => (Tier::HighTouch, "24h: high-value signals", [0; 3]),
            Checkpoint::H24 if p <= th.h24_light_touch_at_most => (
                Tier::LightTouch,
                "24h: progress #% between #% and #%",
                [pc, lo24, hi24],
            ),
            Checkpoint::H24 if facts.struggle == Struggle::Minor => {
                (Tier::LightTouch, "24h: minor struggle signals", [0; 3])
            }
            Checkpoint::H24 => (
                Tier::SelfServe,
                "24h: progress #% over #% and no struggle",
                [pc, hi24, 0],
            ),
            Checkpoint::H48 if p > th.h48_stay_above => {
                (cur, "48h: progress #% over #%, stay", [pc, stay48, 0])
            }
            Checkpoint::H48 if cur == Tier::SelfServe => (
                Tier::LightTouch,
                "48h: self-serve with progress #% at or below #%",
                [pc, stay48, 0],
            ),
            Checkpoint::H48 if cur == Tier::LightTouch && p < th.h48_high_touch_below => (
                Tier::HighTouch,
                "48h: light-touch with progress #% below #%",
                [pc, lo48, 0],
            ),
            Checkpoint::H48 => (cur, "48h: no rule applies, stay", [0; 3]),
            Checkpoint::H72 if t.high_value => (
                Tier::HighTouch,
                "72h: not completed and high-value, escalate",
                [0; 3],
            ),
            Checkpoint::H72 => (cur, "72h: not completed, stay", [0; 3]),
            // Handled before the match; this arm keeps it exhaustive without a panic path.
            Checkpoint::Completed => (Tier::Graduated, "onboarding completed", [0; 3]),
        }
    };
    Decision {
        tier,
        checkpoint,
        changed: current != Some(tier),
        reason: text(reason, &nums),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(progress: f64, struggle: Struggle) -> Facts {
        Facts {
            progress,
            struggle,
            ..Facts::default()
        }
    }

    fn traits(high_value: bool, enterprise: bool, sales_qualified: bool) -> Facts {
        Facts {
            traits: Traits {
                high_value,
                enterprise,
                sales_qualified,
            },
            ..Facts::default()
        }
    }

    fn at(cp: Checkpoint, f: &Facts, cur: Option<Tier>) -> Tier {
        route(cp, f, cur, &RoutingThresholds::default()).tier
    }

    #[test]
    fn signup_rules() {
        use Checkpoint::Signup;
        assert_eq!(
            at(Signup, &traits(false, true, false), None),
            Tier::HighTouch
        );
        assert_eq!(
            at(Signup, &traits(false, false, true), None),
            Tier::HighTouch
        );
        assert_eq!(
            at(Signup, &traits(true, false, false), None),
            Tier::LightTouch
        );
        assert_eq!(
            at(Signup, &traits(true, true, false), None),
            Tier::HighTouch
        );
        assert_eq!(
            at(Signup, &traits(false, false, false), None),
            Tier::SelfServe
        );
        let d = route(
            Signup,
            &Facts::default(),
            None,
            &RoutingThresholds::default(),
        );
        assert!(d.changed);
        assert_eq!(d.reason, "signup: default to self-serve");
    }

    #[test]
    fn h24_boundaries() {
        use Checkpoint::H24;
        let cur = Some(Tier::SelfServe);
        // Below 0.20 is tier 3; exactly 0.20 is not.
        assert_eq!(at(H24, &facts(0.19, Struggle::None), cur), Tier::HighTouch);
        assert_eq!(at(H24, &facts(0.20, Struggle::None), cur), Tier::LightTouch);
        // At most 0.50 is tier 2; just over is tier 1.
        assert_eq!(at(H24, &facts(0.50, Struggle::None), cur), Tier::LightTouch);
        assert_eq!(at(H24, &facts(0.51, Struggle::None), cur), Tier::SelfServe);
        // Struggle overrides progress.
        assert_eq!(at(H24, &facts(0.9, Struggle::Minor), cur), Tier::LightTouch);
        assert_eq!(at(H24, &facts(0.9, Struggle::Major), cur), Tier::HighTouch);
        // High value goes to tier 3 at 24h whatever the progress.
        let mut hv = traits(true, false, false);
        hv.progress = 0.9;
        assert_eq!(at(H24, &hv, cur), Tier::HighTouch);
    }

    #[test]
    fn h48_boundaries() {
        use Checkpoint::H48;
        let (t1, t2, t3) = (Tier::SelfServe, Tier::LightTouch, Tier::HighTouch);
        let f = |p| facts(p, Struggle::None);
        // Over 0.70 stays, whatever the tier; exactly 0.70 does not for tier 1.
        assert_eq!(at(H48, &f(0.71), Some(t1)), t1);
        assert_eq!(at(H48, &f(0.70), Some(t1)), t2);
        assert_eq!(at(H48, &f(0.71), Some(t2)), t2);
        // Tier 2 below 0.40 goes to tier 3; exactly 0.40 stays.
        assert_eq!(at(H48, &f(0.39), Some(t2)), t3);
        assert_eq!(at(H48, &f(0.40), Some(t2)), t2);
        // Tier 3 never moves down at 48h.
        assert_eq!(at(H48, &f(0.10), Some(t3)), t3);
        assert_eq!(at(H48, &f(0.95), Some(t3)), t3);
    }

    #[test]
    fn h72_rules() {
        use Checkpoint::H72;
        let hv = traits(true, false, false);
        assert_eq!(at(H72, &hv, Some(Tier::SelfServe)), Tier::HighTouch);
        let plain = facts(0.3, Struggle::Major);
        assert_eq!(at(H72, &plain, Some(Tier::LightTouch)), Tier::LightTouch);
        let mut done = hv.clone();
        done.completed = true;
        assert_eq!(at(H72, &done, Some(Tier::LightTouch)), Tier::Graduated);
    }

    #[test]
    fn completion_graduates_once_and_for_all() {
        let d = route(
            Checkpoint::Completed,
            &facts(1.0, Struggle::None),
            Some(Tier::HighTouch),
            &RoutingThresholds::default(),
        );
        assert_eq!((d.tier, d.changed), (Tier::Graduated, true));
        for cp in [Checkpoint::H24, Checkpoint::H48, Checkpoint::H72] {
            let d = route(
                cp,
                &traits(true, true, true),
                Some(Tier::Graduated),
                &RoutingThresholds::default(),
            );
            assert_eq!((d.tier, d.changed), (Tier::Graduated, false));
        }
    }

    #[test]
    fn reasons_name_configured_thresholds_as_integers() {
        let th = RoutingThresholds {
            h24_high_touch_below: 0.25,
            h24_light_touch_at_most: 0.6,
            h48_stay_above: 0.8,
            h48_high_touch_below: 0.333,
        };
        let r = |cp, p, cur| route(cp, &facts(p, Struggle::None), cur, &th).reason;
        assert_eq!(r(Checkpoint::H24, 0.1, None), "24h: progress 10% below 25%");
        assert_eq!(
            r(Checkpoint::H24, 0.55, None),
            "24h: progress 55% between 25% and 60%"
        );
        assert_eq!(
            r(Checkpoint::H24, 0.7, None),
            "24h: progress 70% over 60% and no struggle"
        );
        assert_eq!(
            r(Checkpoint::H48, 0.3, Some(Tier::LightTouch)),
            "48h: light-touch with progress 30% below 33%"
        );
        assert_eq!(
            r(Checkpoint::H48, 0.9, Some(Tier::SelfServe)),
            "48h: progress 90% over 80%, stay"
        );
        // The configured boundary moved the decision, not just the words.
        assert_eq!(
            route(Checkpoint::H24, &facts(0.22, Struggle::None), None, &th).tier,
            Tier::HighTouch
        );
    }

    #[test]
    fn percent_rounds_and_never_panics() {
        assert_eq!(percent(0.2), 20);
        assert_eq!(percent(0.705), 71);
        assert_eq!(percent(f64::NAN), 0);
        assert_eq!(percent(-1.0), 0);
        assert_eq!(percent(f64::INFINITY), u32::MAX);
    }

    #[test]
    fn names_round_trip() {
        for t in [
            Tier::SelfServe,
            Tier::LightTouch,
            Tier::HighTouch,
            Tier::Graduated,
        ] {
            assert_eq!(Tier::parse(t.as_str()), Some(t));
        }
        for c in [
            Checkpoint::Signup,
            Checkpoint::H24,
            Checkpoint::H48,
            Checkpoint::H72,
            Checkpoint::Completed,
        ] {
            assert_eq!(Checkpoint::parse(c.as_str()), Some(c));
        }
        assert_eq!(Tier::parse("tier1"), None);
    }
}
