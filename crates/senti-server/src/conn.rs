//! The accept loop and per-connection timers.
//!
//! hyper's own `header_read_timeout` starts counting when a keep-alive connection goes idle,
//! so a 500 ms header timeout would also close idle keep-alive connections after 500 ms.
//! Here the two are separate: the header timeout runs from the first byte of a request (or
//! from accept, for a new connection) until its headers are parsed; the idle timeout runs
//! between requests. A small watchdog per connection enforces both.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::metrics::CodeLabel;
use crate::state::Shared;

const HEADERS: u8 = 0;
const BUSY: u8 = 1;
const IDLE: u8 = 2;

/// Where a connection is in its request cycle, and since when.
///
/// Phase changes are plain atomic stores: the watchdog is not woken by them (that would cost
/// a task wake-up and a timer re-arm per request). It wakes on its own at least every header
/// timeout, reads the phase, and then sleeps exactly until the deadline that applies.
struct Clock {
    base: Instant,
    phase: AtomicU8,
    since_us: AtomicU64,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            base: Instant::now(),
            phase: AtomicU8::new(HEADERS),
            since_us: AtomicU64::new(0),
        }
    }

    fn set(&self, phase: u8) {
        if phase != BUSY {
            self.since_us
                .store(self.base.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        self.phase.store(phase, Ordering::Release);
    }

    /// What to do now: close for a header timeout, close an idle connection, or check again
    /// at the returned instant.
    fn check(&self, header: Duration, idle: Duration) -> Check {
        let phase = self.phase.load(Ordering::Acquire);
        let since = self.base + Duration::from_micros(self.since_us.load(Ordering::Relaxed));
        let now = Instant::now();
        match phase {
            HEADERS if now >= since + header => Check::HeaderTimeout,
            HEADERS => Check::Again(since + header),
            IDLE if now >= since + idle => Check::IdleTimeout,
            // An idle connection may start a request at any moment: look again within one
            // header timeout so a stalled request is caught in time.
            IDLE => Check::Again((since + idle).min(now + header)),
            _ => Check::Again(now + header),
        }
    }
}

enum Check {
    HeaderTimeout,
    IdleTimeout,
    Again(Instant),
}

/// The TCP stream, noting the first byte of each new request.
struct Timed {
    inner: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Timed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before && self.clock.phase.load(Ordering::Relaxed) == IDLE {
            self.clock.set(HEADERS);
        }
        r
    }
}

impl AsyncWrite for Timed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A bound listener, ready to serve.
pub struct Server {
    listener: TcpListener,
    grpc: Option<TcpListener>,
    app: Router,
    state: Shared,
}

impl Server {
    /// Binds the HTTP listener and, unless turned off, the gRPC one.
    pub async fn bind(state: Shared, app: Router) -> io::Result<Server> {
        let listener = TcpListener::bind(state.cfg.addr).await?;
        let grpc = match state.cfg.grpc_socket() {
            Ok(Some(addr)) => Some(TcpListener::bind(addr).await?),
            Ok(None) => None,
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidInput, e)),
        };
        Ok(Server {
            listener,
            grpc,
            app,
            state,
        })
    }

    pub fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// The gRPC listener's address, if gRPC is on.
    pub fn grpc_local_addr(&self) -> Option<std::net::SocketAddr> {
        self.grpc.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then drains: /readyz turns 503, new connections are
    /// still taken for `drain_delay`, then the listener closes, every connection finishes its
    /// request in flight and closes, and this returns (at the latest after `shutdown_grace`).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let Server {
            listener,
            grpc,
            app,
            state,
        } = self;
        let tracker = TaskTracker::new();
        let (stop_tx, stop_rx) = watch::channel(false);
        if let Some(l) = grpc {
            let mut stop = stop_rx.clone();
            tracker.spawn(crate::grpc::serve(l, state.clone(), async move {
                let _ = stop.wait_for(|s| *s).await;
            }));
        }
        let conn_slots = Arc::new(Semaphore::new(
            state.cfg.max_connections.min(Semaphore::MAX_PERMITS),
        ));
        let mut shutdown = std::pin::pin!(shutdown);
        let mut drain_until: Option<tokio::time::Instant> = None;
        loop {
            let stop_accepting = async {
                match drain_until {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            // Wait for a connection slot and a connection, unless shutdown or the end of the
            // drain delay comes first.
            let next = async {
                let permit = conn_slots.clone().acquire_owned().await;
                (permit, listener.accept().await)
            };
            tokio::select! {
                _ = &mut shutdown, if drain_until.is_none() => {
                    state.draining.store(true, Ordering::Relaxed);
                    tracing::info!(drain_delay_ms = state.cfg.drain_delay_ms, "shutdown signal: draining");
                    drain_until = Some(tokio::time::Instant::now() + Duration::from_millis(state.cfg.drain_delay_ms));
                }
                _ = stop_accepting => break,
                (permit, accepted) = next => {
                    let Ok(permit) = permit else { break };
                    match accepted {
                        Ok((stream, _peer)) => {
                            let _ = stream.set_nodelay(true);
                            tracker.spawn(serve_conn(stream, app.clone(), state.clone(), stop_rx.clone(), permit));
                        }
                        Err(e) => {
                            // Out of file descriptors and the like: back off instead of spinning.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                }
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        tracker.close();
        let grace = Duration::from_millis(state.cfg.shutdown_grace_ms);
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            tracing::warn!(
                open = tracker.len(),
                "shutdown grace period over; closing remaining connections"
            );
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn serve_conn(
    stream: TcpStream,
    app: Router,
    st: Shared,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    st.metrics.connections.inc();
    let clock = Arc::new(Clock::new());
    let io = TokioIo::new(Timed {
        inner: stream,
        clock: clock.clone(),
    });
    let svc_clock = clock.clone();
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        svc_clock.set(BUSY);
        let app = app.clone();
        let clock = svc_clock.clone();
        async move {
            let resp = app.oneshot(req.map(axum::body::Body::new)).await;
            clock.set(IDLE);
            resp
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(None);
    let conn = builder.serve_connection(io, svc);
    let mut conn = std::pin::pin!(conn);
    let (header_to, idle_to) = (st.cfg.header_timeout(), st.cfg.idle_timeout());
    let watchdog = tokio::time::sleep(header_to);
    let mut watchdog = std::pin::pin!(watchdog);
    let mut closing = false;
    let reason = loop {
        tokio::select! {
            _ = conn.as_mut() => break None,
            _ = watchdog.as_mut(), if !closing => match clock.check(header_to, idle_to) {
                Check::HeaderTimeout => break Some("header_timeout"),
                Check::IdleTimeout => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                    st.metrics.closed_connections.get_or_create(&CodeLabel { code: "idle_timeout" }).inc();
                }
                Check::Again(at) => watchdog.as_mut().reset(at.into()),
            },
            _ = stop.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    };
    if let Some(code) = reason {
        // Dropping the connection closes the socket without a response, as for a slow client
        // that never finished its headers.
        st.metrics
            .closed_connections
            .get_or_create(&CodeLabel { code })
            .inc();
    }
    st.metrics.connections.dec();
}
