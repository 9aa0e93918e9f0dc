//! The small state persisted between page loads (the engine's `Persist` output).
//!
//! It is written as JSON (serde `Serialize`) and read back with [`State::read`] through the same
//! [`Source`] trait the config reader uses, so the browser restores it from a JS object without
//! serde `Deserialize` on the wasm path. Reading is lenient: a field that is missing or of the
//! wrong type takes its default (stored state may come from an older SDK).

use serde::Serialize;

use super::config::Source;
use super::input::Traits;
use super::routing::{Checkpoint, Tier};
use super::signal::SignalKind;
use super::Millis;

/// What survives a reload or a return visit days later.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct State {
    /// Session id (a new page load of a returning user keeps it within the session lifetime).
    pub session: String,
    /// Host user id, once identified.
    pub user: Option<String>,
    /// Traits from identify, for the 24/48/72 h checkpoints on later page loads.
    pub traits: Traits,
    /// Current step.
    pub step: Option<String>,
    /// Completed step ids.
    pub completed: Vec<String>,
    /// Onboarding completed.
    pub onboarding_complete: bool,
    /// When the user was identified (signup), for the 24/48/72 h checkpoints.
    pub signup_at: Option<Millis>,
    /// Current tier.
    pub tier: Option<Tier>,
    /// Checkpoints already evaluated.
    pub checkpoints: Vec<Checkpoint>,
    /// Tips dismissed or shown once (never shown again).
    pub retired_tips: Vec<String>,
    /// Last time each tip was shown: (tip, when).
    pub tip_shown_at: Vec<(String, Millis)>,
    /// Struggle signals so far: (kind, when), trimmed to the major-struggle window.
    pub struggle: Vec<(SignalKind, Millis)>,
    /// Major struggle already raised.
    pub major_raised: bool,
    /// Last time the engine saw the user (to recognise a return).
    pub last_seen: Millis,
}

impl State {
    /// Reads a state previously written as JSON by `Persist`. Never fails: unreadable parts
    /// take their defaults, and `None` only when `src` is not an object at all.
    pub fn read<S: Source>(src: &S) -> Option<State> {
        src.keys()?;
        let string = |k: &str| src.get(k).and_then(|v| v.as_str());
        let boolean = |k: &str| src.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
        let millis = |v: &S| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as Millis);
        let list = |k: &str| -> Vec<S> {
            let Some(a) = src.get(k) else {
                return Vec::new();
            };
            // Bounded: a corrupt store must not make us allocate without limit.
            let n = a.len().unwrap_or(0).min(256);
            (0..n).filter_map(|i| a.index(i)).collect()
        };
        let pair = |v: &S| Some((v.index(0)?, v.index(1)?));
        let traits = src.get("traits");
        let trait_of = |k: &str| {
            traits
                .as_ref()
                .and_then(|t| t.get(k))
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        };
        Some(State {
            session: string("session").unwrap_or_default(),
            user: string("user").filter(|u| !u.is_empty()),
            traits: Traits {
                high_value: trait_of("high_value"),
                enterprise: trait_of("enterprise"),
                sales_qualified: trait_of("sales_qualified"),
            },
            step: string("step"),
            completed: list("completed")
                .iter()
                .filter_map(|v| v.as_str())
                .collect(),
            onboarding_complete: boolean("onboarding_complete"),
            signup_at: src.get("signup_at").and_then(|v| millis(&v)),
            tier: string("tier").and_then(|t| Tier::parse(&t)),
            checkpoints: list("checkpoints")
                .iter()
                .filter_map(|v| Checkpoint::parse(&v.as_str()?))
                .collect(),
            retired_tips: list("retired_tips")
                .iter()
                .filter_map(|v| v.as_str())
                .collect(),
            tip_shown_at: list("tip_shown_at")
                .iter()
                .filter_map(|v| {
                    let (a, b) = pair(v)?;
                    Some((a.as_str()?, millis(&b)?))
                })
                .collect(),
            struggle: list("struggle")
                .iter()
                .filter_map(|v| {
                    let (a, b) = pair(v)?;
                    Some((SignalKind::parse(&a.as_str()?)?, millis(&b)?))
                })
                .collect(),
            major_raised: boolean("major_raised"),
            last_seen: src.get("last_seen").and_then(|v| millis(&v)).unwrap_or(0),
        })
    }
}
