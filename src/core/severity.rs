//! Minor and major struggle.
//!
//! Every counted signal is minor struggle. The session is in **major** struggle when any of:
//! `major_error_count` (3) errors within `major_error_window_ms` (20 min); a repeated import or
//! integration failure (a major failure signal); `major_signal_count` (3) counted signals of
//! `major_signal_kinds` (2) kinds within `major_signal_window_ms` (24 h); the user asking for
//! help. The engine raises `major_struggle` once, when [`Tracker`] first reports a cause.
//!
//! "Counted" follows the seed's families: error and confusion signals, plus abandonment ones
//! only when `routing.abandonment_counts` (leaving a page is normal; low progress already
//! routes the user).

use crate::prelude::*;

use super::config::Config;
use super::routing::Struggle;
use super::signal::{Family, Severity, SignalKind};
use super::signals::{prune, text};
use super::Millis;

/// Why the session entered major struggle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MajorCause {
    /// Errors within the window.
    Errors(u32),
    /// A repeated import or integration failure.
    RepeatedFailure(SignalKind),
    /// Counted signals of several kinds within the window.
    Signals {
        /// Signals.
        count: u32,
        /// Distinct kinds.
        kinds: u32,
    },
    /// The user asked for help.
    HelpRequested,
}

impl MajorCause {
    /// The explanation carried in the `major_struggle` signal's detail.
    pub fn detail(self, cfg: &Config) -> String {
        let s = &cfg.signals;
        match self {
            MajorCause::Errors(n) => text(
                "# errors within # min",
                &[u64::from(n), s.major_error_window_ms / super::MINUTE],
            ),
            MajorCause::RepeatedFailure(k) => {
                let mut d = String::from("repeated ");
                d.push_str(k.as_str());
                d
            }
            MajorCause::Signals { count, kinds } => text(
                "# struggle signals of # kinds within # h",
                &[
                    u64::from(count),
                    u64::from(kinds),
                    s.major_signal_window_ms / super::HOUR,
                ],
            ),
            MajorCause::HelpRequested => String::from("the user asked for help"),
        }
    }
}

/// Tracks struggle for one user.
#[derive(Debug, Default)]
pub struct Tracker {
    errors: Vec<Millis>,
    signals: Vec<(SignalKind, Millis)>,
    major: bool,
}

/// Signals remembered at most (the window is what matters; this bounds a flood).
const MAX_SIGNALS: usize = 64;

impl Tracker {
    /// Restores what a previous page load persisted.
    pub fn restore(signals: &[(SignalKind, Millis)], major: bool) -> Tracker {
        let mut signals = signals.to_vec();
        // Insertion sort by time: stable like `sort_by_key`, without std's ~4 KB (raw wasm)
        // stable sort. The list is short (a stored state holds at most 256).
        for i in 1..signals.len() {
            let mut j = i;
            while j > 0 && signals[j - 1].1 > signals[j].1 {
                signals.swap(j - 1, j);
                j -= 1;
            }
        }
        let cut = signals.len().saturating_sub(MAX_SIGNALS);
        signals.drain(..cut);
        Tracker {
            errors: Vec::new(),
            signals,
            major,
        }
    }

    /// Whether `kind` counts as struggle under `cfg`.
    pub fn counts(cfg: &Config, kind: SignalKind) -> bool {
        match kind.family() {
            Family::Error | Family::Confusion => true,
            Family::Abandonment => cfg.routing.abandonment_counts,
            Family::Summary => false,
        }
    }

    /// A counted error happened; returns the cause if this made the session major.
    pub fn on_error(&mut self, cfg: &Config, now: Millis) -> Option<MajorCause> {
        let s = &cfg.signals;
        prune(&mut self.errors, now, s.major_error_window_ms);
        if self.errors.len() < MAX_SIGNALS {
            self.errors.push(now);
        }
        let n = self.errors.len() as u32;
        self.raise((n >= s.major_error_count).then_some(MajorCause::Errors(n)))
    }

    /// A signal fired; returns the cause if this made the session major. Returns whether it
    /// was recorded (so the caller persists) in the second place.
    pub fn on_signal(
        &mut self,
        cfg: &Config,
        kind: SignalKind,
        severity: Severity,
        now: Millis,
    ) -> (Option<MajorCause>, bool) {
        if !Tracker::counts(cfg, kind) {
            return (None, false);
        }
        let s = &cfg.signals;
        self.trim(s.major_signal_window_ms, now);
        if self.signals.len() >= MAX_SIGNALS {
            self.signals.remove(0);
        }
        self.signals.push((kind, now));
        let count = self.signals.len() as u32;
        let mut kinds = 0u32;
        let seen = &self.signals;
        for i in 0..seen.len() {
            // Counted at its first occurrence only.
            if !seen[..i].iter().any(|(j, _)| *j == seen[i].0) {
                kinds += 1;
            }
        }
        let cause = if severity == Severity::Major
            && matches!(
                kind,
                SignalKind::ImportFailure | SignalKind::IntegrationFailure
            ) {
            Some(MajorCause::RepeatedFailure(kind))
        } else if count >= s.major_signal_count && kinds >= s.major_signal_kinds {
            Some(MajorCause::Signals { count, kinds })
        } else {
            None
        };
        (self.raise(cause), true)
    }

    /// The user asked for help.
    pub fn on_help_requested(&mut self) -> Option<MajorCause> {
        self.raise(Some(MajorCause::HelpRequested))
    }

    fn raise(&mut self, cause: Option<MajorCause>) -> Option<MajorCause> {
        if self.major {
            return None;
        }
        self.major = cause.is_some();
        cause
    }

    fn trim(&mut self, window: Millis, now: Millis) {
        // `retain` by hand: the std one's guard and two loops cost more wasm than this.
        let v = &mut self.signals;
        let mut k = 0;
        for i in 0..v.len() {
            let s = v[i];
            if now.saturating_sub(s.1) <= window {
                v[k] = s;
                k += 1;
            }
        }
        v.truncate(k);
    }

    /// Struggle for routing at `now`: major once raised, minor with a counted signal in the
    /// window, else none.
    pub fn level(&mut self, cfg: &Config, now: Millis) -> Struggle {
        self.trim(cfg.signals.major_signal_window_ms, now);
        if self.major {
            Struggle::Major
        } else if self.signals.is_empty() {
            Struggle::None
        } else {
            Struggle::Minor
        }
    }

    /// Major struggle was raised.
    pub fn is_major(&self) -> bool {
        self.major
    }

    /// The signals to persist.
    pub fn signals(&self) -> &[(SignalKind, Millis)] {
        &self.signals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_orders_by_time_keeping_ties_in_stored_order() {
        let stored = [
            (SignalKind::Stall, 30),
            (SignalKind::RageClick, 10),
            (SignalKind::BackLoop, 20),
            (SignalKind::Abandoned, 10),
            (SignalKind::RepeatedError, 5),
        ];
        let t = Tracker::restore(&stored, false);
        assert_eq!(
            t.signals,
            [
                (SignalKind::RepeatedError, 5),
                (SignalKind::RageClick, 10),
                (SignalKind::Abandoned, 10),
                (SignalKind::BackLoop, 20),
                (SignalKind::Stall, 30),
            ]
        );
    }
}
