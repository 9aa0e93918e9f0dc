//! `abandoned`: the page is left (`PageExit`), or hidden for `abandon_hidden_ms` (10 min),
//! while onboarding is started and incomplete (the engine stops asking detectors once it is
//! complete; leaving before any step was entered is not leaving "mid-onboarding").
//! Fires once per absence: coming back (`Visible`) re-arms it.

use crate::prelude::*;

use super::{text, Ctx, Detector, Fire, Fired};
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `abandoned` detector.
#[derive(Debug, Default)]
pub struct Abandoned {
    step: Option<usize>,
    fired: bool,
    deadline: Option<Millis>,
}

impl Detector for Abandoned {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired) {
        match input {
            Input::Hidden if ctx.started && self.deadline.is_none() && !self.fired => {
                self.step = ctx.step;
                self.deadline = Some(now.saturating_add(ctx.cfg.abandon_hidden_ms));
            }
            Input::Visible | Input::Resumed => {
                self.fired = false;
                self.deadline = None;
            }
            Input::PageExit => {
                self.deadline = None;
                if ctx.started && !self.fired {
                    self.fired = true;
                    fired.push(Fire::minor(
                        SignalKind::Abandoned,
                        ctx.step,
                        1,
                        String::from("left the page with onboarding incomplete"),
                    ));
                }
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, ctx: &Ctx<'_>, _now: Millis, fired: &mut Fired) {
        self.deadline = None;
        if !self.fired {
            self.fired = true;
            fired.push(Fire::minor(
                SignalKind::Abandoned,
                self.step,
                1,
                text(
                    "hidden for # min with onboarding incomplete",
                    &[ctx.cfg.abandon_hidden_ms / crate::core::MINUTE],
                ),
            ));
        }
    }

    fn deadline(&self) -> Option<Millis> {
        self.deadline
    }
}
