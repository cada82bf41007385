//! Shared by the model tests: fixtures, ONNX Runtime discovery, a recording observer.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use senti_model::{Device, Observer};

pub fn fixtures() -> PathBuf {
    senti_model::testing::fixtures()
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

pub fn ort() -> bool {
    senti_model::testing::ort_available()
}

/// Records every observer call.
#[derive(Default)]
pub struct Recorder {
    pub batches: Mutex<Vec<(String, usize, usize)>>,
    pub dropped: Mutex<Vec<(String, &'static str)>>,
    pub fallbacks: Mutex<Vec<(String, Device, String)>>,
}

impl Observer for Recorder {
    fn batch(&self, model: &str, rows: usize, tokens: usize, _: Duration) {
        self.batches
            .lock()
            .unwrap()
            .push((model.into(), rows, tokens));
    }
    fn dropped(&self, model: &str, reason: &'static str) {
        self.dropped.lock().unwrap().push((model.into(), reason));
    }
    fn fallback(&self, model: &str, requested: Device, reason: &str) {
        self.fallbacks
            .lock()
            .unwrap()
            .push((model.into(), requested, reason.into()));
    }
}

impl Recorder {
    /// Texts that went through a forward pass (rows over all batches).
    pub fn batches(&self) -> usize {
        self.batches.lock().unwrap().iter().map(|b| b.1).sum()
    }
    pub fn dropped_count(&self, reason: &str) -> usize {
        self.dropped
            .lock()
            .unwrap()
            .iter()
            .filter(|d| d.1 == reason)
            .count()
    }
}

/// Copies a fixture directory (flat) to `dst`.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for f in std::fs::read_dir(src).unwrap().flatten() {
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), dst.join(f.file_name())).unwrap();
        }
    }
}
