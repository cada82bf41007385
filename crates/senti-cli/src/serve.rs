//! `senti serve`.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use senti_server::{Config, ServeArgs};

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let cfg = Config::resolve(&args)?;
    let _log_guard =
        senti_server::logging::init(cfg.log_format, &cfg.log_level).map_err(|e| anyhow!(e))?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if cfg.workers > 0 {
        rt.worker_threads(cfg.workers);
    }
    let rt = rt.enable_all().build().context("starting the runtime")?;
    rt.block_on(async move {
        let server = senti_server::bind(cfg).await?;
        let local = server.local_addr()?;
        tracing::info!(addr = %local, version = env!("CARGO_PKG_VERSION"), "listening");
        server
            .run(senti_server::shutdown_signal())
            .await
            .context("serving")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
