//! `senti-bench-sse-sub URL SUBSCRIBERS SECONDS`: opens SUBSCRIBERS connections to
//! `URL` (a room's `/events?comments=all`), reads for SECONDS, and prints one JSON line:
//! comment events received, latency from the comment's `ts_ms` (stamped by `senti replay
//! --stamp` when it sent the comment) to receipt, P50/P99/max in ms, and the `stats` tick
//! interval's deviation from 1 s (P50/P99/max in ms). Only for 127.0.0.1 benchmarks.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use futures_util::StreamExt;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[derive(Default)]
struct Seen {
    latencies: Vec<f64>,
    ticks: Vec<f64>,
    lagged: u64,
}

async fn subscribe(url: String, until: Instant) -> Result<Seen> {
    let client = reqwest::Client::new();
    let resp = client.get(&url).send().await.context("connecting")?;
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut seen = Seen::default();
    let mut last_tick: Option<Instant> = None;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let Ok(Some(chunk)) = tokio::time::timeout(left, stream.next()).await else {
            break;
        };
        buf.push_str(&String::from_utf8_lossy(&chunk?));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut kind = "";
            let mut data = "";
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    kind = v;
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v;
                }
            }
            match kind {
                "comment" => {
                    let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
                    if let Some(ts) = v["ts_ms"].as_f64() {
                        seen.latencies.push(now_ms() - ts);
                    }
                }
                "stats" => {
                    let now = Instant::now();
                    if let Some(t) = last_tick {
                        seen.ticks.push((now - t).as_secs_f64() * 1000.0 - 1000.0);
                    }
                    last_tick = Some(now);
                }
                "lagged" => seen.lagged += 1,
                _ => {}
            }
        }
    }
    Ok(seen)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, n, secs] = args.as_slice() else {
        anyhow::bail!("usage: senti-bench-sse-sub URL SUBSCRIBERS SECONDS");
    };
    let n: usize = n.parse()?;
    let until = Instant::now() + Duration::from_secs_f64(secs.parse()?);
    let tasks: Vec<_> = (0..n)
        .map(|_| tokio::spawn(subscribe(url.clone(), until)))
        .collect();
    let mut all = Seen::default();
    let mut per_sub = Vec::new();
    for t in tasks {
        let s = t.await??;
        per_sub.push(s.latencies.len());
        all.latencies.extend(s.latencies);
        all.ticks.extend(s.ticks.iter().map(|x| x.abs()));
        all.lagged += s.lagged;
    }
    let count = all.latencies.len();
    let out = serde_json::json!({
        "subscribers": n,
        "comment_events": count,
        "min_events_per_subscriber": per_sub.iter().min(),
        "lagged_events": all.lagged,
        "latency_ms": {"p50": pct(&mut all.latencies, 0.5), "p99": pct(&mut all.latencies, 0.99),
                        "max": all.latencies.last().copied().unwrap_or(f64::NAN)},
        "stats_tick_jitter_ms": {"p50": pct(&mut all.ticks, 0.5), "p99": pct(&mut all.ticks, 0.99),
                                  "max": all.ticks.last().copied().unwrap_or(f64::NAN)},
    });
    println!("{out}");
    Ok(())
}
