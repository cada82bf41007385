//! The gRPC API (`proto/senti/v1/senti.proto`) on its own port: the same state, backends,
//! rooms and error codes as the HTTP API, plus gRPC health and reflection.

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use senti_core::json::SentimentBody;
use senti_core::{AnalyzeOptions, Sentiment};
use tokio::net::TcpListener;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::{Request, Response, Status, Streaming};

use crate::error::ApiError;
use crate::room_hub::now_ms;
use crate::routes::rooms::ingest_one;
use crate::routes::sentiment::{check_len, parse_lang, resolve_model, score};
use crate::state::Shared;

pub mod pb {
    tonic::include_proto!("senti.v1");
    pub const DESCRIPTOR: &[u8] = tonic::include_file_descriptor_set!("senti_descriptor");
}

use pb::rooms_server::{Rooms, RoomsServer};
use pb::sentiment_server::{Sentiment as SentimentSvc, SentimentServer};

/// Items of one `AnalyzeStream` call being scored at once (answers still leave in order).
const STREAM_IN_FLIGHT: usize = 64;

type Boxed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

fn error(e: &ApiError) -> pb::Error {
    pb::Error {
        code: e.code.as_str().to_string(),
        message: e.message.clone(),
    }
}

/// HTTP status classes to gRPC codes.
fn status(e: ApiError) -> Status {
    let code = match e.code.status().as_u16() {
        400 | 413 | 415 => tonic::Code::InvalidArgument,
        401 => tonic::Code::Unauthenticated,
        404 => tonic::Code::NotFound,
        408 | 504 => tonic::Code::DeadlineExceeded,
        429 | 503 => tonic::Code::ResourceExhausted,
        _ => tonic::Code::Internal,
    };
    Status::new(code, format!("{}: {}", e.code.as_str(), e.message))
}

fn to_score(s: &Sentiment, text: &str, explain: bool) -> pb::Score {
    let b = SentimentBody::new(s, text, explain);
    pb::Score {
        label: b.label.as_str().to_string(),
        compound: b.compound,
        pos: b.pos,
        neu: b.neu,
        neg: b.neg,
        lang: b.lang.as_str().to_string(),
        backend: b.backend.to_string(),
        truncated: b.truncated,
        model: b.model.unwrap_or_default().to_string(),
        tokens: b
            .tokens
            .unwrap_or_default()
            .into_iter()
            .map(|t| pb::Token {
                text: t.text.to_string(),
                start: t.start as u32,
                end: t.end as u32,
                valence: t.valence,
            })
            .collect(),
    }
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Scores one text with the HTTP API's validation.
async fn analyze_text(
    st: &Shared,
    text: &str,
    lang: &str,
    model: &str,
    explain: bool,
) -> Result<pb::Score, ApiError> {
    check_len(text, st.cfg.max_text_chars)?;
    let opts = AnalyzeOptions {
        explain,
        lang: parse_lang(opt(lang))?,
    };
    let model = resolve_model(st, opt(model))?;
    let s = score(st, model.as_ref(), text, opts).await?;
    Ok(to_score(&s, text, explain))
}

fn item_result(id: String, r: Result<pb::Score, ApiError>) -> pb::ItemResult {
    pb::ItemResult {
        id,
        result: Some(match r {
            Ok(s) => pb::item_result::Result::Score(s),
            Err(e) => pb::item_result::Result::Error(error(&e)),
        }),
    }
}

pub struct Api {
    st: Shared,
}

#[tonic::async_trait]
impl SentimentSvc for Api {
    async fn analyze(
        &self,
        req: Request<pb::AnalyzeRequest>,
    ) -> Result<Response<pb::AnalyzeResponse>, Status> {
        let _permit = self.st.admit().map_err(status)?;
        let r = req.into_inner();
        let s = analyze_text(&self.st, &r.text, &r.lang, &r.model, r.explain)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::AnalyzeResponse { score: Some(s) }))
    }

    async fn analyze_batch(
        &self,
        req: Request<pb::AnalyzeBatchRequest>,
    ) -> Result<Response<pb::AnalyzeBatchResponse>, Status> {
        let _permit = self.st.admit().map_err(status)?;
        let r = req.into_inner();
        if r.items.len() > self.st.cfg.max_batch_items {
            return Err(Status::invalid_argument(format!(
                "batch_too_large: {} items; the limit is {}",
                r.items.len(),
                self.st.cfg.max_batch_items
            )));
        }
        // Submitted together so that a model backend batches them.
        let futs = r.items.into_iter().map(|item| {
            let st = self.st.clone();
            let (lang, model) = (r.lang.clone(), r.model.clone());
            async move {
                let res = analyze_text(&st, &item.text, &lang, &model, r.explain).await;
                item_result(item.id, res)
            }
        });
        let results = futures_util::future::join_all(futs).await;
        Ok(Response::new(pb::AnalyzeBatchResponse { results }))
    }

    type AnalyzeStreamStream = Boxed<pb::ItemResult>;

    async fn analyze_stream(
        &self,
        req: Request<Streaming<pb::StreamItem>>,
    ) -> Result<Response<Self::AnalyzeStreamStream>, Status> {
        let st = self.st.clone();
        // In order, but up to STREAM_IN_FLIGHT items are scored at once, so that items of a
        // model backend share forward passes instead of waiting one by one.
        let out = req
            .into_inner()
            .map(move |item| {
                let st = st.clone();
                async move {
                    let item = item?;
                    let r = analyze_text(&st, &item.text, &item.lang, &item.model, false).await;
                    Ok(item_result(item.id, r))
                }
            })
            .buffered(STREAM_IN_FLIGHT);
        Ok(Response::new(Box::pin(out)))
    }
}

