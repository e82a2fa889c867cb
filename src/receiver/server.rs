//! The accept loop and its connections: HTTP/1 over TCP with the receiver's timeouts and
//! connection cap (see [`super::limits`]), in place of `axum::serve`, which has neither.
//!
//! Each connection runs in its own task beside a watchdog that knows where the connection is:
//! - waiting for a request, no byte of it yet: closed after the idle timeout;
//! - the first bytes of a request arrived: its headers must be complete within the header
//!   timeout, so a byte-a-second client cannot hold the connection;
//! - a request in progress: the handler owns the clock (the body timeout), not the watchdog.
//!
//! At the connection cap the accept loop closes the connection that has waited longest without
//! a request in progress, so idle and trickling clients make room for a real webhook instead of
//! queueing it behind them; only when every connection is busy does accepting wait. The cap is
//! kept below the process's file-descriptor limit (raised to its hard limit at start), so the
//! capture file, the log and the terminal always have descriptors left.
//!
//! Quitting never waits on a slow client: idle connections close at once, and a connection in
//! the middle of a request gets at most [`SHUTDOWN_GRACE`] to finish it; a body still arriving
//! then is dropped unanswered (it was never accepted, so the sender retries). A request whose
//! body was read is recorded and handed on in its own task whatever happens to its connection.

use super::stats::{LogThrottle, ReceiverStats};
use super::Receiver;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

/// Longest a connection may take to send its last reply once wamon is quitting.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Largest read buffer of one connection (hyper's default is ~400 KiB). Headers must fit in it;
/// body bytes pass through it in chunks and are copied out, so this bounds what a connection
/// holds beyond its body: 512 connections hold at most 32 MiB here, beside `--max-buffered`.
const READ_BUFFER: usize = 64 * 1024;

/// Descriptors kept free of connections: stdio, the capture file, the log, the terminal, the
/// runtime's own, files read back for the detail pane.
const RESERVED_FDS: u64 = 64;

/// Raises the soft file-descriptor limit to the hard one and returns the connection cap that
/// fits under it: `wanted`, or fewer when the limit is low.
pub fn fit_connection_cap(wanted: usize) -> usize {
    let soft = rlimit::increase_nofile_limit(u64::MAX)
        .or_else(|_| rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft))
        .unwrap_or(1024);
    let room = soft.saturating_sub(RESERVED_FDS).max(8);
    wanted
        .min(usize::try_from(room).unwrap_or(usize::MAX))
        .max(1)
}

/// Serves `rx` on `listener` until `shutdown` resolves, then closes every connection (see the
/// module docs) and returns.
pub async fn serve(
    listener: TcpListener,
    rx: Arc<Receiver>,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let limits = rx.cfg.limits;
    rx.stats
        .cap
        .store(limits.max_connections, Ordering::Relaxed);
    let table = Arc::new(Table::default());
    let router = super::router(rx.clone());
    let stop = rx.stopping.subscribe();
    let accept_errors = LogThrottle::default();
    tokio::pin!(shutdown);
    loop {
        // Make room before accepting, so the cap holds.
        while table.len() >= limits.max_connections {
            if table.evict_longest_waiting() {
                ReceiverStats::bump(&rx.stats.evicted);
                continue;
            }
            let freed = table.freed.notified();
            tokio::select! {
                _ = freed => {}
                _ = &mut shutdown => return finish(&rx, &table).await,
            }
        }
        let (stream, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors (something else holds them) or a connection reset
                    // before it was accepted: make room, pause briefly, go on.
                    if accept_errors.admit(super::now_ms()).is_some() {
                        tracing::warn!("accept failed: {e}");
                    }
                    if table.evict_longest_waiting() {
                        ReceiverStats::bump(&rx.stats.evicted);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return finish(&rx, &table).await,
        };
        let _ = stream.set_nodelay(true);
        let conn = table.insert();
        rx.stats.open.store(table.len(), Ordering::Relaxed);
        let task = Connection {
            conn: conn.clone(),
            router: router.clone(),
            rx: rx.clone(),
            stop: stop.clone(),
        };
        let table = table.clone();
        tokio::spawn(async move {
            task.run(stream, remote).await;
            table.remove(conn.id);
            task.rx.stats.open.store(table.len(), Ordering::Relaxed);
            table.freed.notify_one();
        });
    }
}

/// Tells handlers and connections to stop, then waits (bounded) for the connections to end.
async fn finish(rx: &Receiver, table: &Table) -> io::Result<()> {
    rx.stop();
    let deadline = Instant::now() + SHUTDOWN_GRACE + Duration::from_millis(200);
    while table.len() > 0 && Instant::now() < deadline {
        let freed = table.freed.notified();
        let _ = tokio::time::timeout_at(deadline, freed).await;
    }
    Ok(())
}

/// What the watchdog knows of one connection. Times are milliseconds since [`Table::epoch`].
#[derive(Debug)]
struct Conn {
    id: u64,
    /// Requests being handled (HTTP/1: zero or one).
    in_flight: AtomicU32,
    /// When the connection last became ready for a request (accepted, or a reply sent).
    ready_since: AtomicU64,
    /// When the first byte of the next request arrived, 0 while none has.
    first_byte: AtomicU64,
    /// When the request in progress began.
    started: AtomicU64,
    /// Wakes the watchdog when the deadline moves earlier (a request's first byte).
    changed: Notify,
    /// Set when the accept loop picks this connection to close.
    evicted: AtomicBool,
    evict: Notify,
    epoch: Instant,
}

impl Conn {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// When the watchdog should look next: the close deadline while waiting for a request; while
    /// one is in progress (the handler owns the clock then), a check an idle timeout after it
    /// began, pushed on while it lasts. A request ending does not wake the watchdog: the next
    /// check finds the connection waiting and moves on to its real deadline.
    fn next_check(&self, limits: &super::Limits) -> Instant {
        let at = |ms: u64, d: Duration| self.epoch + Duration::from_millis(ms) + d;
        if self.in_flight.load(Ordering::Acquire) > 0 {
            let check = at(self.started.load(Ordering::Acquire), limits.idle_timeout);
            return check.max(Instant::now() + Duration::from_millis(1));
        }
        match self.first_byte.load(Ordering::Acquire) {
            0 => at(
                self.ready_since.load(Ordering::Acquire),
                limits.idle_timeout,
            ),
            first => at(first, limits.header_timeout),
        }
    }

    /// Whether the connection has waited past its deadline.
    fn expired(&self, limits: &super::Limits) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0 && self.next_check(limits) <= Instant::now()
    }

    fn request_started(&self) {
        self.started.store(self.now(), Ordering::Release);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    fn request_done(&self) {
        self.first_byte.store(0, Ordering::Release);
        self.ready_since.store(self.now(), Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    fn bytes_arrived(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0
            && self.first_byte.load(Ordering::Acquire) == 0
        {
            self.first_byte.store(self.now(), Ordering::Release);
            self.changed.notify_one();
        }
    }

    /// Waiting for a request (not in the middle of one), and not already picked to close.
    fn is_waiting(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0 && !self.evicted.load(Ordering::Acquire)
    }
}

/// The open connections.
#[derive(Debug)]
struct Table {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    /// Signalled whenever a connection ends.
    freed: Notify,
    epoch: Instant,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            conns: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            freed: Notify::new(),
            epoch: Instant::now(),
        }
    }
}

impl Table {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connections counted against the cap (those picked to close no longer count).
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn insert(&self) -> Arc<Conn> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            in_flight: AtomicU32::new(0),
            ready_since: AtomicU64::new(self.epoch.elapsed().as_millis() as u64 + 1),
            first_byte: AtomicU64::new(0),
            started: AtomicU64::new(0),
            changed: Notify::new(),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
            epoch: self.epoch,
        });
        self.lock().insert(id, conn.clone());
        conn
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the connection that has waited longest for a request (of those ready in the same
    /// millisecond, the one accepted first); false when every
    /// connection is busy with one. The connection leaves the table at once so the cap counts
    /// it free; its task closes the socket moments later.
    fn evict_longest_waiting(&self) -> bool {
        let mut conns = self.lock();
        let victim = conns
            .values()
            .filter(|c| c.is_waiting())
            .min_by_key(|c| (c.ready_since.load(Ordering::Acquire), c.id))
            .map(|c| c.id);
        let Some(victim) = victim.and_then(|id| conns.remove(&id)) else {
            return false;
        };
        victim.evicted.store(true, Ordering::Release);
        victim.evict.notify_one();
        true
    }
}

