//! One module per signal, each with the same shape (see [`Detector`]).
//!
//! The engine turns every input into a [`Ctx`] (which step is current, whether the input was
//! progress, whether the page is visible, ...) so each detector only holds its own rule:
//! it looks at the input, may push a [`Fire`] into [`Fired`], and says when it next needs
//! waking with [`Detector::deadline`]. Disabled signals, severity, events and tips are the
//! engine's business, not the detectors'.

use crate::prelude::*;

pub mod abandoned;
pub mod back_loop;
mod failure;
pub mod help_unresolved;
pub mod import_failure;
pub mod integration_failure;
pub mod rage_click;
pub mod repeated_error;
pub mod returned_no_resume;
pub mod stall;
pub mod step_timeout;

use super::config::{SignalConfig, Step};
use super::input::{ErrorInfo, Input};
use super::signal::{Severity, SignalKind};
use super::Millis;

/// What a detector may know about the session besides the input itself.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    /// Thresholds.
    pub cfg: &'a SignalConfig,
    /// The configured steps (indices below refer to these).
    pub steps: &'a [Step],
    /// The current step after this input.
    pub step: Option<usize>,
    /// The current step before this input.
    pub prev_step: Option<usize>,
    /// This input was progress: a field completed, a fraction increased, a step completed.
    pub progress: bool,
    /// The current step is already completed.
    pub step_done: bool,
    /// Which steps are completed (`done[i]` for `steps[i]`).
    pub done: &'a [bool],
    /// The page is visible.
    pub visible: bool,
    /// For an `Error` input: the step it happened on (its own, else the current one).
    pub error_step: Option<usize>,
    /// For an `Error` input: it counts as struggle (script errors only when configured).
    pub error_counts: bool,
    /// Time since the user was last seen before this input (`None` when unknown).
    pub away: Option<Millis>,
    /// Onboarding has started: a step was entered or completed, now or on an earlier load.
    pub started: bool,
}

impl Ctx<'_> {
    /// The id of step `i`.
    pub fn step_id(&self, i: Option<usize>) -> Option<String> {
        Some(self.steps.get(i?)?.id.clone())
    }

    /// Step `i` is completed.
    pub fn is_done(&self, i: usize) -> bool {
        self.done.get(i).copied().unwrap_or(false)
    }
}

/// One signal a detector raised.
#[derive(Clone, Debug, PartialEq)]
pub struct Fire {
    /// Which signal.
    pub kind: SignalKind,
    /// The step it concerns.
    pub step: Option<usize>,
    /// Minor, or major (a repeated import or integration failure).
    pub severity: Severity,
    /// How many times the behaviour was seen.
    pub count: u32,
    /// Short explanation (integers only: no float formatting on the wasm path).
    pub detail: String,
    /// The error code behind it, for tip triggers with a `code`.
    pub code: Option<String>,
}

impl Fire {
    /// A minor signal with no code.
    pub fn minor(kind: SignalKind, step: Option<usize>, count: u32, detail: String) -> Fire {
        Fire {
            kind,
            step,
            severity: Severity::Minor,
            count,
            detail,
            code: None,
        }
    }
}

/// The signals raised while handling one input or timer.
pub type Fired = Vec<Fire>;

/// The shape every signal module has.
pub trait Detector {
    /// Looks at one input (already validated and applied to the session's state).
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired);
    /// The time from [`Detector::deadline`] has come (`now` is at or after it).
    fn on_timeout(&mut self, ctx: &Ctx<'_>, now: Millis, fired: &mut Fired) {
        let _ = (ctx, now, fired);
    }
    /// When this detector next needs [`Detector::on_timeout`]; `None` if no timer is armed.
    fn deadline(&self) -> Option<Millis> {
        None
    }
}

/// Identifies "the same error": its step plus its code, or its normalised message when it has
/// no code, or its kind when it has neither.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorKey {
    /// Step index.
    pub step: Option<usize>,
    /// Code, normalised message, or kind name.
    pub what: String,
}

impl ErrorKey {
    /// The key of an error on `step`.
    pub fn of(e: &ErrorInfo, step: Option<usize>) -> ErrorKey {
        let what = match (&e.code, &e.message) {
            (Some(c), _) if !c.is_empty() => c.clone(),
            (_, Some(m)) => {
                let n = normalise(m);
                if n.is_empty() {
                    String::from(kind_name(e))
                } else {
                    n
                }
            }
            _ => String::from(kind_name(e)),
        };
        ErrorKey { step, what }
    }
}

