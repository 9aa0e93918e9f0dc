//! What the outside world tells the engine.

use crate::prelude::*;

use serde::Serialize;

/// One thing that happened, as seen by the shell (browser) or a replayed recording.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The user is known (signup or login). Starts tier routing at the `signup` checkpoint.
    Identify {
        /// The host's user id.
        user: String,
        /// What the host knows about the user.
        traits: Traits,
    },
    /// A step became current.
    StepEntered {
        /// Step id from the config.
        step: String,
    },
    /// The host reports a fraction of the step done (0.0 to 1.0).
    StepProgress {
        /// Step id.
        step: String,
        /// Fraction of the step done.
        fraction: f64,
    },
    /// A required field of a step became valid.
    FieldCompleted {
        /// Step id.
        step: String,
        /// Field name.
        field: String,
    },
    /// A step was finished.
    StepCompleted {
        /// Step id.
        step: String,
    },
    /// The whole onboarding was finished.
    OnboardingCompleted,
    /// Something went wrong for the user.
    Error(ErrorInfo),
    /// A click (for rage-click detection).
    Click {
        /// Viewport x in CSS pixels.
        x: f64,
        /// Viewport y in CSS pixels.
        y: f64,
        /// What was clicked.
        target: ClickTarget,
    },
    /// Help content was opened.
    HelpOpened {
        /// What the help is about.
        topic: String,
    },
    /// Help content was closed.
    HelpClosed,
    /// The user explicitly asked for help.
    HelpRequested,
    /// The page became hidden.
    Hidden,
    /// The page became visible again.
    Visible,
    /// The page is being unloaded.
    PageExit,
    /// A new page load of a returning user (state was restored).
    Resumed,
    /// A tip was dismissed.
    TipDismissed {
        /// Tip id.
        tip: String,
        /// Why it went away.
        reason: DismissReason,
    },
    /// A tip action was taken.
    TipActed {
        /// Tip id.
        tip: String,
        /// Which action.
        action: TipAction,
    },
    /// A custom milestone from the host, forwarded as an event as is.
    Track {
        /// Milestone name.
        name: String,
        /// Properties as JSON text (opaque to the engine).
        props: Option<String>,
    },
}

/// What the host knows about a user at identify time.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Traits {
    /// A high-value account (large deal, many seats).
    pub high_value: bool,
    /// An enterprise account (enterprise email domain, large company).
    pub enterprise: bool,
    /// Came through the sales process.
    pub sales_qualified: bool,
}

/// An error the user hit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ErrorInfo {
    /// Step it happened on; the current step when absent.
    pub step: Option<String>,
    /// What kind of error.
    pub kind: ErrorKind,
    /// A stable code (`typeMismatch`, `E_IMPORT_COLUMNS`), preferred for matching.
    pub code: Option<String>,
    /// The message shown, already masked by the shell.
    pub message: Option<String>,
    /// The field involved.
    pub field: Option<String>,
}

/// Kinds of error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorKind {
    /// Form validation.
    #[default]
    Validation,
    /// A data import failed.
    Import,
    /// An integration failed to connect.
    Integration,
    /// A network request failed.
    Network,
    /// A script error in the host page; not user struggle by default.
    Script,
}

impl ErrorKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::Import => "import",
            ErrorKind::Integration => "integration",
            ErrorKind::Network => "network",
            ErrorKind::Script => "script",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<ErrorKind> {
        Some(match s {
            "validation" => ErrorKind::Validation,
            "import" => ErrorKind::Import,
            "integration" => ErrorKind::Integration,
            "network" => ErrorKind::Network,
            "script" => ErrorKind::Script,
            _ => return None,
        })
    }
}

super::json::serialize_as_str!(ErrorKind, DismissReason, TipAction);

/// What a click landed on, as far as struggle detection cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClickTarget {
    /// Anything else.
    #[default]
    Other,
    /// A control that moves between steps (next, back, stepper): never a rage click.
    Navigation,
}

/// Why a tip went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DismissReason {
    /// The close button.
    Close,
    /// The Escape key.
    Escape,
    /// One of its actions was taken.
    Action,
    /// It timed out or its step ended.
    Timeout,
}

impl DismissReason {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DismissReason::Close => "close",
            DismissReason::Escape => "escape",
            DismissReason::Action => "action",
            DismissReason::Timeout => "timeout",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<DismissReason> {
        Some(match s {
            "close" => DismissReason::Close,
            "escape" => DismissReason::Escape,
            "action" => DismissReason::Action,
            "timeout" => DismissReason::Timeout,
            _ => return None,
        })
    }
}

/// Actions a tip offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipAction {
    /// Scroll to and highlight the anchor.
    ShowMe,
    /// Open the tip's guide link.
    Link,
    /// Ask for human help (the host opens its chat).
    GetHelp,
}

impl TipAction {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TipAction::ShowMe => "show_me",
            TipAction::Link => "link",
            TipAction::GetHelp => "get_help",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<TipAction> {
        Some(match s {
            "show_me" => TipAction::ShowMe,
            "link" => TipAction::Link,
            "get_help" => TipAction::GetHelp,
            _ => return None,
        })
    }
}