/// One accepted connection's task.
struct Connection {
    conn: Arc<Conn>,
    router: axum::Router,
    rx: Arc<Receiver>,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn run(&self, stream: TcpStream, remote: SocketAddr) {
        let limits = self.rx.cfg.limits;
        let io = TokioIo::new(Watched {
            inner: stream,
            conn: self.conn.clone(),
        });
        let conn = self.conn.clone();
        let router = self.router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            conn.request_started();
            let done = RequestDone(conn.clone());
            let mut router = router.clone();
            async move {
                let _done = done;
                tower_service::Service::call(&mut router, req.map(axum::body::Body::new)).await
            }
        });
        let http = hyper::server::conn::http1::Builder::new()
            .header_read_timeout(None)
            .max_buf_size(READ_BUFFER)
            .serve_connection(io, service);
        tokio::pin!(http);
        // One timer and one waiter of each kind for the connection's life, re-armed in place:
        // the watchdog costs a request no timer registrations.
        let mut armed = self.conn.next_check(&limits);
        let sleep = tokio::time::sleep_until(armed);
        tokio::pin!(sleep);
        let changed = self.conn.changed.notified();
        tokio::pin!(changed);
        let evicted = self.conn.evict.notified();
        tokio::pin!(evicted);
        let mut stop = self.stop.clone();
        let stopping = stopped(&mut stop);
        tokio::pin!(stopping);
        loop {
            tokio::select! {
                r = http.as_mut() => {
                    if let Err(e) = r {
                        // hyper answered a request it could not parse itself: it never
                        // reaches the router, so this is where it is counted.
                        if e.is_parse() {
                            ReceiverStats::bump(&self.rx.stats.unparsable);
                        }
                        tracing::debug!("connection from {remote}: {e}");
                    }
                    return;
                }
                _ = &mut sleep => {
                    if self.conn.expired(&limits) {
                        ReceiverStats::bump(&self.rx.stats.timed_out);
                        return;
                    }
                }
                _ = &mut changed => changed.set(self.conn.changed.notified()),
                _ = &mut evicted => return,
                _ = &mut stopping => {
                    http.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, http.as_mut()).await;
                    return;
                }
            }
            let next = self.conn.next_check(&limits);
            if next != armed {
                armed = next;
                sleep.as_mut().reset(next);
            }
        }
    }
}

/// Resolves once the receiver is quitting.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Marks the request finished when the handler's future completes or is dropped (the client
/// hung up).
struct RequestDone(Arc<Conn>);

impl Drop for RequestDone {
    fn drop(&mut self) {
        self.0.request_done();
    }
}

/// The socket, telling the watchdog when the first byte of a request arrives.
struct Watched {
    inner: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.conn.bytes_arrived();
        }
        r
    }
}

impl AsyncWrite for Watched {
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
