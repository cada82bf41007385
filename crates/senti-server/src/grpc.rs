//! The gRPC API (`proto/senti/v1/senti.proto`) on its own port: the same state, backends,
//! rooms and error codes as the HTTP API, plus gRPC health and reflection.

use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::{Stream, StreamExt};
use senti_core::Sentiment;
use senti_engine::{EngineError, Options};
use tokio::net::TcpListener;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::{Request, Response, Status, Streaming};

use crate::error::ApiError;
use crate::room_hub::now_ms;
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

/// The gRPC status of an error: its code from the one table in `senti-core`, the API code
/// at the start of the message.
fn status(e: ApiError) -> Status {
    Status::new(
        tonic::Code::from_i32(e.code.grpc_code()),
        format!("{}: {}", e.code.as_str(), e.message),
    )
}

/// The caller's `grpc-timeout` (`<digits><H|M|S|m|u|n>`), as a deadline.
fn deadline<T>(req: &Request<T>) -> Option<Instant> {
    let v = req.metadata().get("grpc-timeout")?.to_str().ok()?;
    let (num, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: u64 = num.parse().ok()?;
    let d = match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    };
    Instant::now().checked_add(d)
}

/// A scored text as gRPC sends it, straight from the engine's result.
fn to_score(s: &Sentiment, text: &str, explain: bool) -> pb::Score {
    let tokens = if explain {
        // Offsets in code points, as the HTTP API gives them.
        let mut at = (0usize, 0usize);
        let mut chars = |byte: usize| {
            let byte = byte.min(text.len());
            if byte < at.0 {
                at = (0, 0);
            }
            at.1 += text.get(at.0..byte).map_or(0, |t| t.chars().count());
            at.0 = byte;
            at.1 as u32
        };
        s.contributions
            .iter()
            .map(|c| pb::Token {
                text: c.token.clone(),
                start: chars(c.start),
                end: chars(c.end),
                valence: c.valence,
            })
            .collect()
    } else {
        Vec::new()
    };
    pb::Score {
        label: s.label.as_str().to_string(),
        compound: s.scores.compound,
        pos: s.scores.pos,
        neu: s.scores.neu,
        neg: s.scores.neg,
        lang: s.lang.as_str().to_string(),
        backend: s.backend.to_string(),
        truncated: s.truncated,
        model: s
            .model
            .as_ref()
            .map(|m| m.model.to_string())
            .unwrap_or_default(),
        tokens,
        cached: s.cached.map(|c| c.as_str().to_string()).unwrap_or_default(),
        degraded: s.degraded.is_some(),
        degraded_reason: s.degraded.as_deref().unwrap_or_default().to_string(),
        path: s.path.map(|p| p.as_str().to_string()).unwrap_or_default(),
    }
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The engine's options from the fields every scoring message carries (empty: the default).
fn options<'a>(
    lang: &'a str,
    model: &'a str,
    domain: &'a str,
    explain: bool,
    strict: bool,
    cascade: Option<bool>,
    deadline: Option<Instant>,
) -> Options<'a> {
    Options {
        lang: opt(lang),
        model: opt(model),
        domain: opt(domain),
        explain,
        strict,
        deadline,
        cascade,
    }
}

/// One text through the engine.
async fn analyze_text(st: &Shared, text: &str, o: Options<'_>) -> Result<pb::Score, EngineError> {
    st.engine.check_text(text)?;
    let plan = st.engine.plan(&o)?;
    let s = st.engine.analyze(&plan, text).await?;
    Ok(to_score(&s, text, o.explain))
}

