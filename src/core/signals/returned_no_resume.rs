//! `returned_no_resume`: a returning user (state restored at start, or a `Resumed` input) with
//! onboarding incomplete makes no progress within `return_grace_ms` (2 min) of coming back.
//!
//! A return is coming back after being away at least `abandon_hidden_ms` (10 min, the time
//! after which being away is abandonment), when the engine knows when the user was last seen:
//! the next page of a multi-page onboarding, or a back/forward-cache restore a few seconds
//! later, is not "opening the product again".

use super::{text, Ctx, Detector, Fire, Fired};
use crate::core::config::SignalConfig;
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// Whether coming back after `away` (`None`: unknown) is a return.
pub fn is_return(away: Option<Millis>, cfg: &SignalConfig) -> bool {
    away.is_none_or(|a| a >= cfg.abandon_hidden_ms)
}

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
        } else if matches!(input, Input::Resumed) && is_return(ctx.away, ctx.cfg) {
            self.arm(now, ctx.cfg.return_grace_ms);
        }
    }

    fn on_timeout(&mut self, ctx: &Ctx<'_>, _now: Millis, fired: &mut Fired) {
        self.deadline = None;
        fired.push(Fire::minor(
            SignalKind::ReturnedNoResume,
            ctx.step,
            1,
            text(
                "came back, no progress within # min",
                &[ctx.cfg.return_grace_ms / crate::core::MINUTE],
            ),
        ));
    }

    fn deadline(&self) -> Option<Millis> {
        self.deadline
    }
}
