//! The struggle signals, their families and severities.

use serde::Serialize;

/// Every struggle signal the engine can raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// The same error occurred twice or more within the window.
    RepeatedError,
    /// A data import failed.
    ImportFailure,
    /// An integration failed to connect.
    IntegrationFailure,
    /// Minutes on one step without progress.
    Stall,
    /// The user keeps going back to earlier steps.
    BackLoop,
    /// Help was opened, closed, and no progress followed.
    HelpUnresolved,
    /// A step was entered and not completed in time.
    StepTimeout,
    /// The page was left (or hidden for long) with onboarding incomplete.
    Abandoned,
    /// A returning user made no progress soon after coming back.
    ReturnedNoResume,
    /// Rapid repeated clicks on the same spot.
    RageClick,
    /// The session crossed into major struggle (raised once).
    MajorStruggle,
}

impl SignalKind {
    /// All kinds, in declaration order.
    pub const ALL: [SignalKind; 11] = [
        SignalKind::RepeatedError,
        SignalKind::ImportFailure,
        SignalKind::IntegrationFailure,
        SignalKind::Stall,
        SignalKind::BackLoop,
        SignalKind::HelpUnresolved,
        SignalKind::StepTimeout,
        SignalKind::Abandoned,
        SignalKind::ReturnedNoResume,
        SignalKind::RageClick,
        SignalKind::MajorStruggle,
    ];

    /// The snake_case name used in config, events and replay output.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::RepeatedError => "repeated_error",
            SignalKind::ImportFailure => "import_failure",
            SignalKind::IntegrationFailure => "integration_failure",
            SignalKind::Stall => "stall",
            SignalKind::BackLoop => "back_loop",
            SignalKind::HelpUnresolved => "help_unresolved",
            SignalKind::StepTimeout => "step_timeout",
            SignalKind::Abandoned => "abandoned",
            SignalKind::ReturnedNoResume => "returned_no_resume",
            SignalKind::RageClick => "rage_click",
            SignalKind::MajorStruggle => "major_struggle",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<SignalKind> {
        SignalKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The seed's family of this signal.
    pub fn family(self) -> Family {
        match self {
            SignalKind::RepeatedError
            | SignalKind::ImportFailure
            | SignalKind::IntegrationFailure => Family::Error,
            SignalKind::Stall
            | SignalKind::BackLoop
            | SignalKind::HelpUnresolved
            | SignalKind::RageClick => Family::Confusion,
            SignalKind::StepTimeout | SignalKind::Abandoned | SignalKind::ReturnedNoResume => {
                Family::Abandonment
            }
            SignalKind::MajorStruggle => Family::Summary,
        }
    }
}

/// The seed's signal families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Errors, failed imports and integrations.
    Error,
    /// Long pauses, going back, unresolved help, rage clicks.
    Confusion,
    /// Leaving, timing out, not resuming.
    Abandonment,
    /// `major_struggle`, which summarises the others.
    Summary,
}

/// How bad a signal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A single struggle signal.
    Minor,
    /// The session is in major struggle.
    Major,
}
