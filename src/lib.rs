//! Unstuck: notices when a new user gets stuck in onboarding and helps them there.
//!
//! - [`core`] is the pure, sans-IO engine: no browser, no clock, no randomness. Time comes in
//!   as `now_ms`, inputs through [`core::Engine::handle`], and everything the outside world
//!   must do comes out of [`core::Engine::poll_output`] and [`core::Engine::poll_timeout`].
//! - `web` (wasm32 only) is the thin browser shell around it.
#![deny(missing_docs)]

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;
