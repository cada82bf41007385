//! The dynamic batching queue: one thread owns the queue (TEI's actor shape), the rest of the
//! process talks to it through a channel.
//!
//! Policy, per event:
//! * a request that waited past the queue timeout is answered `QueueTimeout` (503), and one
//!   whose caller has gone (the HTTP connection closed, so its reply channel is closed) is
//!   dropped, before either costs a forward pass;
//! * while a session is idle, a batch closes as soon as it is full (max batch size or max
//!   padded tokens) or its oldest request has waited `max_delay` (0 by default: an idle
//!   session never waits for company, so a lone request pays no batching latency);
//! * while every session is busy, requests accumulate, which is what makes batches under
//!   load; once a full batch is waiting it is padded ahead of time (prefetched) so that the
//!   next free session starts on it at once.
//!
//! Every batch is padded to its own longest row, never to the model's maximum.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use tokio::sync::oneshot;

use crate::tokenize::Encoded;
use crate::{Answer, ModelError, Observer};

/// Batching and threading knobs of one model.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    /// Most texts in one forward pass.
    pub max_batch_size: usize,
    /// Most padded tokens (rows × longest row) in one forward pass.
    pub max_batch_tokens: usize,
    /// How long an idle session waits for a batch to fill.
    pub max_delay: Duration,
    /// Most requests waiting (tokenizing or queued); more get `QueueFull` at once.
    pub max_queue: usize,
    /// A request that has not started by then gets `QueueTimeout`.
    pub queue_timeout: Duration,
    /// ONNX Runtime sessions, each on its own thread (batches run in parallel).
    pub sessions: usize,
    /// Intra-op threads of each session.
    pub intra_threads: usize,
    /// Tokenizer pool threads.
    pub tokenizer_threads: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_batch_size: 32,
            max_batch_tokens: 16_384,
            max_delay: Duration::ZERO,
            max_queue: 1024,
            queue_timeout: Duration::from_secs(2),
            sessions: 1,
            intra_threads: 1,
            tokenizer_threads: 1,
        }
    }
}

/// A text on its way to the tokenizer pool.
pub struct Job {
    pub text: String,
    pub submitted: Instant,
    /// When the caller stops waiting: dropped unanswered by then, before a forward pass.
    pub deadline: Option<Instant>,
    pub reply: oneshot::Sender<Result<Answer, ModelError>>,
    /// The caller's span, parent of this text's `tokenize`, `queue` and `inference` spans;
    /// `Span::none()` unless stage spans are on (see [`caller_span`]).
    pub trace: tracing::Span,
}

/// Target of the stage spans (DEBUG level: off under the default log filter, so a stage
/// span costs one atomic load unless traces are exported).
pub const STAGE: &str = "senti::stage";

/// The span to hang a request's model stages under: the current one while stage spans are
/// enabled, else none (nothing is looked up or cloned on the hot path).
pub fn caller_span() -> tracing::Span {
    if tracing::enabled!(kind: tracing::metadata::Kind::SPAN, target: STAGE, tracing::Level::DEBUG)
    {
        tracing::Span::current()
    } else {
        tracing::Span::none()
    }
}

/// A stage span under `parent`, or none when the request is not traced.
macro_rules! stage_span {
    ($parent:expr, $name:literal $(, $($field:tt)*)?) => {
        if $parent.is_none() {
            tracing::Span::none()
        } else {
            tracing::debug_span!(target: $crate::batcher::STAGE, parent: $parent, $name $(, $($field)*)?)
        }
    };
}
pub(crate) use stage_span;

/// A tokenized text in the queue.
pub struct Item {
    pub enc: Encoded,
    pub submitted: Instant,
    pub deadline: Option<Instant>,
    /// When it reached the queue.
    pub queued: Instant,
    pub tokenize_us: u64,
    pub reply: oneshot::Sender<Result<Answer, ModelError>>,
    /// The caller's span (see [`Job::trace`]).
    pub trace: tracing::Span,
    /// This text's `queue` span: open from the queue until a session takes its batch.
    pub queue_span: tracing::Span,
}

pub enum Event {
    Item(Item),
    /// A session finished its batch.
    Idle,
    /// The model is being dropped.
    Shutdown,
}

