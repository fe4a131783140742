//! The HTTP transport is a parameter: requests and responses are plain `http` values, so
//! building a request and reading a response are pure functions, and the same client runs
//! natively (tests, tools) and in the browser (gloo-net).

use std::future::Future;

/// A transport failed before any HTTP response arrived (connection refused, DNS, CORS, TLS).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Sends one request and returns the response, whatever its status.
///
/// Not `Send`: in the browser futures are single-threaded.
pub trait Transport {
    fn call(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>>;
}

impl<T: Transport> Transport for &T {
    fn call(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> {
        (**self).call(req)
    }
}

#[cfg(target_arch = "wasm32")]
mod web {
    use super::{Transport, TransportError};

    /// `fetch` through gloo-net; works in windows, extension pages and the service worker.
    #[derive(Debug, Clone, Default)]
    pub struct FetchTransport;

    impl Transport for FetchTransport {
        async fn call(
            &self,
            req: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            use gloo_net::http::{Method, RequestBuilder};
            let (parts, body) = req.into_parts();
            let method = Method::from_bytes(parts.method.as_str().as_bytes())
                .map_err(|e| TransportError(e.to_string()))?;
            let mut builder = RequestBuilder::new(&parts.uri.to_string()).method(method);
            for (name, value) in &parts.headers {
                if let Ok(v) = value.to_str() {
                    builder = builder.header(name.as_str(), v);
                }
            }
            let request = if body.is_empty() {
                builder.build()
            } else {
                let array = js_sys::Uint8Array::from(body.as_slice());
                builder.body(array)
            }
            .map_err(|e| TransportError(e.to_string()))?;
            let response = request.send().await.map_err(|e| {
                TransportError(format!(
                    "could not reach {}: {e}",
                    parts.uri.host().unwrap_or("the server")
                ))
            })?;
            let mut out = http::Response::builder().status(response.status());
            for (name, value) in response.headers().entries() {
                out = out.header(name, value);
            }
            let bytes = response
                .binary()
                .await
                .map_err(|e| TransportError(e.to_string()))?;
            out.body(bytes).map_err(|e| TransportError(e.to_string()))
        }
    }
}
#[cfg(target_arch = "wasm32")]
mod web_clock {
    use wasm_bindgen::{JsCast, JsValue};

    /// The browser's clock for pacing: `Date.now()` and `setTimeout`, which exist in windows,
    /// extension pages and service workers alike (reached through `globalThis`).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct BrowserClock;

    impl crate::ghl::pacing::Clock for BrowserClock {
        fn now_ms(&self) -> u64 {
            js_sys::Date::now() as u64
        }

        async fn sleep(&self, ms: u64) {
            let promise = js_sys::Promise::new(&mut |resolve, _reject| {
                let global = js_sys::global();
                let set_timeout = js_sys::Reflect::get(&global, &JsValue::from_str("setTimeout"))
                    .ok()
                    .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
                match set_timeout {
                    Some(f) => {
                        let _ = f.call2(&global, &resolve, &JsValue::from_f64(ms as f64));
                    }
                    None => {
                        let _ = resolve.call0(&JsValue::NULL);
                    }
                }
            });
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
    }
}
#[cfg(target_arch = "wasm32")]
pub use web::FetchTransport;
#[cfg(target_arch = "wasm32")]
pub use web_clock::BrowserClock;

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
mod native {
    use super::{Transport, TransportError};
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::{Client, connect::HttpConnector};

    /// Plain-HTTP hyper client for tests and tools that talk to the local stand-ins.
    #[derive(Clone)]
    pub struct NativeTransport {
        client: Client<HttpConnector, Full<bytes::Bytes>>,
    }

    impl Default for NativeTransport {
        fn default() -> Self {
            let client =
                Client::builder(hyper_util::rt::TokioExecutor::new()).build(HttpConnector::new());
            Self { client }
        }
    }

    impl Transport for NativeTransport {
        async fn call(
            &self,
            req: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            let req = req.map(|b| Full::new(bytes::Bytes::from(b)));
            let response = self
                .client
                .request(req)
                .await
                .map_err(|e| TransportError(format!("request failed: {e}")))?;
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| TransportError(format!("reading the body failed: {e}")))?
                .to_bytes();
            Ok(http::Response::from_parts(parts, bytes.to_vec()))
        }
    }
}
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub use native::NativeTransport;

/// Tokio's clock for [`crate::ghl::pacing::Paced`] natively: milliseconds since it was made.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
#[derive(Debug, Clone, Copy)]
pub struct TokioClock(pub std::time::Instant);

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
impl Default for TokioClock {
    fn default() -> Self {
        Self(std::time::Instant::now())
    }
}

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
impl crate::ghl::pacing::Clock for TokioClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}
