//! Per site and client IP token buckets, in memory (one server process; restarting it resets them).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sites::Rate;

/// Above this many buckets, full ones are forgotten (they hold no information).
const PRUNE_AT: usize = 10_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(String, IpAddr), Bucket>>,
}

impl RateLimiter {
    /// Takes one token for `(site, ip)`; `Err(wait)` when the bucket is empty.
    pub fn check(&self, site: &str, ip: IpAddr, rate: Rate, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means another request panicked mid-update; the map is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, b| b.tokens + elapsed(b.at, now) * rate.per_second < rate.burst);
        }
        let b = buckets.entry((site.to_owned(), ip)).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        b.tokens = (b.tokens + elapsed(b.at, now) * rate.per_second).min(rate.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / rate.per_second))
        }
    }
}

fn elapsed(then: Instant, now: Instant) -> f64 {
    now.saturating_duration_since(then).as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_then_refills() {
        let l = RateLimiter::default();
        let rate = Rate {
            per_second: 2.0,
            burst: 3.0,
        };
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check("a", ip, rate, t0).is_ok());
        }
        let wait = l.check("a", ip, rate, t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-9, "{wait:?}");
        // Another site and another IP have their own buckets.
        assert!(l.check("b", ip, rate, t0).is_ok());
        assert!(l.check("a", "10.0.0.1".parse().unwrap(), rate, t0).is_ok());
        assert!(l
            .check("a", ip, rate, t0 + Duration::from_millis(500))
            .is_ok());
        assert!(l
            .check("a", ip, rate, t0 + Duration::from_millis(500))
            .is_err());
    }
}
