//! Structured logs: JSON lines (or text) on standard output, written by a background thread so
//! a slow terminal or pipe does not stall request handling.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Keep the guard alive until exit: dropping it flushes.
pub fn init(format: LogFormat, filter: &str) -> Result<WorkerGuard, String> {
    // Lossless: when the writer thread falls behind, logging waits rather than dropping lines
    // (the access log is sampled by default so that this stays rare under load).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(1 << 16)
        .finish(std::io::stdout());
    let filter =
        EnvFilter::try_new(filter).map_err(|e| format!("bad log filter {filter:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    result.map_err(|e| e.to_string())?;
    Ok(guard)
}
