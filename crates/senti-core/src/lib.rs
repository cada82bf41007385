//! Shared vocabulary of senti.
//!
//! Every backend (the VADER lexicon, the Chinese scorer, ONNX classifiers) answers in the same
//! shape, [`Sentiment`], through the same contract, [`Analyzer`]. Transports (CLI, HTTP, gRPC)
//! only ever see these types, so adding a backend never touches a transport.

mod analyzer;
mod error;
pub mod json;
mod lang;
mod mixed;
mod router;
mod sentiment;

pub use analyzer::{AnalyzeOptions, Analyzer, Domain, Pending};
pub use error::{AnalyzeError, ErrorCode, GrpcCode};
pub use lang::{Lang, classify_lang, detect_lang, split_scripts};
pub use router::LangRouter;
pub use sentiment::{
    CacheTier, CascadePath, Contribution, Label, ModelMeta, Scores, Sentiment, StageTiming,
};
