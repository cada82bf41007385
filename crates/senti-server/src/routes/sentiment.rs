//! `POST /v1/sentiment`, `POST /analyze` and `POST /v1/sentiment/batch`.

use std::borrow::Cow;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use senti_core::json::SentimentBody;
use senti_core::{AnalyzeError, AnalyzeOptions, Analyzer, Lang, Pending, Sentiment, StageTiming};
use senti_model::{Model, ModelSpec};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode, ErrorDetail};
use crate::extract::{admit_and_read, parse_json};
use crate::state::{AppState, Shared};

/// Body of `POST /v1/sentiment` and `POST /analyze`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SentimentRequest<'a> {
    /// The text to score (at most `max_text_chars` characters).
    #[serde(borrow)]
    #[schema(value_type = String)]
    pub text: Cow<'a, str>,
    /// "auto" (default: detected), "en", "zh", or a tag such as "en-US".
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>)]
    pub lang: Option<Cow<'a, str>>,
    /// Add per-token valences (`tokens`).
    #[serde(default)]
    pub explain: bool,
    /// A model from the repository, `name` or `name@version` (default: `--model`, else the
    /// lexicon scorers).
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>)]
    pub model: Option<Cow<'a, str>>,
}

/// The score object (same as `senti score`).
#[derive(Serialize, ToSchema)]
pub struct SentimentResponse {
    /// "positive" (compound >= 0.05), "negative" (<= -0.05) or "neutral".
    pub label: String,
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
    pub lang: String,
    pub backend: String,
    /// Model backends: `name@version` of the model that answered.
    pub model: Option<String>,
    /// Model backends: `{label: probability}` for every label of the model.
    #[schema(value_type = Option<Object>)]
    pub probabilities: Option<serde_json::Value>,
    /// Model backends: true when the text was cut to the model's input limit.
    pub truncated: Option<bool>,
    /// Present with `explain`: `[{text, start, end, valence}]`, offsets in code points.
    pub tokens: Option<Vec<TokenSchema>>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenSchema {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub valence: f64,
}

/// Body of `POST /v1/sentiment/batch`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest<'a> {
    /// `[{"id"?: any JSON value, "text": string}, ...]`, at most `max_batch_items`.
    #[serde(borrow)]
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>)]
    pub lang: Option<Cow<'a, str>>,
    #[serde(default)]
    pub explain: bool,
    /// As in `POST /v1/sentiment`; one model for the whole batch.
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>)]
    pub model: Option<Cow<'a, str>>,
}

/// `{"results": [...]}`: each item's score object (with its `id` when given), or
/// `{"id", "error": {"code", "message"}}` for an item that failed, in input order.
#[derive(Serialize, ToSchema)]
pub struct BatchResponse {
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<serde_json::Value>,
}

/// A batch item's id (echoed back) and its text or why it cannot be scored.
type ParsedItem<'a> = (Option<&'a RawValue>, Result<Cow<'a, str>, ApiError>);

#[derive(Deserialize)]
struct BatchItem<'a> {
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
}

/// "auto" or absent means detect; otherwise a tag naming a language some backend serves.
pub(crate) fn parse_lang(lang: Option<&str>) -> Result<Option<Lang>, ApiError> {
    match lang {
        None => Ok(None),
        Some(l) if l.eq_ignore_ascii_case("auto") => Ok(None),
        Some(l) => Lang::parse(l).map(Some).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnsupportedLang,
                format!("unsupported lang {l:?}; use \"auto\", \"en\" or \"zh\""),
            )
        }),
    }
}

pub fn check_len(text: &str, max_chars: usize) -> Result<(), ApiError> {
    // A string has at least as many bytes as characters, so most texts need no count.
    if text.len() > max_chars {
        let n = text.chars().count();
        if n > max_chars {
            return Err(ApiError::new(
                ErrorCode::TextTooLong,
                format!("text is {n} characters long; the limit is {max_chars}"),
            ));
        }
    }
    Ok(())
}

/// The model a request names, else the default model, else `None` (the lexicon router).
pub(crate) fn resolve_model(st: &AppState, named: Option<&str>) -> Result<Option<Model>, ApiError> {
    let spec = match named {
        Some(m) => Some(ModelSpec::parse(m)?),
        None => None,
    };
    let Some(spec) = spec.as_ref().or(st.default_model.as_ref()) else {
        return Ok(None);
    };
    let repo = st.models.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::ModelNotFound,
            "no model repository is configured (start the server with --model-repo)",
        )
    })?;
    Ok(Some(repo.get(spec)?))
}

