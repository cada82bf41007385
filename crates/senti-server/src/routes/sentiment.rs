//! `POST /v1/sentiment`, `POST /analyze` and `POST /v1/sentiment/batch`.

use std::borrow::Cow;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::response::Response;
use senti_core::StageTiming;
use senti_core::json::SentimentBody;
use senti_engine::Options;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode, ErrorDetail};
use crate::extract::{admit_and_read, parse_json};
use crate::routes::{json_response, stage};
use crate::state::Shared;

/// Body of `POST /v1/sentiment` and `POST /analyze`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SentimentRequest<'a> {
    /// The text to score: at most `max_text_chars` characters (default 10000; `maxLength` is
    /// this server's), else 400 text_too_long.
    #[serde(borrow)]
    #[schema(value_type = String)]
    pub text: Cow<'a, str>,
    #[serde(default, borrow)]
    #[schema(value_type = Option<crate::openapi::LangTag>)]
    pub lang: Option<Cow<'a, str>>,
    /// Add per-token valences (`tokens`).
    #[serde(default)]
    pub explain: bool,
    /// A model from the repository (default: `--model`, else the lexicon scorers).
    #[serde(default, borrow)]
    #[schema(value_type = Option<crate::openapi::ModelName>)]
    pub model: Option<Cow<'a, str>>,
    /// With a model: fail with 503 `model_unavailable` while its circuit breaker is open,
    /// instead of a degraded lexicon answer.
    #[serde(default)]
    pub strict: bool,
    #[serde(default, borrow)]
    #[schema(value_type = Option<crate::openapi::DomainName>)]
    pub domain: Option<Cow<'a, str>>,
    /// The cascade: score with the lexicon first and send the text to the model only when the
    /// lexicon is unsure (|compound| under `--cascade-threshold`); absent: the server's
    /// default (`--cascade`). The model is `model`, else `--cascade-model` for the text's
    /// language, else `--model`.
    #[serde(default)]
    pub cascade: Option<bool>,
}

/// The score object (same as `senti score`); optional members are absent, never null.
#[derive(Serialize, ToSchema)]
pub struct SentimentResponse {
    /// "positive" (compound >= 0.05), "negative" (<= -0.05) or "neutral".
    #[schema(value_type = LabelName)]
    pub label: String,
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
    /// The language the text was scored as.
    #[schema(value_type = LangName)]
    pub lang: String,
    /// The scorer: "vader", "zh", "vader+zh" (mixed), a chat scorer, or a model backend.
    pub backend: String,
    /// Model backends: `name@version` of the model that answered.
    #[schema(nullable = false)]
    pub model: Option<String>,
    /// Model backends: `{label: probability}` for every label of the model.
    #[schema(nullable = false)]
    pub probabilities: Option<std::collections::BTreeMap<String, f64>>,
    /// Model backends: present (true) when the text was cut to the model's input limit.
    #[schema(nullable = false)]
    pub truncated: Option<bool>,
    /// Present with `explain`; offsets in code points.
    #[schema(nullable = false)]
    pub tokens: Option<Vec<TokenSchema>>,
    /// The cache tier that answered, if one did.
    #[schema(nullable = false, value_type = Option<CacheTierName>)]
    pub cached: Option<String>,
    /// Present (true) when the asked-for model could not answer and the lexicon scorer did.
    #[schema(nullable = false)]
    pub degraded: Option<bool>,
    /// Why the answer is degraded.
    #[schema(nullable = false)]
    pub degraded_reason: Option<String>,
    /// With the cascade: "lexicon" (the lexicon was sure) or "model" (sent to the model;
    /// `degraded` says if the lexicon answered after all).
    #[schema(nullable = false, value_type = Option<CascadePathName>)]
    pub path: Option<String>,
}

/// Which side of the cascade answered.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = CascadePath)]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum CascadePathName {
    Lexicon,
    Model,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = Label)]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum LabelName {
    Positive,
    Neutral,
    Negative,
}

/// The language a text was scored as ("mixed": both scorers, part by part).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = Lang)]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum LangName {
    En,
    Zh,
    Mixed,
}

