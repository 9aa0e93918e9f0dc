//! `unstuck`: the server and the command-line tools.
#![deny(missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

#[derive(Parser)]
#[command(
    name = "unstuck",
    version,
    about = "Catch the moment a user gets stuck in onboarding"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a config file: prints each error with its path.
    Validate {
        /// The config JSON file.
        config: PathBuf,
    },
    /// Feed a recorded session through the engine on a virtual clock; prints outputs as JSON lines.
    Replay {
        /// The config JSON file.
        config: PathBuf,
        /// The recorded session, one JSON input per line.
        events: PathBuf,
    },
    /// Print the JSON Schema of the config.
    Schema,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Validate { config } => cli::validate::run(&config),
        Command::Replay { config, events } => cli::replay::run(&config, &events),
        Command::Schema => cli::schema::run(),
    }
}
