//! Session threads: each owns one ONNX Runtime session (`Session::run` takes `&mut self`) and
//! runs the batches the batcher hands it.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;

use crate::batcher::{Batch, Event, Shared, stage_span};
use crate::config::ModelConfig;
use crate::tokenize::micros;
use crate::{Answer, ModelError, post};

/// How a session's graph is fed.
#[derive(Debug, Clone)]
pub struct GraphIo {
    pub ids: String,
    pub mask: String,
    /// Present when the graph takes `token_type_ids` (BERT); fed zeros or the tokenizer's.
    pub type_ids: Option<String>,
    pub logits: String,
}

impl GraphIo {
    /// Checks that the graph is a sequence classifier senti can feed: `input_ids`,
    /// `attention_mask`, optionally `token_type_ids`, nothing else; output `logits` (or the
    /// only output).
    pub fn of(session: &Session) -> Result<GraphIo, ModelError> {
        let mut ids = None;
        let mut mask = None;
        let mut type_ids = None;
        for input in session.inputs() {
            match input.name() {
                "input_ids" => ids = Some(input.name().to_string()),
                "attention_mask" => mask = Some(input.name().to_string()),
                "token_type_ids" => type_ids = Some(input.name().to_string()),
                other => {
                    return Err(ModelError::Graph(format!(
                        "unexpected input {other:?}; a classifier takes input_ids, attention_mask and optionally token_type_ids"
                    )));
                }
            }
        }
        let outputs = session.outputs();
        let logits = outputs
            .iter()
            .find(|o| o.name() == "logits")
            .or(if outputs.len() == 1 {
                outputs.first()
            } else {
                None
            })
            .map(|o| o.name().to_string())
            .ok_or_else(|| ModelError::Graph("no output named \"logits\"".into()))?;
        Ok(GraphIo {
            ids: ids.ok_or_else(|| ModelError::Graph("no input_ids input".into()))?,
            mask: mask.ok_or_else(|| ModelError::Graph("no attention_mask input".into()))?,
            type_ids,
            logits,
        })
    }
}

pub fn spawn(
    index: usize,
    mut session: Session,
    io: GraphIo,
    cfg: Arc<ModelConfig>,
    work: Receiver<Batch>,
    events: Sender<Event>,
    shared: Arc<Shared>,
) -> Result<(), ModelError> {
    std::thread::Builder::new()
        .name(format!("senti-ort-{}-{index}", shared.model))
        .spawn(move || {
            let mut probs = Vec::new();
            for mut batch in work {
                let start = Instant::now();
                // Queue spans end here; each traced text gets an `inference` span of its own
                // (a batch serves many requests, each with its own trace).
                let mut spans = Vec::new();
                for item in &mut batch.items {
                    item.queue_span = tracing::Span::none();
                    if !item.trace.is_none() {
                        spans.push(stage_span!(
                            &item.trace,
                            "inference",
                            senti.model = %shared.model,
                            senti.batch_size = batch.rows,
                            senti.batch_tokens = batch.rows * batch.seq
                        ));
                    }
                }
                let result = run(&mut session, &io, &batch, cfg.labels.len());
                drop(spans);
                let inference = start.elapsed();
                let inference_us = micros(inference);
                shared.observer.batch(
                    &shared.model,
                    batch.rows,
                    batch.rows * batch.seq,
                    inference,
                );
                match result {
                    Ok(logits) => {
                        let n = cfg.labels.len();
                        for (item, row) in batch.items.into_iter().zip(logits.chunks_exact(n)) {
                            post::probabilities(cfg.problem, row, &mut probs);
                            let answer = Answer {
                                scores: post::scores(&cfg, &probs),
                                probabilities: probs.clone(),
                                truncated: item.enc.truncated,
                                timing: senti_core::StageTiming {
                                    tokenize_us: item.tokenize_us,
                                    queue_us: micros(start.duration_since(item.queued)),
                                    inference_us,
                                    batch_size: u32::try_from(batch.rows).unwrap_or(u32::MAX),
                                },
                            };
                            let _ = item.reply.send(Ok(answer));
                        }
                    }
                    Err(e) => {
                        tracing::error!(model = %shared.model, error = %e, rows = batch.rows, "inference failed");
                        for item in batch.items {
                            let _ = item.reply.send(Err(e.clone()));
                        }
                    }
                }
                if events.send(Event::Idle).is_err() {
                    break;
                }
            }
        })
        .map(|_| ())
        .map_err(|e| ModelError::Ort(format!("starting a session thread: {e}")))
}

/// One forward pass; the logits, row-major `[rows, labels]`.
fn run(
    session: &mut Session,
    io: &GraphIo,
    batch: &Batch,
    labels: usize,
) -> Result<Vec<f32>, ModelError> {
    let shape = [batch.rows, batch.seq];
    let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = vec![
        (
            Cow::Borrowed(io.ids.as_str()),
            TensorRef::from_array_view((shape, batch.ids.as_slice()))?.into(),
        ),
        (
            Cow::Borrowed(io.mask.as_str()),
            TensorRef::from_array_view((shape, batch.mask.as_slice()))?.into(),
        ),
    ];
    if let Some(name) = &io.type_ids {
        inputs.push((
            Cow::Borrowed(name.as_str()),
            TensorRef::from_array_view((shape, batch.type_ids.as_slice()))?.into(),
        ));
    }
    let outputs = session.run(inputs)?;
    let (out_shape, data) = outputs[io.logits.as_str()].try_extract_tensor::<f32>()?;
    let dims: &[i64] = out_shape;
    if dims.len() != 2 || dims[0] as usize != batch.rows || dims[1] as usize != labels {
        return Err(ModelError::Graph(format!(
            "logits have shape {dims:?}; expected [{}, {labels}] (one per id2label entry)",
            batch.rows
        )));
    }
    Ok(data.to_vec())
}
