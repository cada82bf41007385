//! A versioned model repository: `ROOT/<name>/<version>/` with integer versions, as Triton
//! lays them out.
//!
//! * The highest version that loads serves; the `versions` highest loadable ones stay loaded
//!   so that a request can name one (`name@3`).
//! * A (re)load builds the new set beside the old one and swaps the catalog atomically
//!   (`arc-swap`): requests never wait on a load, and a request that already holds the old
//!   version finishes on it (the [`Model`] handle keeps it alive).
//! * A version that fails to load or warm up is recorded with the fingerprint (names, sizes
//!   and modification times) of its files and is not tried again until they change; the
//!   previously loaded versions keep serving. A version whose files changed within the
//!   settle time is treated as still being copied and left for the next pass.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::model::find_onnx;
use crate::{Model, ModelError, ModelOptions};

/// Repository options.
#[derive(Clone)]
pub struct RepoOptions {
    pub model: ModelOptions,
    /// How many of the highest loadable versions of each model stay loaded.
    pub versions: usize,
    /// Files modified more recently than this are taken to be still arriving.
    pub settle: Duration,
}

impl Default for RepoOptions {
    fn default() -> Self {
        RepoOptions {
            model: ModelOptions::default(),
            versions: 1,
            settle: Duration::from_secs(1),
        }
    }
}

/// `name` or `name@version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub name: String,
    pub version: Option<u64>,
}

impl ModelSpec {
    pub fn parse(s: &str) -> Result<ModelSpec, ModelError> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (
                n,
                Some(v.parse::<u64>().map_err(|_| {
                    ModelError::NotFound(format!(
                        "model {s:?}: version {v:?} is not a non-negative integer"
                    ))
                })?),
            ),
            None => (s, None),
        };
        if !valid_name(name) {
            return Err(ModelError::NotFound(format!(
                "model {s:?}: a name is 1-128 of A-Z a-z 0-9 _ . - (optionally @version)"
            )));
        }
        Ok(ModelSpec {
            name: name.to_string(),
            version,
        })
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// What happened to one version directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VersionState {
    /// Loaded; the highest loaded version is the one serving.
    Ready {
        serving: bool,
        /// The device asked for and the one it runs on.
        requested_device: String,
        device: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        fallback_reason: Option<String>,
        load_ms: u64,
    },
    /// Failed to load or warm up; retried when its files change.
    Failed { error: String },
    /// Its files are still changing (being copied); tried on a later pass.
    Pending { reason: String },
    /// Loadable but beyond the number of versions kept loaded.
    Available,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionStatus {
    pub version: u64,
    #[serde(flatten)]
    pub state: VersionState,
}

/// One model's versions, highest first.
#[derive(Debug, Clone, Serialize)]
pub struct ModelStatus {
    pub name: String,
    /// The version a request without `@version` gets.
    pub serving: Option<u64>,
    pub versions: Vec<VersionStatus>,
}

type Fingerprint = Vec<(String, u64, SystemTime)>;

struct Loaded {
    version: u64,
    model: Model,
    fingerprint: Fingerprint,
}

#[derive(Default)]
struct Entry {
    /// Highest first.
    loaded: Vec<Arc<Loaded>>,
    status: Vec<VersionStatus>,
}

#[derive(Default)]
struct Catalog {
    models: BTreeMap<String, Entry>,
}

/// The repository: a catalog requests read without locking, and a reload path.
pub struct ModelRepo {
    root: PathBuf,
    opts: RepoOptions,
    catalog: ArcSwap<Catalog>,
    /// One reload at a time; also keeps the failures seen, by directory.
    reload: Mutex<HashMap<PathBuf, (Fingerprint, String)>>,
}

