//! `senti replay FILE.jsonl --room R --rate N`: pushes a comment file into a live room at a
//! given rate, for demos and the rooms benchmark. Comments are `{"id", "text", "ts_ms"?}`
//! lines; they are sent as NDJSON bodies of `--batch` lines to
//! `POST /v1/rooms/{room}/comments`, paced so that batch k leaves at k × batch / rate seconds
//! (or over gRPC `Ingest`, or straight into a cluster's JetStream: `replay_nats.rs`).

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Comments, one JSON object per line: {"id": str, "text": str, "ts_ms"?: int}.
    pub file: String,
    /// The room.
    #[arg(long)]
    pub room: String,
    /// Comments per second (0: as fast as the server takes them).
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// The server's HTTP address (NDJSON bodies of --batch comments).
    #[arg(long, default_value = "http://127.0.0.1:8080", value_name = "URL")]
    pub http: String,
    /// Send over gRPC `Ingest` to this address instead (messages of --batch comments, one
    /// client stream per connection), e.g. http://127.0.0.1:50051.
    #[arg(long, value_name = "URL")]
    pub grpc: Option<String>,
    /// Comments per request (HTTP) or per message (gRPC).
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 2)]
    pub connections: usize,
    /// Go round the file until this many seconds have passed (default: once through).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// Give each comment a fresh id on every pass (`<id>-<pass>`), so repeats are new comments.
    #[arg(long)]
    pub unique_ids: bool,
    /// Set each comment's `ts_ms` to the time it is sent (ms since the epoch), so that
    /// subscribers can measure ingest-to-delivery latency.
    #[arg(long)]
    pub stamp: bool,
    /// Publish straight to a cluster's JetStream (nats://HOST:PORT) instead, as an accepting
    /// replica would; a comment counts as accepted once JetStream acknowledged it.
    #[arg(long, value_name = "URL", conflicts_with = "grpc")]
    pub nats: Option<String>,
    /// The cluster's `--nats-prefix`.
    #[arg(long, default_value = "senti", value_name = "P")]
    pub nats_prefix: String,
}

#[derive(Serialize)]
pub struct Summary {
    pub sent: u64,
    pub accepted: u64,
    /// Of the accepted, already counted before (same id in the room within the dedup window).
    pub duplicates: u64,
    pub rejected: u64,
    pub failed_requests: u64,
    pub seconds: f64,
    pub comments_per_second: f64,
    /// CPU seconds this process used (user + system): the generator's own cost.
    pub generator_cpu_seconds: f64,
}

pub fn cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15: utime and stime in clock ticks (100 per second).
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn load(path: &str) -> Result<Vec<serde_json::Value>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {path}"))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{path}:{}: not a JSON object", i + 1))?;
        if v.get("id").and_then(|x| x.as_str()).is_none()
            || v.get("text").and_then(|x| x.as_str()).is_none()
        {
            bail!(
                "{path}:{}: a comment needs string \"id\" and \"text\"",
                i + 1
            );
        }
        out.push(v);
    }
    if out.is_empty() {
        bail!("{path}: no comments");
    }
    Ok(out)
}

/// NDJSON bodies for one pass through the file.
fn bodies(comments: &[serde_json::Value], batch: usize, pass: Option<u64>) -> Vec<(usize, String)> {
    comments
        .chunks(batch.max(1))
        .map(|chunk| {
            let mut body = String::new();
            for c in chunk {
                let mut c = c.clone();
                if let (Some(p), Some(id)) = (pass, c.get("id").and_then(|x| x.as_str())) {
                    c["id"] = serde_json::Value::String(format!("{id}-{p}"));
                }
                body.push_str(&c.to_string());
                body.push('\n');
            }
            (chunk.len(), body)
        })
        .collect()
}

