//! `ghl-sandbox --listen ADDR [--tls-listen ADDR] [--rate-window-ms N] [--data FILE]`: serve one
//! sandbox on plain HTTP and, optionally, TLS; with `--data`, kept in a file across restarts.

use std::{io, process::ExitCode};

use ghl_sandbox::{
    Sandbox, TLS_HOST,
    cli::{self, Command, Options},
    ratelimit::RateConfig,
    router,
};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Run(options)) => match run(options).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ghl-sandbox: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("ghl-sandbox: {e}\n{}", cli::USAGE);
            ExitCode::from(2)
        }
    }
}

async fn run(options: Options) -> io::Result<()> {
    let mut rate = RateConfig::default();
    if let Some(ms) = options.rate_window_ms {
        rate.window_ms = ms;
    }
    let sandbox = match &options.data {
        Some(path) => Sandbox::open(path.clone(), rate)?,
        None => Sandbox::new(rate),
    };
    let app = router(sandbox);
    let plain = TcpListener::bind(options.listen).await?;
    let tls = match options.tls_listen {
        Some(addr) => Some((
            TcpListener::bind(addr).await?,
            standin_tls::self_signed(&[TLS_HOST])?,
        )),
        None => None,
    };
    let https_addr = match &tls {
        Some((listener, _)) => Some(listener.local_addr()?),
        None => None,
    };
    println!(
        "{}",
        cli::banner(
            plain.local_addr()?,
            https_addr,
            rate.window_ms,
            options.data.as_deref()
        )
    );

    let serve_plain = standin_tls::serve(plain, app.clone(), None);
    match tls {
        Some((listener, config)) => {
            let serve_tls = standin_tls::serve(listener, app, Some(config));
            tokio::select! {
                result = serve_plain => result,
                result = serve_tls => result,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        }
        None => tokio::select! {
            result = serve_plain => result,
            _ = tokio::signal::ctrl_c() => Ok(()),
        },
    }
}