fn kind_name(e: &ErrorInfo) -> &'static str {
    use super::input::ErrorKind::*;
    match e.kind {
        Validation => "validation",
        Import => "import",
        Integration => "integration",
        Network => "network",
        Script => "script",
    }
}

/// Normalises a message so the same error with different numbers or spacing matches:
/// ASCII lower case, every run of digits as `#`, whitespace collapsed, at most 200 characters.
pub fn normalise(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len().min(200));
    let mut last = ' ';
    for c in msg.chars() {
        if out.len() >= 200 {
            break;
        }
        let c = if c.is_ascii_digit() {
            '#'
        } else if c.is_ascii_whitespace() || c == '\u{a0}' {
            ' '
        } else {
            c
        };
        if (c == '#' || c == ' ') && c == last {
            continue;
        }
        // ASCII only: `char::to_lowercase` brings Unicode case tables (~10 KB) into the wasm.
        out.push(c.to_ascii_lowercase());
        last = c;
    }
    // A leading ' ' was never pushed (`last` starts as ' '), and runs of ' ' are one: only a
    // single trailing ' ' can be left to drop.
    if out.ends_with(' ') {
        out.truncate(out.len() - 1);
    }
    out
}

/// `template` with each `#` replaced by the next of `nums` in decimal (a `#` past the last
/// number is dropped). The engine's short texts are built with this one function: each
/// `format!` call site costs wasm bytes for its argument tables.
#[inline(never)]
pub fn text(template: &str, nums: &[u64]) -> String {
    let mut out = String::new();
    let mut nums = nums.iter();
    for c in template.chars() {
        if c != '#' {
            out.push(c);
        } else if let Some(&n) = nums.next() {
            super::json::push_u64(&mut out, n);
        }
    }
    out
}

/// One distinct error remembered by `repeated_error` or a failure detector.
#[derive(Debug)]
pub(crate) struct Seen {
    /// Which error.
    pub(crate) key: ErrorKey,
    /// The code of the first error with this key.
    pub(crate) code: Option<String>,
    /// When it occurred within the window, oldest first.
    pub(crate) times: Vec<Millis>,
    /// How many times it occurred in all.
    pub(crate) total: u32,
    /// Fired since the last progress (`repeated_error` only; the failure detectors leave it
    /// false, so for them the oldest entry is the one forgotten).
    pub(crate) fired: bool,
}

/// Records error `e` on `step` at `now` in `seen`, the one bookkeeping `repeated_error` and the
/// failure detectors share: finds its entry or adds one (forgetting the oldest entry that has
/// not fired, else the oldest, once `max` are kept), drops times older than `window` and counts
/// this one.
#[inline(never)]
pub(crate) fn record<'a>(
    seen: &'a mut Vec<Seen>,
    e: &ErrorInfo,
    step: Option<usize>,
    now: Millis,
    window: Millis,
    max: usize,
) -> Option<&'a mut Seen> {
    let key = ErrorKey::of(e, step);
    let i = match seen.iter().position(|s| s.key == key) {
        Some(i) => i,
        None => {
            if seen.len() >= max {
                let quiet = seen.iter().position(|s| !s.fired).unwrap_or(0);
                seen.remove(quiet);
            }
            seen.push(Seen {
                key,
                code: e.code.clone(),
                times: Vec::new(),
                total: 0,
                fired: false,
            });
            seen.len() - 1
        }
    };
    let s = seen.get_mut(i)?;
    prune(&mut s.times, now, window);
    s.times.push(now);
    s.total = s.total.saturating_add(1);
    Some(s)
}

/// The earlier of two optional times.
pub fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Drops times older than `window` before `now` (times are kept sorted, oldest first).
pub(crate) fn prune(times: &mut Vec<Millis>, now: Millis, window: Millis) {
    let cut = times
        .iter()
        .position(|&t| now.saturating_sub(t) <= window)
        .unwrap_or(times.len());
    // Not `drain`: its iterator and drop guard cost more wasm than a shift and a truncate.
    times.copy_within(cut.., 0);
    times.truncate(times.len() - cut);
}