/// A closed, padded batch.
pub struct Batch {
    pub rows: usize,
    pub seq: usize,
    pub ids: Vec<i64>,
    pub mask: Vec<i64>,
    pub type_ids: Vec<i64>,
    pub items: Vec<Item>,
}

/// State shared by the handle, the pool, the batcher and the sessions.
pub struct Shared {
    pub model: Arc<str>,
    /// Requests accepted and not yet started (tokenizing or queued).
    pub waiting: AtomicUsize,
    pub observer: Arc<dyn Observer>,
}

impl Shared {
    /// A request left the waiting set without starting (`reason` is counted).
    pub fn leave(&self, reason: &'static str) {
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        self.observer.dropped(&self.model, reason);
    }
}

pub fn spawn(
    cfg: BatchConfig,
    pad_id: i64,
    events: Receiver<Event>,
    work: Sender<Batch>,
    shared: Arc<Shared>,
) -> Result<(), ModelError> {
    std::thread::Builder::new()
        .name(format!("senti-batch-{}", shared.model))
        .spawn(move || Batcher::new(cfg, pad_id, shared).run(events, work))
        .map(|_| ())
        .map_err(|e| ModelError::Ort(format!("starting the batcher thread: {e}")))
}

struct Batcher {
    cfg: BatchConfig,
    pad_id: i64,
    shared: Arc<Shared>,
    queue: VecDeque<Item>,
    idle: usize,
    prefetched: Option<Batch>,
}

impl Batcher {
    fn new(cfg: BatchConfig, pad_id: i64, shared: Arc<Shared>) -> Batcher {
        Batcher {
            idle: cfg.sessions.max(1),
            cfg,
            pad_id,
            shared,
            queue: VecDeque::new(),
            prefetched: None,
        }
    }

    fn run(mut self, events: Receiver<Event>, work: Sender<Batch>) {
        loop {
            let ev = match self.wait_for() {
                None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(t) => events.recv_timeout(t),
            };
            let mut stop = false;
            match ev {
                Ok(ev) => stop |= self.handle(ev),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => stop = true,
            }
            // Take everything already waiting, so a burst becomes one batch.
            while !stop {
                match events.try_recv() {
                    Ok(ev) => stop |= self.handle(ev),
                    Err(_) => break,
                }
            }
            if stop {
                break;
            }
            self.expire();
            if !self.dispatch(&work) {
                break;
            }
        }
        for item in self
            .queue
            .drain(..)
            .chain(self.prefetched.take().into_iter().flat_map(|b| b.items))
        {
            self.shared.waiting.fetch_sub(1, Ordering::Relaxed);
            let _ = item.reply.send(Err(ModelError::Gone));
        }
    }

    /// How long to block for the next event: until the oldest request's batching delay or
    /// queue timeout runs out, or forever when nothing waits.
    fn wait_for(&self) -> Option<Duration> {
        let front = self.queue.front()?;
        let now = Instant::now();
        let limit = if self.idle > 0 {
            front.queued + self.cfg.max_delay
        } else {
            front.submitted + self.cfg.queue_timeout
        };
        Some(limit.saturating_duration_since(now))
    }

    /// Returns true on shutdown.
    fn handle(&mut self, ev: Event) -> bool {
        match ev {
            Event::Item(item) => self.queue.push_back(item),
            Event::Idle => self.idle += 1,
            Event::Shutdown => return true,
        }
        false
    }

    /// Answers timed-out requests and forgets abandoned ones.
    fn expire(&mut self) {
        let now = Instant::now();
        let timeout = self.cfg.queue_timeout;
        let shared = &self.shared;
        let mut expired = Vec::new();
        self.queue.retain_mut(|item| {
            // The deadline first: a caller that stopped waiting at its deadline has gone too.
            if item.deadline.is_some_and(|d| d <= now) {
                shared.leave("deadline");
                expired.push(std::mem::replace(&mut item.reply, oneshot::channel().0));
                return false;
            }
            if item.reply.is_closed() {
                shared.leave("client_gone");
                return false;
            }
            true
        });
        for reply in expired {
            let _ = reply.send(Err(ModelError::DeadlineExceeded));
        }
        while let Some(front) = self.queue.front() {
            if now.duration_since(front.submitted) < timeout {
                break;
            }
            if let Some(item) = self.queue.pop_front() {
                shared.leave("queue_timeout");
                let _ = item
                    .reply
                    .send(Err(ModelError::QueueTimeout(timeout.as_millis() as u64)));
            }
        }
    }

