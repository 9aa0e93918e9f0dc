//! The Unstuck server: receives event batches from the SDK, stores them (SQLite or PostgreSQL),
//! serves each site's tip config, the demo and the SDK files.
#![deny(missing_docs)]

pub mod app;
pub mod decode;
pub mod export;
pub mod ratelimit;
pub mod serve;
pub mod sites;
pub mod store;

/// The largest request body `POST /v1/events` accepts (the SDK sends at most 60,000 bytes).
pub const MAX_BODY: usize = 64 * 1024;
