//! What the engine asks the outside world to do.

use crate::prelude::*;

use serde::ser::{SerializeMap, Serializer};
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
///
/// Written as one flat object: `t`, the body's `type`, then the body's fields (those of the
/// inner struct for `error`, `signal` and `tier`), as `#[serde(flatten)]` over the internally
/// tagged [`EventBody`] writes it (a test holds the two together).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When it happened.
    pub t: Millis,
    /// What happened.
    pub body: EventBody,
}

// By hand: the derive's flatten and tag wrappers (FlatMapSerializer, TaggedSerializer) cost
// far more wasm than the same calls on one map.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("t", &self.t)?;
        m.serialize_entry("type", self.body.name())?;
        match &self.body {
            EventBody::Identify { user, traits } => {
                m.serialize_entry("user", user)?;
                m.serialize_entry("traits", traits)?;
            }
            EventBody::StepEntered { step } => m.serialize_entry("step", step)?,
            EventBody::StepCompleted { step, progress } => {
                m.serialize_entry("step", step)?;
                m.serialize_entry("progress", progress)?;
            }
            EventBody::OnboardingCompleted | EventBody::HelpRequested => {}
            EventBody::Error(e) => {
                m.serialize_entry("step", &e.step)?;
                m.serialize_entry("kind", &e.kind)?;
                m.serialize_entry("code", &e.code)?;
                m.serialize_entry("message", &e.message)?;
                m.serialize_entry("field", &e.field)?;
            }
            EventBody::Signal(g) => {
                m.serialize_entry("kind", &g.kind)?;
                m.serialize_entry("step", &g.step)?;
                m.serialize_entry("severity", &g.severity)?;
                m.serialize_entry("count", &g.count)?;
                m.serialize_entry("detail", &g.detail)?;
            }
            EventBody::TipShown { tip, step } => {
                m.serialize_entry("tip", tip)?;
                m.serialize_entry("step", step)?;
            }
            EventBody::TipDismissed { tip, reason } => {
                m.serialize_entry("tip", tip)?;
                m.serialize_entry("reason", reason)?;
            }
            EventBody::TipActed { tip, action } => {
                m.serialize_entry("tip", tip)?;
                m.serialize_entry("action", action)?;
            }
            EventBody::Tier(d) => {
                m.serialize_entry("tier", &d.tier)?;
                m.serialize_entry("checkpoint", &d.checkpoint)?;
                m.serialize_entry("changed", &d.changed)?;
                m.serialize_entry("reason", &d.reason)?;
            }
            EventBody::Track { name, props } => {
                m.serialize_entry("name", name)?;
                m.serialize_entry("props", props)?;
            }
        }
        m.end()
    }
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

impl EventBody {
    /// The snake_case `type` of this event.
    pub fn name(&self) -> &'static str {
        match self {
            EventBody::Identify { .. } => "identify",
            EventBody::StepEntered { .. } => "step_entered",
            EventBody::StepCompleted { .. } => "step_completed",
            EventBody::OnboardingCompleted => "onboarding_completed",
            EventBody::Error(_) => "error",
            EventBody::Signal(_) => "signal",
            EventBody::TipShown { .. } => "tip_shown",
            EventBody::TipDismissed { .. } => "tip_dismissed",
            EventBody::TipActed { .. } => "tip_acted",
            EventBody::HelpRequested => "help_requested",
            EventBody::Tier(_) => "tier",
            EventBody::Track { .. } => "track",
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::input::{ErrorKind, Traits};
    use crate::core::routing::{Checkpoint, Tier};

    /// What `Event` was before its hand-written impl: the derive with `flatten`.
    #[derive(Serialize)]
    struct Derived<'a> {
        t: Millis,
        #[serde(flatten)]
        body: &'a EventBody,
    }

    fn bodies() -> Vec<EventBody> {
        let signal = |step: Option<&str>| Signal {
            kind: SignalKind::BackLoop,
            step: step.map(String::from),
            severity: Severity::Minor,
            count: 2,
            detail: String::from("went back 2 times within 10 min"),
        };
        let decision = |tier, checkpoint, changed| Decision {
            tier,
            checkpoint,
            changed,
            reason: String::from("24h: progress 10% below 20%"),
        };
        vec![
            EventBody::Identify {
                user: "u\"1".into(),
                traits: Traits {
                    high_value: true,
                    enterprise: false,
                    sales_qualified: true,
                },
            },
            EventBody::Identify {
                user: String::new(),
                traits: Traits::default(),
            },
            EventBody::StepEntered { step: "a".into() },
            EventBody::StepCompleted {
                step: "a".into(),
                progress: 0.25,
            },
            EventBody::StepCompleted {
                step: "b".into(),
                progress: 1.0,
            },
            EventBody::OnboardingCompleted,
            EventBody::Error(ErrorInfo::default()),
            EventBody::Error(ErrorInfo {
                step: Some("import".into()),
                kind: ErrorKind::Integration,
                code: Some("E_AUTH".into()),
                message: Some("bad <token>".into()),
                field: Some("key".into()),
            }),
            EventBody::Signal(signal(None)),
            EventBody::Signal(signal(Some("team"))),
            EventBody::TipShown {
                tip: "t".into(),
                step: None,
            },
            EventBody::TipShown {
                tip: "t".into(),
                step: Some("s".into()),
            },
            EventBody::TipDismissed {
                tip: "t".into(),
                reason: DismissReason::Timeout,
            },
            EventBody::TipActed {
                tip: "t".into(),
                action: TipAction::ShowMe,
            },
            EventBody::HelpRequested,
            EventBody::Tier(decision(Tier::HighTouch, Checkpoint::H24, true)),
            EventBody::Tier(decision(Tier::Graduated, Checkpoint::Completed, false)),
            EventBody::Track {
                name: "x".into(),
                props: None,
            },
            EventBody::Track {
                name: "y".into(),
                props: Some("{\"a\":[1,2]}".into()),
            },
        ]
    }

    #[test]
    fn events_are_written_as_the_flatten_derive_wrote_them() {
        for (i, body) in bodies().into_iter().enumerate() {
            let t = 1_733_300_000_000 + i as u64;
            let want = serde_json::to_string(&Derived { t, body: &body }).unwrap();
            let ev = Event { t, body };
            assert_eq!(serde_json::to_string(&ev).unwrap(), want);
            // Inside an output, after its own tag, too.
            let want = want.replacen('{', "{\"type\":\"event\",", 1);
            assert_eq!(serde_json::to_string(&Output::Event(ev)).unwrap(), want);
        }
    }
}
