//! The sans-IO engine, one per browser session.
//!
//! Call [`Engine::handle`] for each input and [`Engine::handle_timeout`] when the time from
//! [`Engine::poll_timeout`] has come; after either, drain [`Engine::poll_output`].
//!
//! Time only moves forward: a `now_ms` earlier than one already seen (a bad or adjusted clock)
//! is taken as the latest time seen, and all arithmetic on times saturates.
//!
//! Output order, for one call: events for the input itself (step entered, error, ...), then
//! for each signal its `Signal`, its `Event`, and the `ShowTip` + tip `Event` it triggered;
//! `major_struggle` after the signals that caused it; tier decisions as they are made; at most
//! one `Persist`, last. Timers that came due before an input run first, at their own times.

use super::config::Config;
use super::input::{ErrorKind, Input, TipAction, Traits};
use super::output::{Event, EventBody, Output, Signal};
use super::progress;
use super::routing::{route, Checkpoint, Facts, Tier};
use super::severity::{MajorCause, Tracker};
use super::signal::{Severity, SignalKind};
use super::signals::{earliest, returned_no_resume, Ctx, Detectors, Fire, Fired};
use super::state::State;
use super::tips::Tips;
use super::{Millis, HOUR};
use crate::prelude::*;

/// What an engine starts from.
#[derive(Clone, Debug, Default)]
pub struct Init {
    /// Session id chosen by the shell.
    pub session: String,
    /// Host user id, if already known.
    pub user: Option<String>,
    /// The time now.
    pub now_ms: Millis,
    /// State restored from storage: a returning user.
    pub restored: Option<State>,
}

/// The timed tier checkpoints, after signup.
const TIMED: [(Checkpoint, Millis); 3] = [
    (Checkpoint::H24, 24 * HOUR),
    (Checkpoint::H48, 48 * HOUR),
    (Checkpoint::H72, 72 * HOUR),
];

/// The struggle engine.
#[derive(Debug)]
pub struct Engine {
    config: Config,
    out: Vec<Output>,
    /// The latest time seen.
    now: Millis,
    /// The persisted part; `step`, `completed`, `struggle`, `major_raised` and `last_seen`
    /// are filled in when a `Persist` is emitted.
    state: State,
    /// `done[i]`: step `i` is completed.
    done: Vec<bool>,
    /// Highest fraction reported per step.
    fractions: Vec<f64>,
    step: Option<usize>,
    visible: bool,
    /// When the user was last seen: the previous input, else the restored `last_seen`
    /// (`None` when unknown). Tells a return from a page navigation.
    last_seen: Option<Millis>,
    detectors: Detectors,
    struggle: Tracker,
    tips: Tips,
    /// Persisted state changed since the last `Persist`.
    dirty: bool,
    /// Scratch space for signals, reused to avoid an allocation per input.
    fired: Fired,
}

impl Engine {
    /// A new engine for one session.
    pub fn new(config: Config, init: Init) -> Engine {
        let n = config.steps.len();
        let returning = init.restored.is_some();
        let mut state = init.restored.unwrap_or_default();
        state.session = init.session;
        if let Some(u) = init.user.filter(|u| !u.is_empty()) {
            if state.user.as_ref().is_some_and(|old| *old != u) {
                // Someone else on this browser: nothing of the previous user applies.
                state = State {
                    session: state.session,
                    ..State::default()
                };
            }
            state.user = Some(u);
        }
        let mut done = vec![false; n];
        for id in &state.completed {
            if let Some((i, _)) = config.step(id) {
                if let Some(d) = done.get_mut(i) {
                    *d = true;
                }
            }
        }
        if progress::all_required_done(&config.steps, &done) {
            state.onboarding_complete = true;
        }
        let struggle = Tracker::restore(&state.struggle, state.major_raised);
        let last_seen = (returning && state.last_seen > 0).then_some(state.last_seen);
        let away = last_seen.map(|t| init.now_ms.saturating_sub(t));
        let mut detectors = Detectors::default();
        if returning
            && !state.onboarding_complete
            && returned_no_resume::is_return(away, &config.signals)
        {
            detectors
                .returned_no_resume
                .arm(init.now_ms, config.signals.return_grace_ms);
        }
        Engine {
            now: init.now_ms,
            fractions: vec![0.0; n],
            done,
            step: None,
            visible: true,
            last_seen,
            detectors,
            struggle,
            tips: Tips::default(),
            dirty: false,
            fired: Vec::new(),
            out: Vec::new(),
            state,
            config,
        }
    }

