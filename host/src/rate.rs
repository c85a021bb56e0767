//! Token buckets per client: the rate limits of the endpoints anyone can
//! reach (public and kiosk writes, sign-ins), and the sign-in lockout. No
//! HTTP here: the HTTP layer names the client and answers 429.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::Instant;

pub struct RateLimiter {
    per_minute: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// Failed sign-ins per client and account (the lockout).
    pub logins: crate::auth::sessions::LoginGuard,
}

impl RateLimiter {
    /// `per_minute` = 0 turns limiting off.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        RateLimiter {
            per_minute: per_minute as f64,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
            logins: Default::default(),
        }
    }

    /// Take one token for `key`; Err(seconds to wait) when empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.per_minute <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut b = self.buckets.lock();
        if b.len() > 100_000 {
            // Forget idle clients rather than grow without bound.
            b.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 600);
        }
        let (tokens, last) = b.entry(key.to_owned()).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_minute / 60.0;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) * 60.0 / self.per_minute).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bucket_empties_and_off_means_off() {
        let r = super::RateLimiter::new(60, 3);
        assert!(r.check("a").is_ok() && r.check("a").is_ok() && r.check("a").is_ok());
        assert!(r.check("a").is_err());
        assert!(r.check("b").is_ok(), "buckets are per client");
        let off = super::RateLimiter::new(0, 1);
        assert!((0..1000).all(|_| off.check("a").is_ok()));
    }
}
