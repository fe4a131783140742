//! Faults switched on through `PUT /_admin/config`, for testing a client's resilience: added
//! latency (`latencyMs`), server errors (`errorRate`: 500, 502 or 503 with a GHL-like body) and
//! dropped connections (`dropRate`: the connection is closed before any byte of a response).
//! Which request fails is decided by a seeded PRNG (`faultSeed`), so a run is repeatable: the
//! same seed and the same sequence of requests fail the same way. Faults apply to the API and
//! `POST /oauth/token`, never to `/_admin`.
//!
//! A faulted request never reaches the rate limiter, so it is not counted as served (G17).

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Json,
    body::{Body, Bytes, HttpBody},
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body::Frame;
use serde_json::json;

use crate::{RequestRecord, Sandbox, auth, time};

/// The seed the fault sequence starts from unless `faultSeed` says otherwise.
pub const DEFAULT_FAULT_SEED: u64 = 1;
/// The statuses an `errorRate` fault answers with, picked by the PRNG.
pub const ERROR_STATUSES: [u16; 3] = [500, 502, 503];

/// The fault switches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultConfig {
    /// The fraction (0.0–1.0) of requests answered 500/502/503.
    pub error_rate: f64,
    /// The fraction (0.0–1.0) of requests whose connection is closed without an answer.
    pub drop_rate: f64,
    /// Added before every answer.
    pub latency_ms: u64,
    pub seed: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            error_rate: 0.0,
            drop_rate: 0.0,
            latency_ms: 0,
            seed: DEFAULT_FAULT_SEED,
        }
    }
}

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without a response.
    Drop,
    /// Answer this 5xx status.
    Error(u16),
}

/// The switches and the PRNG's position.
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    config: FaultConfig,
    state: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(FaultConfig::default())
    }
}

impl Faults {
    pub fn new(config: FaultConfig) -> Self {
        Self {
            config,
            state: config.seed,
        }
    }

    pub fn config(&self) -> FaultConfig {
        self.config
    }

    /// New switches; the sequence restarts from `config.seed`.
    pub fn set_config(&mut self, config: FaultConfig) {
        *self = Self::new(config);
    }

    /// New switches without restarting the sequence (a latency change alone).
    pub fn set_latency(&mut self, latency_ms: u64) {
        self.config.latency_ms = latency_ms;
    }

    fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Decide one request's fate. With both rates at 0 the sequence does not move.
    pub fn decide(&mut self) -> Option<Fault> {
        let FaultConfig {
            error_rate,
            drop_rate,
            ..
        } = self.config;
        if error_rate <= 0.0 && drop_rate <= 0.0 {
            return None;
        }
        let (drop, error, pick) = (self.next_unit(), self.next_unit(), self.next_u64());
        if drop < drop_rate {
            Some(Fault::Drop)
        } else if error < error_rate {
            let index = (pick % ERROR_STATUSES.len() as u64) as usize;
            Some(Fault::Error(ERROR_STATUSES[index]))
        } else {
            None
        }
    }
}

/// A response body that fails before its first byte: hyper then closes the connection without
/// writing the head, so the client sees a transport error (connection closed before a
/// message completed), not an HTTP response.
struct Aborted;

impl HttpBody for Aborted {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "connection dropped by the sandbox (dropRate)",
        ))))
    }
}

/// A response whose connection is dropped.
pub fn dropped() -> Response {
    Response::new(Body::new(Aborted))
}

/// A 5xx as GHL's NestJS services and gateway answer it.
pub fn server_error(status: u16) -> Response {
    let message = match status {
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Internal server error",
    };
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        Json(json!({ "statusCode": status, "message": message })),
    )
        .into_response()
}

/// The middleware in front of the API and the token endpoint: wait `latencyMs`, then drop the
/// connection or answer a 5xx if the PRNG says so, else pass the request on. A faulted request
/// is logged (with `fault`) and, when its token is valid, carries the `X-RateLimit-*` headers
/// as they stand, without counting it.
pub async fn inject(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let (latency_ms, fault) = sandbox.with(|s| (s.faults.config().latency_ms, s.faults.decide()));
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    let now = sandbox.now();
    let (location, admission) =
        sandbox.with(|s| match auth::authenticate(s, request.headers(), now) {
            Ok(caller) => {
                let admission = s.limiter.peek(&caller.location_id, now);
                (Some(caller.location_id), Some(admission))
            }
            Err(_) => (None, None),
        });
    let (mut response, status, name) = match fault {
        Fault::Drop => (dropped(), 0, "drop"),
        Fault::Error(status) => (server_error(status), status, "error"),
    };
    if let (Some(admission), Fault::Error(_)) = (admission, fault) {
        admission.apply(response.headers_mut());
    }
    let record = RequestRecord {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        query: request.uri().query().map(str::to_string),
        status,
        location_id: location,
        at: time::iso(now),
        fault: Some(name.to_string()),
    };
    sandbox.with(|s| s.log(record));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(config: FaultConfig, n: usize) -> Vec<Option<Fault>> {
        let mut faults = Faults::new(config);
        (0..n).map(|_| faults.decide()).collect()
    }

    #[test]
    fn the_sequence_is_seeded_and_near_the_rate() {
        let config = FaultConfig {
            error_rate: 0.3,
            seed: 7,
            ..FaultConfig::default()
        };
        let first = run(config, 1000);
        assert_eq!(first, run(config, 1000));
        let errors = first.iter().filter(|f| f.is_some()).count();
        assert!((250..350).contains(&errors), "{errors}");
        let other = run(FaultConfig { seed: 8, ..config }, 1000);
        assert_ne!(first, other);
        assert!(run(FaultConfig::default(), 10).iter().all(Option::is_none));
        let all = run(
            FaultConfig {
                drop_rate: 1.0,
                ..FaultConfig::default()
            },
            5,
        );
        assert!(all.iter().all(|f| *f == Some(Fault::Drop)));
    }
}
