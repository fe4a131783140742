//! A replica on 127.0.0.1:0 and a tiny HTTP/1.1 client over a tokio `TcpStream`.

#![allow(dead_code)]

use std::net::SocketAddr;

use fitr_replica::{ReplicaState, router};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

pub struct Replica {
    pub addr: SocketAddr,
    pub state: ReplicaState,
}

/// Starts a replica with `n` clients, serving until the test's runtime ends.
pub async fn start(n: usize) -> Replica {
    let state = ReplicaState::new(n);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Replica { addr, state }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

impl Replica {
    /// One request on a fresh connection (`Connection: close`).
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Resp {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() || method != "GET" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.expect("write head");
        stream.write_all(body.as_bytes()).await.expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        parse_response(&raw)
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], None).await
    }

    /// A fresh token from `POST /api/session`.
    pub async fn token(&self) -> String {
        let resp = self.request("POST", "/api/session", &[], None).await;
        assert_eq!(resp.status, 200, "{}", resp.text());
        let body = resp.json();
        assert_eq!(body["expires_in"], 3600);
        body["access_token"].as_str().expect("token").to_string()
    }

    /// An authorised API GET, with the headers the FITR page sends.
    pub async fn api(&self, token: &str, path: &str) -> Resp {
        let auth = format!("bearer {token}");
        let headers = [
            ("Authorization", auth.as_str()),
            ("api-version", "3"),
            ("accept", "application/json"),
            ("client-timezone", "Europe/London"),
        ];
        self.request("GET", path, &headers, None).await
    }

    /// An authorised API GET that must answer 200 with JSON.
    pub async fn api_json(&self, token: &str, path: &str) -> Value {
        let resp = self.api(token, path).await;
        assert_eq!(resp.status, 200, "{path}: {}", resp.text());
        resp.json()
    }

    pub async fn admin_clients(&self) -> Vec<Value> {
        let resp = self.get("/_admin/clients").await;
        assert_eq!(resp.status, 200);
        resp.json().as_array().expect("array").clone()
    }

    pub async fn patch(&self, id: u32, body: &str) -> Resp {
        self.request("PATCH", &format!("/_admin/clients/{id}"), &[], Some(body))
            .await
    }
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("chunk size");
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}

/// Percent-encodes a query value (spaces, brackets, apostrophes, non-ASCII).
pub fn enc(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A `search_clients` path.
pub fn search_path(tab: &str, page: usize, per_page: usize, sort: &str, q: Option<&str>) -> String {
    let mut path = format!(
        "/api/coach/search_clients?athlete_type={tab}&page={page}&per_page={per_page}&{}={}",
        enc("q[s][]"),
        enc(sort)
    );
    if let Some(q) = q {
        path.push_str(&format!(
            "&{}={}",
            enc("q[first_name_or_last_name_or_full_name_start]"),
            enc(q)
        ));
    }
    path
}
