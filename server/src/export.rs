//! `unstuck export`: stored events as JSON lines, the way into a warehouse.

use std::io::Write;

use crate::store::{ExportFilter, Store};

/// Prints every stored event matching `filter` to stdout, one JSON object per line, in order
/// of arrival (`received_at`, then `id`). With `losses`, prints the SDKs' loss reports instead.
pub async fn run(database: &str, filter: ExportFilter, losses: bool) -> Result<(), String> {
    let store = Store::open_existing(database)
        .await
        .map_err(|e| format!("cannot open {}: {e}", crate::serve::redact(database)))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = None;
    let result = if losses {
        store.losses().await.map(|rows| {
            for (site, session, dropped) in rows {
                let line =
                    serde_json::json!({"site": site, "session": session, "dropped": dropped});
                if let Err(e) = writeln!(out, "{line}") {
                    failed.get_or_insert(e);
                }
            }
        })
    } else {
        store
            .export(&filter, |e| {
                if failed.is_none() {
                    if let Err(err) = writeln!(out, "{}", e.to_json()) {
                        failed = Some(err);
                    }
                }
            })
            .await
    };
    let flushed = out.flush();
    store.close().await;
    result.map_err(|e| format!("export failed: {e}"))?;
    if let Some(e) = failed.or(flushed.err()) {
        // A closed pipe (`| head`) is not worth a failure message.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(format!("cannot write: {e}"));
        }
    }
    Ok(())
}
