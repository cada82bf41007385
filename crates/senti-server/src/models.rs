//! What keeps the model repository current: a poller and SIGHUP. (The admin route is in
//! `routes::models`.) Reloads run on blocking threads; the repository serializes them.

use std::time::Duration;

use crate::model_metrics::TriggerLabel;
use crate::state::Shared;

/// Rescans the whole repository off the async workers.
pub async fn reload_all(st: &Shared, trigger: &'static str) {
    let Some(repo) = st.models.clone() else {
        return;
    };
    st.metrics
        .models
        .reloads
        .get_or_create(&TriggerLabel { trigger })
        .inc();
    if let Err(e) = tokio::task::spawn_blocking(move || repo.reload_all()).await {
        tracing::error!(error = %e, "model reload task failed");
    }
}

pub fn spawn_reloaders(st: &Shared) {
    if st.models.is_none() {
        return;
    }
    let every = st.cfg.model_poll_ms;
    if every > 0 {
        let st = st.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(every));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                reload_all(&st, "poll").await;
            }
        });
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(mut hup) => {
                let st = st.clone();
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        tracing::info!("SIGHUP: rescanning the model repository");
                        reload_all(&st, "sighup").await;
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for SIGHUP"),
        }
    }
}
