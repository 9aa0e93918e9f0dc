//! `step_timeout`: a step was entered and not completed within `step_timeout_ms` (30 min,
//! wall time). Leaving the step does not stop the clock: it was started and not finished.
//! Fires once per step.

use crate::prelude::*;

use super::{earliest, text, Ctx, Detector, Fire, Fired};
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

#[derive(Debug)]
struct Open {
    step: usize,
    due: Millis,
    fired: bool,
}

/// The `step_timeout` detector.
#[derive(Debug, Default)]
pub struct StepTimeout {
    open: Vec<Open>,
    deadline: Option<Millis>,
}

impl StepTimeout {
    fn update(&mut self) {
        let mut at = None;
        for o in &self.open {
            if !o.fired {
                at = earliest(at, Some(o.due));
            }
        }
        self.deadline = at;
    }
}

impl Detector for StepTimeout {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, _fired: &mut Fired) {
        match input {
            Input::StepEntered { .. } => {
                if let Some(i) = ctx.step {
                    if !ctx.step_done && !self.open.iter().any(|o| o.step == i) {
                        self.open.push(Open {
                            step: i,
                            due: now.saturating_add(ctx.cfg.step_timeout_ms),
                            fired: false,
                        });
                    }
                }
            }
            Input::StepCompleted { .. } => {
                // `retain` by hand (order kept): smaller in the wasm than the std one.
                let mut k = 0;
                for i in 0..self.open.len() {
                    if !ctx.is_done(self.open[i].step) {
                        self.open.swap(k, i);
                        k += 1;
                    }
                }
                self.open.truncate(k);
            }
            _ => {}
        }
        self.update();
    }

    fn on_timeout(&mut self, ctx: &Ctx<'_>, now: Millis, fired: &mut Fired) {
        for o in &mut self.open {
            if !o.fired && o.due <= now {
                o.fired = true;
                fired.push(Fire::minor(
                    SignalKind::StepTimeout,
                    Some(o.step),
                    1,
                    text(
                        "step not completed within # min",
                        &[ctx.cfg.step_timeout_ms / crate::core::MINUTE],
                    ),
                ));
            }
        }
        self.update();
    }

    fn deadline(&self) -> Option<Millis> {
        self.deadline
    }
}
