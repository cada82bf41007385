//! Entry points for the fuzz targets in fuzz/ (issue 14). Not an API: hidden from the docs,
//! free to change with the targets.
//!
//! The body decoders are private to the route handlers, and reaching them through a real
//! HTTP stack would spend most of every execution in hyper and tokio instead of in our code.
//! These functions run exactly the code a handler runs on a body's bytes before the engine
//! takes over (the handlers call the same functions), so a fuzzer can drive it at full speed;
//! every refusal comes back as an `Err` value, never a panic.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::value::RawValue;

pub use crate::config::{Config, ConfigError};
pub use crate::error::ApiError;
pub use crate::routes::segment::SegmentRequest;
pub use crate::routes::sentiment::{BatchRequest, SentimentRequest};
pub use senti_rooms::Comment;

/// A batch item as the handler keeps it: its id (echoed back) and its text.
pub type BatchItem<'a> = (Option<&'a RawValue>, Cow<'a, str>);

/// `POST /v1/sentiment` (and `/analyze`): the body decoded.
pub fn sentiment_request(bytes: &[u8]) -> Result<SentimentRequest<'_>, ApiError> {
    crate::extract::parse_json(bytes)
}

/// `POST /v1/sentiment/batch`: the body decoded, then every item (the handler checks the
/// item count against its limit in between).
pub fn batch_request(bytes: &[u8]) -> Result<(BatchRequest<'_>, Vec<BatchItem<'_>>), ApiError> {
    let req: BatchRequest = crate::extract::parse_json(bytes)?;
    let items = req
        .items
        .iter()
        .copied()
        .enumerate()
        .map(|(i, raw)| crate::routes::sentiment::batch_item(i, raw))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((req, items))
}

/// `POST /v1/segment`: the body decoded.
pub fn segment_request(bytes: &[u8]) -> Result<SegmentRequest<'_>, ApiError> {
    crate::extract::parse_json(bytes)
}

/// `POST /v1/rooms/{room}/comments`: a JSON array of comments, or NDJSON lines.
pub fn room_comments(bytes: &[u8], ndjson: bool) -> Result<Vec<Comment>, ApiError> {
    crate::routes::rooms::parse_comments(bytes, ndjson)
}

/// How a `Content-Type` value is taken: `(json, ndjson)`; `None` when it is not a valid
/// header value at all (hyper would have refused the request).
pub fn content_type(value: &[u8]) -> Option<(bool, bool)> {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_bytes(value).ok()?);
    let ndjson = crate::extract::is_ndjson(&h);
    let json = crate::extract::json_or_ndjson(&h).is_ok() && !ndjson;
    Some((json, ndjson))
}

/// `senti serve --config FILE` with no other flag: the file's text parsed and validated.
pub fn config(text: &str) -> Result<Config, ConfigError> {
    Config::from_file_text(text)
}
