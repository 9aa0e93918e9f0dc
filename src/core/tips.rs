//! Which tip shows when: triggers, frequency, caps and priority.
//!
//! A fired signal shows at most one tip: among the tips whose trigger matches (the signal's
//! kind, plus the step and error code when the trigger names them) and whose frequency allows
//! it (`once`: never shown before; `until_dismissed`: never dismissed; `always`: its cooldown
//! has passed), the highest `priority` wins, the first in the config on a tie. Global caps
//! apply: at most `max_per_window` shown per window, and at most `max_visible` at once, except
//! that a tip of strictly higher priority replaces the lowest-priority one showing (so the
//! "Want a hand?" offer of a major struggle is not blocked by a minor tip). Retired
//! tips (shown once, or dismissed) are kept in [`State`] so a later page load remembers them.
//! A tip bound to a step is hidden when the user leaves that step (dismissed with reason
//! `timeout`, which does not retire it).

use crate::prelude::*;

use super::config::{Config, Frequency};
use super::input::DismissReason;
use super::output::{Event, EventBody, Output, ShowTip};
use super::signals::{prune, Fire};
use super::state::State;
use super::Millis;

#[derive(Debug, Clone, Copy)]
struct Showing {
    tip: usize,
    step: Option<usize>,
}

/// The tips now showing and the recent showings.
#[derive(Debug, Default)]
pub struct Tips {
    showing: Vec<Showing>,
    recent: Vec<Millis>,
}

impl Tips {
    /// A signal fired at `now`: maybe shows a tip. Returns true if `state` changed.
    pub fn on_signal(
        &mut self,
        cfg: &Config,
        state: &mut State,
        now: Millis,
        fire: &Fire,
        out: &mut Vec<Output>,
    ) -> bool {
        let lim = &cfg.tip_limits;
        prune(&mut self.recent, now, lim.window_ms);
        if self.recent.len() as u32 >= lim.max_per_window || lim.max_visible == 0 {
            return false;
        }
        let step_id = fire
            .step
            .and_then(|i| cfg.steps.get(i))
            .map(|s| s.id.as_str());
        let mut best: Option<usize> = None;
        for (i, tip) in cfg.tips.iter().enumerate() {
            let t = &tip.trigger;
            if t.signal != fire.kind
                || t.step.as_deref().is_some_and(|s| Some(s) != step_id)
                || t.code.is_some() && t.code != fire.code
                || self.showing.iter().any(|s| s.tip == i)
            {
                continue;
            }
            let allowed = match tip.frequency {
                Frequency::Once | Frequency::UntilDismissed => !retired(state, &tip.id),
                Frequency::Always => shown_at(state, &tip.id)
                    .and_then(|k| state.tip_shown_at.get(k))
                    .is_none_or(|&(_, at)| now.saturating_sub(at) >= tip.cooldown_ms),
            };
            let better = match best.and_then(|b| cfg.tips.get(b)) {
                Some(b) => tip.priority > b.priority,
                None => true,
            };
            if allowed && better {
                best = Some(i);
            }
        }
        let Some(i) = best else { return false };
        let Some(tip) = cfg.tips.get(i) else {
            return false;
        };
        if self.showing.len() as u32 >= lim.max_visible {
            // Full: only a strictly higher priority may take the place of the lowest one.
            // The lowest showing, the first of equals (as `min_by_key` picks).
            let mut lowest: Option<(usize, i32)> = None;
            for (k, s) in self.showing.iter().enumerate() {
                let p = cfg.tips.get(s.tip).map_or(i32::MIN, |t| t.priority);
                if lowest.is_none_or(|(_, low)| p < low) {
                    lowest = Some((k, p));
                }
            }
            let Some((k, old_priority)) = lowest else {
                return false;
            };
            if tip.priority <= old_priority {
                return false;
            }
            let old = self.showing.remove(k);
            if let Some(old) = cfg.tips.get(old.tip) {
                hide(old, now, out);
            }
        }
        self.showing.push(Showing {
            tip: i,
            step: fire.step,
        });
        self.recent.push(now);
        match shown_at(state, &tip.id).and_then(|k| state.tip_shown_at.get_mut(k)) {
            Some(e) => e.1 = now,
            None => state.tip_shown_at.push((tip.id.clone(), now)),
        }
        if tip.frequency == Frequency::Once {
            retire(state, &tip.id);
        }
        let step = step_id.map(String::from);
        out.push(Output::ShowTip(ShowTip {
            tip: tip.id.clone(),
            step: step.clone(),
            anchor: tip.anchor.clone(),
            signal: fire.kind,
        }));
        out.push(Output::Event(Event {
            t: now,
            body: EventBody::TipShown {
                tip: tip.id.clone(),
                step,
            },
        }));
        true
    }

    /// The current step is now `step`: hides tips bound to another step. With `all`, hides
    /// every tip (onboarding completed).
    pub fn on_step_change(
        &mut self,
        cfg: &Config,
        step: Option<usize>,
        all: bool,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        let mut k = 0;
        while let Some(s) = self.showing.get(k).copied() {
            if all || s.step.is_some_and(|st| Some(st) != step) {
                self.showing.remove(k);
                if let Some(tip) = cfg.tips.get(s.tip) {
                    hide(tip, now, out);
                }
            } else {
                k += 1;
            }
        }
    }

    /// The user (or the shell) dismissed tip `i`. Returns true if `state` changed.
    pub fn on_dismissed(
        &mut self,
        cfg: &Config,
        state: &mut State,
        i: usize,
        reason: DismissReason,
        now: Millis,
        out: &mut Vec<Output>,
    ) -> bool {
        // A tip shows at most once at a time (`on_signal` skips one already showing), so this
        // is `retain` without a third monomorphised retain in the wasm.
        if let Some(k) = self.showing.iter().position(|s| s.tip == i) {
            self.showing.remove(k);
        }
        let Some(tip) = cfg.tips.get(i) else {
            return false;
        };
        out.push(Output::Event(Event {
            t: now,
            body: EventBody::TipDismissed {
                tip: tip.id.clone(),
                reason,
            },
        }));
        // A timeout is not the user saying "enough"; `always` tips never retire.
        reason != DismissReason::Timeout
            && tip.frequency != Frequency::Always
            && retire(state, &tip.id)
    }

    /// Tips showing now, by index in the config.
    pub fn showing(&self) -> impl Iterator<Item = usize> + '_ {
        self.showing.iter().map(|s| s.tip)
    }
}

/// Hides a showing tip on the engine's initiative: a `timeout` dismissal, which does not retire it.
fn hide(tip: &super::config::Tip, now: Millis, out: &mut Vec<Output>) {
    out.push(Output::HideTip {
        tip: tip.id.clone(),
    });
    out.push(Output::Event(Event {
        t: now,
        body: EventBody::TipDismissed {
            tip: tip.id.clone(),
            reason: DismissReason::Timeout,
        },
    }));
}

/// Where tip `id`'s last showing is in `state.tip_shown_at`.
fn shown_at(state: &State, id: &str) -> Option<usize> {
    state.tip_shown_at.iter().position(|(t, _)| t == id)
}

fn retired(state: &State, id: &str) -> bool {
    state.retired_tips.iter().any(|r| r == id)
}

fn retire(state: &mut State, id: &str) -> bool {
    if retired(state, id) {
        return false;
    }
    state.retired_tips.push(String::from(id));
    true
}