/// Every detector, in the order they are asked.
#[derive(Debug, Default)]
pub struct Detectors {
    /// `repeated_error`.
    pub repeated_error: repeated_error::RepeatedError,
    /// `import_failure`.
    pub import_failure: import_failure::ImportFailure,
    /// `integration_failure`.
    pub integration_failure: integration_failure::IntegrationFailure,
    /// `stall`.
    pub stall: stall::Stall,
    /// `back_loop`.
    pub back_loop: back_loop::BackLoop,
    /// `help_unresolved`.
    pub help_unresolved: help_unresolved::HelpUnresolved,
    /// `step_timeout`.
    pub step_timeout: step_timeout::StepTimeout,
    /// `abandoned`.
    pub abandoned: abandoned::Abandoned,
    /// `returned_no_resume`.
    pub returned_no_resume: returned_no_resume::ReturnedNoResume,
    /// `rage_click`.
    pub rage_click: rage_click::RageClick,
}

impl Detectors {
    // Direct calls rather than a `[&mut dyn Detector]`: no vtables, and detectors without a
    // timer drop out of `on_timeout` and `deadline` at compile time.

    /// Feeds one input to every detector.
    pub fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired) {
        self.repeated_error.on_input(ctx, now, input, fired);
        self.import_failure.on_input(ctx, now, input, fired);
        self.integration_failure.on_input(ctx, now, input, fired);
        self.stall.on_input(ctx, now, input, fired);
        self.back_loop.on_input(ctx, now, input, fired);
        self.help_unresolved.on_input(ctx, now, input, fired);
        self.step_timeout.on_input(ctx, now, input, fired);
        self.abandoned.on_input(ctx, now, input, fired);
        self.returned_no_resume.on_input(ctx, now, input, fired);
        self.rage_click.on_input(ctx, now, input, fired);
    }

    /// Runs every detector whose deadline is at or before `now` (the ones with timers, in the
    /// order of [`Detectors::on_input`]).
    pub fn on_timeout(&mut self, ctx: &Ctx<'_>, now: Millis, fired: &mut Fired) {
        fn due(d: &mut impl Detector, ctx: &Ctx<'_>, now: Millis, fired: &mut Fired) {
            if d.deadline().is_some_and(|t| t <= now) {
                d.on_timeout(ctx, now, fired);
            }
        }
        due(&mut self.stall, ctx, now, fired);
        due(&mut self.help_unresolved, ctx, now, fired);
        due(&mut self.step_timeout, ctx, now, fired);
        due(&mut self.abandoned, ctx, now, fired);
        due(&mut self.returned_no_resume, ctx, now, fired);
    }

    /// The earliest deadline of all detectors.
    pub fn deadline(&self) -> Option<Millis> {
        let mut at = self.stall.deadline();
        for d in [
            self.help_unresolved.deadline(),
            self.step_timeout.deadline(),
            self.abandoned.deadline(),
            self.returned_no_resume.deadline(),
        ] {
            at = earliest(at, d);
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_collapses_numbers_case_and_space() {
        assert_eq!(
            normalise("  Row 12  has  3 columns "),
            normalise("row 7 has 15 columns")
        );
        assert_eq!(normalise("Row 12 has 3\tcolumns"), "row # has # columns");
        assert_ne!(normalise("bad email"), normalise("bad phone"));
        // Whitespace of any kind at either end goes; inside, runs become one space.
        assert_eq!(normalise(" \u{a0}\tA\u{a0} \u{a0}b 12 \n"), "a b #");
        assert_eq!(normalise(" \t\u{a0} "), "");
        assert_eq!(normalise("x "), "x");
        assert_eq!(normalise("Éx"), "Éx");
    }

    #[test]
    fn text_fills_numbers_in() {
        assert_eq!(text("a # b # c", &[1, 20]), "a 1 b 20 c");
        assert_eq!(text("x#y", &[0, 7]), "x0y");
        assert_eq!(text("only", &[]), "only");
        assert_eq!(text("n=#", &[u64::MAX]), "n=18446744073709551615");
        assert_eq!(text("#é#", &[3]), "3é");
        assert_eq!(text("", &[3]), "");
    }

    #[test]
    fn prune_keeps_the_window_inclusive() {
        let mut t = vec![0, 5, 10];
        prune(&mut t, 15, 10);
        assert_eq!(t, vec![5, 10]);
        prune(&mut t, 100, 10);
        assert!(t.is_empty());
    }
}
