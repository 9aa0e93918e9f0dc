//! `unstuck validate CONFIG`: every problem in a config file, one `path: problem` per line.

use std::path::Path;
use std::process::ExitCode;

use unstuck::core::config::{json, Config, ConfigError};

/// Reads and validates a config file; the errors are `path: problem` lines, and a file that
/// cannot be read is one error at `$`.
pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![ConfigError {
            path: "$".into(),
            problem: format!("cannot read {}: {e}", path.display()),
        }]
    })?;
    json::from_str(&text)
}

/// A one-line summary of a valid config: `ok: 6 steps, 9 tips`.
pub fn summary(config: &Config) -> String {
    format!(
        "ok: {}, {}",
        plural(config.steps.len(), "step"),
        plural(config.tips.len(), "tip")
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Runs the subcommand: the errors on stdout and exit 1, or the summary and exit 0.
pub fn run(path: &Path) -> ExitCode {
    match load(path) {
        Ok(config) => {
            println!("{}", summary(&config));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                println!("{e}");
            }
            ExitCode::FAILURE
        }
    }
}
