//! `repeated_error`: the same error (same step + code, or the same normalised message when it
//! has no code) occurs `repeated_error_count` (2) times within `repeated_error_window_ms`
//! (10 min). Fires once per error per step until progress is made; the total goes on counting.

use crate::prelude::*;

use super::{record, text, Ctx, Detector, Fire, Fired, Seen};
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// Errors seen are few; past this many distinct ones, the oldest quiet one is forgotten.
const MAX_KEYS: usize = 32;

/// The `repeated_error` detector.
#[derive(Debug, Default)]
pub struct RepeatedError {
    seen: Vec<Seen>,
}

impl Detector for RepeatedError {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired) {
        if ctx.progress {
            // Progress re-arms every error and restarts its window; totals keep counting.
            for s in &mut self.seen {
                s.fired = false;
                s.times.clear();
            }
        }
        let Input::Error(e) = input else { return };
        if !ctx.error_counts {
            return;
        }
        let window = ctx.cfg.repeated_error_window_ms;
        let Some(s) = record(&mut self.seen, e, ctx.error_step, now, window, MAX_KEYS) else {
            return;
        };
        let recent = s.times.len() as u32;
        if !s.fired && recent >= ctx.cfg.repeated_error_count {
            s.fired = true;
            fired.push(Fire {
                code: s.code.clone(),
                ..Fire::minor(
                    SignalKind::RepeatedError,
                    s.key.step,
                    s.total,
                    text(
                        "same error # times on this step (# within # min)",
                        &[
                            u64::from(s.total),
                            u64::from(recent),
                            window / crate::core::MINUTE,
                        ],
                    ),
                )
            });
        }
    }
}
