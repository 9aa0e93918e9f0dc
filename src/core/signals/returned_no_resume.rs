//! `returned_no_resume`: a returning user (state restored at start, or a `Resumed` input) with
//! onboarding incomplete makes no progress within `return_grace_ms` (2 min) of coming back.

use super::{Ctx, Detector, Fire, Fired};
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `returned_no_resume` detector.
#[derive(Debug, Default)]
pub struct ReturnedNoResume {
    deadline: Option<Millis>,
}

impl ReturnedNoResume {
    /// The user came back at `now`: progress must follow within `grace`.
    pub fn arm(&mut self, now: Millis, grace: Millis) {
        self.deadline = Some(now.saturating_add(grace));
    }
}

impl Detector for ReturnedNoResume {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, _fired: &mut Fired) {
        if ctx.progress {
            self.deadline = None;
        } else if let Input::Resumed = input {
            self.arm(now, ctx.cfg.return_grace_ms);
        }
    }

    fn on_timeout(&mut self, ctx: &Ctx<'_>, _now: Millis, fired: &mut Fired) {
        self.deadline = None;
        fired.push(Fire::minor(
            SignalKind::ReturnedNoResume,
            ctx.step,
            1,
            format!(
                "came back, no progress within {} min",
                ctx.cfg.return_grace_ms / crate::core::MINUTE
            ),
        ));
    }

    fn deadline(&self) -> Option<Millis> {
        self.deadline
    }
}
