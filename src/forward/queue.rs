//! The forward queue: sends every accepted webhook on to the bot, in arrival order, at most
//! [`CONCURRENCY`] at a time, and records what the bot answered (the capture first, then the
//! screen or the headless printer, the way requests go).
//!
//! A slow or dead bot never slows, blocks or loses ingestion: handing a request to the queue
//! never waits. The queue holds at most [`MAX_QUEUED`] requests and [`MAX_QUEUED_BYTES`] of
//! bodies; a request past either is recorded as `not_forwarded` (it can be replayed from the
//! capture with `wamon replay`). Each send is bounded by `--forward-timeout`, and at most
//! [`ANSWER_BODY_LIMIT`] bytes of an answer are kept.
//!
//! Quitting is bounded too: requests still queued are recorded as not forwarded at once, and
//! sends in flight get [`crate::receiver::SHUTDOWN_GRACE`] before they are recorded as
//! interrupted.
//!
//! Edge module: tokio tasks, the outbound client and the capture.

use super::record::{ForwardRecord, NOT_FORWARDED};
use crate::backlog::Backlog;
use crate::capture_writer::CaptureWriter;
use crate::envelope::Envelope;
use crate::ingest::{Forwarded, Item};
use crate::outbound::{Outbound, Outgoing, Target};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

/// Sends in flight at once.
pub const CONCURRENCY: usize = 8;
/// Requests waiting to be sent, at most.
pub const MAX_QUEUED: usize = 1024;
/// Body bytes waiting to be sent, at most.
pub const MAX_QUEUED_BYTES: usize = 64 * 1024 * 1024;
/// Bytes of the bot's answer kept (in the capture and on the screen).
pub const ANSWER_BODY_LIMIT: usize = 64 * 1024;

/// Where forwarding goes and how long it may take.
#[derive(Debug, Clone)]
pub struct ForwardSettings {
    pub target: Target,
    pub timeout: Duration,
}

/// Counts for the status bar.
#[derive(Debug, Default)]
pub struct ForwardStats {
    /// Answered with a 2xx.
    pub ok: AtomicU64,
    /// Answered with anything else.
    pub not_ok: AtomicU64,
    /// Never answered (refused, timeout, reset, ...).
    pub failed: AtomicU64,
    /// Never sent: the queue was full, or wamon quit first.
    pub not_forwarded: AtomicU64,
    /// Waiting or in flight.
    pub pending: AtomicUsize,
}

