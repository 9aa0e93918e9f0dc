//! The small state persisted between page loads (the engine's `Persist` output).
//!
//! It is written as JSON (serde `Serialize`) and read back with [`State::read`] through the same
//! [`Source`] trait the config reader uses, so the browser restores it from a JS object without
//! serde `Deserialize` on the wasm path. Reading is lenient: a field that is missing or of the
//! wrong type takes its default (stored state may come from an older SDK).

use crate::prelude::*;

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
        let traits = src.get("traits");
        let trait_of = |k: &str| traits.as_ref().is_some_and(|t| flag(t, k));
        let mut checkpoints = Vec::new();
        for c in texts(src, "checkpoints") {
            checkpoints.extend(Checkpoint::parse(&c));
        }
        let mut struggle = Vec::new();
        for (kind, at) in timed(src, "struggle") {
            struggle.extend(SignalKind::parse(&kind).map(|k| (k, at)));
        }
        Some(State {
            session: text(src, "session").unwrap_or_default(),
            user: text(src, "user").filter(|u| !u.is_empty()),
            traits: Traits {
                high_value: trait_of("high_value"),
                enterprise: trait_of("enterprise"),
                sales_qualified: trait_of("sales_qualified"),
            },
            step: text(src, "step"),
            completed: texts(src, "completed"),
            onboarding_complete: flag(src, "onboarding_complete"),
            signup_at: millis_at(src, "signup_at"),
            tier: text(src, "tier").and_then(|t| Tier::parse(&t)),
            checkpoints,
            retired_tips: texts(src, "retired_tips"),
            tip_shown_at: timed(src, "tip_shown_at"),
            struggle,
            major_raised: flag(src, "major_raised"),
            last_seen: millis_at(src, "last_seen").unwrap_or(0),
        })
    }
}

// One small helper per value shape (not closures per field): fewer wasm bytes.

fn text<S: Source>(src: &S, key: &str) -> Option<String> {
    src.get(key)?.as_str()
}

fn flag<S: Source>(src: &S, key: &str) -> bool {
    src.get(key).and_then(|v| v.as_bool()).unwrap_or(false)
}

fn millis<S: Source>(v: &S) -> Option<Millis> {
    v.as_f64().filter(|f| *f >= 0.0).map(|f| f as Millis)
}

fn millis_at<S: Source>(src: &S, key: &str) -> Option<Millis> {
    millis(&src.get(key)?)
}

/// Calls `f` on each element of the array at `key` (none if absent or not an array).
fn each<S: Source>(src: &S, key: &str, f: &mut dyn FnMut(&S)) {
    let Some(a) = src.get(key) else {
        return;
    };
    // Bounded: a corrupt store must not make us allocate without limit.
    let n = a.len().unwrap_or(0).min(256);
    for i in 0..n {
        if let Some(v) = a.index(i) {
            f(&v);
        }
    }
}

/// The strings of the array at `key`; other elements are skipped.
fn texts<S: Source>(src: &S, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    each(src, key, &mut |v| out.extend(v.as_str()));
    out
}

/// The `[string, millis]` pairs of the array at `key`; other elements are skipped.
fn timed<S: Source>(src: &S, key: &str) -> Vec<(String, Millis)> {
    let mut out = Vec::new();
    each(src, key, &mut |v| {
        let (Some(a), Some(b)) = (v.index(0), v.index(1)) else {
            return;
        };
        if let (Some(s), Some(m)) = (a.as_str(), millis(&b)) {
            out.push((s, m));
        }
    });
    out
}
