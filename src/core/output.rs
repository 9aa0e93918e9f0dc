//! What the engine asks the outside world to do.

use serde::Serialize;

use super::input::{DismissReason, ErrorInfo, TipAction, Traits};
use super::routing::Decision;
use super::signal::{Severity, SignalKind};
use super::state::State;
use super::Millis;

/// One thing for the shell to do, drained with [`crate::core::Engine::poll_output`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output {
    /// A struggle signal fired (also queued as an [`Output::Event`]).
    Signal(Signal),
    /// Show a tip.
    ShowTip(ShowTip),
    /// Hide a tip that is showing.
    HideTip {
        /// Tip id.
        tip: String,
    },
    /// A tier decision was made (also queued as an [`Output::Event`]).
    Tier(Decision),
    /// Something to send to the server.
    Event(Event),
    /// The small state to store so a later page load can resume.
    Persist(State),
    /// An input was malformed and ignored.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// A fired struggle signal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    /// Which signal.
    pub kind: SignalKind,
    /// The step it concerns, if any.
    pub step: Option<String>,
    /// Minor, or major for `major_struggle` and major error signals.
    pub severity: Severity,
    /// How many times the underlying behaviour was seen (errors repeated, loops, clicks).
    pub count: u32,
    /// Short human-readable explanation, for the debug overlay and the dashboard.
    pub detail: String,
}

/// A tip to show.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShowTip {
    /// Tip id from the config.
    pub tip: String,
    /// The step it is shown on.
    pub step: Option<String>,
    /// CSS selector of the element to place it next to; a corner card when absent.
    pub anchor: Option<String>,
    /// The signal that triggered it.
    pub signal: SignalKind,
}

/// An event for the server. Ids are assigned later by the outbox.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// When it happened.
    pub t: Millis,
    /// What happened.
    #[serde(flatten)]
    pub body: EventBody,
}

/// The kinds of event sent to the server.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// The user was identified.
    Identify {
        /// Host user id.
        user: String,
        /// Traits.
        traits: Traits,
    },
    /// A step became current.
    StepEntered {
        /// Step id.
        step: String,
    },
    /// A step was completed.
    StepCompleted {
        /// Step id.
        step: String,
        /// Overall progress after it, 0.0 to 1.0.
        progress: f64,
    },
    /// Onboarding was completed.
    OnboardingCompleted,
    /// A user-facing error (not script errors unless configured).
    Error(ErrorInfo),
    /// A struggle signal.
    Signal(Signal),
    /// A tip was shown.
    TipShown {
        /// Tip id.
        tip: String,
        /// Step.
        step: Option<String>,
    },
    /// A tip was dismissed.
    TipDismissed {
        /// Tip id.
        tip: String,
        /// Why.
        reason: DismissReason,
    },
    /// A tip action was taken.
    TipActed {
        /// Tip id.
        tip: String,
        /// Which action.
        action: TipAction,
    },
    /// The user asked for help.
    HelpRequested,
    /// A tier decision.
    Tier(Decision),
    /// A custom milestone from the host.
    Track {
        /// Name.
        name: String,
        /// Properties as JSON text.
        props: Option<String>,
    },
}