impl ModelRepo {
    /// Opens `root` and loads what it holds. A root that cannot be read is an error; a
    /// model that fails to load is not (it is reported in [`ModelRepo::status`]).
    pub fn open(root: &Path, opts: RepoOptions) -> Result<ModelRepo, ModelError> {
        std::fs::read_dir(root).map_err(|e| ModelError::File {
            path: root.to_path_buf(),
            reason: e.to_string(),
        })?;
        let repo = ModelRepo {
            root: root.to_path_buf(),
            opts,
            catalog: ArcSwap::from_pointee(Catalog::default()),
            reload: Mutex::new(HashMap::new()),
        };
        // At start-up nothing serves yet, so there is nothing to protect by waiting: a copy
        // still in progress fails to load and is retried once its files change.
        repo.reload_with(Duration::ZERO);
        Ok(repo)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The model for a request.
    pub fn get(&self, spec: &ModelSpec) -> Result<Model, ModelError> {
        let cat = self.catalog.load();
        let entry = cat.models.get(&spec.name).ok_or_else(|| {
            let names: Vec<&str> = cat.models.keys().map(String::as_str).collect();
            ModelError::NotFound(format!(
                "no model named {:?}; the repository has {names:?}",
                spec.name
            ))
        })?;
        let found = match spec.version {
            None => entry.loaded.first(),
            Some(v) => entry.loaded.iter().find(|l| l.version == v),
        };
        found.map(|l| l.model.clone()).ok_or_else(|| {
            let loaded: Vec<u64> = entry.loaded.iter().map(|l| l.version).collect();
            match spec.version {
                Some(v) => ModelError::NotFound(format!(
                    "version {v} of model {:?} is not loaded; loaded versions: {loaded:?}",
                    spec.name
                )),
                None => ModelError::NotFound(format!(
                    "model {:?} has no version that loaded; see GET /v1/models",
                    spec.name
                )),
            }
        })
    }

    /// Every model's state, by name.
    pub fn status(&self) -> Vec<ModelStatus> {
        let cat = self.catalog.load();
        cat.models
            .iter()
            .map(|(name, e)| ModelStatus {
                name: name.clone(),
                serving: e.loaded.first().map(|l| l.version),
                versions: e.status.clone(),
            })
            .collect()
    }

    /// Every loaded model (for metrics and info).
    pub fn loaded(&self) -> Vec<Model> {
        let cat = self.catalog.load();
        cat.models
            .values()
            .flat_map(|e| e.loaded.iter().map(|l| l.model.clone()))
            .collect()
    }

    /// Rescans every model. Blocking (loads run here): call it off the async runtime.
    pub fn reload_all(&self) {
        self.reload_with(self.opts.settle);
    }

    fn reload_with(&self, settle: Duration) {
        let mut failures = self
            .reload
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let names = list_dirs(&self.root)
            .into_iter()
            .filter(|n| valid_name(n))
            .collect::<Vec<_>>();
        let old = self.catalog.load_full();
        let mut models = BTreeMap::new();
        for name in names {
            let entry = self.scan(&name, old.models.get(&name), &mut failures, settle);
            models.insert(name, entry);
        }
        self.catalog.store(Arc::new(Catalog { models }));
    }

    /// Rescans one model. `NotFound` if it has no directory.
    pub fn reload(&self, name: &str) -> Result<ModelStatus, ModelError> {
        if !valid_name(name) || !self.root.join(name).is_dir() {
            return Err(ModelError::NotFound(format!(
                "no model directory {:?} in {}",
                name,
                self.root.display()
            )));
        }
        let mut failures = self
            .reload
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let old = self.catalog.load_full();
        let entry = self.scan(name, old.models.get(name), &mut failures, self.opts.settle);
        let status = ModelStatus {
            name: name.to_string(),
            serving: entry.loaded.first().map(|l| l.version),
            versions: entry.status.clone(),
        };
        // Other models are carried over as they are (their entries are shared, not reloaded).
        let mut models: BTreeMap<String, Entry> = BTreeMap::new();
        for (n, e) in &old.models {
            if n != name {
                models.insert(
                    n.clone(),
                    Entry {
                        loaded: e.loaded.clone(),
                        status: e.status.clone(),
                    },
                );
            }
        }
        models.insert(name.to_string(), entry);
        self.catalog.store(Arc::new(Catalog { models }));
        Ok(status)
    }

    fn scan(
        &self,
        name: &str,
        old: Option<&Entry>,
        failures: &mut HashMap<PathBuf, (Fingerprint, String)>,
        settle: Duration,
    ) -> Entry {
        let dir = self.root.join(name);
        let mut versions: Vec<u64> = list_dirs(&dir)
            .into_iter()
            .filter_map(|v| {
                v.parse()
                    .ok()
                    .filter(|_| v.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        versions.sort_unstable_by(|a, b| b.cmp(a));
        let keep = self.opts.versions.max(1);
        let now = SystemTime::now();
        let mut loaded: Vec<Arc<Loaded>> = Vec::new();
        let mut states: Vec<(u64, VersionState)> = Vec::new();
        for v in versions {
            let vdir = dir.join(v.to_string());
            let fp = fingerprint(&vdir);
            if let Some(missing) = missing_file(&vdir) {
                states.push((
                    v,
                    VersionState::Pending {
                        reason: format!("incomplete: no {missing}"),
                    },
                ));
                continue;
            }
            if let Some((seen, error)) = failures.get(&vdir)
                && *seen == fp
            {
                states.push((
                    v,
                    VersionState::Failed {
                        error: error.clone(),
                    },
                ));
                continue;
            }
            if loaded.len() >= keep {
                states.push((v, VersionState::Available));
                continue;
            }
            let prev = old.and_then(|e| e.loaded.iter().find(|l| l.version == v));
            if let Some(prev) = prev.filter(|p| p.fingerprint == fp) {
                loaded.push(prev.clone());
                continue;
            }
            let newest = fp
                .iter()
                .map(|f| f.2)
                .max()
                .unwrap_or(SystemTime::UNIX_EPOCH);
            if now.duration_since(newest).unwrap_or_default() < settle {
                states.push((
                    v,
                    VersionState::Pending {
                        reason: "files changed moments ago (still copying?)".into(),
                    },
                ));
                continue;
            }
            let id = format!("{name}@{v}");
            match Model::load(&vdir, &id, &self.opts.model) {
                Ok(model) => {
                    failures.remove(&vdir);
                    tracing::info!(model = %id, device = %model.device(), load_ms = model.load_time().as_millis() as u64, "model loaded");
                    loaded.push(Arc::new(Loaded {
                        version: v,
                        model,
                        fingerprint: fp,
                    }));
                }
                Err(e) => {
                    let error = e.to_string();
                    tracing::error!(model = %id, %error, "model version failed to load; the previous version keeps serving");
                    failures.insert(vdir, (fp, error.clone()));
                    states.push((v, VersionState::Failed { error }));
                }
            }
        }
        // Nothing new loaded, but something served before: keep serving it rather than
        // leave the name with no model (a deleted or broken directory must not take the
        // service down).
        if loaded.is_empty()
            && let Some(old) = old
        {
            loaded = old.loaded.clone();
        }
        for l in &loaded {
            states.push((l.version, ready_state(l, false)));
        }
        states.sort_by_key(|s| std::cmp::Reverse(s.0));
        if let Some(first) = loaded.first() {
            for (v, s) in states.iter_mut() {
                if *v == first.version {
                    *s = ready_state(first, true);
                }
            }
        }
        Entry {
            loaded,
            status: states
                .into_iter()
                .map(|(version, state)| VersionStatus { version, state })
                .collect(),
        }
    }
}

fn ready_state(l: &Loaded, serving: bool) -> VersionState {
    VersionState::Ready {
        serving,
        requested_device: l.model.requested_device().to_string(),
        device: l.model.device().to_string(),
        fallback_reason: l.model.fallback_reason().map(str::to_string),
        load_ms: l.model.load_time().as_millis() as u64,
    }
}

fn list_dirs(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    out.sort();
    out
}

fn fingerprint(dir: &Path) -> Fingerprint {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Fingerprint = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                m.len(),
                m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            ))
        })
        .collect();
    out.sort();
    out
}

fn missing_file(dir: &Path) -> Option<&'static str> {
    if !dir.join("config.json").is_file() {
        return Some("config.json");
    }
    if !dir.join("tokenizer.json").is_file() {
        return Some("tokenizer.json");
    }
    if find_onnx(dir).is_err() {
        return Some("model.onnx");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            ModelSpec::parse("sst2-minilm@3").unwrap(),
            ModelSpec {
                name: "sst2-minilm".into(),
                version: Some(3)
            }
        );
        assert_eq!(ModelSpec::parse("a.b_c").unwrap().version, None);
        for bad in ["", "@1", "a@", "a@-1", "a@x", "../x", ".hidden", "a b"] {
            assert!(ModelSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
