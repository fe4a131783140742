//! A sandbox served in-process on 127.0.0.1:0 and a tiny HTTP/1.1 client for it.
#![allow(dead_code)]

use std::net::SocketAddr;

use ghl_sandbox::{DEMO_LOCATION_ID, DEMO_TOKEN, Sandbox, router};
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Request, body::Bytes};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub struct Server {
    pub addr: SocketAddr,
    pub sandbox: Sandbox,
    client: Client<HttpConnector, Full<Bytes>>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    /// JSON, or the text as a JSON string, or `null` when empty.
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn header_u64(&self, name: &str) -> Option<u64> {
        self.header(name).and_then(|v| v.parse().ok())
    }
}

pub async fn start() -> Server {
    start_with(Sandbox::default()).await
}

pub async fn start_with(sandbox: Sandbox) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(standin_tls::serve(listener, router(sandbox.clone()), None));
    Server {
        addr,
        sandbox,
        client: Client::builder(TokioExecutor::new()).build_http(),
    }
}

impl Server {
    /// Any request: `headers` as given, `body` sent verbatim.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        match self.try_raw(method, path, headers, body).await {
            Ok(reply) => reply,
            Err(e) => panic!("{method} {path}: no HTTP response: {e}"),
        }
    }

    /// Any request; `Err` with the transport error when no complete HTTP response came back.
    pub async fn try_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Reply, String> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{}", self.addr, path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = Full::new(Bytes::from(body.unwrap_or_default().to_string()));
        let response = self
            .client
            .request(request.body(body).expect("request"))
            .await
            .map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e:?}"))?
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// `POST /oauth/token` with a form-encoded body.
    pub async fn token(&self, fields: &[(&str, &str)]) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.raw(
            "POST",
            "/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(&body),
        )
        .await
    }

    /// An API call with `token` and `Version: 2021-07-28`.
    pub async fn call_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("authorization", auth.as_str()), ("version", "2021-07-28")];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let text = body.map(|b| b.to_string());
        self.raw(method, path, &headers, text.as_deref()).await
    }

    /// An API call as the demo location.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.call_as(DEMO_TOKEN, method, path, body).await
    }

    /// An admin call (no auth).
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let text = body.map(|b| b.to_string());
        self.raw(
            method,
            path,
            &[("content-type", "application/json")],
            text.as_deref(),
        )
        .await
    }

    /// Create a contact in the demo location and return it.
    pub async fn create(&self, fields: Value) -> Value {
        let mut body = json!({ "locationId": DEMO_LOCATION_ID });
        if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
            body.extend(fields.clone());
        }
        let reply = self.call("POST", "/contacts/", Some(body)).await;
        assert_eq!(reply.status, 201, "create: {}", reply.body);
        reply.body["contact"].clone()
    }
}

/// `2021-07-02T05:18:26.704Z`.
pub fn is_iso_millis(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let bytes = text.as_bytes();
    text.len() == 24
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text.ends_with('Z')
        && ghl_sandbox::time::parse_iso(text).is_some()
}
