//! `POST /v1/segment`: Chinese word segmentation, identical to Python jieba 0.42.1.

use std::borrow::Cow;

use axum::extract::{Request, State};
use axum::response::Response;
use senti_zh::write_tokens_json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{admit_and_read, parse_json};
use crate::routes::json_response;
use crate::state::Shared;

/// Body of `POST /v1/segment`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentRequest<'a> {
    /// The text to segment: at most `max_text_chars` characters (default 10000; `maxLength`
    /// is this server's), else 400 text_too_long.
    #[serde(borrow)]
    #[schema(value_type = String)]
    pub text: Cow<'a, str>,
    #[serde(default, borrow)]
    #[schema(value_type = Option<crate::openapi::SegmentMode>)]
    pub mode: Option<Cow<'a, str>>,
    /// Tokens as `{"word", "start", "end"}` (character offsets) instead of strings.
    #[serde(default)]
    pub offsets: bool,
}

/// `{"tokens": [...]}`: strings, or with `offsets` objects.
#[derive(Serialize, ToSchema)]
pub struct SegmentResponse {
    #[schema(value_type = Vec<SegmentToken>)]
    pub tokens: Vec<serde_json::Value>,
}

/// A word, or with `offsets` the word and its character offsets (as `jieba.tokenize`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum SegmentToken {
    Word(String),
    WithOffsets(WordOffsets),
}

#[derive(Serialize, ToSchema)]
pub struct WordOffsets {
    pub word: String,
    pub start: usize,
    pub end: usize,
}

/// Segment one text.
#[utoipa::path(post, path = "/v1/segment", request_body = SegmentRequest,
    responses(
        (status = 200, description = "The tokens", body = SegmentResponse),
        (status = 400, description = "invalid_json, invalid_request (not an object, a wrong type, an unknown member), missing_text, text_too_long, invalid_mode", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout: the body did not arrive within `body_timeout_ms`", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large: more than `max_body_bytes` (default 1048576)", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type: the body must be sent as application/json", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded", body = crate::error::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait: 1"))),
    ))]
pub async fn segment(State(st): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let (_permit, bytes) = admit_and_read(&st, req).await?;
    let req: SegmentRequest = parse_json(&bytes)?;
    st.engine.check_text(&req.text)?;
    let mode = senti_engine::Engine::parse_mode(req.mode.as_deref())?;
    let mut toks = Vec::with_capacity(req.text.len() / 2 + 1);
    st.engine.segment(&req.text, mode, &mut toks);
    let mut out = Vec::with_capacity(16 + req.text.len() * 2);
    out.extend_from_slice(b"{\"tokens\":");
    write_tokens_json(&toks, req.offsets, &mut out);
    out.push(b'}');
    Ok(json_response(out))
}
