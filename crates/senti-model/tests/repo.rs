//! The versioned repository: highest version serves, failed or half-copied versions leave
//! the old one serving, and no request fails while versions are swapped under load.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{copy_dir, fixture, ort};
use senti_model::{ModelRepo, ModelSpec, RepoOptions, VersionState};

fn opts(versions: usize) -> RepoOptions {
    RepoOptions {
        versions,
        settle: Duration::ZERO,
        ..RepoOptions::default()
    }
}

fn spec(s: &str) -> ModelSpec {
    ModelSpec::parse(s).unwrap()
}

fn state(repo: &ModelRepo, name: &str, version: u64) -> VersionState {
    let st = repo.status();
    let m = st.iter().find(|m| m.name == name).unwrap();
    m.versions
        .iter()
        .find(|v| v.version == version)
        .unwrap_or_else(|| panic!("no version {version} in {m:?}"))
        .state
        .clone()
}

fn add_version(root: &Path, name: &str, v: u64, fixture: &str) {
    senti_model::testing::install_fixture(root, name, v, fixture);
}

#[test]
fn highest_loadable_version_serves_and_failures_keep_the_old_one() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    add_version(root, "sent", 1, "tiny-en");
    add_version(root, "sent", 2, "tiny-custom-labels");
    std::fs::create_dir_all(root.join("sent/notaversion")).unwrap();
    let repo = ModelRepo::open(root, opts(2)).unwrap();
    assert_eq!(repo.get(&spec("sent")).unwrap().id().as_ref(), "sent@2");
    assert_eq!(repo.get(&spec("sent@1")).unwrap().id().as_ref(), "sent@1");
    assert!(repo.get(&spec("sent@7")).is_err());
    assert!(repo.get(&spec("other")).is_err());
    assert_eq!(repo.status()[0].serving, Some(2));

    // A broken version 3: reported, and version 2 keeps serving.
    add_version(root, "sent", 3, "broken");
    repo.reload_all();
    assert_eq!(repo.get(&spec("sent")).unwrap().id().as_ref(), "sent@2");
    assert!(matches!(
        state(&repo, "sent", 3),
        VersionState::Failed { .. }
    ));

    // A half-copied version 4 (no tokenizer yet): pending, not served.
    let v4 = root.join("sent/4");
    std::fs::create_dir_all(&v4).unwrap();
    std::fs::copy(fixture("tiny-en/model.onnx"), v4.join("model.onnx")).unwrap();
    std::fs::copy(fixture("tiny-en/config.json"), v4.join("config.json")).unwrap();
    repo.reload("sent").unwrap();
    assert!(matches!(
        state(&repo, "sent", 4),
        VersionState::Pending { .. }
    ));
    assert_eq!(repo.get(&spec("sent")).unwrap().id().as_ref(), "sent@2");

    // The copy completes: version 4 serves, 3 stays failed, 2 stays loaded (versions = 2).
    std::fs::copy(fixture("tiny-en/tokenizer.json"), v4.join("tokenizer.json")).unwrap();
    repo.reload("sent").unwrap();
    assert_eq!(repo.get(&spec("sent")).unwrap().id().as_ref(), "sent@4");
    assert!(repo.get(&spec("sent@2")).is_ok());
    assert!(
        repo.get(&spec("sent@1")).is_err(),
        "only 2 versions stay loaded"
    );
    assert!(matches!(state(&repo, "sent", 1), VersionState::Available));

    // Version 3 is fixed in place: its files changed, so it is retried (and now loads).
    copy_dir(&fixture("tiny-en"), &root.join("sent/3"));
    repo.reload_all();
    assert!(matches!(
        state(&repo, "sent", 3),
        VersionState::Ready { serving: false, .. }
    ));
    assert!(repo.reload("nope").is_err());
}

#[test]
fn files_that_just_changed_are_left_for_the_next_pass() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    add_version(dir.path(), "m", 1, "tiny-en");
    let repo = ModelRepo::open(
        dir.path(),
        RepoOptions {
            settle: Duration::from_secs(3600),
            ..RepoOptions::default()
        },
    )
    .unwrap();
    // At start-up there is nothing to protect: it loads at once.
    assert_eq!(repo.get(&spec("m")).unwrap().id().as_ref(), "m@1");
    // On a rescan, a version whose files just changed waits; version 1 keeps serving.
    add_version(dir.path(), "m", 2, "tiny-en");
    repo.reload_all();
    assert!(matches!(state(&repo, "m", 2), VersionState::Pending { .. }));
    assert_eq!(repo.get(&spec("m")).unwrap().id().as_ref(), "m@1");
}

#[test]
fn no_request_fails_while_versions_swap_under_load() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    add_version(&root, "m", 1, "tiny-en");
    let repo = Arc::new(ModelRepo::open(&root, opts(1)).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (repo, stop, done) = (repo.clone(), stop.clone(), done.clone());
        clients.push(std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            while !stop.load(Ordering::Relaxed) {
                let model = repo.get(&spec("m")).expect("a version always serves");
                let a = model
                    .infer_blocking("a good movie", None)
                    .expect("no request fails");
                assert!(a.scores.compound > 0.5);
                seen.insert(model.id().to_string());
                done.fetch_add(1, Ordering::Relaxed);
            }
            seen
        }));
    }
    for v in 2..=6 {
        std::thread::sleep(Duration::from_millis(60));
        // Alternate good versions with a broken one; the broken one must change nothing.
        add_version(&root, "m", v, if v == 4 { "broken" } else { "tiny-en" });
        repo.reload("m").unwrap();
    }
    std::thread::sleep(Duration::from_millis(60));
    stop.store(true, Ordering::Relaxed);
    let mut seen = std::collections::BTreeSet::new();
    for c in clients {
        seen.extend(c.join().expect("a client thread failed"));
    }
    assert_eq!(repo.get(&spec("m")).unwrap().id().as_ref(), "m@6");
    assert!(
        seen.len() >= 3,
        "requests should have met several versions: {seen:?}"
    );
    assert!(!seen.contains("m@4"));
    assert!(done.load(Ordering::Relaxed) > 100);
}
