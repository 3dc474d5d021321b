//! `cm-testkit`: run the loopback discovery + storage server from the command line.

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use clap::Parser;
use cm_testkit::{Endpoint, Fault, TestServer, TestServerConfig, Times};

/// Serve the stand-in discovery and storage protocol (docs/PROTOCOL.md) on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "cm-testkit", version)]
struct Args {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Print the addresses as one JSON object instead of a human-readable line.
    #[arg(long)]
    json: bool,
    /// Path prefix of the discovery endpoint.
    #[arg(long, default_value = "/discovery")]
    discovery_prefix: String,
    /// Storage address listed by discovery (repeatable; default: this server's own).
    #[arg(long = "storage-address")]
    storage_addresses: Vec<String>,
    /// Accepted credentials as NAME:PASSWORD (repeatable).
    #[arg(long = "user")]
    users: Vec<String>,
    /// A bearer token that is valid from the start (repeatable).
    #[arg(long = "token")]
    tokens: Vec<String>,
    /// Require a bearer token for /stat.
    #[arg(long)]
    require_token: bool,
    /// Advertise the browser sign-in (sign-in page, OAuth code + PKCE, device flow) in /info,
    /// so `cm login` signs in through a browser with the --user credentials.
    #[arg(long)]
    browser_sign_in: bool,
    /// A path that exists for /stat (repeatable; trailing / = folder).
    #[arg(long = "path")]
    paths: Vec<String>,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Endpoint the fault flags apply to: discovery, stat, info, token, sign-out, authorize, device, other or all.
    #[arg(long, default_value = "all")]
    fault_endpoint: String,
    /// Answer with this HTTP status instead of the normal answer.
    #[arg(long, conflicts_with_all = ["drop", "malformed", "oversized_bytes"])]
    fail_status: Option<u16>,
    /// Close connections without answering.
    #[arg(long, conflicts_with_all = ["malformed", "oversized_bytes"])]
    drop: bool,
    /// Answer with a body that is not valid JSON.
    #[arg(long, conflicts_with = "oversized_bytes")]
    malformed: bool,
    /// Answer with a streamed body of this many bytes.
    #[arg(long)]
    oversized_bytes: Option<u64>,
    /// Apply the fault to this many requests only (default: all).
    #[arg(long)]
    fault_count: Option<u32>,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cm-testkit: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let mut config = TestServerConfig {
        port: args.port,
        discovery_prefix: args.discovery_prefix.clone(),
        require_token: args.require_token,
        browser_sign_in: args.browser_sign_in,
        tokens: args.tokens.clone(),
        paths: args.paths.clone(),
        latency: Duration::from_millis(args.latency_ms),
        ..TestServerConfig::default()
    };
    if !args.storage_addresses.is_empty() {
        config.storage_addresses = Some(args.storage_addresses.clone());
    }
    for user in &args.users {
        let (name, password) = user
            .split_once(':')
            .ok_or_else(|| format!("--user expects NAME:PASSWORD, got {user:?}"))?;
        config.users.push((name.to_owned(), password.to_owned()));
    }
    let endpoints: Vec<Endpoint> = if args.fault_endpoint == "all" {
        Endpoint::ALL.to_vec()
    } else {
        vec![Endpoint::from_name(&args.fault_endpoint).ok_or_else(|| {
            format!(
                "--fault-endpoint: unknown endpoint {:?} (discovery, stat, info, token, sign-out, authorize, device, other, all)",
                args.fault_endpoint
            )
        })?]
    };
    let fault = match (
        args.fail_status,
        args.drop,
        args.malformed,
        args.oversized_bytes,
    ) {
        (Some(status), ..) => Some(Fault::Status(status)),
        (_, true, ..) => Some(Fault::Drop),
        (_, _, true, _) => Some(Fault::MalformedBody),
        (.., Some(bytes)) => Some(Fault::OversizedBody { bytes }),
        _ => None,
    };

    let server = TestServer::start(config).map_err(|err| err.to_string())?;
    let controls = server.controls();
    if let Some(fault) = fault {
        let times = args.fault_count.map_or(Times::Always, Times::Next);
        for endpoint in endpoints {
            controls.inject(endpoint, fault.clone(), times);
        }
    }
    if args.json {
        let line = serde_json::json!({
            "url": server.url(),
            "port": server.port(),
            "discovery_url": server.discovery_url(),
            "storage_url": server.storage_url(),
        });
        println!("{line}");
    } else {
        println!("cm-testkit listening on {}", server.url());
        println!("  discovery: {}", server.discovery_url());
        println!("  storage:   {}", server.storage_url());
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("could not start a runtime to wait for Ctrl-C: {err}"))?;
    runtime
        .block_on(tokio::signal::ctrl_c())
        .map_err(|err| format!("could not wait for Ctrl-C: {err}"))?;
    drop(server);
    Ok(())
}
