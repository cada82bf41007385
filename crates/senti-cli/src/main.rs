//! `senti`: the command-line entry point.
//!
//! Exit codes: 0 when everything succeeded, 1 when some input lines failed (they are reported
//! in place in the output), 2 for usage and I/O errors.

mod backend;
mod files;
mod replay;
mod replay_nats;
mod score;
mod segment;
mod serve;

use std::process::ExitCode;

// The readers are the library's (src/lib.rs); `crate::formats` still names them here.
use senti_cli::{formats, pipeline};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "senti",
    version,
    about = "Real-time sentiment analysis for English and Chinese"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score one text, or a file of texts (JSONL, plain text or CSV) into JSONL.
    Score(Box<score::ScoreArgs>),
    /// Split Chinese text into words exactly as Python jieba 0.42.1 does (text or a file).
    Segment(segment::SegmentArgs),
    /// Push a file of comments into a live room at a given rate (demos, benchmarks).
    Replay(replay::ReplayArgs),
    /// Run the HTTP service.
    Serve(Box<senti_server::ServeArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => score::run(*args),
        Command::Segment(args) => segment::run(args),
        Command::Serve(args) => serve::run(*args),
        Command::Replay(args) => replay::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("senti: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
