//! OAuth tokens for a connected location (G13, G18).
//!
//! The code exchange and the refresh need the client secret, which never ships in wasm: they
//! happen behind a [`TokenEndpoint`] (a server that holds the secret; [`HttpTokenEndpoint`] is
//! that server's side). [`OAuthSource`] hands out a valid access token: it tracks expiry,
//! refreshes one at a time, stores the rotated pair **before** using it, and after a permanent
//! failure marks the connection as needing re-authorisation and stops asking.

use std::{cell::Cell, future::Future};

use serde::{Deserialize, Serialize};

use super::pacing::Clock;
use crate::transport::{Transport, TransportError};

/// An access token with the refresh token that replaces it. `Debug` shows neither.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix milliseconds.
    pub expires_at_ms: u64,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// What is stored for a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Connection {
    Connected {
        tokens: TokenSet,
    },
    /// A refresh failed for good: the coach must connect again. Never retried.
    NeedsReauthorisation {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    /// The grant is gone (spent or revoked refresh token, inactive location).
    #[error("{0}")]
    Permanent(String),
    /// Worth trying again later (network, 5xx, 429).
    #[error("{0}")]
    Transient(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("GHL is not connected: connect it in the settings.")]
    NotConnected,
    #[error("GHL needs to be connected again ({0}): open the settings and reconnect.")]
    NeedsReauthorisation(String),
    #[error("GHL's token could not be renewed just now ({0}); it will be tried again.")]
    Transient(String),
    #[error("the token store failed: {0}")]
    Store(String),
}

/// Exchanges a refresh token for a new pair (the old one is spent by that call).
pub trait TokenEndpoint {
    fn refresh(&self, refresh_token: &str) -> impl Future<Output = Result<TokenSet, RefreshError>>;
}

/// Where the connection lives (`chrome.storage.local` in the extension).
pub trait TokenStore {
    fn load(&self) -> impl Future<Output = Result<Option<Connection>, String>>;
    fn save(&self, connection: &Connection) -> impl Future<Output = Result<(), String>>;
}

/// Hands out valid access tokens.
pub struct OAuthSource<E, S, C> {
    endpoint: E,
    store: S,
    clock: C,
    /// Refresh this long before expiry.
    margin_ms: u64,
    refreshing: Cell<bool>,
}

impl<E: TokenEndpoint, S: TokenStore, C: Clock> OAuthSource<E, S, C> {
    pub fn new(endpoint: E, store: S, clock: C) -> Self {
        Self {
            endpoint,
            store,
            clock,
            margin_ms: 5 * 60 * 1000,
            refreshing: Cell::new(false),
        }
    }

    /// A token valid for at least the margin, refreshing first when needed.
    pub async fn access_token(&self) -> Result<String, AuthError> {
        self.token(false).await
    }

    /// After a 401 for an expired token: refresh now, whatever the stored expiry says.
    pub async fn refreshed_token(&self) -> Result<String, AuthError> {
        self.token(true).await
    }

    async fn token(&self, force: bool) -> Result<String, AuthError> {
        let mut seen: Option<String> = None;
        loop {
            let tokens = match self.store.load().await.map_err(AuthError::Store)? {
                None => return Err(AuthError::NotConnected),
                Some(Connection::NeedsReauthorisation { reason }) => {
                    return Err(AuthError::NeedsReauthorisation(reason));
                }
                Some(Connection::Connected { tokens }) => tokens,
            };
            let fresh = tokens.expires_at_ms > self.clock.now_ms() + self.margin_ms;
            // Someone else's refresh replaced the token we were asked to replace: use it.
            let replaced = seen.as_deref().is_some_and(|s| s != tokens.access_token);
            if (fresh && !force) || replaced {
                return Ok(tokens.access_token);
            }
            if self.refreshing.get() {
                // One refresh at a time: wait for it, then read what it stored.
                seen.get_or_insert(tokens.access_token);
                self.clock.sleep(25).await;
                continue;
            }
            self.refreshing.set(true);
            let result = self.endpoint.refresh(&tokens.refresh_token).await;
            let outcome = match result {
                Ok(new) => {
                    // Stored before use: the old refresh token is already spent.
                    let stored = self
                        .store
                        .save(&Connection::Connected {
                            tokens: new.clone(),
                        })
                        .await;
                    stored.map(|()| new.access_token).map_err(AuthError::Store)
                }
                Err(RefreshError::Permanent(reason)) => {
                    let saved = self
                        .store
                        .save(&Connection::NeedsReauthorisation {
                            reason: reason.clone(),
                        })
                        .await;
                    match saved {
                        Ok(()) => Err(AuthError::NeedsReauthorisation(reason)),
                        Err(e) => Err(AuthError::Store(e)),
                    }
                }
                Err(RefreshError::Transient(reason)) => Err(AuthError::Transient(reason)),
            };
            self.refreshing.set(false);
            return outcome;
        }
    }
}

