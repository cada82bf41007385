//! The HTTP API's request decoding on any body: `POST /v1/sentiment` (and `/analyze`),
//! `/v1/sentiment/batch`, `/v1/segment` and the JSON array of room comments, each decoded from
//! the same bytes; what decodes goes on through the engine and is encoded as the handler
//! would, and the response must be JSON. Refusals must be error values, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senti_core::json::SentimentBody;
use senti_engine::Engine;
use senti_fuzz::{ENGINE, check_scores, is_json};
use senti_server::error::{ApiError, ErrorBody, ErrorDetail};
use senti_server::fuzzing;

/// The error body every refusal is sent as.
fn encode_error(e: ApiError) {
    let _ = e.status();
    let body = ErrorBody {
        error: ErrorDetail {
            code: e.code,
            message: e.message,
        },
    };
    assert!(is_json(&serde_json::to_vec(&body).expect("error body")));
}

fn score(text: &str, plan: &senti_engine::Plan) {
    match ENGINE.analyze(plan, text).into_ready() {
        Ok(Ok(s)) => {
            check_scores(text, &s.scores);
            let out =
                serde_json::to_vec(&SentimentBody::new(&s, text, plan.explain())).expect("encode");
            assert!(is_json(&out), "{text:?}");
        }
        Ok(Err(e)) => encode_error(e.into()),
        Err(_) => panic!("{text:?}: the lexicon scorers answer at once"),
    }
}

fn sentiment(data: &[u8]) -> Result<(), ApiError> {
    let req = fuzzing::sentiment_request(data)?;
    ENGINE.check_text(&req.text)?;
    let plan = ENGINE.plan(&req.options())?;
    score(&req.text, &plan);
    Ok(())
}

fn batch(data: &[u8]) -> Result<(), ApiError> {
    let (req, items) = fuzzing::batch_request(data)?;
    ENGINE.check_batch(items.len())?;
    let plan = ENGINE.plan(&req.options())?;
    for (_id, text) in &items {
        match ENGINE.check_text(text) {
            Ok(()) => score(text, &plan),
            Err(e) => encode_error(e.into()),
        }
    }
    Ok(())
}

fn segment(data: &[u8]) -> Result<(), ApiError> {
    let req = fuzzing::segment_request(data)?;
    ENGINE.check_text(&req.text)?;
    let mode = Engine::parse_mode(req.mode.as_deref())?;
    let mut toks = Vec::new();
    ENGINE.segment(&req.text, mode, &mut toks);
    let mut out = Vec::new();
    senti_zh::write_tokens_json(&toks, req.offsets, &mut out);
    assert!(is_json(&out));
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    for r in [
        sentiment(data),
        batch(data),
        segment(data),
        fuzzing::room_comments(data, false).map(|_| ()),
    ] {
        if let Err(e) = r {
            encode_error(e);
        }
    }
    if data.len() <= 256 {
        let _ = fuzzing::content_type(data);
    }
});
