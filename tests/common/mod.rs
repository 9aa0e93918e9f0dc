//! A virtual-clock driver for the engine, shared by the scenario tests.
#![allow(dead_code)]

use unstuck::core::config::{SignalConfig, Step};
use unstuck::core::{
    Config, Engine, ErrorInfo, ErrorKind, Init, Input, Output, Severity, SignalKind, State,
};

pub const SEC: u64 = 1000;
pub const MIN: u64 = 60 * SEC;
pub const HOUR: u64 = 60 * MIN;
/// Where every scenario's clock starts (a realistic epoch time, so underflows would show).
pub const T0: u64 = 1_733_300_000_000;

pub fn step(id: &str) -> Step {
    Step {
        id: id.into(),
        weight: 1.0,
        required: true,
        selector: None,
        url: None,
        title: None,
    }
}

/// Five steps: account, profile, import, integrate, invite.
pub fn config() -> Config {
    Config {
        steps: ["account", "profile", "import", "integrate", "invite"]
            .iter()
            .map(|s| step(s))
            .collect(),
        ..Default::default()
    }
}

pub fn config_with(signals: SignalConfig) -> Config {
    Config {
        signals,
        ..config()
    }
}

/// An engine plus every output it produced, stamped with the virtual time it came out at.
pub struct Run {
    pub engine: Engine,
    pub now: u64,
    pub outputs: Vec<(u64, Output)>,
}

impl Run {
    pub fn new(config: Config) -> Run {
        Run::with(config, None)
    }

    pub fn with(config: Config, restored: Option<State>) -> Run {
        let engine = Engine::new(
            config,
            Init {
                session: "s1".into(),
                user: None,
                now_ms: T0,
                restored,
            },
        );
        let mut r = Run {
            engine,
            now: T0,
            outputs: Vec::new(),
        };
        r.drain();
        r
    }

    fn drain(&mut self) {
        while let Some(o) = self.engine.poll_output() {
            self.outputs.push((self.now, o));
        }
    }

    /// Advances the virtual clock to `T0 + at`, firing every timer on its exact time.
    pub fn until(&mut self, at: u64) -> &mut Self {
        let target = T0 + at;
        while let Some(t) = self.engine.poll_timeout() {
            if t > target {
                break;
            }
            assert!(t >= self.now, "poll_timeout went back: {t} < {}", self.now);
            self.now = t;
            self.engine.handle_timeout(t);
            self.drain();
        }
        self.now = self.now.max(target);
        self
    }

    /// Advances to `T0 + at` and feeds `input` there.
    pub fn at(&mut self, at: u64, input: Input) -> &mut Self {
        self.until(at);
        self.engine.handle(self.now, input);
        self.drain();
        self
    }

    /// Signals so far: (ms since T0, kind, step, severity).
    pub fn signals(&self) -> Vec<(u64, SignalKind, Option<String>, Severity)> {
        self.outputs
            .iter()
            .filter_map(|(t, o)| match o {
                Output::Signal(s) => Some((t - T0, s.kind, s.step.clone(), s.severity)),
                _ => None,
            })
            .collect()
    }

    /// Signals of one kind so far, as (ms since T0, step).
    pub fn fired(&self, kind: SignalKind) -> Vec<(u64, Option<String>)> {
        self.signals()
            .into_iter()
            .filter(|s| s.1 == kind)
            .map(|s| (s.0, s.2))
            .collect()
    }

    pub fn count(&self, kind: SignalKind) -> usize {
        self.fired(kind).len()
    }

    pub fn rejected(&self) -> Vec<String> {
        self.outputs
            .iter()
            .filter_map(|(_, o)| match o {
                Output::Rejected { reason } => Some(reason.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn last_persist(&self) -> Option<State> {
        self.outputs.iter().rev().find_map(|(_, o)| match o {
            Output::Persist(s) => Some(s.clone()),
            _ => None,
        })
    }
}

pub fn enter(s: &str) -> Input {
    Input::StepEntered { step: s.into() }
}

pub fn done(s: &str) -> Input {
    Input::StepCompleted { step: s.into() }
}

pub fn field(s: &str, f: &str) -> Input {
    Input::FieldCompleted {
        step: s.into(),
        field: f.into(),
    }
}

pub fn error(kind: ErrorKind, code: Option<&str>, message: Option<&str>) -> Input {
    Input::Error(ErrorInfo {
        step: None,
        kind,
        code: code.map(Into::into),
        message: message.map(Into::into),
        field: None,
    })
}

pub fn validation(code: &str) -> Input {
    error(ErrorKind::Validation, Some(code), None)
}

pub fn click(x: f64, y: f64) -> Input {
    Input::Click {
        x,
        y,
        target: Default::default(),
    }
}
