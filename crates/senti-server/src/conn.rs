//! The accept loop and per-connection timers.
//!
//! hyper's own `header_read_timeout` starts counting when a keep-alive connection goes idle,
//! so a 500 ms header timeout would also close idle keep-alive connections after 500 ms.
//! Here the two are separate: the header timeout runs from the first byte of a request (or
//! from accept, for a new connection) until its headers are parsed; the idle timeout runs
//! between requests. A small watchdog per connection enforces both.
//!
//! An answer sent before the request body was read (413 on a Content-Length past the limit,
//! 415, a 408 mid-body) ends the connection, since the rest of the body cannot be skipped
//! cheaply. Closing a socket whose receive buffer still holds data makes the kernel send a
//! reset, and a client still sending its body (Python's urllib does not read until it has
//! sent everything) then gets `EPIPE`/`ECONNRESET` instead of the answer waiting in its
//! buffer. So, as nginx's lingering close does, such a connection first sends its FIN after
//! the answer, then reads and discards what the client still sends, for a bounded time and
//! size (`--lingering-time-ms`, `--lingering-max-bytes`), and closes when the client does.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
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
    /// The request in hand has a body not read to its end (yet).
    unread: AtomicBool,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            base: Instant::now(),
            phase: AtomicU8::new(HEADERS),
            since_us: AtomicU64::new(0),
            unread: AtomicBool::new(false),
        }
    }

    fn set(&self, phase: u8) {
        if phase != BUSY {
            self.since_us
                .store(self.base.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        self.phase.store(phase, Ordering::Release);
    }

    /// Counts an idle connection's idle time from now (at shutdown, when its allowance
    /// shrinks to one header timeout: it must not be closed at once for being idle long).
    fn restart_idle(&self) {
        if self.phase.load(Ordering::Acquire) == IDLE {
            self.since_us
                .store(self.base.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
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

/// A request body that notes in the clock when it has been read to its end.
struct Tracked {
    inner: Incoming,
    clock: Arc<Clock>,
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.clock.unread.store(false, Ordering::Relaxed);
        }
        r
    }
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
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
                            tracker.spawn(serve_conn(stream, app.clone(), state.clone(), stop_rx.clone(), Some(permit)));
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
        state.stopping.store(true, Ordering::Relaxed);
        let _ = stop_tx.send(true);
        // Connections the kernel has completed but this loop has not taken yet would be reset
        // when the listener closes, and their clients may have sent a request already: take
        // and serve them too (stopping from the start, so each answer says `Connection:
        // close`). Only those already queued: the listener closes right after.
        match listener.into_std() {
            Ok(std_listener) => {
                while let Ok((stream, _peer)) = std_listener.accept() {
                    let Ok(stream) = stream
                        .set_nonblocking(true)
                        .and_then(|()| TcpStream::from_std(stream))
                    else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let permit = conn_slots.clone().try_acquire_owned().ok();
                    tracker.spawn(serve_conn(
                        stream,
                        app.clone(),
                        state.clone(),
                        stop_rx.clone(),
                        permit,
                    ));
                }
            }
            Err(e) => tracing::warn!(error = %e, "closing the listener"),
        }
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

/// How a connection's serving ended.
enum End {
    /// hyper finished with it (the client closed, or keep-alive ended): the socket is ours.
    Done,
    /// An I/O or protocol error: nothing more to say on this socket.
    Failed,
    /// Closed by the watchdog, for this reason.
    Closed(&'static str),
}

async fn serve_conn(
    stream: TcpStream,
    app: Router,
    st: Shared,
    mut stop: watch::Receiver<bool>,
    _permit: Option<OwnedSemaphorePermit>,
) {
    st.metrics.connections.inc();
    let clock = Arc::new(Clock::new());
    let io = TokioIo::new(Timed {
        inner: stream,
        clock: clock.clone(),
    });
    let svc_clock = clock.clone();
    let svc_st = st.clone();
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        svc_clock.set(BUSY);
        let app = app.clone();
        let clock = svc_clock.clone();
        let st = svc_st.clone();
        let req = if req.body().is_end_stream() {
            clock.unread.store(false, Ordering::Relaxed);
            req.map(axum::body::Body::new)
        } else {
            clock.unread.store(true, Ordering::Relaxed);
            let tracked = clock.clone();
            req.map(|inner| {
                axum::body::Body::new(Tracked {
                    inner,
                    clock: tracked,
                })
            })
        };
        // Boxed so that the connection is `Unpin` and can hand its socket back when it ends
        // (`poll_without_shutdown`), for the lingering close.
        Box::pin(async move {
            let mut resp = app.oneshot(req).await;
            if (clock.unread.load(Ordering::Relaxed) || st.stopping.load(Ordering::Relaxed))
                && let Ok(r) = &mut resp
            {
                // The rest of the body is not read, or the server is stopping, so this
                // connection ends after the answer: say so, or a pooling client sends its
                // next request into a closing socket.
                r.headers_mut().insert(
                    hyper::header::CONNECTION,
                    hyper::header::HeaderValue::from_static("close"),
                );
            }
            clock.set(IDLE);
            resp
        })
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(true)
        // Head and body in one buffer and one write(2): answers are small, so the copy costs
        // less than a writev with two iovecs (measured in bench/load: BENCHMARKS.md).
        .writev(false)
        .header_read_timeout(None);
    let mut conn = builder.serve_connection(io, svc);
    let (header_to, mut idle_to) = (st.cfg.header_timeout(), st.cfg.idle_timeout());
    let watchdog = tokio::time::sleep(header_to);
    let mut watchdog = std::pin::pin!(watchdog);
    let mut closing = false;
    let mut stopping = false;
    let end = loop {
        tokio::select! {
            r = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => break match r {
                Ok(()) => End::Done,
                Err(_) => End::Failed,
            },
            _ = watchdog.as_mut(), if !closing => match clock.check(header_to, idle_to) {
                Check::HeaderTimeout => break End::Closed("header_timeout"),
                Check::IdleTimeout => {
                    Pin::new(&mut conn).graceful_shutdown();
                    closing = true;
                    if !stopping {
                        st.metrics.closed_connections.get_or_create(&CodeLabel { code: "idle_timeout" }).inc();
                    }
                }
                Check::Again(at) => watchdog.as_mut().reset(at.into()),
            },
            _ = stop.changed(), if !stopping => {
                // Not closed at once: a client may be sending its next request on this
                // connection right now, and closing would drop it. Since the server is
                // stopping, every answer from here on says `Connection: close`, so hyper
                // closes after the request in hand (or the one arriving); a connection that
                // stays idle is closed after one header timeout, which also bounds a request
                // that has started to arrive.
                stopping = true;
                idle_to = idle_to.min(header_to);
                clock.restart_idle();
                watchdog.as_mut().reset(tokio::time::Instant::now());
            }
        }
    };
    match end {
        End::Failed => {}
        // Dropping the connection closes the socket without a response, as for a slow client
        // that never finished its headers.
        End::Closed(code) => {
            st.metrics
                .closed_connections
                .get_or_create(&CodeLabel { code })
                .inc();
        }
        End::Done => {
            let mut stream = conn.into_parts().io.into_inner().inner;
            let lingering = st.cfg.lingering_time();
            if clock.unread.load(Ordering::Relaxed) && !lingering.is_zero() {
                st.metrics
                    .closed_connections
                    .get_or_create(&CodeLabel { code: "lingering" })
                    .inc();
                linger(stream, lingering, st.cfg.lingering_max_bytes).await;
            } else {
                let _ = stream.shutdown().await;
            }
        }
    }
    st.metrics.connections.dec();
}

/// Sends FIN after the answer already written, then reads and discards what the client still
/// sends until it closes, `time` passes or `max_bytes` have been read; then the socket closes
/// with an empty receive buffer, so without a reset that would destroy the answer.
async fn linger(mut stream: TcpStream, time: Duration, max_bytes: usize) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + time;
    let mut buf = vec![0u8; 64 * 1024];
    let mut seen = 0usize;
    while seen <= max_bytes {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen += n,
            _ => break,
        }
    }
}
