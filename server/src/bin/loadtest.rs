//! `npm run loadtest`: drives `POST /v1/events` on loopback (being written).
#![deny(missing_docs)]

fn main() {
    eprintln!("the load test is not written yet");
}