fn item_result(id: String, r: Result<pb::Score, ApiError>) -> pb::ItemResult {
    if let Err(e) = &r {
        tracing::debug!(code = e.code.as_str(), "gRPC item failed");
    }
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
        let deadline = deadline(&req);
        let r = req.into_inner();
        let o = options(
            &r.lang, &r.model, &r.domain, r.explain, r.strict, r.cascade, deadline,
        );
        let s = analyze_text(&self.st, &r.text, o)
            .await
            .map_err(|e| status(e.into()))?;
        Ok(Response::new(pb::AnalyzeResponse { score: Some(s) }))
    }

    async fn analyze_batch(
        &self,
        req: Request<pb::AnalyzeBatchRequest>,
    ) -> Result<Response<pb::AnalyzeBatchResponse>, Status> {
        let _permit = self.st.admit().map_err(status)?;
        let deadline = deadline(&req);
        let r = req.into_inner();
        let st = &self.st;
        st.engine
            .check_batch(r.items.len())
            .map_err(|e| status(e.into()))?;
        let plan = st
            .engine
            .plan(&options(
                &r.lang, &r.model, &r.domain, r.explain, r.strict, r.cascade, deadline,
            ))
            .map_err(|e| status(e.into()))?;
        let checked: Vec<Result<(), EngineError>> = r
            .items
            .iter()
            .map(|i| st.engine.check_text(&i.text))
            .collect();
        let texts: Vec<&str> = r
            .items
            .iter()
            .zip(&checked)
            .filter(|(_, c)| c.is_ok())
            .map(|(i, _)| i.text.as_str())
            .collect();
        // Submitted together, so that a model batches them and the cache looks them up at once.
        let mut scored = st.engine.analyze_batch(&plan, &texts).await.into_iter();
        let mut results = Vec::with_capacity(r.items.len());
        for (item, c) in r.items.iter().zip(checked) {
            let res = match c {
                Err(e) => Err(e),
                Ok(()) => scored.next().unwrap_or_else(|| {
                    Err(EngineError::new(
                        senti_core::ErrorCode::Internal,
                        "item was not scored",
                    ))
                }),
            };
            let res = res
                .map(|s| to_score(&s, &item.text, r.explain))
                .map_err(|e| {
                    st.metrics.error(e.code.as_str());
                    ApiError::from(e)
                });
            results.push(item_result(item.id.clone(), res));
        }
        Ok(Response::new(pb::AnalyzeBatchResponse { results }))
    }

    type AnalyzeStreamStream = Boxed<pb::ItemResult>;

    async fn analyze_stream(
        &self,
        req: Request<Streaming<pb::StreamItem>>,
    ) -> Result<Response<Self::AnalyzeStreamStream>, Status> {
        let st = self.st.clone();
        let deadline = deadline(&req);
        // In order, but up to STREAM_IN_FLIGHT items are scored at once, so that items of a
        // model backend share forward passes instead of waiting one by one. Each item holds
        // an in-flight permit while it is scored, like a unary call.
        let out = req
            .into_inner()
            .map(move |item| {
                let st = st.clone();
                async move {
                    let item = item?;
                    let r = match st.admit() {
                        Err(e) => Err(e),
                        Ok(_permit) => analyze_text(
                            &st,
                            &item.text,
                            options(
                                &item.lang,
                                &item.model,
                                &item.domain,
                                false,
                                item.strict,
                                item.cascade,
                                deadline,
                            ),
                        )
                        .await
                        .map_err(ApiError::from),
                    };
                    if let Err(e) = &r {
                        st.metrics.error(e.code.as_str());
                    }
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
            let comments = msg
                .comments
                .into_iter()
                .map(|c| {
                    Ok(senti_rooms::Comment {
                        id: c.id,
                        text: c.text,
                        ts_ms: (c.ts_ms != 0).then_some(c.ts_ms),
                    })
                })
                .collect::<Vec<_>>();
            let ids: Vec<String> = comments
                .iter()
                .filter_map(|c| c.as_ref().ok().map(|c| c.id.clone()))
                .collect();
            match crate::ingest::accept(&self.st, &msg.room, comments, now_ms()).await {
                Ok(o) => {
                    out.accepted += o.accepted as u64;
                    out.duplicates += o.duplicates as u64;
                    for (id, e) in o.rejected {
                        out.rejected.push(pb::Rejected {
                            room: msg.room.clone(),
                            id: id.unwrap_or_default(),
                            error: Some(error(&e)),
                        });
                    }
                }
                // The cluster could not take them: the whole call fails, so that the
                // client retries (duplicates are dropped).
                Err(e) if e.code == senti_core::ErrorCode::Unavailable => return Err(status(e)),
                Err(e) => {
                    for id in ids {
                        out.rejected.push(pb::Rejected {
                            room: msg.room.clone(),
                            id,
                            error: Some(error(&e)),
                        });
                    }
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
    // Reflection v1 and v1alpha: many clients (grpcurl's older builds, Python's
    // grpcio-reflection, Postman) still speak only v1alpha.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::DESCRIPTOR)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let (v1, v1alpha) = match (reflection().build_v1(), reflection().build_v1alpha()) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "gRPC reflection could not start");
            return;
        }
    };
    let result = tonic::transport::Server::builder()
        .layer(crate::grpc_trace::TraceLayer)
        .add_service(health_svc)
        .add_service(v1)
        .add_service(v1alpha)
        .add_service(SentimentServer::new(Api { st: st.clone() }))
        .add_service(RoomsServer::new(Api { st }))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "gRPC server failed");
    }
}
