//! localStorage under `unstuck:<site>:<name>` (CONTRACTS.md). Storage may be missing, full or
//! blocked (private modes, sandboxed frames): every failure is ignored, never thrown.

use crate::prelude::*;

use js_sys::JSON;
use wasm_bindgen::JsValue;
use web_sys::Storage;

use super::dom;
use crate::core::state::State;

/// The site's slice of localStorage.
pub struct Store {
    prefix: String,
}

impl Store {
    /// Keys `unstuck:<site>:*`.
    pub fn new(site: &str) -> Store {
        Store {
            prefix: ["unstuck:", site, ":"].concat(),
        }
    }

    /// The page's localStorage, if it has one and it may be used.
    pub fn storage() -> Option<Storage> {
        dom::window().local_storage().ok().flatten()
    }

    /// The full key of `name`.
    pub fn key(&self, name: &str) -> String {
        [&self.prefix, name].concat()
    }

    /// The text stored under `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        Self::storage()?.get_item(&self.key(name)).ok().flatten()
    }

    /// Stores `text` under `name`; `false` if it could not (no storage, quota, blocked).
    pub fn set(&self, name: &str, text: &str) -> bool {
        Self::storage().is_some_and(|s| s.set_item(&self.key(name), text).is_ok())
    }

    /// Removes `name`.
    pub fn remove(&self, name: &str) {
        if let Some(s) = Self::storage() {
            let _ = s.remove_item(&self.key(name));
        }
    }

    /// Stores the engine's state as JSON (serde_json's text, from the core's writer).
    pub fn save_state(&self, state: &State) {
        if let Some(text) = dom::json(state) {
            self.set("state", &text);
        }
    }

    /// The state a previous page load stored, if it reads as one.
    pub fn load_state(&self) -> Option<State> {
        let text = self.get("state")?;
        let value: JsValue = JSON::parse(&text).ok()?;
        State::read(&value).filter(|s| !s.session.is_empty())
    }
}
