//! GHL's rate limits (G17): per location, a burst limit (100 requests per 10 s) and a daily limit
//! (200,000), reported on every response in `X-RateLimit-*` headers. Fixed windows starting at a
//! location's first request. A refused request (429) is not counted, and neither is a 5xx (the
//! gate gives it back with [`RateLimiter::refund`]; a fault never reaches the limiter). Pure:
//! `now` is passed in.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use crate::time::Millis;

const DAY_MS: Millis = 86_400_000;

pub const HEADER_MAX: &str = "x-ratelimit-max";
pub const HEADER_REMAINING: &str = "x-ratelimit-remaining";
pub const HEADER_INTERVAL: &str = "x-ratelimit-interval-milliseconds";
pub const HEADER_LIMIT_DAILY: &str = "x-ratelimit-limit-daily";
pub const HEADER_DAILY_REMAINING: &str = "x-ratelimit-daily-remaining";

/// Every rate-limit header, for CORS `Access-Control-Expose-Headers`.
pub const HEADERS: [&str; 5] = [
    HEADER_MAX,
    HEADER_REMAINING,
    HEADER_INTERVAL,
    HEADER_LIMIT_DAILY,
    HEADER_DAILY_REMAINING,
];

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RateConfig {
    pub window_ms: u64,
    pub max: u32,
    pub daily_max: u32,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            window_ms: 10_000,
            max: 100,
            daily_max: 200_000,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Counters {
    window_start: Millis,
    in_window: u32,
    day_start: Millis,
    in_day: u32,
}

/// The decision on one request, with the headers to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    pub allowed: bool,
    pub max: u32,
    pub remaining: u32,
    pub interval_ms: u64,
    pub daily_max: u32,
    pub daily_remaining: u32,
}

impl Admission {
    /// Write the `X-RateLimit-*` headers.
    pub fn apply(&self, headers: &mut HeaderMap) {
        let values: [(&str, String); 5] = [
            (HEADER_MAX, self.max.to_string()),
            (HEADER_REMAINING, self.remaining.to_string()),
            (HEADER_INTERVAL, self.interval_ms.to_string()),
            (HEADER_LIMIT_DAILY, self.daily_max.to_string()),
            (HEADER_DAILY_REMAINING, self.daily_remaining.to_string()),
        ];
        for (name, value) in values {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct RateLimiter {
    config: RateConfig,
    locations: HashMap<String, Counters>,
}

impl RateLimiter {
    pub fn new(config: RateConfig) -> Self {
        Self {
            config,
            locations: HashMap::new(),
        }
    }

    pub fn config(&self) -> RateConfig {
        self.config
    }

    /// New limits; every counter starts afresh.
    pub fn set_config(&mut self, config: RateConfig) {
        self.config = config;
        self.locations.clear();
    }

    pub fn reset(&mut self) {
        self.locations.clear();
    }

    /// Count one request of `location` at `now`, unless it is over a limit.
    pub fn admit(&mut self, location: &str, now: Millis) -> Admission {
        self.decide(location, now, true)
    }

    /// The counters as they stand at `now`, counting nothing (for answers that are not served).
    pub fn peek(&mut self, location: &str, now: Millis) -> Admission {
        self.decide(location, now, false)
    }

    /// Give back a request counted by [`Self::admit`] that was not served after all (a 5xx).
    pub fn refund(&mut self, location: &str, now: Millis) -> Admission {
        if let Some(c) = self.locations.get_mut(location) {
            c.in_window = c.in_window.saturating_sub(1);
            c.in_day = c.in_day.saturating_sub(1);
        }
        self.peek(location, now)
    }

    fn decide(&mut self, location: &str, now: Millis, count: bool) -> Admission {
        let config = self.config;
        let c = self
            .locations
            .entry(location.to_string())
            .or_insert(Counters {
                window_start: now,
                in_window: 0,
                day_start: now,
                in_day: 0,
            });
        let window = i64::try_from(config.window_ms).unwrap_or(i64::MAX);
        if now.saturating_sub(c.window_start) >= window || now < c.window_start {
            c.window_start = now;
            c.in_window = 0;
        }
        if now.saturating_sub(c.day_start) >= DAY_MS || now < c.day_start {
            c.day_start = now;
            c.in_day = 0;
        }
        let allowed = c.in_window < config.max && c.in_day < config.daily_max;
        if allowed && count {
            c.in_window += 1;
            c.in_day += 1;
        }
        Admission {
            allowed,
            max: config.max,
            remaining: config.max.saturating_sub(c.in_window),
            interval_ms: config.window_ms,
            daily_max: config.daily_max,
            daily_remaining: config.daily_max.saturating_sub(c.in_day),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_refuses_then_reopens() {
        let mut limiter = RateLimiter::new(RateConfig {
            window_ms: 1000,
            max: 3,
            daily_max: 10,
        });
        let remaining: Vec<(bool, u32)> = (0..5)
            .map(|i| limiter.admit("L", 100 + i))
            .map(|a| (a.allowed, a.remaining))
            .collect();
        assert_eq!(
            remaining,
            [(true, 2), (true, 1), (true, 0), (false, 0), (false, 0)]
        );
        assert_eq!(limiter.admit("other", 105).remaining, 2);
        let reopened = limiter.admit("L", 1100);
        assert!(reopened.allowed);
        assert_eq!((reopened.remaining, reopened.daily_remaining), (2, 6));
        assert_eq!(limiter.peek("L", 1101).remaining, 2);
        assert_eq!(limiter.refund("L", 1102).remaining, 3);
    }
}
