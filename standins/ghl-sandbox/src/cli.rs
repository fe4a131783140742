//! Command-line options, parsed by hand, and the start-up banner.

use std::net::SocketAddr;

use crate::{API_VERSION, DEMO_LOCATION_ID, DEMO_TOKEN, OTHER_LOCATION_ID, OTHER_TOKEN, TLS_HOST};

pub const USAGE: &str = "\
usage: ghl-sandbox [--listen ADDR] [--tls-listen ADDR] [--rate-window-ms N]

  --listen ADDR          plain HTTP address (default 127.0.0.1:8710)
  --tls-listen ADDR      also serve HTTPS here, self-signed for services.leadconnectorhq.com
  --rate-window-ms N     rate-limit window in ms (GHL: 10000; 100 requests per window)
  --help                 this text";

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8710";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub listen: SocketAddr,
    pub tls_listen: Option<SocketAddr>,
    pub rate_window_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Run(Options),
    Help,
}

fn address(flag: &str, value: &str) -> Result<SocketAddr, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: `{value}` is not an address like 127.0.0.1:8710"))
}

/// Parse the arguments after the program name. Accepts `--flag value` and `--flag=value`.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut listen = None;
    let mut tls_listen = None;
    let mut rate_window_ms = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Ok(Command::Help);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => listen = Some(address(&flag, &value()?)?),
            "--tls-listen" => tls_listen = Some(address(&flag, &value()?)?),
            "--rate-window-ms" => {
                let text = value()?;
                let ms = text
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms > 0)
                    .ok_or_else(|| {
                        format!("--rate-window-ms: `{text}` is not a positive integer")
                    })?;
                rate_window_ms = Some(ms);
            }
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    let listen = match listen {
        Some(addr) => addr,
        None => address("--listen", DEFAULT_LISTEN)?,
    };
    Ok(Command::Run(Options {
        listen,
        tls_listen,
        rate_window_ms,
    }))
}

/// What the binary prints once it listens.
pub fn banner(http: SocketAddr, https: Option<SocketAddr>, rate_window_ms: u64) -> String {
    let mut lines = vec![
        "ghl-sandbox: GoHighLevel Contacts API v2 stand-in".to_string(),
        format!("  http:   http://{http}"),
    ];
    if let Some(https) = https {
        lines.push(format!(
            "  https:  https://{https}  (self-signed for {TLS_HOST}; e.g. --host-resolver-rules=\"MAP {TLS_HOST} {https}\")"
        ));
    }
    lines.extend([
        format!("  admin:  http://{http}/_admin/state"),
        format!("  headers: Authorization: Bearer <token>, Version: {API_VERSION}"),
        format!("  location {DEMO_LOCATION_ID}  token {DEMO_TOKEN}"),
        format!("  location {OTHER_LOCATION_ID}   token {OTHER_TOKEN}"),
        format!("  rate limit: 100 requests per {rate_window_ms} ms per location"),
    ]);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_every_flag() {
        let parsed = parse(args(&[
            "--listen",
            "127.0.0.1:9000",
            "--tls-listen=127.0.0.1:9443",
            "--rate-window-ms",
            "500",
        ]));
        assert_eq!(
            parsed,
            Ok(Command::Run(Options {
                listen: "127.0.0.1:9000".parse().unwrap(),
                tls_listen: Some("127.0.0.1:9443".parse().unwrap()),
                rate_window_ms: Some(500),
            }))
        );
        assert!(parse(args(&["--listen"])).is_err());
        assert!(parse(args(&["--rate-window-ms", "0"])).is_err());
        assert!(parse(args(&["--bogus"])).is_err());
        assert_eq!(parse(args(&["--help"])), Ok(Command::Help));
    }
}
