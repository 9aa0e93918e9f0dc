//! `unstuck`: the server and the command-line tools.
#![deny(missing_docs)]

use std::net::SocketAddr;
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
    /// Run the server: receives events, serves tip config, the demo (`www/`) and the SDK (`dist/`).
    Serve {
        /// Address to listen on; port 0 picks a free port (printed as `listening on http://...`).
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// `sqlite://PATH` (created on first start) or `postgres://USER:PASS@HOST/DB`.
        #[arg(long, default_value = unstuck_server::store::DEFAULT_URL)]
        database: String,
        /// Sites file (keys, allowed origins, config, rate limit); default: the built-in demo site.
        #[arg(long)]
        sites: Option<PathBuf>,
        /// The demo and other static files, served at `/`.
        #[arg(long, default_value = "www")]
        www: PathBuf,
        /// The built SDK, served at `/unstuck/`.
        #[arg(long, default_value = "dist")]
        dist: PathBuf,
        /// Log JSON lines instead of text (stderr; `RUST_LOG` filters).
        #[arg(long)]
        log_json: bool,
    },
    /// Print stored events as JSON lines (`id`, `type`, `payload`, ...), oldest first.
    Export {
        /// Database URL, as for `serve`.
        #[arg(long, default_value = unstuck_server::store::DEFAULT_URL)]
        database: String,
        /// Only events received at or after this time (ms since the epoch).
        #[arg(long)]
        since: Option<i64>,
        /// Only this site.
        #[arg(long)]
        site: Option<String>,
        /// Print the SDKs' loss reports (`dropped` counts) instead of events.
        #[arg(long)]
        losses: bool,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Validate { config } => cli::validate::run(&config),
        Command::Replay { config, events } => cli::replay::run(&config, &events),
        Command::Schema => cli::schema::run(),
        Command::Serve {
            listen,
            database,
            sites,
            www,
            dist,
            log_json,
        } => {
            unstuck_server::serve::init_logs(log_json);
            let opts = unstuck_server::serve::Options {
                listen,
                database,
                sites,
                dirs: unstuck_server::app::StaticDirs { www, dist },
                log_json,
            };
            finish(runtime().and_then(|rt| rt.block_on(unstuck_server::serve::run(opts))))
        }
        Command::Export {
            database,
            since,
            site,
            losses,
        } => {
            let filter = unstuck_server::store::ExportFilter { since, site };
            finish(
                runtime().and_then(|rt| {
                    rt.block_on(unstuck_server::export::run(&database, filter, losses))
                }),
            )
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
