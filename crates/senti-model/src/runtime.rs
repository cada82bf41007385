//! ONNX Runtime: loaded on first use only, and sessions on the requested execution provider
//! with a CPU fallback.
//!
//! `ort` is built with `load-dynamic`, so nothing of ONNX Runtime is linked: the library is
//! dlopen'ed the first time a model is loaded. A server with no model configured therefore
//! never touches it (and does not need it installed).

use std::path::Path;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::ModelError;

/// Where a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// CUDA on the given GPU.
    Cuda(i32),
    /// TensorRT on the given GPU (ONNX Runtime falls back to CUDA for nodes TensorRT skips).
    TensorRt(i32),
}

impl Device {
    /// `cpu`, `cuda`, `cuda:N`, `tensorrt` or `tensorrt:N`.
    pub fn parse(s: &str) -> Result<Device, String> {
        let (kind, id) = match s.split_once(':') {
            Some((k, n)) => (
                k,
                n.parse::<i32>()
                    .ok()
                    .filter(|&n| n >= 0)
                    .ok_or_else(|| format!("device {s:?}: {n:?} is not a GPU number"))?,
            ),
            None => (s, 0),
        };
        match kind.to_ascii_lowercase().as_str() {
            "cpu" if !s.contains(':') => Ok(Device::Cpu),
            "cuda" | "gpu" => Ok(Device::Cuda(id)),
            "tensorrt" | "trt" => Ok(Device::TensorRt(id)),
            _ => Err(format!("device {s:?} is not cpu, cuda[:N] or tensorrt[:N]")),
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
            Device::TensorRt(n) => write!(f, "tensorrt:{n}"),
        }
    }
}

static LIBRARY: OnceLock<String> = OnceLock::new();

/// Sets the library path before the first model loads (`--ort-library`); later calls and
/// calls after loading have no effect. Returns whether it was taken.
pub fn set_library_path(path: &str) -> bool {
    !loaded() && LIBRARY.set(path.to_string()).is_ok()
}

/// The library path: [`set_library_path`], else `ORT_DYLIB_PATH`, else the plain soname
/// through the dynamic loader's search path.
pub fn library_path() -> String {
    if let Some(p) = LIBRARY.get() {
        return p.clone();
    }
    std::env::var("ORT_DYLIB_PATH").unwrap_or_else(|_| "libonnxruntime.so".to_string())
}

static ENV: OnceLock<Result<Environment, ModelError>> = OnceLock::new();

/// Whether ONNX Runtime has been loaded into this process.
pub fn loaded() -> bool {
    matches!(ENV.get(), Some(Ok(_)))
}

/// Loads ONNX Runtime once per process; a failure is remembered and reported every time.
pub fn environment() -> Result<&'static Environment, ModelError> {
    ENV.get_or_init(|| {
        let path = library_path();
        let err = |reason: String| ModelError::Runtime {
            path: path.clone(),
            reason,
        };
        let builder = ort::init_from(&path).map_err(|e| err(e.to_string()))?;
        builder
            .with_name("senti")
            .build()
            .map_err(|e| err(e.to_string()))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// A session and where it actually runs.
pub struct Built {
    pub session: Session,
    pub device: Device,
    /// Why the requested device could not be used (the session then runs on the CPU).
    pub fallback: Option<String>,
}

/// Builds one session on `device`, or on the CPU when that device cannot start.
///
/// The provider is registered with `error_on_failure`: ONNX Runtime's default is to log and
/// run on the CPU silently, and then nobody would know which device serves.
pub fn build_session(
    model: &Path,
    device: Device,
    intra_threads: usize,
) -> Result<Built, ModelError> {
    let env = environment()?;
    if device != Device::Cpu {
        let ep = match device {
            Device::Cuda(n) => ort::ep::CUDA::default().with_device_id(n).build(),
            Device::TensorRt(n) => ort::ep::TensorRT::default().with_device_id(n).build(),
            Device::Cpu => unreachable!("checked above"),
        };
        let attempt = base_builder(env, intra_threads).and_then(|b| {
            b.with_execution_providers([ep.error_on_failure()])
                .map_err(|e| ModelError::Ort(e.to_string()))?
                .commit_from_file(model)
                .map_err(ModelError::from)
        });
        match attempt {
            Ok(session) => {
                return Ok(Built {
                    session,
                    device,
                    fallback: None,
                });
            }
            Err(e) => {
                let session = base_builder(env, intra_threads)?
                    .commit_from_file(model)
                    .map_err(ModelError::from)?;
                return Ok(Built {
                    session,
                    device: Device::Cpu,
                    fallback: Some(e.to_string()),
                });
            }
        }
    }
    let session = base_builder(env, intra_threads)?
        .commit_from_file(model)
        .map_err(ModelError::from)?;
    Ok(Built {
        session,
        device: Device::Cpu,
        fallback: None,
    })
}

fn base_builder(
    env: &Environment,
    intra_threads: usize,
) -> Result<ort::session::builder::SessionBuilder, ModelError> {
    let m = |e: ort::Error<ort::session::builder::SessionBuilder>| ModelError::Ort(e.to_string());
    Session::builder(env)?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(m)?
        .with_intra_threads(intra_threads.max(1))
        .map_err(m)?
        .with_inter_threads(1)
        .map_err(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_devices() {
        assert_eq!(Device::parse("cpu"), Ok(Device::Cpu));
        assert_eq!(Device::parse("cuda"), Ok(Device::Cuda(0)));
        assert_eq!(Device::parse("CUDA:3"), Ok(Device::Cuda(3)));
        assert_eq!(Device::parse("tensorrt:1"), Ok(Device::TensorRt(1)));
        for bad in ["", "tpu", "cuda:-1", "cuda:x", "cpu:1"] {
            assert!(Device::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Device::Cuda(2).to_string(), "cuda:2");
    }
}
