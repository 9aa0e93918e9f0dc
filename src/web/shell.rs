//! The shell around one engine: feeds it inputs with the wall clock, carries out its outputs
//! (callbacks, tips, events, storage) and keeps the one timer armed for the earliest deadline.

use crate::prelude::*;

use alloc::rc::Rc;

use js_sys::{Function, Object};
use wasm_bindgen::JsValue;
use web_sys::Event;

use super::dom::{self, get, set, to_js, Listener, Observer, Timer};
use super::overlay::{DebugOverlay, OverlayState};
use super::storage::Store;
use super::tip::{TipEvent, TipView};
use super::transport::{uuid_v7, Privacy, Transport};
use super::watch::{self, DomEvent, HistoryHook, Watch};
use crate::core::config::Config;
use crate::core::input::{DismissReason, Input, TipAction};
use crate::core::output::{EventBody, Output};
use crate::core::{Engine, Init};

/// Start options from the loader.
pub struct Options {
    /// Site key.
    pub site: String,
    /// Collector base URL (absolute).
    pub endpoint: String,
    /// Debug logging and overlay.
    pub debug: bool,
    /// Storage and sending allowed.
    pub consent: bool,
}

/// Everything the SDK added to the page, and the engine.
pub struct Shell {
    opts: Options,
    engine: Engine,
    store: Store,
    transport: Transport,
    timer: Timer,
    watch: Watch,
    tips: Vec<(String, TipView)>,
    overlay: Option<DebugOverlay>,
    overlay_state: OverlayState,
    emit: Function,
    emits: Vec<(&'static str, JsValue)>,
    /// `shutdown()` was called while the shell was busy.
    pub stop: bool,
    /// The engine started from stored state (a returning user).
    pub restored: bool,
    /// Every input fed to the engine (tests only).
    #[cfg(test)]
    pub seen: Option<Rc<core::cell::RefCell<Vec<Input>>>>,
    // Declared last: dropped after the state above (listeners may refer to it through `with`).
    listeners: Vec<Listener>,
    observer: Option<Observer>,
    history: Option<HistoryHook>,
}

impl Shell {
    /// A shell for `config`; restores the stored state. Nothing is attached until [`Shell::begin`].
    pub fn new(config: Config, opts: Options, emit: Function) -> Shell {
        let now = dom::now();
        let store = Store::new(&opts.site);
        let restored = if opts.consent {
            store.load_state()
        } else {
            None
        };
        let session = restored
            .as_ref()
            .map(|s| s.session.clone())
            .or_else(|| store.get("session").filter(|s| !s.is_empty()))
            .unwrap_or_else(|| uuid_v7(now));
        if opts.consent {
            store.set("session", &session);
        }
        let privacy = Privacy::detect(opts.consent, config.respect_do_not_track);
        let mut transport = Transport::new(&opts.endpoint, &opts.site, &session, privacy);
        let user = restored.as_ref().and_then(|s| s.user.clone());
        transport.set_user(user.clone());
        let watch = Watch::new(&config);
        let was_restored = restored.is_some();
        let init = Init {
            session,
            user,
            now_ms: now,
            restored,
        };
        Shell {
            engine: Engine::new(config, init),
            store,
            transport,
            timer: Timer::new(|| super::with(|s| s.on_timer())),
            watch,
            tips: Vec::new(),
            overlay: None,
            overlay_state: OverlayState::default(),
            emit,
            emits: Vec::new(),
            stop: false,
            restored: was_restored,
            #[cfg(test)]
            seen: None,
            listeners: Vec::new(),
            observer: None,
            history: None,
            opts,
        }
    }

    /// Attaches to the page: a returning user resumes, listeners go on, the page is scanned.
    pub fn begin(&mut self, resumed: bool) {
        if resumed {
            self.input(Input::Resumed);
        }
        let (listeners, observer, history) = watch::attach();
        self.listeners = listeners;
        self.observer = observer;
        self.history = history;
        self.set_debug(self.opts.debug);
        self.scan();
    }

