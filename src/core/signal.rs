//! The struggle signals, their families and severities.

use serde::Serialize;

/// Every struggle signal the engine can raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(not(target_arch = "wasm32"), derive(schemars::JsonSchema))]
#[cfg_attr(not(target_arch = "wasm32"), serde(rename_all = "snake_case"))]
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
        SignalKind::ALL.iter().copied().find(|k| k.as_str() == s)
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

super::json::serialize_as_str!(SignalKind, Severity);

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A single struggle signal.
    Minor,
    /// The session is in major struggle.
    Major,
}

impl Severity {
    /// The snake_case name used in events.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::input::{DismissReason, ErrorKind, TipAction};
    use super::super::routing::{Checkpoint, Tier};
    use super::*;

    fn json<T: Serialize>(v: T) -> String {
        serde_json::to_string(&v).unwrap()
    }

    /// The names the wire formats carry (what `#[derive(Serialize)]` with `snake_case`, and
    /// the checkpoints' renames, wrote before these became hand-written impls).
    #[test]
    fn unit_enums_serialize_as_their_wire_names() {
        let kinds: Vec<String> = SignalKind::ALL.into_iter().map(json).collect();
        assert_eq!(
            kinds,
            [
                "\"repeated_error\"",
                "\"import_failure\"",
                "\"integration_failure\"",
                "\"stall\"",
                "\"back_loop\"",
                "\"help_unresolved\"",
                "\"step_timeout\"",
                "\"abandoned\"",
                "\"returned_no_resume\"",
                "\"rage_click\"",
                "\"major_struggle\"",
            ]
        );
        assert_eq!(json(Severity::Minor), "\"minor\"");
        assert_eq!(json(Severity::Major), "\"major\"");
        assert_eq!(json(Tier::SelfServe), "\"self_serve\"");
        assert_eq!(json(Tier::LightTouch), "\"light_touch\"");
        assert_eq!(json(Tier::HighTouch), "\"high_touch\"");
        assert_eq!(json(Tier::Graduated), "\"graduated\"");
        assert_eq!(json(Checkpoint::Signup), "\"signup\"");
        assert_eq!(json(Checkpoint::H24), "\"24h\"");
        assert_eq!(json(Checkpoint::H48), "\"48h\"");
        assert_eq!(json(Checkpoint::H72), "\"72h\"");
        assert_eq!(json(Checkpoint::Completed), "\"completed\"");
        assert_eq!(json(ErrorKind::Validation), "\"validation\"");
        assert_eq!(json(ErrorKind::Import), "\"import\"");
        assert_eq!(json(ErrorKind::Integration), "\"integration\"");
        assert_eq!(json(ErrorKind::Network), "\"network\"");
        assert_eq!(json(ErrorKind::Script), "\"script\"");
        assert_eq!(json(DismissReason::Close), "\"close\"");
        assert_eq!(json(DismissReason::Escape), "\"escape\"");
        assert_eq!(json(DismissReason::Action), "\"action\"");
        assert_eq!(json(DismissReason::Timeout), "\"timeout\"");
        assert_eq!(json(TipAction::ShowMe), "\"show_me\"");
        assert_eq!(json(TipAction::Link), "\"link\"");
        assert_eq!(json(TipAction::GetHelp), "\"get_help\"");
        // Each parses back from its name.
        for k in [
            ErrorKind::Validation,
            ErrorKind::Import,
            ErrorKind::Integration,
            ErrorKind::Network,
            ErrorKind::Script,
        ] {
            assert_eq!(ErrorKind::parse(k.as_str()), Some(k));
        }
        for r in [
            DismissReason::Close,
            DismissReason::Escape,
            DismissReason::Action,
            DismissReason::Timeout,
        ] {
            assert_eq!(DismissReason::parse(r.as_str()), Some(r));
        }
        for a in [TipAction::ShowMe, TipAction::Link, TipAction::GetHelp] {
            assert_eq!(TipAction::parse(a.as_str()), Some(a));
        }
    }
}
