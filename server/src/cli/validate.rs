//! `unstuck validate`.

use std::path::Path;
use std::process::ExitCode;

/// Runs the subcommand.
pub fn run(_config: &Path) -> ExitCode {
    eprintln!("not written yet");
    ExitCode::FAILURE
}
