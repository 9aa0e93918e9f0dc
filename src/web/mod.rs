//! The browser shell (wasm32 only).