/// A cache tier: "l1", "l2", "l1-near" or "l2-near".
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = CacheTier)]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum CacheTierName {
    L1,
    L2,
    L1Near,
    L2Near,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Token)]
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
    /// At most `max_batch_items` items (default 1000; `maxItems` is this server's), else 400
    /// batch_too_large. An item that is not an object, lacks `text` or has a `text` that is
    /// not a string refuses the whole request (400, naming the item).
    #[serde(borrow)]
    #[schema(value_type = Vec<BatchItemSchema>)]
    pub items: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    #[schema(value_type = Option<crate::openapi::LangTag>)]
    pub lang: Option<Cow<'a, str>>,
    #[serde(default)]
    pub explain: bool,
    /// As in `POST /v1/sentiment`; one model for the whole batch.
    #[serde(default, borrow)]
    #[schema(value_type = Option<crate::openapi::ModelName>)]
    pub model: Option<Cow<'a, str>>,
    /// As in `POST /v1/sentiment`.
    #[serde(default)]
    pub strict: bool,
    #[serde(default, borrow)]
    #[schema(value_type = Option<crate::openapi::DomainName>)]
    pub domain: Option<Cow<'a, str>>,
    /// As in `POST /v1/sentiment`; each item takes its own path.
    #[serde(default)]
    pub cascade: Option<bool>,
}

/// One text of a batch.
#[derive(Serialize, ToSchema)]
#[schema(as = BatchItem)]
pub struct BatchItemSchema {
    /// Echoed in the item's result.
    #[schema(value_type = Option<crate::openapi::AnyValue>, nullable = false)]
    id: Option<()>,
    /// A text longer than `max_text_chars` (default 10000) is not scored: its result is a
    /// text_too_long error in place, the other items are.
    text: String,
}

/// `{"results": [...]}`, one per item, in input order.
#[derive(Serialize, ToSchema)]
pub struct BatchResponse {
    #[schema(value_type = Vec<BatchResult>)]
    pub results: Vec<serde_json::Value>,
}

/// An item's score object (with its `id` when it had one), or the error that item got.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum BatchResult {
    Scored(Box<BatchScored>),
    Failed(BatchFailed),
}

#[derive(Serialize, ToSchema)]
pub struct BatchScored {
    #[schema(value_type = Option<crate::openapi::AnyValue>, nullable = false)]
    id: Option<()>,
    #[serde(flatten)]
    score: SentimentResponse,
}

/// An item that was not scored (text_too_long, or a model's error for it).
#[derive(Serialize, ToSchema)]
pub struct BatchFailed {
    /// The item's `id`; null when it had none.
    #[schema(value_type = crate::openapi::AnyValue)]
    id: (),
    error: ErrorDetail,
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

impl SentimentRequest<'_> {
    /// The engine's options for this request.
    pub fn options(&self) -> Options<'_> {
        Options {
            lang: self.lang.as_deref(),
            model: self.model.as_deref(),
            explain: self.explain,
            strict: self.strict,
            domain: self.domain.as_deref(),
            deadline: None,
            cascade: self.cascade,
        }
    }
}

impl BatchRequest<'_> {
    /// The engine's options for the whole batch.
    pub fn options(&self) -> Options<'_> {
        Options {
            lang: self.lang.as_deref(),
            model: self.model.as_deref(),
            explain: self.explain,
            strict: self.strict,
            domain: self.domain.as_deref(),
            deadline: None,
            cascade: self.cascade,
        }
    }
}

/// Item `i` of a batch: its id and text. An item that is not an object, lacks `text` or has
/// members of the wrong type refuses the whole request.
pub(crate) fn batch_item(
    i: usize,
    raw: &RawValue,
) -> Result<(Option<&RawValue>, Cow<'_, str>), ApiError> {
    // serde would fill a struct from an array too; an item must be an object.
    if !raw.get().trim_start().starts_with('{') {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("item {i}: expected an object"),
        ));
    }
    let item = serde_json::from_str::<BatchItem>(raw.get())
        .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, format!("item {i}: {e}")))?;
    let Some(text) = item.text else {
        return Err(ApiError::new(
            ErrorCode::MissingText,
            format!("item {i}: missing field `text`"),
        ));
    };
    Ok((item.id, text))
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

/// Score one text.
#[utoipa::path(post, path = "/v1/sentiment", request_body = SentimentRequest,
    responses(
        (status = 200, description = "The score", body = SentimentResponse),
        (status = 400, description = "invalid_json, invalid_request (not an object, a wrong type, an unknown member), missing_text, text_too_long, unsupported_lang, invalid_domain", body = crate::error::ErrorBody),
        (status = 404, description = "model_not_found", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout: the body did not arrive within `body_timeout_ms`", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large: more than `max_body_bytes` (default 1048576)", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type: the body must be sent as application/json", body = crate::error::ErrorBody),
        (status = 500, description = "backend_error (a strict request whose model failed), internal", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded, deadline_exceeded, model_unavailable", body = crate::error::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait: 1"))),
    ))]
