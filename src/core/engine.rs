//! The sans-IO engine, one per browser session.
//!
//! Call [`Engine::handle`] for each input and [`Engine::handle_timeout`] when the time from
//! [`Engine::poll_timeout`] has come; after either, drain [`Engine::poll_output`].

use std::collections::VecDeque;

use super::config::Config;
use super::input::Input;
use super::output::Output;
use super::state::State;
use super::Millis;

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

/// The struggle engine.
#[derive(Debug)]
pub struct Engine {
    config: Config,
    out: VecDeque<Output>,
}

impl Engine {
    /// A new engine for one session.
    pub fn new(config: Config, init: Init) -> Engine {
        let _ = init;
        Engine {
            config,
            out: VecDeque::new(),
        }
    }

    /// The config in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Feeds one input.
    pub fn handle(&mut self, now_ms: Millis, input: Input) {
        let _ = (now_ms, input);
    }

    /// Runs every timer due at or before `now_ms`.
    pub fn handle_timeout(&mut self, now_ms: Millis) {
        let _ = now_ms;
    }

    /// The next time the engine needs [`Engine::handle_timeout`]; `None` if no timer is armed.
    pub fn poll_timeout(&self) -> Option<Millis> {
        None
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }
}