    /// The config in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Weighted onboarding progress, 0.0 to 1.0.
    pub fn progress(&self) -> f64 {
        progress::fraction(&self.config.steps, &self.done)
    }

    /// The current tier, once routed.
    pub fn tier(&self) -> Option<Tier> {
        self.state.tier
    }

    /// The session is in major struggle.
    pub fn is_major(&self) -> bool {
        self.struggle.is_major()
    }

    /// The state a `Persist` would carry now.
    pub fn state(&self) -> State {
        // Field by field: `self.state`'s own step, completed and struggle are stale, so they
        // are not cloned only to be replaced.
        let s = &self.state;
        State {
            session: s.session.clone(),
            user: s.user.clone(),
            traits: s.traits.clone(),
            step: self.step_id(self.step),
            completed: self.completed_ids(),
            onboarding_complete: s.onboarding_complete,
            signup_at: s.signup_at,
            tier: s.tier,
            checkpoints: s.checkpoints.clone(),
            retired_tips: s.retired_tips.clone(),
            tip_shown_at: s.tip_shown_at.clone(),
            struggle: self.struggle.signals().to_vec(),
            major_raised: self.struggle.is_major(),
            last_seen: self.now,
        }
    }

    /// Feeds one input. Timers due by `now_ms` run first, at their own times.
    pub fn handle(&mut self, now_ms: Millis, input: Input) {
        let now = now_ms.max(self.now);
        self.run_due(now);
        self.now = now;
        let away = self.last_seen.map(|t| now.saturating_sub(t));
        self.last_seen = Some(now);
        if let Err(reason) = self.apply(now, &input, away) {
            self.out.push(Output::Rejected { reason });
        }
        self.flush();
    }

    /// Runs every timer due at or before `now_ms`, each at its own time, in time order.
    pub fn handle_timeout(&mut self, now_ms: Millis) {
        let now = now_ms.max(self.now);
        self.run_due(now);
        self.now = now;
        self.flush();
    }

