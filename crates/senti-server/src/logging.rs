//! Structured logs: JSON lines (or text) on standard output, written by a background thread so
//! a slow terminal or pipe does not stall request handling; and, with `--otlp-endpoint`, the
//! OpenTelemetry layer beside them (see `telemetry` for why the two have separate filters).

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;
use crate::telemetry::Telemetry;

/// Installs the global subscriber. Keep the guard alive until exit: dropping it flushes.
pub fn init(
    format: LogFormat,
    filter: &str,
    telemetry: Option<&Telemetry>,
) -> Result<WorkerGuard, String> {
    // Lossless: when the writer thread falls behind, logging waits rather than dropping lines
    // (the access log is sampled by default so that this stays rare under load).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(1 << 16)
        .finish(std::io::stdout());
    init_with_writer(format, filter, telemetry, writer)?;
    Ok(guard)
}

/// [`init`] with another writer (tests read the log lines back).
pub fn init_with_writer<W>(
    format: LogFormat,
    filter: &str,
    telemetry: Option<&Telemetry>,
    writer: W,
) -> Result<(), String>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_new(filter).map_err(|e| format!("bad log filter {filter:?}: {e}"))?;
    match telemetry {
        // Without export: one layer under one global filter, exactly as before tracing
        // existed, so disabled span callsites stay disabled for good.
        None => {
            let builder = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(writer);
            match format {
                LogFormat::Json => builder
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .try_init(),
                LogFormat::Text => builder.try_init(),
            }
            .map_err(|e| e.to_string())
        }
        Some(t) => {
            let fmt = tracing_subscriber::fmt::layer().with_writer(writer);
            let fmt = match format {
                LogFormat::Json => fmt
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_filter(filter)
                    .boxed(),
                LogFormat::Text => fmt.with_filter(filter).boxed(),
            };
            // Spans only (log events stay in the logs), and only senti's own.
            let otel = t.layer().with_filter(filter_fn(|m| {
                m.is_span()
                    && m.target().starts_with("senti")
                    && *m.level() <= tracing::Level::DEBUG
            }));
            tracing_subscriber::registry()
                .with(fmt)
                .with(otel)
                .try_init()
                .map_err(|e| e.to_string())
        }
    }
}
