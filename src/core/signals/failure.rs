//! What `import_failure` and `integration_failure` share: every error of their kind fires,
//! and the same failure seen `repeated_error_count` (2) times within `repeated_error_window_ms`
//! (10 min) fires as major.

use crate::prelude::*;

use super::{record, text, Ctx, Fire, Fired, Seen};
use crate::core::input::{ErrorKind, Input};
use crate::core::signal::{Severity, SignalKind};
use crate::core::Millis;

/// Distinct failures remembered.
const MAX_KEYS: usize = 16;

/// One failure detector, parameterised by the error kind it watches.
#[derive(Debug, Default)]
pub struct Failure {
    seen: Vec<Seen>,
}

impl Failure {
    /// Looks at one input for errors of `kind`, raising `signal`.
    pub fn on_input(
        &mut self,
        kind: ErrorKind,
        signal: SignalKind,
        ctx: &Ctx<'_>,
        now: Millis,
        input: &Input,
        fired: &mut Fired,
    ) {
        let Input::Error(e) = input else { return };
        if e.kind != kind || !ctx.error_counts {
            return;
        }
        let window = ctx.cfg.repeated_error_window_ms;
        let Some(s) = record(&mut self.seen, e, ctx.error_step, now, window, MAX_KEYS) else {
            return;
        };
        let n = s.times.len() as u32;
        let repeated = n >= ctx.cfg.repeated_error_count.max(2);
        let (once, again) = match kind {
            ErrorKind::Import => ("import failed", "import failed # times within # min"),
            _ => (
                "integration failed",
                "integration failed # times within # min",
            ),
        };
        fired.push(Fire {
            kind: signal,
            step: ctx.error_step,
            severity: if repeated {
                Severity::Major
            } else {
                Severity::Minor
            },
            count: n,
            detail: if repeated {
                text(again, &[u64::from(n), window / crate::core::MINUTE])
            } else {
                String::from(once)
            },
            code: e.code.clone(),
        });
    }
}