    /// The next time the engine needs [`Engine::handle_timeout`]; `None` if no timer is armed.
    ///
    /// Never earlier than the latest `now_ms` seen (an overdue timer, such as a 24 h checkpoint
    /// restored on a later page load, answers that time: call `handle_timeout` at once).
    /// Its answer can change after [`Engine::new`], [`Engine::handle`] and
    /// [`Engine::handle_timeout`], and after nothing else: [`Engine::poll_output`] never
    /// changes it. Timers: `stall`, `help_unresolved`, `step_timeout`, `abandoned`,
    /// `returned_no_resume`, and the 24/48/72 h tier checkpoints.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.next_deadline().map(|d| d.max(self.now))
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        // A Vec, not a VecDeque: the queue holds a few outputs per call and is drained at once,
        // so shifting costs nothing worth a second collection type's code in the wasm.
        (!self.out.is_empty()).then(|| self.out.remove(0))
    }

    fn started(&self) -> bool {
        self.step.is_some() || self.state.step.is_some() || self.done.contains(&true)
    }

    fn complete(&self) -> bool {
        self.state.onboarding_complete
    }

    fn next_deadline(&self) -> Option<Millis> {
        let d = if self.complete() {
            None
        } else {
            self.detectors.deadline()
        };
        earliest(d, self.tier_deadline())
    }

    fn tier_deadline(&self) -> Option<Millis> {
        self.next_timed().map(|(_, at)| at)
    }

    /// The next timed checkpoint not yet passed and when it is due (none once graduated or
    /// before signup).
    fn next_timed(&self) -> Option<(Checkpoint, Millis)> {
        if self.state.tier == Some(Tier::Graduated) {
            return None;
        }
        let signup = self.state.signup_at?;
        let &(cp, after) = TIMED
            .iter()
            .find(|(c, _)| !self.state.checkpoints.contains(c))?;
        Some((cp, signup.saturating_add(after)))
    }

    fn run_due(&mut self, now: Millis) {
        // Each round clears at least the timer that was due; the bound only guards a bug.
        for _ in 0..64 {
            let Some(at) = self.next_deadline() else {
                break;
            };
            if at > now {
                break;
            }
            // An overdue timer (restored state) is reported at the latest time seen.
            let at = at.max(self.now);
            if !self.complete() && self.detectors.deadline().is_some_and(|d| d <= at) {
                let mut fired = core::mem::take(&mut self.fired);
                let ctx = Engine::ctx(
                    &self.config,
                    &self.done,
                    self.step,
                    self.visible,
                    self.started(),
                    self.step,
                    false,
                );
                self.detectors.on_timeout(&ctx, at, &mut fired);
                self.emit_all(at, &mut fired, None);
                self.fired = fired;
            }
            if let Some((cp, due)) = self.next_timed() {
                if due <= at {
                    self.checkpoint(cp, at);
                }
            }
        }
    }

    /// The detectors' view of the session. A free function of the fields it reads, so the
    /// detectors (another field) can be borrowed mutably beside it.
    #[allow(clippy::too_many_arguments)]
    fn ctx<'a>(
        config: &'a Config,
        done: &'a [bool],
        step: Option<usize>,
        visible: bool,
        started: bool,
        prev_step: Option<usize>,
        progress: bool,
    ) -> Ctx<'a> {
        Ctx {
            cfg: &config.signals,
            steps: &config.steps,
            step,
            prev_step,
            progress,
            step_done: step.is_some_and(|i| done.get(i).copied().unwrap_or(false)),
            done,
            visible,
            error_step: None,
            error_counts: false,
            away: None,
            started,
        }
    }

    /// The ids of the completed steps, in config order.
    fn completed_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for (s, &d) in self.config.steps.iter().zip(&self.done) {
            if d {
                ids.push(s.id.clone());
            }
        }
        ids
    }

    fn step_id(&self, i: Option<usize>) -> Option<String> {
        Some(self.config.steps.get(i?)?.id.clone())
    }

    /// The index of a step named by an input.
    fn step_index(&self, id: &str) -> Result<usize, String> {
        if id.is_empty() {
            return Err(String::from("empty step id"));
        }
        match self.config.step(id) {
            Some((i, _)) => Ok(i),
            None => Err(unknown("unknown step \"", id)),
        }
    }

    fn tip_index(&self, id: &str) -> Result<usize, String> {
        if id.is_empty() {
            return Err(String::from("empty tip id"));
        }
        self.config
            .tips
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| unknown("unknown tip \"", id))
    }

    fn event(&mut self, t: Millis, body: EventBody) {
        self.out.push(Output::Event(Event { t, body }));
    }

    /// Validates and applies one input, then asks the detectors.
    fn apply(&mut self, now: Millis, input: &Input, away: Option<Millis>) -> Result<(), String> {
        let prev = self.step;
        let mut progress = false;
        let mut error_step = None;
        let mut error_counts = false;
        let mut major: Option<MajorCause> = None;
        let mut completes = false;
        match input {
            Input::Identify { user, traits } => {
                if user.is_empty() {
                    return Err(String::from("empty user id"));
                }
                self.identify(now, user, traits);
            }
            Input::StepEntered { step } => {
                let i = self.step_index(step)?;
                if prev != Some(i) {
                    self.step = Some(i);
                    self.dirty = true;
                    self.event(now, EventBody::StepEntered { step: step.clone() });
                    self.tips
                        .on_step_change(&self.config, self.step, false, now, &mut self.out);
                }
            }
            Input::StepProgress { step, fraction } => {
                let i = self.step_index(step)?;
                if !(0.0..=1.0).contains(fraction) {
                    return Err(String::from("fraction must be a number from 0 to 1"));
                }
                if let Some(f) = self.fractions.get_mut(i) {
                    if *fraction > *f {
                        *f = *fraction;
                        progress = true;
                    }
                }
            }
            Input::FieldCompleted { step, field } => {
                self.step_index(step)?;
                if field.is_empty() {
                    return Err(String::from("empty field name"));
                }
                progress = true;
            }
            Input::StepCompleted { step } => {
                let i = self.step_index(step)?;
                if let Some(d) = self.done.get_mut(i) {
                    if !*d {
                        *d = true;
                        progress = true;
                        self.dirty = true;
                        let p = self.progress();
                        self.event(
                            now,
                            EventBody::StepCompleted {
                                step: step.clone(),
                                progress: p,
                            },
                        );
                        completes = progress::all_required_done(&self.config.steps, &self.done);
                    }
                }
            }
            Input::OnboardingCompleted => completes = true,
            Input::Error(e) => {
                error_step = match &e.step {
                    Some(s) => Some(self.step_index(s)?),
                    None => self.step,
                };
                error_counts =
                    e.kind != ErrorKind::Script || self.config.signals.script_errors_count;
                if error_counts {
                    let mut e = e.clone();
                    e.step = self.step_id(error_step);
                    self.event(now, EventBody::Error(e));
                    if !self.complete() {
                        major = self.struggle.on_error(&self.config, now);
                    }
                }
            }
            Input::Click { x, y, .. } => {
                if !(x.is_finite() && y.is_finite()) {
                    return Err(String::from("click coordinates must be finite numbers"));
                }
            }
            Input::HelpOpened { .. } | Input::HelpClosed | Input::Resumed => {}
            Input::HelpRequested => {
                self.event(now, EventBody::HelpRequested);
                major = self.struggle.on_help_requested();
            }
            Input::Hidden => {
                self.visible = false;
                // Remember when the user was last here, for a later return.
                self.dirty = true;
            }
            Input::Visible => self.visible = true,
            Input::PageExit => self.dirty = true,
            Input::TipDismissed { tip, reason } => {
                let i = self.tip_index(tip)?;
                if self.tips.on_dismissed(
                    &self.config,
                    &mut self.state,
                    i,
                    *reason,
                    now,
                    &mut self.out,
                ) {
                    self.dirty = true;
                }
            }
            Input::TipActed { tip, action } => {
                self.tip_index(tip)?;
                self.event(
                    now,
                    EventBody::TipActed {
                        tip: tip.clone(),
                        action: *action,
                    },
                );
                if *action == TipAction::GetHelp {
                    // "Get help" on a tip is the user asking for a person: major, as the seed's
                    // "direct request for help".
                    self.event(now, EventBody::HelpRequested);
                    major = self.struggle.on_help_requested();
                }
            }
            Input::Track { name, props } => {
                if name.is_empty() {
                    return Err(String::from("empty track name"));
                }
                self.event(
                    now,
                    EventBody::Track {
                        name: name.clone(),
                        props: props.clone(),
                    },
                );
            }
        }
        if completes && !self.complete() {
            self.state.onboarding_complete = true;
            self.dirty = true;
            self.event(now, EventBody::OnboardingCompleted);
            self.tips
                .on_step_change(&self.config, self.step, true, now, &mut self.out);
            if !self.state.checkpoints.contains(&Checkpoint::Completed) {
                self.checkpoint(Checkpoint::Completed, now);
            }
        }
        if self.complete() {
            // Past onboarding nothing is struggle; a help request still is worth a person.
            if let Some(cause) = major {
                self.raise_major(now, cause);
            }
            return Ok(());
        }
        let mut fired = core::mem::take(&mut self.fired);
        let ctx = Ctx {
            error_step,
            error_counts,
            away,
            ..Engine::ctx(
                &self.config,
                &self.done,
                self.step,
                self.visible,
                self.started(),
                prev,
                progress,
            )
        };
        self.detectors.on_input(&ctx, now, input, &mut fired);
        self.emit_all(now, &mut fired, major);
        self.fired = fired;
        Ok(())
    }

    /// Emits every fired signal (skipping disabled ones), then `major_struggle` if any of them,
    /// or `major`, made the session major.
    fn emit_all(&mut self, now: Millis, fired: &mut Fired, mut major: Option<MajorCause>) {
        // By reference then one clear, not `drain`: no Drain iterator code in the wasm.
        for f in fired.iter_mut() {
            if self.config.signals.disabled.contains(&f.kind) {
                continue;
            }
            let (cause, recorded) = self
                .struggle
                .on_signal(&self.config, f.kind, f.severity, now);
            major = major.or(cause);
            self.dirty |= recorded;
            self.emit(now, f);
        }
        fired.clear();
        if let Some(cause) = major {
            self.raise_major(now, cause);
        }
    }

    fn raise_major(&mut self, now: Millis, cause: MajorCause) {
        self.dirty = true;
        if self
            .config
            .signals
            .disabled
            .contains(&SignalKind::MajorStruggle)
        {
            return;
        }
        let mut f = Fire {
            severity: Severity::Major,
            ..Fire::minor(
                SignalKind::MajorStruggle,
                self.step,
                1,
                cause.detail(&self.config),
            )
        };
        self.emit(now, &mut f);
    }

    fn emit(&mut self, now: Millis, f: &mut Fire) {
        let s = Signal {
            kind: f.kind,
            step: self.step_id(f.step),
            severity: f.severity,
            count: f.count,
            // The tips only look at the kind, step and code.
            detail: core::mem::take(&mut f.detail),
        };
        self.out.push(Output::Signal(s.clone()));
        self.event(now, EventBody::Signal(s));
        if self
            .tips
            .on_signal(&self.config, &mut self.state, now, f, &mut self.out)
        {
            self.dirty = true;
        }
    }

    fn identify(&mut self, now: Millis, user: &str, traits: &Traits) {
        if self.state.user.as_deref().is_some_and(|u| u != user) {
            // A different user on this browser: start them from scratch.
            let session = core::mem::take(&mut self.state.session);
            self.state = State {
                session,
                ..State::default()
            };
            self.done.fill(false);
            self.fractions.fill(0.0);
            self.struggle = Tracker::default();
            self.detectors = Detectors::default();
            self.tips
                .on_step_change(&self.config, None, true, now, &mut self.out);
        }
        self.state.user = Some(String::from(user));
        self.state.traits = traits.clone();
        self.dirty = true;
        self.event(
            now,
            EventBody::Identify {
                user: String::from(user),
                traits: traits.clone(),
            },
        );
        if self.state.signup_at.is_none() {
            self.state.signup_at = Some(now);
            self.checkpoint(Checkpoint::Signup, now);
        }
    }

    fn checkpoint(&mut self, cp: Checkpoint, now: Millis) {
        let facts = Facts {
            traits: self.state.traits.clone(),
            progress: self.progress(),
            struggle: self.struggle.level(&self.config, now),
            completed: self.complete(),
        };
        let d = route(cp, &facts, self.state.tier, &self.config.routing.thresholds);
        self.state.tier = Some(d.tier);
        if !self.state.checkpoints.contains(&cp) {
            self.state.checkpoints.push(cp);
        }
        self.dirty = true;
        self.out.push(Output::Tier(d.clone()));
        self.event(now, EventBody::Tier(d));
    }

    fn flush(&mut self) {
        if self.dirty {
            self.dirty = false;
            let s = self.state();
            self.out.push(Output::Persist(s));
        }
    }
}

/// `what` (`unknown step "`), at most 64 bytes of `id` (cut on a char boundary), and `"`.
fn unknown(what: &str, id: &str) -> String {
    let mut s = String::from(what);
    s.push_str(clip(id));
    s.push('"');
    s
}

/// At most 64 bytes of an input string in a rejection reason (cut on a char boundary).
fn clip(s: &str) -> &str {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}
