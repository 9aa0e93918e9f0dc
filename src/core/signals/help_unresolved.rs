//! `help_unresolved`: help was opened, then closed (or open `help_open_max_ms`, 3 min), and
//! no progress followed within `help_grace_ms` (3 min). Progress at any point resolves it.

use super::{text, Ctx, Detector, Fire, Fired};
use crate::core::input::Input;
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `help_unresolved` detector.
#[derive(Debug, Default)]
pub struct HelpUnresolved {
    opened: Option<Millis>,
    closed: Option<Millis>,
    step: Option<usize>,
    deadline: Option<Millis>,
}

impl Detector for HelpUnresolved {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, _fired: &mut Fired) {
        let cfg = ctx.cfg;
        if ctx.progress {
            *self = HelpUnresolved::default();
            return;
        }
        match input {
            // A new look at help after closing it starts a new episode; reopening while open
            // changes nothing.
            Input::HelpOpened { .. } if self.opened.is_none() || self.closed.is_some() => {
                self.opened = Some(now);
                self.closed = None;
                self.step = ctx.step;
            }
            Input::HelpClosed => {
                if let (Some(o), None) = (self.opened, self.closed) {
                    // Open past the cap already counted as closed at the cap.
                    self.closed = Some(now.min(o.saturating_add(cfg.help_open_max_ms)));
                }
            }
            _ => {}
        }
        self.deadline = self.opened.map(|o| {
            self.closed
                .unwrap_or(o.saturating_add(cfg.help_open_max_ms))
                .saturating_add(cfg.help_grace_ms)
        });
    }

    fn on_timeout(&mut self, ctx: &Ctx<'_>, _now: Millis, fired: &mut Fired) {
        let step = self.step;
        *self = HelpUnresolved::default();
        fired.push(Fire::minor(
            SignalKind::HelpUnresolved,
            step,
            1,
            text(
                "help opened, no progress within # min",
                &[ctx.cfg.help_grace_ms / crate::core::MINUTE],
            ),
        ));
    }

    fn deadline(&self) -> Option<Millis> {
        self.deadline
    }
}
