//! Command-line options, parsed by hand, and the start-up banner.

use std::{net::SocketAddr, path::PathBuf};

use crate::{
    API_VERSION, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_LOCATION_ID, DEMO_TOKEN,
    OTHER_LOCATION_ID, OTHER_TOKEN, TLS_HOST,
};

pub const USAGE: &str = "\
usage: ghl-sandbox [--listen ADDR] [--tls-listen ADDR] [--rate-window-ms N] [--data FILE]

  --listen ADDR          plain HTTP address (default 127.0.0.1:8710)
  --tls-listen ADDR      also serve HTTPS here, self-signed for services.leadconnectorhq.com
  --rate-window-ms N     rate-limit window in ms (GHL: 10000; 100 requests per window)
  --data FILE            load the state from FILE if it exists; save it there after every write
  --help                 this text";

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8710";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub listen: SocketAddr,
    pub tls_listen: Option<SocketAddr>,
    pub rate_window_ms: Option<u64>,
    pub data: Option<PathBuf>,
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
    let mut data = None;
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
            "--data" => {
                let path = value()?;
                if path.is_empty() {
                    return Err("--data needs a file name".to_string());
                }
                data = Some(PathBuf::from(path));
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
        data,
    }))
}

/// What the binary prints once it listens.
pub fn banner(
    http: SocketAddr,
    https: Option<SocketAddr>,
    rate_window_ms: u64,
    data: Option<&std::path::Path>,
) -> String {
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
        format!("  oauth:  POST http://{http}/oauth/token  client_id {DEMO_CLIENT_ID}  client_secret {DEMO_CLIENT_SECRET}"),
        format!("  rate limit: 100 requests per {rate_window_ms} ms per location"),
    ]);
    lines.push(match data {
        Some(path) => format!("  data:   {} (saved after every write)", path.display()),
        None => "  data:   in memory only (--data FILE keeps it)".to_string(),
    });
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
            "--data=state.json",
        ]));
        assert_eq!(
            parsed,
            Ok(Command::Run(Options {
                listen: "127.0.0.1:9000".parse().unwrap(),
                tls_listen: Some("127.0.0.1:9443".parse().unwrap()),
                rate_window_ms: Some(500),
                data: Some(PathBuf::from("state.json")),
            }))
        );
        assert!(parse(args(&["--listen"])).is_err());
        assert!(parse(args(&["--rate-window-ms", "0"])).is_err());
        assert!(parse(args(&["--bogus"])).is_err());
        assert_eq!(parse(args(&["--help"])), Ok(Command::Help));
    }
}