pub async fn sentiment(State(st): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let (_permit, bytes) = admit_and_read(&st, req).await?;
    let req: SentimentRequest = parse_json(&bytes)?;
    let plan = stage!("validate", {
        st.engine.check_text(&req.text)?;
        st.engine.plan(&req.options())?
    });
    let s = st.engine.analyze(&plan, &req.text).await?;
    let out = stage!("encode", {
        let body = SentimentBody::new(&s, &req.text, req.explain);
        let mut out = Vec::with_capacity(160);
        if !body.write_plain(&mut out) {
            serde_json::to_writer(&mut out, &body)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        }
        out
    });
    let mut resp = json_response(out);
    if s.cached.is_none() {
        timing_headers(&mut resp, s.model.iter().map(|m| m.timing));
    }
    Ok(resp)
}

/// The reference design's route; same as `POST /v1/sentiment`.
#[utoipa::path(post, path = "/analyze", request_body = SentimentRequest,
    responses(
        (status = 200, description = "The score", body = SentimentResponse),
        (status = 400, description = "invalid_json, invalid_request (not an object, a wrong type, an unknown member), missing_text, text_too_long, unsupported_lang, invalid_domain", body = crate::error::ErrorBody),
        (status = 404, description = "model_not_found", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout: the body did not arrive within `body_timeout_ms`", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large: more than `max_body_bytes` (default 1048576)", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type: the body must be sent as application/json", body = crate::error::ErrorBody),
        (status = 500, description = "backend_error (a strict request whose model failed), internal", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded, deadline_exceeded, model_unavailable", body = crate::error::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait: 1"))),
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
        (status = 200, description = "One result per item, in order: its score, or its error in place", body = BatchResponse),
        (status = 400, description = "invalid_json, invalid_request (not an object, a wrong type, an unknown member, an item that is not an object or whose text is not a string), missing_text (an item without text), batch_too_large, unsupported_lang, invalid_domain", body = crate::error::ErrorBody),
        (status = 404, description = "model_not_found", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout: the body did not arrive within `body_timeout_ms`", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large: more than `max_body_bytes` (default 1048576)", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type: the body must be sent as application/json", body = crate::error::ErrorBody),
        (status = 500, description = "backend_error (a strict request whose model failed), internal", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded, deadline_exceeded, model_unavailable", body = crate::error::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait: 1"))),
    ))]
pub async fn batch(State(st): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let (_permit, bytes) = admit_and_read(&st, req).await?;
    let req: BatchRequest = parse_json(&bytes)?;
    let validate = tracing::debug_span!(target: "senti::stage", "validate").entered();
    st.engine.check_batch(req.items.len())?;
    let plan = st.engine.plan(&req.options())?;

    // Parse and validate every item, then submit all valid texts before awaiting any, so a
    // batching backend sees the whole request at once. An item of the wrong shape refuses
    // the request; a text too long is answered in its place.
    let mut items: Vec<ParsedItem> = Vec::with_capacity(req.items.len());
    for (i, raw) in req.items.iter().copied().enumerate() {
        let (id, text) = batch_item(i, raw)?;
        let checked = st.engine.check_text(&text).map(|()| text);
        items.push((id, checked.map_err(ApiError::from)));
    }
    // Every valid text goes to the engine at once, so a model batches them and the cache
    // looks them up together.
    let texts: Vec<&str> = items
        .iter()
        .filter_map(|(_, t)| t.as_ref().ok().map(|t| &**t))
        .collect();
    drop(validate);
    let mut scored = st.engine.analyze_batch(&plan, &texts).await.into_iter();
    let _encode = tracing::debug_span!(target: "senti::stage", "encode").entered();

    let mut timings = Vec::new();
    let mut out = Vec::with_capacity(64 + req.items.len() * 120);
    out.extend_from_slice(b"{\"results\":[");
    for (i, (id, item)) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let result = match item {
            Err(e) => Err(e.clone()),
            Ok(text) => match scored.next() {
                Some(Ok(s)) => {
                    if let Some(m) = &s.model
                        && s.cached.is_none()
                    {
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
                Some(Err(e)) => Err(ApiError::from(e)),
                None => Err(ApiError::new(ErrorCode::Internal, "item was not scored")),
            },
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
