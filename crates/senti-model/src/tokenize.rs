//! The tokenizer pool: a few threads that turn texts into token ids off the async runtime.
//!
//! Tokenizing a long text costs tens of microseconds; doing it on a tokio worker would stall
//! every other connection on that worker, and doing it on the batcher thread would serialize
//! it with batch assembly. So, as in text-embeddings-inference, a small pool does it and
//! hands the ids to the batcher.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use tokenizers::{Tokenizer, TruncationParams};

use crate::ModelError;
use crate::batcher::{Event, Item, Job, Shared, stage_span};

/// A tokenizer set up for one model: truncation at the model's limit, no padding (the
/// batcher pads each batch to its own longest row).
pub struct ModelTokenizer {
    tok: Tokenizer,
    /// The id padding positions get (`[PAD]`, `<pad>`, else 0).
    pub pad_id: i64,
}

/// One tokenized text.
pub struct Encoded {
    pub ids: Vec<i64>,
    pub type_ids: Vec<i64>,
    pub truncated: bool,
}

impl ModelTokenizer {
    pub fn from_file(path: &Path, max_length: usize) -> Result<ModelTokenizer, ModelError> {
        let file_err = |reason: String| ModelError::File {
            path: path.to_path_buf(),
            reason,
        };
        let mut tok = Tokenizer::from_file(path).map_err(|e| file_err(e.to_string()))?;
        tok.with_truncation(Some(TruncationParams {
            max_length,
            ..Default::default()
        }))
        .map_err(|e| file_err(e.to_string()))?;
        tok.with_padding(None);
        let pad_id = ["[PAD]", "<pad>"]
            .iter()
            .find_map(|t| tok.token_to_id(t))
            .unwrap_or(0);
        Ok(ModelTokenizer {
            tok,
            pad_id: i64::from(pad_id),
        })
    }

    pub fn encode(&self, text: &str) -> Result<Encoded, ModelError> {
        let enc = self
            .tok
            .encode_fast(text, true)
            .map_err(|e| ModelError::Tokenize(e.to_string()))?;
        Ok(Encoded {
            ids: enc.get_ids().iter().map(|&i| i64::from(i)).collect(),
            type_ids: enc.get_type_ids().iter().map(|&i| i64::from(i)).collect(),
            truncated: !enc.get_overflowing().is_empty(),
        })
    }
}

/// Starts `threads` tokenizer threads reading `jobs` and feeding the batcher.
pub fn spawn_pool(
    name: &str,
    threads: usize,
    tok: Arc<ModelTokenizer>,
    jobs: Receiver<Job>,
    batcher: Sender<Event>,
    shared: Arc<Shared>,
) -> Result<(), ModelError> {
    for i in 0..threads.max(1) {
        let (tok, jobs, batcher, shared) =
            (tok.clone(), jobs.clone(), batcher.clone(), shared.clone());
        std::thread::Builder::new()
            .name(format!("senti-tok-{name}-{i}"))
            .spawn(move || {
                for job in jobs {
                    if job.deadline.is_some_and(|d| d <= Instant::now()) {
                        shared.leave("deadline");
                        let _ = job.reply.send(Err(ModelError::DeadlineExceeded));
                        continue;
                    }
                    if job.reply.is_closed() {
                        shared.leave("client_gone");
                        continue;
                    }
                    let t0 = Instant::now();
                    let span = stage_span!(&job.trace, "tokenize", senti.model = %shared.model);
                    let encoded = span.in_scope(|| tok.encode(&job.text));
                    drop(span);
                    match encoded {
                        Ok(enc) => {
                            let now = Instant::now();
                            let item = Item {
                                enc,
                                submitted: job.submitted,
                                deadline: job.deadline,
                                queued: now,
                                tokenize_us: micros(now - t0),
                                reply: job.reply,
                                queue_span: stage_span!(&job.trace, "queue", senti.model = %shared.model),
                                trace: job.trace,
                            };
                            if let Err(e) = batcher.send(Event::Item(item)) {
                                shared.leave("unloaded");
                                if let Event::Item(item) = e.0 {
                                    let _ = item.reply.send(Err(ModelError::Gone));
                                }
                            }
                        }
                        Err(e) => {
                            shared.leave("tokenize_error");
                            let _ = job.reply.send(Err(e));
                        }
                    }
                }
            })
            .map_err(|e| ModelError::Ort(format!("starting a tokenizer thread: {e}")))?;
    }
    Ok(())
}

pub fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
