//! The offline subcommands.

pub mod replay;
pub mod schema;
pub mod validate;