/// A backend's name and its (possibly still pending) result.
type Picked = (&'static str, Pending<Result<Sentiment, AnalyzeError>>);

/// The backend for one text: the model if there is one, else the language router's choice.
fn pick(
    st: &AppState,
    model: Option<&Model>,
    text: &str,
    opts: AnalyzeOptions,
) -> Result<Picked, AnalyzeError> {
    match model {
        Some(m) => Ok((m.backend(), m.analyze(text, opts))),
        None => {
            let b = st.router.route(text, opts.lang)?;
            Ok((b.backend(), b.analyze(text, opts)))
        }
    }
}

/// Metrics of one finished text.
fn observe(st: &AppState, backend: &'static str, r: &Result<Sentiment, AnalyzeError>, secs: f64) {
    let s = r.as_ref().ok();
    st.metrics.observe_analyze(backend, s.map(|s| s.lang), secs);
    if let Some(m) = s.and_then(|s| s.model.as_ref()) {
        st.metrics.models.observe_request(&m.model, &m.timing);
    }
}

pub(crate) async fn score(
    st: &AppState,
    model: Option<&Model>,
    text: &str,
    opts: AnalyzeOptions,
) -> Result<Sentiment, AnalyzeError> {
    let t0 = Instant::now();
    let (backend, pending) = pick(st, model, text, opts)?;
    let r = pending.await;
    observe(st, backend, &r, t0.elapsed().as_secs_f64());
    r
}

/// `x-queue-time-us`, `x-inference-time-us`, `x-tokenize-time-us` and `x-batch-size` of a
/// model answer (the largest over a batch request's items).
fn timing_headers(resp: &mut Response, timings: impl Iterator<Item = StageTiming>) {
    let mut max = StageTiming::default();
    let mut any = false;
    for t in timings {
        any = true;
        max.queue_us = max.queue_us.max(t.queue_us);
        max.inference_us = max.inference_us.max(t.inference_us);
        max.tokenize_us = max.tokenize_us.max(t.tokenize_us);
        max.batch_size = max.batch_size.max(t.batch_size);
    }
    if !any {
        return;
    }
    let h = resp.headers_mut();
    for (name, v) in [
        ("x-queue-time-us", max.queue_us),
        ("x-inference-time-us", max.inference_us),
        ("x-tokenize-time-us", max.tokenize_us),
        ("x-batch-size", u64::from(max.batch_size)),
    ] {
        h.insert(name, HeaderValue::from(v));
    }
}

pub fn json_response(bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Score one text.
#[utoipa::path(post, path = "/v1/sentiment", request_body = SentimentRequest,
    responses(
        (status = 200, description = "The score", body = SentimentResponse),
        (status = 400, description = "invalid_json, invalid_request, missing_text, text_too_long, unsupported_lang", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large", body = crate::error::ErrorBody),
        (status = 404, description = "model_not_found", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded (with Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn sentiment(State(st): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let (_permit, bytes) = admit_and_read(&st, req).await?;
    let req: SentimentRequest = parse_json(&bytes)?;
    check_len(&req.text, st.cfg.max_text_chars)?;
    let opts = AnalyzeOptions {
        explain: req.explain,
        lang: parse_lang(req.lang.as_deref())?,
    };
    let model = resolve_model(&st, req.model.as_deref())?;
    let s = score(&st, model.as_ref(), &req.text, opts).await?;
    let out = serde_json::to_vec(&SentimentBody::new(&s, &req.text, req.explain))
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let mut resp = json_response(out);
    timing_headers(&mut resp, s.model.iter().map(|m| m.timing));
    Ok(resp)
}

/// The reference design's route; same as `POST /v1/sentiment`.
#[utoipa::path(post, path = "/analyze", request_body = SentimentRequest,
    responses(
        (status = 200, description = "The score", body = SentimentResponse),
        (status = 400, description = "invalid_json, invalid_request, missing_text, text_too_long, unsupported_lang", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large", body = crate::error::ErrorBody),
        (status = 404, description = "model_not_found", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded (with Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn analyze(st: State<Shared>, req: Request) -> Result<Response, ApiError> {
    sentiment(st, req).await
}

#[derive(Serialize)]
struct ItemOk<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RawValue>,
    #[serde(flatten)]
    body: SentimentBody<'a>,
}

#[derive(Serialize)]
struct ItemErr<'a> {
    id: Option<&'a RawValue>,
    error: ErrorDetail,
}

/// Score many texts; a failing item gets an error in its place.
#[utoipa::path(post, path = "/v1/sentiment/batch", request_body = BatchRequest,
    responses(
        (status = 200, description = "One result per item, in order", body = BatchResponse),
        (status = 400, description = "invalid_json, invalid_request, batch_too_large, unsupported_lang", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large", body = crate::error::ErrorBody),
        (status = 404, description = "model_not_found", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded (with Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn batch(State(st): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let (_permit, bytes) = admit_and_read(&st, req).await?;
    let req: BatchRequest = parse_json(&bytes)?;
    if req.items.len() > st.cfg.max_batch_items {
        return Err(ApiError::new(
            ErrorCode::BatchTooLarge,
            format!(
                "{} items; the limit is {}",
                req.items.len(),
                st.cfg.max_batch_items
            ),
        ));
    }
    let opts = AnalyzeOptions {
        explain: req.explain,
        lang: parse_lang(req.lang.as_deref())?,
    };
    let model = resolve_model(&st, req.model.as_deref())?;

    // Parse and validate every item, then submit all valid texts before awaiting any, so a
    // batching backend sees the whole request at once.
    let mut items: Vec<ParsedItem> = Vec::with_capacity(req.items.len());
    for (i, raw) in req.items.iter().enumerate() {
        // serde would fill a struct from an array too; an item must be an object.
        let parsed = if raw.get().trim_start().starts_with('{') {
            serde_json::from_str::<BatchItem>(raw.get())
        } else {
            items.push((
                None,
                Err(ApiError::new(
                    ErrorCode::InvalidRequest,
                    format!("item {i}: expected an object"),
                )),
            ));
            continue;
        };
        items.push(match parsed {
            Err(e) => {
                let id = serde_json::from_str::<IdOnly>(raw.get())
                    .ok()
                    .and_then(|x| x.id);
                (
                    id,
                    Err(ApiError::new(
                        ErrorCode::InvalidRequest,
                        format!("item {i}: {e}"),
                    )),
                )
            }
            Ok(BatchItem { id, text: None }) => (
                id,
                Err(ApiError::new(
                    ErrorCode::MissingText,
                    format!("item {i}: missing field `text`"),
                )),
            ),
            Ok(BatchItem {
                id,
                text: Some(text),
            }) => (id, check_len(&text, st.cfg.max_text_chars).map(|()| text)),
        });
    }
    let mut submitted = Vec::with_capacity(items.len());
    for (_, item) in items.iter_mut() {
        let Ok(text) = item else {
            submitted.push(None);
            continue;
        };
        let t0 = Instant::now();
        match pick(&st, model.as_ref(), text, opts) {
            Ok((name, pending)) => {
                submitted.push(Some((name, pending, t0.elapsed())));
            }
            Err(e) => {
                *item = Err(e.into());
                submitted.push(None);
            }
        }
    }

    let mut timings = Vec::new();
    let mut out = Vec::with_capacity(64 + req.items.len() * 120);
    out.extend_from_slice(b"{\"results\":[");
    for (i, ((id, item), sub)) in items.iter().zip(submitted).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let result = match (item, sub) {
            (Err(e), _) => Err(e.clone()),
            (Ok(text), Some((name, pending, sync_time))) => {
                let t0 = Instant::now();
                let r = pending.await;
                let took = sync_time + t0.elapsed();
                observe(&st, name, &r, took.as_secs_f64());
                match r {
                    Ok(s) => {
                        if let Some(m) = &s.model {
                            timings.push(m.timing);
                        }
                        let item = ItemOk {
                            id: *id,
                            body: SentimentBody::new(&s, text, req.explain),
                        };
                        serde_json::to_writer(&mut out, &item)
                            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
                        Ok(())
                    }
                    Err(e) => Err(ApiError::from(e)),
                }
            }
            (Ok(_), None) => Err(ApiError::new(ErrorCode::Internal, "item was not submitted")),
        };
        if let Err(e) = result {
            st.metrics.error(e.code.as_str());
            let item = ItemErr {
                id: *id,
                error: ErrorDetail {
                    code: e.code,
                    message: e.message,
                },
            };
            serde_json::to_writer(&mut out, &item)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        }
    }
    out.extend_from_slice(b"]}");
    let mut resp = json_response(out);
    timing_headers(&mut resp, timings.into_iter());
    Ok(resp)
}
