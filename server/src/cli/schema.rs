//! `unstuck schema`: the config's JSON Schema, generated from the types.

use std::process::ExitCode;

/// The schema as pretty JSON.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(unstuck::core::Config);
    serde_json::to_string_pretty(&schema).expect("a schema always serializes") + "\n"
}

/// Prints the schema.
pub fn run() -> ExitCode {
    print!("{}", schema_json());
    ExitCode::SUCCESS
}