pub fn run(args: ReplayArgs) -> Result<ExitCode> {
    if !senti_rooms::valid_room_id(&args.room) {
        bail!("--room must match [A-Za-z0-9_-]{{1,64}}");
    }
    let comments = load(&args.file)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let summary = match (args.grpc.clone(), args.nats.clone()) {
        (Some(url), _) => rt.block_on(replay_grpc(args, url, comments))?,
        (None, Some(url)) => rt.block_on(crate::replay_nats::replay_nats(args, url, comments))?,
        (None, None) => rt.block_on(replay(args, comments))?,
    };
    println!("{}", serde_json::to_string(&summary)?);
    Ok(if summary.failed_requests == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Hands out batches to the sending tasks: batch k leaves at k × batch / rate seconds; once
/// through the file, or round it until `--duration` has passed.
pub struct Pacer {
    t0: Instant,
    deadline: Option<Instant>,
    per_pass: usize,
    batch: usize,
    rate: f64,
    next: AtomicUsize,
}

impl Pacer {
    pub fn new(args: &ReplayArgs, comments: usize, t0: Instant) -> Arc<Pacer> {
        let batch = args.batch.max(1);
        Arc::new(Pacer {
            t0,
            deadline: args.duration.map(|d| t0 + Duration::from_secs_f64(d)),
            per_pass: comments.div_ceil(batch),
            batch,
            rate: args.rate,
            next: AtomicUsize::new(0),
        })
    }

    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Waits until the next batch is due: `(index of the batch in the file, pass)`, or
    /// `None` when the run is over.
    pub async fn next(&self) -> Option<(usize, u64)> {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        let pass = (k / self.per_pass) as u64;
        if (self.deadline.is_none() && pass > 0)
            || self.deadline.is_some_and(|d| Instant::now() >= d)
        {
            return None;
        }
        if self.rate > 0.0 {
            let due = self.t0 + Duration::from_secs_f64((k * self.batch) as f64 / self.rate);
            tokio::time::sleep_until(due.into()).await;
        }
        Some((k % self.per_pass, pass))
    }
}

pub fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Rewrites each NDJSON line's `ts_ms` to now.
fn stamp_body(body: &str) -> String {
    let now = wall_ms();
    let mut out = String::with_capacity(body.len() + 32);
    for line in body.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        v["ts_ms"] = now.into();
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}

async fn replay(args: ReplayArgs, comments: Vec<serde_json::Value>) -> Result<Summary> {
    let url = format!(
        "{}/v1/rooms/{}/comments",
        args.http.trim_end_matches('/'),
        args.room
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections.max(1))
        .build()?;
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let sent = Arc::new(AtomicU64::new(0));
    let accepted = Arc::new(AtomicU64::new(0));
    let duplicates = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let pacer = Pacer::new(&args, comments.len(), t0);
    let comments = Arc::new(comments);
    let mut tasks = Vec::new();
    for _ in 0..args.connections.max(1) {
        let (client, url, comments) = (client.clone(), url.clone(), comments.clone());
        let (sent, accepted, duplicates, rejected, failed, pacer) = (
            sent.clone(),
            accepted.clone(),
            duplicates.clone(),
            rejected.clone(),
            failed.clone(),
            pacer.clone(),
        );
        let (unique, stamp) = (args.unique_ids, args.stamp);
        tasks.push(tokio::spawn(async move {
            let mut cache: Option<(u64, Vec<(usize, String)>)> = None;
            while let Some((at, pass)) = pacer.next().await {
                if cache.as_ref().is_none_or(|(p, _)| *p != pass) {
                    let bs = bodies(&comments, pacer.batch(), unique.then_some(pass));
                    cache = Some((pass, bs));
                }
                let Some((_, bs)) = &cache else { break };
                let (n, mut body) = bs[at].clone();
                if stamp {
                    body = stamp_body(&body);
                }
                let r = client
                    .post(&url)
                    .header("content-type", "application/x-ndjson")
                    .body(body)
                    .send()
                    .await;
                sent.fetch_add(n as u64, Ordering::Relaxed);
                match r {
                    Ok(r) if r.status().as_u16() == 202 => {
                        let v: serde_json::Value = r.json().await.unwrap_or_default();
                        accepted.fetch_add(v["accepted"].as_u64().unwrap_or(0), Ordering::Relaxed);
                        duplicates
                            .fetch_add(v["duplicates"].as_u64().unwrap_or(0), Ordering::Relaxed);
                        let rej = v["rejected"].as_array().map_or(0, Vec::len) as u64;
                        rejected.fetch_add(rej, Ordering::Relaxed);
                    }
                    Ok(r) => {
                        eprintln!(
                            "replay: HTTP {}: {}",
                            r.status(),
                            r.text().await.unwrap_or_default()
                        );
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        eprintln!("replay: {e}");
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = t0.elapsed().as_secs_f64();
    let sent = sent.load(Ordering::Relaxed);
    Ok(Summary {
        sent,
        accepted: accepted.load(Ordering::Relaxed),
        duplicates: duplicates.load(Ordering::Relaxed),
        rejected: rejected.load(Ordering::Relaxed),
        failed_requests: failed.load(Ordering::Relaxed),
        seconds: secs,
        comments_per_second: sent as f64 / secs,
        generator_cpu_seconds: cpu_seconds() - cpu0,
    })
}

/// The gRPC path: each connection opens one `Ingest` client stream and feeds it paced
/// messages; the server's summary comes when the stream closes.
async fn replay_grpc(
    args: ReplayArgs,
    url: String,
    comments: Vec<serde_json::Value>,
) -> Result<Summary> {
    use senti_server::grpc::pb;
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let pacer = Pacer::new(&args, comments.len(), t0);
    let batch = pacer.batch();
    let sent = Arc::new(AtomicU64::new(0));
    let room = args.room.clone();
    let stamp = args.stamp;
    let to_msg = move |chunk: &[serde_json::Value], pass: Option<u64>| pb::IngestRequest {
        room: room.clone(),
        comments: chunk
            .iter()
            .map(|c| {
                let id = c["id"].as_str().unwrap_or_default();
                pb::Comment {
                    id: match pass {
                        Some(p) => format!("{id}-{p}"),
                        None => id.to_string(),
                    },
                    text: c["text"].as_str().unwrap_or_default().to_string(),
                    ts_ms: if stamp {
                        wall_ms()
                    } else {
                        c["ts_ms"].as_i64().unwrap_or(0)
                    },
                }
            })
            .collect(),
    };
    let mut tasks = Vec::new();
    for _ in 0..args.connections.max(1) {
        let mut client = pb::rooms_client::RoomsClient::connect(url.clone())
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let (tx, rx) = tokio::sync::mpsc::channel::<pb::IngestRequest>(4);
        let call = tokio::spawn(async move {
            client
                .ingest(tokio_stream::wrappers::ReceiverStream::new(rx))
                .await
        });
        let msgs: Vec<Vec<serde_json::Value>> = comments
            .chunks(batch)
            .map(<[serde_json::Value]>::to_vec)
            .collect();
        let (pacer, sent, unique) = (pacer.clone(), sent.clone(), args.unique_ids);
        let to_msg = to_msg.clone();
        tasks.push(tokio::spawn(async move {
            while let Some((at, pass)) = pacer.next().await {
                let chunk = &msgs[at];
                if tx
                    .send(to_msg(chunk, unique.then_some(pass)))
                    .await
                    .is_err()
                {
                    break;
                }
                sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
            drop(tx);
            call.await
        }));
    }
    let (mut accepted, mut duplicates, mut rejected, mut failed) = (0, 0, 0, 0);
    for t in tasks {
        match t.await? {
            Ok(Ok(r)) => {
                let r = r.into_inner();
                accepted += r.accepted;
                duplicates += r.duplicates;
                rejected += r.rejected.len() as u64;
            }
            Ok(Err(status)) => {
                eprintln!("replay: {status}");
                failed += 1;
            }
            Err(e) => {
                eprintln!("replay: {e}");
                failed += 1;
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let sent = sent.load(Ordering::Relaxed);
    Ok(Summary {
        sent,
        accepted,
        duplicates,
        rejected,
        failed_requests: failed,
        seconds: secs,
        comments_per_second: sent as f64 / secs,
        generator_cpu_seconds: cpu_seconds() - cpu0,
    })
}
