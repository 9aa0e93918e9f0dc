//! `stall`: `stall_after_ms` (5 min) on one step with no progress (a field completed, a
//! fraction increased, the step completed). Counts visible time only unless
//! `stall_visible_only` is false (wall time). Fires once per stretch without progress.

use super::{text, Ctx, Detector, Fire, Fired};
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `stall` detector.
#[derive(Debug, Default)]
pub struct Stall {
    step: Option<usize>,
    /// Counted time before `since`.
    spent: Millis,
    /// Counting since then (on an unfinished step, visible or wall time).
    since: Option<Millis>,
    fired: bool,
    deadline: Option<Millis>,
}

impl Stall {
    fn sync(&mut self, ctx: &Ctx<'_>, now: Millis) {
        let counting = ctx.step.is_some()
            && !ctx.step_done
            && !self.fired
            && (ctx.visible || !ctx.cfg.stall_visible_only);
        match (counting, self.since) {
            (true, None) => self.since = Some(now),
            (false, Some(s)) => {
                self.spent = self.spent.saturating_add(now.saturating_sub(s));
                self.since = None;
            }
            _ => {}
        }
        self.deadline = self
            .since
            .map(|s| s.saturating_add(ctx.cfg.stall_after_ms.saturating_sub(self.spent)));
    }

    fn restart(&mut self) {
        self.spent = 0;
        self.since = None;
        self.fired = false;
    }
}

impl Detector for Stall {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, _input: &Input, _fired: &mut Fired) {
        if ctx.step != self.step {
            self.step = ctx.step;
            self.restart();
        } else if ctx.progress {
            self.restart();
        }
        self.sync(ctx, now);
    }

    fn on_timeout(&mut self, ctx: &Ctx<'_>, now: Millis, fired: &mut Fired) {
        self.sync(ctx, now);
        if self.deadline.is_some_and(|d| d <= now) {
            self.fired = true;
            self.sync(ctx, now);
            let min = ctx.cfg.stall_after_ms / crate::core::MINUTE;
            fired.push(Fire::minor(
                SignalKind::Stall,
                self.step,
                1,
                text("no progress for # min on this step", &[min]),
            ));
        }
    }

    fn deadline(&self) -> Option<Millis> {
        self.deadline
    }
}
