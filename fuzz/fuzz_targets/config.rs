//! `senti serve --config FILE` on any file: TOML parsing, the settings table and every
//! validation rule; a setting that passes must also give the engine, batching and cluster
//! settings without a panic. Refusals must be error values.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use senti_server::fuzzing;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(cfg) = fuzzing::config(&text) else {
        return;
    };
    let _ = cfg.engine(Arc::new(senti_model::NoObserver));
    let _ = cfg.batch();
    let _ = cfg.cluster();
    let _ = (cfg.header_timeout(), cfg.body_timeout(), cfg.idle_timeout());
    assert!(cfg.grpc_socket().is_ok() && cfg.device().is_ok() && cfg.near_dup().is_ok());
});
