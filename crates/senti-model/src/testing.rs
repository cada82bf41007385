//! Test support shared by this crate's and the server's tests (not part of the API).

use std::path::{Path, PathBuf};

/// The committed test models (`tests/fixtures`).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Finds ONNX Runtime: `ORT_DYLIB_PATH`, else the workspace's `.venv-ort` (made by
/// `scripts/ort-env.sh`, which `scripts/test.sh` and `.ci/run` call). Without it the model
/// tests are skipped with a message, except under `CI=true`, where they fail: CI must never
/// pass without running them.
pub fn ort_available() -> bool {
    if let Ok(p) = std::env::var("ORT_DYLIB_PATH")
        && Path::new(&p).is_file()
    {
        return true;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Some(lib) = find_venv_lib(&root.join(".venv-ort")) {
        crate::runtime::set_library_path(&lib.to_string_lossy());
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

/// `VENV/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.*`.
pub fn find_venv_lib(venv: &Path) -> Option<PathBuf> {
    for py in std::fs::read_dir(venv.join("lib")).ok()?.flatten() {
        let capi = py.path().join("site-packages/onnxruntime/capi");
        let Ok(rd) = std::fs::read_dir(&capi) else {
            continue;
        };
        for f in rd.flatten() {
            if f.file_name()
                .to_string_lossy()
                .starts_with("libonnxruntime.so.")
            {
                return Some(f.path());
            }
        }
    }
    None
}

/// Copies the fixture model `fixture` into `root/name/version/`, as a deployment would.
pub fn install_fixture(root: &Path, name: &str, version: u64, fixture: &str) {
    let dst = root.join(name).join(version.to_string());
    std::fs::create_dir_all(&dst).expect("create the version folder");
    for f in std::fs::read_dir(fixtures().join(fixture))
        .expect("read the fixture")
        .flatten()
    {
        std::fs::copy(f.path(), dst.join(f.file_name())).expect("copy a fixture file");
    }
}
