//! `rage_click` (beyond the seed): `rage_click_count` (3) clicks, each within
//! `rage_click_gap_ms` (1 s) and `rage_click_radius_px` (30 px) of the previous one. Fires once
//! per burst; clicks on navigation controls (next, back, steppers) never count and end a burst.

use super::{text, Ctx, Detector, Fire, Fired};
use crate::core::input::{ClickTarget, Input};
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `rage_click` detector.
#[derive(Debug, Default)]
pub struct RageClick {
    last: Option<(Millis, f64, f64)>,
    count: u32,
    fired: bool,
}

impl Detector for RageClick {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired) {
        let Input::Click { x, y, target } = *input else {
            return;
        };
        if target == ClickTarget::Navigation {
            *self = RageClick::default();
            return;
        }
        let cfg = ctx.cfg;
        let r = cfg.rage_click_radius_px;
        let close = self.last.is_some_and(|(t, lx, ly)| {
            let (dx, dy) = (x - lx, y - ly);
            now.saturating_sub(t) <= cfg.rage_click_gap_ms && dx * dx + dy * dy <= r * r
        });
        if close {
            self.count = self.count.saturating_add(1);
        } else {
            self.count = 1;
            self.fired = false;
        }
        self.last = Some((now, x, y));
        if !self.fired && self.count >= cfg.rage_click_count {
            self.fired = true;
            fired.push(Fire::minor(
                SignalKind::RageClick,
                ctx.step,
                self.count,
                text("# rapid clicks on the same spot", &[u64::from(self.count)]),
            ));
        }
    }
}
