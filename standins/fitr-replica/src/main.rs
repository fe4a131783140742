//! `fitr-replica --listen 127.0.0.1:PORT [--tls-listen 127.0.0.1:PORT2] [--clients N]`

use std::{net::SocketAddr, process::ExitCode};

use fitr_replica::{DEFAULT_CLIENTS, ReplicaState, router};
use tokio::net::TcpListener;

const USAGE: &str = "usage: fitr-replica [--listen ADDR] [--tls-listen ADDR] [--clients N]

  --listen ADDR       plain HTTP address (default 127.0.0.1:8410)
  --tls-listen ADDR   also serve HTTPS with a self-signed certificate for app.fitr.training
  --clients N         number of seeded clients (default 80)";

struct Args {
    listen: SocketAddr,
    tls_listen: Option<SocketAddr>,
    clients: usize,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8410)),
        tls_listen: None,
        clients: DEFAULT_CLIENTS,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg, None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => parsed.listen = parse_addr(&flag, &value()?)?,
            "--tls-listen" => parsed.tls_listen = Some(parse_addr(&flag, &value()?)?),
            "--clients" => {
                let value = value()?;
                parsed.clients = value
                    .parse()
                    .map_err(|_| format!("--clients needs a number, not {value:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

fn parse_addr(flag: &str, value: &str) -> Result<SocketAddr, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} needs an address like 127.0.0.1:8410, not {value:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("fitr-replica: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fitr-replica: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> std::io::Result<()> {
    let state = ReplicaState::new(args.clients);
    let app = router(state);

    let plain = TcpListener::bind(args.listen).await?;
    let plain_addr = plain.local_addr()?;
    println!("fitr-replica: {} clients", args.clients);
    println!("fitr-replica: http://{plain_addr}/coach/clients");
    println!("fitr-replica: admin http://{plain_addr}/_admin/clients");

    let tls = match args.tls_listen {
        Some(addr) => {
            let listener = TcpListener::bind(addr).await?;
            let bound = listener.local_addr()?;
            let config = standin_tls::self_signed(&["app.fitr.training"])?;
            println!(
                "fitr-replica: https://app.fitr.training/coach/clients on {bound} (self-signed; \
                 --host-resolver-rules=\"MAP app.fitr.training:443 {bound}\" --ignore-certificate-errors)"
            );
            Some((listener, config))
        }
        None => None,
    };

    let plain_task = standin_tls::serve(plain, app.clone(), None);
    match tls {
        Some((listener, config)) => {
            tokio::try_join!(plain_task, standin_tls::serve(listener, app, Some(config)))?;
        }
        None => plain_task.await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn parse(args: &[&str]) -> Result<super::Args, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_flags_both_ways() {
        let args = parse(&[
            "--listen",
            "127.0.0.1:1",
            "--tls-listen=127.0.0.1:2",
            "--clients",
            "1700",
        ])
        .expect("valid");
        assert_eq!(args.listen.port(), 1);
        assert_eq!(args.tls_listen.map(|a| a.port()), Some(2));
        assert_eq!(args.clients, 1700);
        let defaults = parse(&[]).expect("valid");
        assert_eq!((defaults.clients, defaults.tls_listen), (80, None));
    }

    #[test]
    fn refuses_bad_flags() {
        assert!(parse(&["--bogus", "1"]).is_err_and(|e| e.contains("unknown argument")));
        assert!(parse(&["--clients", "many"]).is_err());
        assert!(parse(&["--listen"]).is_err_and(|e| e.contains("needs a value")));
        assert!(parse(&["--listen", "nowhere"]).is_err());
        assert_eq!(parse(&["--help"]).err().as_deref(), Some(""));
    }
}