impl ForwardStats {
    fn count(&self, r: &ForwardRecord) {
        let counter = match (r.status, r.failure.as_deref()) {
            (Some(s), _) if (200..300).contains(&s) => &self.ok,
            (Some(_), _) => &self.not_ok,
            (None, Some(NOT_FORWARDED)) => &self.not_forwarded,
            (None, _) => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where results go: the capture file, then the consumer.
#[derive(Clone)]
pub struct ResultSink {
    pub capture: Option<CaptureWriter>,
    pub backlog: Arc<Backlog>,
    pub tx: mpsc::Sender<Item>,
}

impl ResultSink {
    /// Records `r` in the capture and hands it on, never waiting for the consumer.
    pub async fn record(&self, r: Arc<ForwardRecord>) {
        let placed = match &self.capture {
            Some(w) => match w.append(super::record::encode(&r)).await {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::error!(seq = r.seq, "capture failed for a forward result: {e}");
                    None
                }
            },
            None => None,
        };
        self.backlog.hand_on(
            &self.tx,
            Item::Forward(Forwarded {
                record: r,
                capture_offset: placed.map(|p| p.offset),
                capture_file: placed.map_or(0, |p| p.file),
                from_load: false,
            }),
        );
    }
}

struct Job {
    env: Arc<Envelope>,
    /// Proxy mode waits for the result.
    done: Option<oneshot::Sender<Arc<ForwardRecord>>>,
}

/// The handle the receiver hands requests to.
pub struct Forwarder {
    tx: mpsc::Sender<Job>,
    queued_bytes: Arc<AtomicUsize>,
    stats: Arc<ForwardStats>,
    sink: ResultSink,
    target: Target,
}

impl Forwarder {
    /// Starts the queue's dispatcher. It ends once the forwarder is dropped and the requests it
    /// held are recorded; `stop` turning true cuts that short (see the module docs).
    pub fn start(
        settings: ForwardSettings,
        sink: ResultSink,
        stop: watch::Receiver<bool>,
    ) -> Forwarder {
        let (tx, rx) = mpsc::channel(MAX_QUEUED);
        let queued_bytes = Arc::new(AtomicUsize::new(0));
        let stats = Arc::new(ForwardStats::default());
        let dispatcher = Dispatcher {
            shared: Arc::new(Shared {
                settings: settings.clone(),
                sink: sink.clone(),
                stats: stats.clone(),
                client: Outbound::new(),
                stop: stop.clone(),
            }),
            queued_bytes: queued_bytes.clone(),
            stop,
        };
        tokio::spawn(dispatcher.run(rx));
        Forwarder {
            tx,
            queued_bytes,
            stats,
            sink,
            target: settings.target,
        }
    }

    pub fn stats(&self) -> Arc<ForwardStats> {
        self.stats.clone()
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Queues `env` to be forwarded; never waits. A full queue records it as not forwarded.
    pub async fn forward(&self, env: Arc<Envelope>) {
        self.enqueue(env, None).await;
    }

    /// Queues `env` and waits for the bot's answer (proxy mode). The wait is bounded by the
    /// forward timeout plus the time spent queued behind other requests.
    pub async fn forward_and_wait(&self, env: Arc<Envelope>) -> Arc<ForwardRecord> {
        let (done, result) = oneshot::channel();
        let seq = env.seq;
        if let Some(r) = self.enqueue(env, Some(done)).await {
            return r;
        }
        result.await.unwrap_or_else(|_| {
            Arc::new(ForwardRecord::unanswered(
                seq,
                crate::receiver::now_ms(),
                self.target.url.clone(),
                NOT_FORWARDED,
                "wamon quit before forwarding it".into(),
            ))
        })
    }

    /// Queues a job; when it cannot be, records and returns the `not_forwarded` result.
    async fn enqueue(
        &self,
        env: Arc<Envelope>,
        done: Option<oneshot::Sender<Arc<ForwardRecord>>>,
    ) -> Option<Arc<ForwardRecord>> {
        let bytes = env.body.len();
        let before = self.queued_bytes.fetch_add(bytes, Ordering::Relaxed);
        let why = if before + bytes > MAX_QUEUED_BYTES && before > 0 {
            Some(format!(
                "the forward queue holds {MAX_QUEUED_BYTES} bytes of bodies already (the bot is \
                 slow or down); replay it from the capture"
            ))
        } else {
            None
        };
        let seq = env.seq;
        let why = match why {
            Some(why) => Some(why),
            None => match self.tx.try_send(Job { env, done }) {
                Ok(()) => {
                    self.stats.pending.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                Err(_) => Some(format!(
                    "the forward queue holds {MAX_QUEUED} requests already (the bot is slow or \
                     down); replay it from the capture"
                )),
            },
        };
        self.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
        let r = Arc::new(ForwardRecord::unanswered(
            seq,
            crate::receiver::now_ms(),
            self.target.url.clone(),
            NOT_FORWARDED,
            why.unwrap_or_default(),
        ));
        self.stats.count(&r);
        self.sink.record(r.clone()).await;
        Some(r)
    }
}

/// Takes jobs off the queue in order and starts each send when a slot is free.
struct Dispatcher {
    shared: Arc<Shared>,
    queued_bytes: Arc<AtomicUsize>,
    stop: watch::Receiver<bool>,
}

impl Dispatcher {
    async fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        let this = self.shared.clone();
        loop {
            // In arrival order: the next job is taken only once a send slot is free.
            let permit = tokio::select! {
                p = permits.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                _ = self.stop.wait_for(|s| *s) => break,
            };
            let job = tokio::select! {
                j = rx.recv() => match j {
                    Some(j) => j,
                    None => break,
                },
                _ = self.stop.wait_for(|s| *s) => break,
            };
            self.queued_bytes
                .fetch_sub(job.env.body.len(), Ordering::Relaxed);
            let this = this.clone();
            tokio::spawn(async move {
                this.send(job).await;
                drop(permit);
            });
        }
        // Quitting (or the receiver is gone): what is still queued is recorded at once.
        rx.close();
        while let Some(job) = rx.recv().await {
            self.queued_bytes
                .fetch_sub(job.env.body.len(), Ordering::Relaxed);
            let r = Arc::new(ForwardRecord::unanswered(
                job.env.seq,
                crate::receiver::now_ms(),
                this.settings
                    .target
                    .uri_for(&job.env.path, job.env.query.as_deref()),
                NOT_FORWARDED,
                "wamon quit before forwarding it".into(),
            ));
            this.finish(r, job.done).await;
        }
        // Sends in flight end within the grace period; wait for their records.
        let _ = permits.acquire_many(CONCURRENCY as u32).await;
    }
}

/// What each send task needs.
struct Shared {
    settings: ForwardSettings,
    sink: ResultSink,
    stats: Arc<ForwardStats>,
    client: Outbound,
    stop: watch::Receiver<bool>,
}

impl Shared {
    async fn send(&self, job: Job) {
        let env = &job.env;
        let to = self
            .settings
            .target
            .uri_for(&env.path, env.query.as_deref());
        let out = Outgoing::of(env);
        let send = self.client.send(
            &self.settings.target,
            &out,
            self.settings.timeout,
            ANSWER_BODY_LIMIT,
        );
        let mut stop = self.stop.clone();
        let quit = async move {
            let _ = stop.wait_for(|s| *s).await;
            tokio::time::sleep(crate::receiver::SHUTDOWN_GRACE).await;
        };
        let now = crate::receiver::now_ms;
        let r = tokio::select! {
            result = send => match result {
                Ok(answer) => ForwardRecord::answered(env.seq, now(), to, answer),
                Err(f) => ForwardRecord::failed(env.seq, now(), to, &f),
            },
            () = quit => ForwardRecord::unanswered(
                env.seq,
                now(),
                to,
                "interrupted",
                "wamon quit before the bot answered".into(),
            ),
        };
        self.finish(Arc::new(r), job.done).await;
    }

    async fn finish(
        &self,
        r: Arc<ForwardRecord>,
        done: Option<oneshot::Sender<Arc<ForwardRecord>>>,
    ) {
        self.stats.count(&r);
        self.stats.pending.fetch_sub(1, Ordering::Relaxed);
        self.sink.record(r.clone()).await;
        if let Some(done) = done {
            let _ = done.send(r);
        }
    }
}
