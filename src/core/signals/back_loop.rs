//! `back_loop`: the user went back to an earlier step `back_loop_count` (2) times within
//! `back_loop_window_ms` (10 min). Only entering a step earlier than the current one counts
//! (the shell reports history back as that); forward navigation never does.

use crate::prelude::*;

use super::{prune, text, Ctx, Detector, Fire, Fired};
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `back_loop` detector.
#[derive(Debug, Default)]
pub struct BackLoop {
    backs: Vec<Millis>,
}

impl Detector for BackLoop {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired) {
        let Input::StepEntered { .. } = input else {
            return;
        };
        let (Some(from), Some(to)) = (ctx.prev_step, ctx.step) else {
            return;
        };
        if to >= from {
            return;
        }
        let window = ctx.cfg.back_loop_window_ms;
        prune(&mut self.backs, now, window);
        self.backs.push(now);
        let n = self.backs.len() as u32;
        if n >= ctx.cfg.back_loop_count {
            // One signal per loop: the next one needs as many backs again.
            self.backs.clear();
            fired.push(Fire::minor(
                SignalKind::BackLoop,
                Some(from),
                n,
                text(
                    "went back # times within # min",
                    &[u64::from(n), window / crate::core::MINUTE],
                ),
            ));
        }
    }
}
