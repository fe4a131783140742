//! Serve a stand-in's [`Router`] on loopback, either plainly or over TLS with a self-signed
//! certificate made at start-up for the real host names (`app.fitr.training`,
//! `services.leadconnectorhq.com`). Chromium reaches it through `--host-resolver-rules` and
//! `--ignore-certificate-errors`; nothing is ever written to disk.

use std::{io, net::SocketAddr, sync::Arc};

use axum::Router;
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use rustls::{
    ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A TLS configuration with a fresh self-signed certificate naming `hosts` (plus `localhost`
/// and `127.0.0.1`).
pub fn self_signed(hosts: &[&str]) -> io::Result<Arc<ServerConfig>> {
    let mut names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    names.extend(["localhost".to_string(), "127.0.0.1".to_string()]);
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(io::Error::other)?;
    Ok(Arc::new(config))
}

/// Serve `router` on `listener` until the task is dropped. With `tls`, each connection is a TLS
/// handshake first; a failed handshake only closes that connection.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<ServerConfig>>,
) -> io::Result<()> {
    let Some(config) = tls else {
        return axum::serve(listener, router).await;
    };
    let acceptor = TlsAcceptor::from(config);
    loop {
        let (tcp, _peer): (_, SocketAddr) = listener.accept().await?;
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}
