//! localStorage under `unstuck:<site>:<name>` (CONTRACTS.md). Storage may be missing, full or
//! blocked (private modes, sandboxed frames): every failure is ignored, never thrown.

use js_sys::JSON;
use serde::Serialize;
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

    fn storage() -> Option<Storage> {
        dom::window().local_storage().ok().flatten()
    }

    fn key(&self, name: &str) -> String {
        [&self.prefix, name].concat()
    }

    /// The text stored under `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        Self::storage()?.get_item(&self.key(name)).ok().flatten()
    }

    /// Stores `text` under `name`.
    pub fn set(&self, name: &str, text: &str) {
        if let Some(s) = Self::storage() {
            let _ = s.set_item(&self.key(name), text);
        }
    }

    /// Removes `name`.
    pub fn remove(&self, name: &str) {
        if let Some(s) = Self::storage() {
            let _ = s.remove_item(&self.key(name));
        }
    }

    /// Stores the engine's state as JSON (the browser's `JSON.stringify`).
    pub fn save_state(&self, state: &State) {
        let ser = serde_wasm_bindgen::Serializer::json_compatible();
        let text = state
            .serialize(&ser)
            .ok()
            .and_then(|v| JSON::stringify(&v).ok())
            .and_then(|s| s.as_string());
        if let Some(text) = text {
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
