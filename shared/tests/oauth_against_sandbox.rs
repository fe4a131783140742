//! OAuth token handling against the sandbox's `/oauth/token`: expiry, one refresh at a time,
//! rotation stored before use (G18), permanent failure (G13).

use std::cell::RefCell;

use serde_json::{Value, json};
use shared::{
    ghl::{
        Credentials, GhlClient,
        oauth::{
            AuthError, Authorized, Connection, HttpTokenEndpoint, OAuthSource, TokenSet, TokenStore,
        },
        pacing::Clock,
    },
    transport::{NativeTransport, Transport},
};

#[derive(Clone, Copy)]
struct SysClock;

impl Clock for SysClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    }
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

#[derive(Default)]
struct MemoryStore {
    value: RefCell<Option<Connection>>,
    saves: RefCell<u32>,
}

impl TokenStore for &MemoryStore {
    async fn load(&self) -> Result<Option<Connection>, String> {
        Ok(self.value.borrow().clone())
    }
    async fn save(&self, c: &Connection) -> Result<(), String> {
        *self.value.borrow_mut() = Some(c.clone());
        *self.saves.borrow_mut() += 1;
        Ok(())
    }
}

async fn sandbox() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = ghl_sandbox::router(ghl_sandbox::Sandbox::default());
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn admin(method: &str, url: String, body: Option<Value>) -> Value {
    let req = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
        .unwrap();
    let res = NativeTransport::default().call(req).await.unwrap();
    assert!(
        res.status().is_success(),
        "{}",
        String::from_utf8_lossy(res.body())
    );
    serde_json::from_slice(res.body()).unwrap_or(Value::Null)
}

/// A connection whose access token has (locally) expired, so the next use refreshes.
async fn expired_connection(base: &str) -> (MemoryStore, String) {
    let t = admin(
        "POST",
        format!("{base}/_admin/oauth/tokens"),
        Some(json!({"locationId": ghl_sandbox::DEMO_LOCATION_ID})),
    )
    .await;
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();
    let store = MemoryStore::default();
    *store.value.borrow_mut() = Some(Connection::Connected {
        tokens: TokenSet {
            access_token: t["access_token"].as_str().unwrap().into(),
            refresh_token: refresh.clone(),
            expires_at_ms: 0,
        },
    });
    (store, refresh)
}

fn endpoint(base: &str) -> HttpTokenEndpoint<NativeTransport, SysClock> {
    HttpTokenEndpoint {
        transport: NativeTransport::default(),
        clock: SysClock,
        base: base.into(),
        client_id: ghl_sandbox::DEMO_CLIENT_ID.into(),
        client_secret: ghl_sandbox::DEMO_CLIENT_SECRET.into(),
    }
}

async fn refresh_tokens(base: &str) -> Vec<Value> {
    let state = admin("GET", format!("{base}/_admin/state"), None).await;
    state["oauth"]["refreshTokens"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_rotated_pair_stored_before_use() {
    let base = sandbox().await;
    let (store, old_refresh) = expired_connection(&base).await;
    let source = OAuthSource::new(endpoint(&base), &store, SysClock);
    // Two callers at once: one refresh, both get the new token.
    let (a, b) = tokio::join!(source.access_token(), source.access_token());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    assert_eq!(*store.saves.borrow(), 1, "one refresh, stored once");
    let tokens = refresh_tokens(&base).await;
    assert_eq!(tokens.len(), 2, "one rotation: {tokens:?}");
    let spent: Vec<bool> = tokens
        .iter()
        .map(|t| t["spent"].as_bool().unwrap())
        .collect();
    assert_eq!(spent.iter().filter(|s| **s).count(), 1);
    match store.value.borrow().clone() {
        Some(Connection::Connected { tokens }) => {
            assert_eq!(tokens.access_token, a);
            assert_ne!(
                tokens.refresh_token, old_refresh,
                "the rotated refresh token is kept"
            );
        }
        other => panic!("{other:?}"),
    }
    // The new token works for API calls, sent by the Authorized transport.
    let ghl = GhlClient::new(
        Authorized {
            inner: NativeTransport::default(),
            source,
        },
        Credentials {
            base: base.clone(),
            token: "replaced-by-the-transport".into(),
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
        },
    );
    assert_eq!(ghl.contacts().count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_permanent_refresh_failure_needs_reauthorisation_and_is_not_retried() {
    let base = sandbox().await;
    let (store, _) = expired_connection(&base).await;
    admin(
        "PUT",
        format!(
            "{base}/_admin/oauth/locations/{}",
            ghl_sandbox::DEMO_LOCATION_ID
        ),
        Some(json!({"active": false})),
    )
    .await;
    let source = OAuthSource::new(endpoint(&base), &store, SysClock);
    let err = source.access_token().await.unwrap_err();
    assert!(
        matches!(&err, AuthError::NeedsReauthorisation(r) if r.contains("Location is not active")),
        "{err:?}"
    );
    assert!(err.to_string().contains("reconnect"), "{err}");
    assert!(matches!(
        store.value.borrow().clone(),
        Some(Connection::NeedsReauthorisation { .. })
    ));
    let before = refresh_tokens(&base).await;
    let again = source.access_token().await.unwrap_err();
    assert!(matches!(again, AuthError::NeedsReauthorisation(_)));
    assert_eq!(
        refresh_tokens(&base).await,
        before,
        "no second refresh attempt"
    );
}

#[tokio::test]
async fn a_spent_refresh_token_is_a_permanent_failure() {
    let base = sandbox().await;
    let (store, old) = expired_connection(&base).await;
    // Someone else (another device) already used this refresh token.
    let form = format!(
        "client_id={}&client_secret={}&grant_type=refresh_token&refresh_token={old}",
        ghl_sandbox::DEMO_CLIENT_ID,
        ghl_sandbox::DEMO_CLIENT_SECRET
    );
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("{base}/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.into_bytes())
        .unwrap();
    assert!(
        NativeTransport::default()
            .call(req)
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let source = OAuthSource::new(endpoint(&base), &store, SysClock);
    assert!(matches!(
        source.access_token().await,
        Err(AuthError::NeedsReauthorisation(_))
    ));
}