#[tonic::async_trait]
impl Rooms for Api {
    async fn ingest(
        &self,
        req: Request<Streaming<pb::IngestRequest>>,
    ) -> Result<Response<pb::IngestResponse>, Status> {
        let mut stream = req.into_inner();
        let mut out = pb::IngestResponse::default();
        while let Some(msg) = stream.next().await {
            let msg = msg?;
            let at = now_ms();
            if let Err(e) = self.st.rooms.room(&msg.room) {
                let e = ApiError::from(e);
                for c in msg.comments {
                    out.rejected.push(pb::Rejected {
                        room: msg.room.clone(),
                        id: c.id,
                        error: Some(error(&e)),
                    });
                }
                continue;
            }
            for c in msg.comments {
                let comment = senti_rooms::Comment {
                    id: c.id,
                    text: c.text,
                    ts_ms: (c.ts_ms != 0).then_some(c.ts_ms),
                };
                match ingest_one(&self.st, &msg.room, &comment, at) {
                    Ok(()) => out.accepted += 1,
                    Err(e) => out.rejected.push(pb::Rejected {
                        room: msg.room.clone(),
                        id: comment.id,
                        error: Some(error(&e)),
                    }),
                }
            }
        }
        Ok(Response::new(out))
    }

    type WatchRoomStream = Boxed<pb::RoomStats>;

    async fn watch_room(
        &self,
        req: Request<pb::WatchRoomRequest>,
    ) -> Result<Response<Self::WatchRoomStream>, Status> {
        let room = req.into_inner().room;
        let first = self
            .st
            .rooms
            .snapshot(&room, now_ms())
            .map_err(|e| status(e.into()))?;
        let st = self.st.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            if tx.send(Ok(stats(first))).await.is_err() {
                return;
            }
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            tick.tick().await;
            loop {
                tick.tick().await;
                let Ok(s) = st.rooms.snapshot(&room, now_ms()) else {
                    return;
                };
                if tx.send(Ok(stats(s))).await.is_err() {
                    return; // the client went away
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

fn stats(s: senti_rooms::Snapshot) -> pb::RoomStats {
    pb::RoomStats {
        room: s.room,
        at_ms: s.at_ms,
        total: s.total,
        windows: s
            .windows
            .iter()
            .map(|w| pb::Window {
                seconds: w.seconds,
                count: w.count,
                positive: w.positive,
                neutral: w.neutral,
                negative: w.negative,
                mean_compound: w.mean_compound,
                rate: w.rate,
            })
            .collect(),
        ewma_compound: s.ewma_compound,
        top_terms: s
            .top_terms
            .into_iter()
            .map(|t| pb::Term {
                term: t.term,
                weight: t.weight,
                valence: t.valence,
            })
            .collect(),
        spike: s.spike,
        last_spike: s.last_spike.map(|p| pb::Spike {
            at_ms: p.at_ms,
            negative_share: p.negative_share,
            baseline_mean: p.baseline_mean,
            baseline_sd: p.baseline_sd,
            threshold: p.threshold,
            count_10s: p.count_10s,
        }),
    }
}

/// Serves gRPC on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    st: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (health, health_svc) = tonic_health::server::health_reporter();
    health.set_serving::<SentimentServer<Api>>().await;
    health.set_serving::<RoomsServer<Api>>().await;
    let reflection = match tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::DESCRIPTOR)
        .build_v1()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "gRPC reflection could not start");
            return;
        }
    };
    let result = tonic::transport::Server::builder()
        .add_service(health_svc)
        .add_service(reflection)
        .add_service(SentimentServer::new(Api { st: st.clone() }))
        .add_service(RoomsServer::new(Api { st }))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "gRPC server failed");
    }
}
