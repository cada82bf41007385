//! Shared by the model tests: fixtures, ONNX Runtime discovery, a recording observer.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use senti_model::{Device, Observer};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// Finds ONNX Runtime: `ORT_DYLIB_PATH`, else the workspace's `.venv-ort` (made by
/// `scripts/test.sh` and `.ci/run`). Without it the model tests are skipped with a message,
/// except under `CI=true`, where they fail: CI must never pass without running them.
pub fn ort() -> bool {
    if let Ok(p) = std::env::var("ORT_DYLIB_PATH")
        && Path::new(&p).is_file()
    {
        return true;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Some(lib) = find_venv_lib(&root.join(".venv-ort")) {
        senti_model::runtime::set_library_path(&lib.to_string_lossy());
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "ONNX Runtime not found (ORT_DYLIB_PATH unset and no .venv-ort); under CI=true model tests must run"
        );
    }
    eprintln!(
        "SKIPPED: ONNX Runtime not found; run scripts/test.sh or set ORT_DYLIB_PATH to libonnxruntime.so.1.31.1"
    );
    false
}

pub fn find_venv_lib(venv: &Path) -> Option<PathBuf> {
    let lib = venv.join("lib");
    for py in std::fs::read_dir(lib).ok()?.flatten() {
        let capi = py.path().join("site-packages/onnxruntime/capi");
        for f in std::fs::read_dir(&capi).ok()?.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name.starts_with("libonnxruntime.so.") {
                return Some(f.path());
            }
        }
    }
    None
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