    fn scan(&mut self) {
        let mut out = Vec::new();
        self.watch.scan(&mut out);
        self.inputs(out);
    }

    /// Feeds one input now.
    pub fn input(&mut self, input: Input) {
        #[cfg(test)]
        if let Some(seen) = &self.seen {
            seen.borrow_mut().push(input.clone());
        }
        self.engine.handle(dom::now(), input);
    }

    fn inputs(&mut self, inputs: Vec<Input>) {
        for i in inputs {
            self.input(i);
        }
    }

    /// `step(id)` from the API: the page's step tracking follows.
    pub fn api_step(&mut self, step: String) {
        let mut out = Vec::new();
        self.watch.enter(step, &mut out);
        self.inputs(out);
    }

    /// A page event.
    pub fn on_dom(&mut self, e: DomEvent, ev: &Event) {
        let now = dom::now();
        match e {
            DomEvent::Visibility => {
                let hidden = dom::document().is_some_and(|d| d.hidden());
                self.input(if hidden {
                    Input::Hidden
                } else {
                    Input::Visible
                });
                if hidden {
                    self.flush_now(true);
                }
            }
            DomEvent::PageHide => {
                self.input(Input::PageExit);
                self.flush_now(true);
            }
            DomEvent::PageShow => {
                // A back/forward cache restore: the same session continues.
                if get(ev, "persisted").as_bool() == Some(true) {
                    self.watch.reset_help();
                    self.input(Input::Resumed);
                }
            }
            _ => {
                if e == DomEvent::Mutation {
                    // An anchor may have appeared or moved.
                    for (_, view) in &self.tips {
                        view.reposition();
                    }
                }
                let mut out = Vec::new();
                self.watch.on_event(e, ev, now, &mut out);
                self.inputs(out);
            }
        }
    }

    fn flush_now(&mut self, beacon: bool) {
        self.pump();
        self.transport.flush(beacon, dom::now());
    }

    fn on_timer(&mut self) {
        self.timer.fired();
        let now = dom::now();
        if self.engine.poll_timeout().is_some_and(|t| t <= now) {
            self.engine.handle_timeout(now);
        }
        let mut out = Vec::new();
        self.watch.poll(now, &mut out);
        self.inputs(out);
        self.transport.poll(now);
    }

