//! The small state persisted between page loads (the engine's `Persist` output).

use serde::Serialize;

use super::routing::Tier;
use super::Millis;

/// What survives a reload or a return visit days later.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct State {
    /// Session id (a new page load of a returning user keeps it within the session lifetime).
    pub session: String,
    /// Host user id, once identified.
    pub user: Option<String>,
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
    /// Checkpoints already evaluated, as names (`signup`, `24h`, ...).
    pub checkpoints: Vec<String>,
    /// Tips dismissed or shown once (never shown again).
    pub retired_tips: Vec<String>,
    /// Last time each tip was shown: (tip, when).
    pub tip_shown_at: Vec<(String, Millis)>,
    /// Struggle signals so far: (kind name, when), trimmed to the major-struggle window.
    pub struggle: Vec<(String, Millis)>,
    /// Major struggle already raised.
    pub major_raised: bool,
    /// Last time the engine saw the user (to recognise a return).
    pub last_seen: Millis,
}
