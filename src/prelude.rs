//! What std's prelude gives and `no_std` does not: every module of the crate imports this, so
//! the SDK's `no_std` build and the native build read the same.

// Only the wasm shell boxes; the native build has no shell.
#[allow(unused_imports)]
pub use alloc::boxed::Box;
pub use alloc::string::{String, ToString};
pub use alloc::vec::Vec;
pub use alloc::{format, vec};
