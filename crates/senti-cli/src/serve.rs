//! `senti serve`.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use senti_server::telemetry::Telemetry;
use senti_server::{Config, ServeArgs};

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let cfg = Config::resolve(&args)?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if cfg.workers > 0 {
        rt.worker_threads(cfg.workers);
    }
    let rt = rt.enable_all().build().context("starting the runtime")?;
    // The OTLP/gRPC exporter's channel lives on the runtime: build it inside.
    let telemetry = match &cfg.otlp_endpoint {
        Some(url) => Some({
            let _in_rt = rt.enter();
            Telemetry::start(url, cfg.otlp_protocol, cfg.otlp_sample_ratio)
                .map_err(|e| anyhow!(e))?
        }),
        None => None,
    };
    let _log_guard =
        senti_server::logging::init(cfg.log_format, &cfg.log_level, telemetry.as_ref())
            .map_err(|e| anyhow!(e))?;
    let served = rt.block_on(async move {
        let server = senti_server::bind(cfg).await?;
        let local = server.local_addr()?;
        tracing::info!(addr = %local, version = env!("CARGO_PKG_VERSION"), "listening");
        server
            .run(senti_server::shutdown_signal())
            .await
            .context("serving")?;
        Ok::<_, anyhow::Error>(())
    });
    // Spans still queued go out before exit (the runtime is still up for gRPC export).
    if let Some(t) = telemetry
        && let Err(e) = t.shutdown()
    {
        tracing::warn!(error = %e, "flushing traces");
    }
    served?;
    Ok(ExitCode::SUCCESS)
}
