//! Unstuck: notices when a new user gets stuck in onboarding and helps them there.
//!
//! - [`core`] is the pure, sans-IO engine: no browser, no clock, no randomness. Time comes in
//!   as `now_ms`, inputs through [`core::Engine::handle`], and everything the outside world
//!   must do comes out of [`core::Engine::poll_output`] and [`core::Engine::poll_timeout`].
//! - `web` (wasm32 only) is the thin browser shell around it.
#![deny(missing_docs)]
// The SDK (wasm32, outside tests) links no std: its own panic handler, no std formatting or
// panic machinery. Everything here uses `core` and `alloc`, so the native build is the same code.
#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]

extern crate alloc;

mod prelude;

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;
