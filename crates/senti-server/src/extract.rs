//! Reading and parsing JSON request bodies with the service's limits, mapped to API errors.

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// `application/json`, with parameters, or any `application/*+json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 17
            && essence[..12].eq_ignore_ascii_case("application/")
            && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// Reads a JSON body: 415 for another content type, 413 as soon as the body passes
/// `max_bytes` (at once when Content-Length says so), 408 when it does not arrive within
/// `timeout` of the handler starting (the headers are in by then).
pub async fn read_json_body(
    headers: &HeaderMap,
    body: Body,
    max_bytes: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "the body must be JSON, sent with Content-Type: application/json",
        ));
    }
    read_limited(headers, body, max_bytes, timeout).await
}

/// `application/x-ndjson`, `application/jsonl` or `application/json-seq`-like NDJSON types.
pub fn is_ndjson(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|e| {
            matches!(
                e.as_str(),
                "application/x-ndjson"
                    | "application/ndjson"
                    | "application/jsonl"
                    | "application/x-jsonlines"
            )
        })
}

/// A JSON body (`Ok(false)`) or an NDJSON one (`Ok(true)`); 415 for anything else.
pub fn json_or_ndjson(headers: &HeaderMap) -> Result<bool, ApiError> {
    if is_ndjson(headers) {
        Ok(true)
    } else if is_json(headers) {
        Ok(false)
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "the body must be a JSON array (application/json) or NDJSON (application/x-ndjson)",
        ))
    }
}

/// Reads a body under the size limit and the body timeout (413 / 408).
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    max_bytes: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::BodyTooLarge,
            format!("the body is larger than {max_bytes} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(timeout, Limited::new(body, max_bytes).collect()).await {
        Err(_) => Err(ApiError::new(
            ErrorCode::RequestTimeout,
            format!("the body did not arrive within {} ms", timeout.as_millis()),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("reading the body failed: {e}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// The first steps of every scoring route: an in-flight permit (503 `overloaded` when none is
/// left), then the JSON body under the configured limits.
pub async fn admit_and_read(
    st: &crate::state::AppState,
    req: axum::extract::Request,
) -> Result<(tokio::sync::OwnedSemaphorePermit, Bytes), ApiError> {
    let permit = st.admit()?;
    let (parts, body) = req.into_parts();
    let bytes = read_json_body(
        &parts.headers,
        body,
        st.cfg.max_body_bytes,
        st.cfg.body_timeout(),
    )
    .await?;
    Ok((permit, bytes))
}

/// Parses JSON, telling malformed JSON (invalid_json) from JSON of the wrong shape
/// (invalid_request, or missing_text when `text` is absent).
/// The top level must be an object (serde would also fill a struct from an array).
pub fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    let _decode =
        tracing::debug_span!(target: "senti::stage", "decode", senti.bytes = bytes.len()).entered();
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "the body must be a JSON object",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let msg = e.to_string();
        let code = match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => ErrorCode::InvalidJson,
            Category::Data if msg.starts_with("missing field `text`") => ErrorCode::MissingText,
            Category::Data => ErrorCode::InvalidRequest,
        };
        ApiError::new(code, msg)
    })
}

/// axum's `Path`, refusing with the API's error body (axum's own is plain text): 400
/// `invalid_request` for a segment that does not decode (e.g. `%FF`, not UTF-8).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, st).await {
            Ok(Path(t)) => Ok(ApiPath(t)),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidRequest, e.body_text())),
        }
    }
}

/// axum's `Query`, refusing with the API's error body: 400 `invalid_request` for a query
/// string that does not fit (e.g. a parameter given twice).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, st).await {
            Ok(Query(t)) => Ok(ApiQuery(t)),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidRequest, e.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        for (ct, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/vnd.senti+json", true),
            ("text/plain", false),
            ("application/x-ndjson", false),
            ("application/+json", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            assert_eq!(is_json(&h), ok, "{ct}");
        }
    }
}
