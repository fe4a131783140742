//! Staying inside GHL's rate limits (G17): a sans-I/O [`Pacer`] that spaces requests by the
//! `X-RateLimit-*` headers and computes backoff with jitter, and [`Paced`], a transport wrapper
//! that sleeps as told and retries only what is safe to repeat. A create is never retried
//! (G1): its failure goes back to the caller, who looks the contact up first.

use std::{cell::RefCell, future::Future};

use crate::transport::{Transport, TransportError};

/// A clock and a sleep, passed in (tokio natively, `setTimeout` in the browser, a fake in
/// tests).
pub trait Clock {
    fn now_ms(&self) -> u64;
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// Spacing and backoff, from what the server said. No clock of its own: every input carries
/// `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacer {
    max: u32,
    interval_ms: u64,
    remaining: u32,
    /// When the current window ends, as far as the headers tell.
    window_end_ms: u64,
    next_send_ms: u64,
    /// `X-RateLimit-Daily-Remaining`, once the server has said.
    daily_remaining: Option<u64>,
    rng: u64,
}

impl Default for Pacer {
    /// GHL's documented budget: 100 requests per 10 s.
    fn default() -> Self {
        Self::new(100, 10_000)
    }
}

impl Pacer {
    pub fn new(max: u32, interval_ms: u64) -> Self {
        Self {
            max: max.max(1),
            interval_ms: interval_ms.max(1),
            remaining: max.max(1),
            window_end_ms: 0,
            next_send_ms: 0,
            daily_remaining: None,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// How long to wait, from `now`, before the next request goes out.
    pub fn delay(&self, now_ms: u64) -> u64 {
        let mut at = self.next_send_ms;
        if self.remaining == 0 && self.window_end_ms > at {
            at = self.window_end_ms;
        }
        at.saturating_sub(now_ms)
    }

    /// A request is going out at `now`: the next one is due one even share of the window after
    /// this one was *planned*, so timer overshoot and request latency do not add up; a sender
    /// that fell behind by more than one share (or was idle) starts afresh from `now`.
    pub fn on_send(&mut self, now_ms: u64) {
        let spacing = self.interval_ms / u64::from(self.max);
        let base = if now_ms > self.next_send_ms + spacing {
            now_ms
        } else {
            self.next_send_ms
        };
        self.next_send_ms = base + spacing;
        self.remaining = self.remaining.saturating_sub(1);
    }

    /// Read the answer's rate headers (the server's word beats our count).
    pub fn on_response(&mut self, now_ms: u64, headers: &http::HeaderMap) {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        if let Some(max) = num("x-ratelimit-max") {
            self.max = u32::try_from(max).unwrap_or(u32::MAX).max(1);
        }
        if let Some(i) = num("x-ratelimit-interval-milliseconds") {
            self.interval_ms = i.max(1);
        }
        if let Some(d) = num("x-ratelimit-daily-remaining") {
            self.daily_remaining = Some(d);
        }
        if let Some(r) = num("x-ratelimit-remaining") {
            self.remaining = u32::try_from(r).unwrap_or(u32::MAX);
            if self.window_end_ms <= now_ms {
                self.window_end_ms = now_ms + self.interval_ms;
            }
        }
    }

    /// The day's budget (200,000 requests per location) is used up: sending more only earns
    /// 429s until tomorrow.
    pub fn daily_budget_spent(&self) -> bool {
        self.daily_remaining == Some(0)
    }

    /// After a 429 or 5xx, the wait before attempt `attempt` (1, 2, …): exponential from a
    /// tenth of the window, capped at the window, with ±25 % jitter.
    pub fn backoff(&mut self, attempt: u32, now_ms: u64) -> u64 {
        let base = (self.interval_ms / 10).max(50);
        let exp = base.saturating_mul(1 << attempt.min(10).saturating_sub(1));
        let capped = exp.min(self.interval_ms.max(base));
        // xorshift: deterministic, no global randomness.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let jitter = (self.rng % 51) as i64 - 25; // -25..=25 %
        let wait = (capped as i64 + capped as i64 * jitter / 100).max(1) as u64;
        self.next_send_ms = self.next_send_ms.max(now_ms + wait);
        wait
    }
}

/// Whether a request may be sent again after a 429, a 5xx or a lost connection without risk
/// of doing it twice: reads, searches, updates, deletes and tag changes are; creates, upserts
/// and new notes or tasks are not.
pub fn safe_to_retry(method: &http::Method, path: &str) -> bool {
    match *method {
        http::Method::GET | http::Method::PUT | http::Method::DELETE => true,
        http::Method::POST => path.ends_with("/contacts/search") || path.ends_with("/tags"),
        _ => false,
    }
}

/// A transport that paces by the rate headers and retries safe requests on 429 and 5xx.
pub struct Paced<T, C> {
    inner: T,
    clock: C,
    pacer: RefCell<Pacer>,
    max_attempts: u32,
}

impl<T: Transport, C: Clock> Paced<T, C> {
    pub fn new(inner: T, clock: C) -> Self {
        Self {
            inner,
            clock,
            pacer: RefCell::new(Pacer::default()),
            max_attempts: 8,
        }
    }

    pub fn pacer(&self) -> Pacer {
        self.pacer.borrow().clone()
    }
}

impl<T: Transport, C: Clock> Transport for Paced<T, C> {
    async fn call(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let retryable = safe_to_retry(req.method(), req.uri().path());
        let mut attempt = 0;
        loop {
            attempt += 1;
            if self.pacer.borrow().daily_budget_spent() {
                return Err(TransportError(
                    "GHL's daily request budget for this location is used up (200,000 a day): nothing more is sent until it renews; nothing was lost.".into(),
                ));
            }
            let wait = self.pacer.borrow().delay(self.clock.now_ms());
            if wait > 0 {
                self.clock.sleep(wait).await;
            }
            self.pacer.borrow_mut().on_send(self.clock.now_ms());
            let result = self.inner.call(clone_request(&req)).await;
            let now = self.clock.now_ms();
            let again = match &result {
                Ok(res) => {
                    self.pacer.borrow_mut().on_response(now, res.headers());
                    let s = res.status().as_u16();
                    // A 429 was not served: safe to send again whatever the method.
                    s == 429 || (retryable && s >= 500)
                }
                Err(_) => retryable,
            };
            if !again || attempt >= self.max_attempts {
                return result;
            }
            let wait = self.pacer.borrow_mut().backoff(attempt, now);
            self.clock.sleep(wait).await;
        }
    }
}

fn clone_request(req: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut out = http::Request::new(req.body().clone());
    *out.method_mut() = req.method().clone();
    *out.uri_mut() = req.uri().clone();
    *out.headers_mut() = req.headers().clone();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(max: u32, remaining: u32, interval: u64) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert("x-ratelimit-max", max.into());
        h.insert("x-ratelimit-remaining", remaining.into());
        h.insert("x-ratelimit-interval-milliseconds", interval.into());
        h
    }

    #[test]
    fn requests_are_spaced_evenly_across_the_window() {
        let mut p = Pacer::new(100, 10_000);
        assert_eq!(p.delay(0), 0);
        p.on_send(0);
        assert_eq!(p.delay(0), 100);
        assert_eq!(p.delay(60), 40);
        p.on_send(100);
        assert_eq!(p.delay(100), 100);
        // Sent 3 ms late: the next is still due on the planned cadence.
        p.on_send(203);
        assert_eq!(p.delay(203), 97);
        // After an idle spell the cadence restarts from now, without a burst.
        p.on_send(5_000);
        assert_eq!(p.delay(5_000), 100);
    }

    #[test]
    fn the_headers_set_the_budget_and_an_empty_window_waits_for_its_end() {
        let mut p = Pacer::default();
        p.on_response(1_000, &headers(10, 0, 2_000));
        p.on_send(1_000);
        assert_eq!(
            p.delay(1_000),
            2_000,
            "remaining 0: wait for the window to end"
        );
        p.on_response(3_100, &headers(10, 9, 2_000));
        assert_eq!(p.delay(3_100), 0);
    }

    #[test]
    fn a_spent_daily_budget_is_known() {
        let mut p = Pacer::default();
        assert!(!p.daily_budget_spent());
        let mut h = headers(100, 50, 10_000);
        h.insert("x-ratelimit-daily-remaining", 0.into());
        p.on_response(0, &h);
        assert!(p.daily_budget_spent());
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let mut p = Pacer::new(100, 10_000);
        let waits: Vec<u64> = (1..=8).map(|a| p.backoff(a, 0)).collect();
        assert!((750..=1250).contains(&waits[0]), "{waits:?}");
        assert!((1500..=2500).contains(&waits[1]), "{waits:?}");
        assert!(waits.iter().all(|&w| w <= 12_500), "{waits:?}");
        assert!(waits[6] >= 7_500, "capped near the window: {waits:?}");
    }

    #[test]
    fn only_repeatable_requests_are_retried() {
        use http::Method;
        assert!(safe_to_retry(&Method::GET, "/contacts/abc"));
        assert!(safe_to_retry(&Method::PUT, "/contacts/abc"));
        assert!(safe_to_retry(&Method::POST, "/contacts/search"));
        assert!(safe_to_retry(&Method::POST, "/contacts/abc/tags"));
        assert!(
            !safe_to_retry(&Method::POST, "/contacts/"),
            "G1: never blind-retry a create"
        );
        assert!(!safe_to_retry(&Method::POST, "/contacts/upsert"));
        assert!(!safe_to_retry(&Method::POST, "/contacts/abc/notes"));
    }
}
