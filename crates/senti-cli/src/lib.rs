//! The library half of the `senti` binary: the readers of `senti score --input` and
//! `senti segment --input` (JSONL, plain text, CSV) and the parallel pipeline around them.
//!
//! They live in a library, with the binary (src/main.rs) a thin layer of subcommands over it,
//! so that code other than the binary can drive the readers on bytes in memory: the fuzz
//! targets in fuzz/ do, millions of times, without a process or a file per input.

pub mod formats;
pub mod pipeline;
