//! The browser shell (wasm32 only).

#[allow(dead_code)] // Until the shell renders tips and the debug overlay through them.
mod overlay;
#[allow(dead_code)]
mod tip;
