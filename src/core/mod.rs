//! The pure engine. Everything here is deterministic and tested natively on a virtual clock.

pub mod config;
pub mod engine;
pub mod input;
pub mod json;
pub mod map;
pub mod mask;
pub mod outbox;
pub mod output;
pub mod progress;
pub mod routing;
pub mod severity;
pub mod signal;
pub mod signals;
pub mod state;
pub mod tips;

pub use config::Config;
pub use engine::{Engine, Init};
pub use input::{ClickTarget, DismissReason, ErrorInfo, ErrorKind, Input, TipAction, Traits};
pub use output::{Event, EventBody, Output, ShowTip, Signal};
pub use routing::{route, Checkpoint, Decision, Facts, Struggle, Tier};
pub use signal::{Family, Severity, SignalKind};
pub use state::State;

/// Milliseconds on whatever clock the caller uses (wall clock in the browser, virtual in tests).
pub type Millis = u64;

/// One minute in milliseconds.
pub const MINUTE: Millis = 60_000;
/// One hour in milliseconds.
pub const HOUR: Millis = 60 * MINUTE;