    /// Would the queue's head make a full batch?
    fn full(&self) -> bool {
        let mut longest = 0;
        for (n, item) in self.queue.iter().enumerate() {
            if n + 1 >= self.cfg.max_batch_size {
                return true;
            }
            longest = longest.max(item.enc.ids.len());
            if (n + 1) * longest >= self.cfg.max_batch_tokens {
                return true;
            }
        }
        false
    }

    /// Sends batches to idle sessions. Returns false when the sessions are gone.
    fn dispatch(&mut self, work: &Sender<Batch>) -> bool {
        loop {
            if self.idle == 0 {
                if self.prefetched.is_none() && self.full() {
                    self.prefetched = Some(self.take());
                }
                return true;
            }
            let batch = match self.prefetched.take() {
                Some(b) => b,
                None => {
                    let Some(front) = self.queue.front() else {
                        return true;
                    };
                    let due = front.queued + self.cfg.max_delay <= Instant::now();
                    if !(due || self.full()) {
                        return true;
                    }
                    self.take()
                }
            };
            self.idle -= 1;
            if let Err(e) = work.send(batch) {
                for item in e.0.items {
                    let _ = item.reply.send(Err(ModelError::Gone));
                }
                return false;
            }
        }
    }

    /// Closes a batch and pads it. The oldest request always goes first (so none starves);
    /// the rest of the batch is filled with the queued requests closest to it in length,
    /// looking at most 4 batches deep, and only while padding stays under a quarter of the
    /// batch's tokens: padding costs a forward pass as much as real tokens, so with texts of
    /// very different lengths two tight batches beat one padded one.
    fn take(&mut self) -> Batch {
        let max_rows = self.cfg.max_batch_size.max(1);
        let window = self.queue.len().min(max_rows * 4);
        let anchor = self.queue.front().map_or(0, |i| i.enc.ids.len());
        let mut near: Vec<usize> = (1..window).collect();
        near.sort_by_key(|&i| (self.queue[i].enc.ids.len().abs_diff(anchor), i));
        let mut chosen = vec![0];
        let mut seq = anchor;
        let mut real = anchor;
        for i in near {
            if chosen.len() >= max_rows {
                break;
            }
            let len = self.queue[i].enc.ids.len();
            let longest = seq.max(len);
            let padded = (chosen.len() + 1) * longest;
            if padded > self.cfg.max_batch_tokens {
                continue;
            }
            // Padding costs a forward pass as much as real tokens: stop before a quarter of
            // the batch would be padding (candidates only get farther from here on).
            if padded * 4 > (real + len) * 5 {
                break;
            }
            seq = longest;
            real += len;
            chosen.push(i);
        }
        if self.queue.is_empty() {
            chosen.clear();
        }
        chosen.sort_unstable();
        let mut items: Vec<Item> = Vec::with_capacity(chosen.len());
        for &i in chosen.iter().rev() {
            if let Some(item) = self.queue.remove(i) {
                items.push(item);
            }
        }
        items.reverse();
        self.shared
            .waiting
            .fetch_sub(items.len(), Ordering::Relaxed);
        // A row with no tokens at all (a tokenizer without special tokens, an empty text)
        // still gets one attended position, so no pooling divides by zero.
        let seq = seq.max(1);
        let rows = items.len();
        let mut ids = vec![self.pad_id; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        let mut type_ids = vec![0i64; rows * seq];
        for (r, item) in items.iter().enumerate() {
            let n = item.enc.ids.len();
            let row = r * seq;
            ids[row..row + n].copy_from_slice(&item.enc.ids);
            mask[row..row + n.max(1)].fill(1);
            let t = item.enc.type_ids.len().min(n);
            type_ids[row..row + t].copy_from_slice(&item.enc.type_ids[..t]);
        }
        Batch {
            rows,
            seq,
            ids,
            mask,
            type_ids,
            items,
        }
    }
}
