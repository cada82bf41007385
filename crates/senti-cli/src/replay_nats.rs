//! `senti replay FILE --room R --nats URL`: publishes the comments straight to a cluster's
//! JetStream comment stream, as an accepting replica would (arrival time = now), and counts
//! a comment accepted only once JetStream acknowledged it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use senti_cluster::{Cluster, ClusterConfig, WireComment};

use crate::replay::{Pacer, ReplayArgs, Summary, cpu_seconds, wall_ms};

pub async fn replay_nats(
    args: ReplayArgs,
    url: String,
    comments: Vec<serde_json::Value>,
) -> Result<Summary> {
    let cluster = Cluster::connect(ClusterConfig::new(&url, &args.nats_prefix)).await?;
    let t_ready = Instant::now();
    while !cluster.ready() {
        if t_ready.elapsed() > Duration::from_secs(10) {
            bail!("{url}: NATS JetStream not reachable within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let pacer = Pacer::new(&args, comments.len(), t0);
    let batch = pacer.batch();
    let comments = Arc::new(comments);
    let counts = Arc::new([0, 0, 0, 0].map(AtomicU64::new)); // sent, accepted, duplicates, failed
    let mut tasks = Vec::new();
    for _ in 0..args.connections.max(1) {
        let (cluster, comments, pacer, counts) = (
            cluster.clone(),
            comments.clone(),
            pacer.clone(),
            counts.clone(),
        );
        let (room, unique, stamp) = (args.room.clone(), args.unique_ids, args.stamp);
        tasks.push(tokio::spawn(async move {
            while let Some((at, pass)) = pacer.next().await {
                let at_ms = wall_ms() as u64;
                let start = at * batch;
                let wire: Vec<WireComment> = comments[start..(start + batch).min(comments.len())]
                    .iter()
                    .map(|c| {
                        let id = c["id"].as_str().unwrap_or_default();
                        WireComment {
                            room: room.clone(),
                            id: if unique {
                                format!("{id}-{pass}")
                            } else {
                                id.to_string()
                            },
                            text: c["text"].as_str().unwrap_or_default().to_string(),
                            ts_ms: if stamp {
                                Some(at_ms as i64)
                            } else {
                                c["ts_ms"].as_i64()
                            },
                            at_ms,
                        }
                    })
                    .collect();
                counts[0].fetch_add(wire.len() as u64, Ordering::Relaxed);
                let acks =
                    futures_util::future::join_all(wire.iter().map(|c| cluster.publish(c))).await;
                for a in acks {
                    match a {
                        Ok(dup) => {
                            counts[1].fetch_add(1, Ordering::Relaxed);
                            counts[2].fetch_add(dup as u64, Ordering::Relaxed);
                        }
                        Err(e) => {
                            if counts[3].fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("replay: {e}");
                            }
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = t0.elapsed().as_secs_f64();
    let sent = counts[0].load(Ordering::Relaxed);
    let failed = counts[3].load(Ordering::Relaxed);
    Ok(Summary {
        sent,
        accepted: counts[1].load(Ordering::Relaxed),
        duplicates: counts[2].load(Ordering::Relaxed),
        rejected: failed,
        failed_requests: failed,
        seconds: secs,
        comments_per_second: sent as f64 / secs,
        generator_cpu_seconds: cpu_seconds() - cpu0,
    })
}