    /// Carries out every pending output, then re-arms the one timer for the earliest deadline.
    pub fn pump(&mut self) {
        let now = dom::now();
        let mut changed = false;
        while let Some(out) = self.engine.poll_output() {
            changed = true;
            self.output(out, now);
        }
        if changed {
            if let Some(o) = self.overlay.as_ref() {
                self.overlay_state.step = self.watch.current.clone();
                o.update(&self.overlay_state);
            }
        }
        let at = [
            self.engine.poll_timeout(),
            self.watch.deadline(),
            self.transport.deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        self.timer.arm(at, now);
    }

    fn output(&mut self, out: Output, now: u64) {
        match out {
            Output::Signal(sig) => {
                self.emits.push(("signal", to_js(&sig)));
                let signals = &mut self.overlay_state.signals;
                if signals.len() >= 10 {
                    signals.remove(0);
                }
                signals.push(sig);
            }
            Output::ShowTip(show) => self.show_tip(show),
            Output::HideTip { tip } => {
                self.tips.retain(|t| t.0 != tip);
                let e = Object::new();
                set(&e, "type", &JsValue::from_str("hide"));
                set(&e, "tip", &JsValue::from_str(&tip));
                self.emits.push(("tip", e.into()));
            }
            Output::Tier(d) => {
                self.overlay_state.tier = Some(d.tier);
                self.emits.push(("tier", to_js(&d)));
            }
            Output::Event(ev) => {
                match &ev.body {
                    EventBody::Identify { user, .. } => self.transport.set_user(Some(user.clone())),
                    EventBody::StepCompleted { progress, .. } => {
                        self.overlay_state.progress = *progress
                    }
                    _ => {}
                }
                self.transport.push(&ev, now);
            }
            Output::Persist(state) => {
                if self.opts.consent {
                    self.store.save_state(&state);
                }
            }
            Output::Rejected { reason } => {
                self.note(["rejected: ", &reason].concat());
            }
        }
    }

    fn note(&mut self, line: String) {
        if self.opts.debug {
            dom::log("tip", &JsValue::from_str(&line));
        }
        let tips = &mut self.overlay_state.tips;
        if tips.len() >= 10 {
            tips.remove(0);
        }
        tips.push(line);
    }

    fn show_tip(&mut self, show: crate::core::output::ShowTip) {
        let Some(tip) = self.engine.config().tips.iter().find(|t| t.id == show.tip) else {
            self.note(["no tip ", &show.tip].concat());
            return;
        };
        let id = show.tip.clone();
        let on_event: Rc<dyn Fn(TipEvent)> = Rc::new(move |e| {
            let id = id.clone();
            super::with(move |s| s.tip_event(id, e));
        });
        match TipView::show(tip, &show, on_event) {
            Ok(view) => {
                self.tips.retain(|t| t.0 != show.tip);
                self.tips.push((show.tip.clone(), view));
                self.note(["shown ", &show.tip, " (", show.signal.as_str(), ")"].concat());
                let e = to_js(&show);
                set(&e, "type", &JsValue::from_str("show"));
                self.emits.push(("tip", e));
            }
            Err(e) => {
                self.note(["tip failed ", &show.tip].concat());
                if self.opts.debug {
                    dom::log("tip", &e);
                }
            }
        }
    }

    fn tip_event(&mut self, tip: String, e: TipEvent) {
        let ev = Object::new();
        set(&ev, "tip", &JsValue::from_str(&tip));
        match e {
            TipEvent::Dismissed(reason) => {
                self.tips.retain(|t| t.0 != tip);
                set(&ev, "type", &JsValue::from_str("dismissed"));
                set(&ev, "reason", &JsValue::from_str(reason.as_str()));
                self.emits.push(("tip", ev.into()));
                self.input(Input::TipDismissed { tip, reason });
            }
            TipEvent::Acted(action) => {
                set(&ev, "action", &JsValue::from_str(action.as_str()));
                self.emits.push(("action", ev.into()));
                self.input(Input::TipActed {
                    tip: tip.clone(),
                    action,
                });
                // A guide opened or a person asked for: the tip did its job and closes with
                // reason `action`. "Show me" keeps it open beside the highlighted anchor.
                if action != TipAction::ShowMe {
                    self.tip_event(tip, TipEvent::Dismissed(DismissReason::Action));
                }
            }
        }
    }

    /// Debug logging and the overlay on or off.
    pub fn set_debug(&mut self, on: bool) {
        self.opts.debug = on;
        if on && self.overlay.is_none() {
            self.overlay = DebugOverlay::new().ok();
            if let Some(o) = self.overlay.as_ref() {
                o.update(&self.overlay_state);
            }
        } else if !on {
            self.overlay = None;
        }
    }

    /// Consent given or withdrawn: withdrawing drops queued events and stored state.
    pub fn set_consent(&mut self, on: bool) {
        self.opts.consent = on;
        self.transport.set_enabled(on);
        if !on {
            self.store.remove("state");
            self.store.remove("session");
        }
    }

    /// Whether storage and sending are allowed, and debug is on (tests only).
    #[cfg(test)]
    pub fn flags(&self) -> (bool, bool) {
        (self.opts.consent, self.opts.debug)
    }

    /// The event transport (its asynchronous callbacks come back through [`super::with`]).
    pub fn transport(&mut self) -> &mut Transport {
        &mut self.transport
    }

    /// The callback outputs queued for JS, and the function to call with them.
    pub fn take_emits(&mut self) -> (Vec<(&'static str, JsValue)>, Function, bool) {
        (
            core::mem::take(&mut self.emits),
            self.emit.clone(),
            self.opts.debug,
        )
    }

    /// Sends what is queued before the shell is dropped by `shutdown()`.
    pub fn finish(&mut self) {
        self.flush_now(true);
    }
}