/// The token endpoint as the secret-holding server calls it: `POST {base}/oauth/token`,
/// form-encoded, with the client secret. Never compiled into what ships to browsers' users
/// with a real secret: the extension reaches it through our server.
pub struct HttpTokenEndpoint<T, C> {
    pub transport: T,
    pub clock: C,
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    expires_in: u64,
}

impl<T: Transport, C: Clock> TokenEndpoint for HttpTokenEndpoint<T, C> {
    async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, RefreshError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", &self.client_secret)
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token)
            .append_pair("user_type", "Location")
            .finish();
        let req = http::Request::builder()
            .method("POST")
            .uri(format!("{}/oauth/token", self.base.trim_end_matches('/')))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body.into_bytes())
            .map_err(|e| RefreshError::Transient(e.to_string()))?;
        let sent_at = self.clock.now_ms();
        let res = self
            .transport
            .call(req)
            .await
            .map_err(|TransportError(e)| RefreshError::Transient(e))?;
        let status = res.status().as_u16();
        if (200..300).contains(&status) {
            let t: TokenResponse = serde_json::from_slice(res.body())
                .map_err(|e| RefreshError::Transient(format!("unreadable token answer: {e}")))?;
            return Ok(TokenSet {
                access_token: t.access_token,
                refresh_token: t.refresh_token,
                expires_at_ms: sent_at + t.expires_in * 1000,
            });
        }
        let err = super::error::parse_response::<serde_json::Value>(res)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        // 400/401/403: the grant itself is refused (spent token, inactive location, bad
        // client). Retrying would loop (G13).
        if matches!(status, 400 | 401 | 403) {
            Err(RefreshError::Permanent(err))
        } else {
            Err(RefreshError::Transient(err))
        }
    }
}

/// A transport that sends the current OAuth access token, and after a 401 for an expired
/// token refreshes once and sends again.
pub struct Authorized<T, E, S, C> {
    pub inner: T,
    pub source: OAuthSource<E, S, C>,
}

impl<T: Transport, E: TokenEndpoint, S: TokenStore, C: Clock> Transport for Authorized<T, E, S, C> {
    async fn call(
        &self,
        mut req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let token = self
            .source
            .access_token()
            .await
            .map_err(|e| TransportError(e.to_string()))?;
        set_bearer(&mut req, &token)?;
        let retry = clone(&req);
        let res = self.inner.call(req).await?;
        if res.status() != 401 || !String::from_utf8_lossy(res.body()).contains("Invalid JWT") {
            return Ok(res);
        }
        let token = self
            .source
            .refreshed_token()
            .await
            .map_err(|e| TransportError(e.to_string()))?;
        let mut req = retry;
        set_bearer(&mut req, &token)?;
        self.inner.call(req).await
    }
}

fn set_bearer(req: &mut http::Request<Vec<u8>>, token: &str) -> Result<(), TransportError> {
    let value = http::HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| TransportError("the access token is not a valid header value".into()))?;
    req.headers_mut().insert(http::header::AUTHORIZATION, value);
    Ok(())
}

fn clone(req: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut out = http::Request::new(req.body().clone());
    *out.method_mut() = req.method().clone();
    *out.uri_mut() = req.uri().clone();
    *out.headers_mut() = req.headers().clone();
    out
}
