//! OpenTelemetry traces end to end: a real server exports over OTLP/HTTP (protobuf) to an
//! in-process collector that decodes what arrives; the test checks the spans of each stage,
//! their parentage and attributes, the caller's `traceparent` (sampled and not), the
//! `x-trace-id` response header on HTTP and gRPC, and the trace id in the JSON log lines.
//!
//! One test function: the tracing subscriber and the tracer provider are process-global.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::TestServer;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use senti_server::Config;
use senti_server::config::LogFormat;
use senti_server::grpc::pb;
use senti_server::telemetry::{OtlpProtocol, Telemetry};

/// What the collector received: every span with its resource's `service.name`, and each
/// export's path and content type.
#[derive(Default)]
struct Received {
    spans: Vec<(String, Span)>,
    posts: Vec<(String, String)>,
}

async fn collector() -> (String, Arc<Mutex<Received>>) {
    let got = Arc::new(Mutex::new(Received::default()));
    let sink = got.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let ct = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let req = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
                let mut g = sink.lock().unwrap();
                g.posts.push((uri.path().to_string(), ct));
                for rs in req.resource_spans {
                    let service = rs
                        .resource
                        .iter()
                        .flat_map(|r| &r.attributes)
                        .find(|kv| kv.key == "service.name")
                        .and_then(|kv| kv.value.as_ref())
                        .and_then(|v| v.value.as_ref())
                        .map(render)
                        .unwrap_or_default();
                    for ss in rs.scope_spans {
                        for s in ss.spans {
                            g.spans.push((service.clone(), s));
                        }
                    }
                }
                (
                    [("content-type", "application/x-protobuf")],
                    ExportTraceServiceResponse::default().encode_to_vec(),
                )
            }
        },
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, got)
}

fn render(v: &Av) -> String {
    match v {
        Av::StringValue(s) => s.clone(),
        Av::IntValue(i) => i.to_string(),
        Av::BoolValue(b) => b.to_string(),
        Av::DoubleValue(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn attr(s: &Span, key: &str) -> Option<String> {
    s.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
        .map(render)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The log writer: JSON lines into memory.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn lines(&self) -> Vec<serde_json::Value> {
        let b = self.0.lock().unwrap();
        String::from_utf8_lossy(&b)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

/// The spans of one trace, by span id.
fn trace(got: &Received, trace_id: &str) -> HashMap<String, Span> {
    got.spans
        .iter()
        .filter(|(_, s)| hex(&s.trace_id) == trace_id)
        .map(|(_, s)| (hex(&s.span_id), s.clone()))
        .collect()
}

fn named<'a>(t: &'a HashMap<String, Span>, name: &str) -> Vec<&'a Span> {
    t.values().filter(|s| s.name == name).collect()
}

fn one<'a>(t: &'a HashMap<String, Span>, name: &str) -> &'a Span {
    let v = named(t, name);
    assert_eq!(
        v.len(),
        1,
        "one {name:?} span expected, trace has {:?}",
        t.values().map(|s| &s.name).collect::<Vec<_>>()
    );
    v[0]
}

/// Whether `anc` is `s`'s parent, grandparent, ...
fn descends(t: &HashMap<String, Span>, s: &Span, anc: &Span) -> bool {
    let mut p = hex(&s.parent_span_id);
    while let Some(x) = t.get(&p) {
        if x.span_id == anc.span_id {
            return true;
        }
        p = hex(&x.parent_span_id);
    }
    false
}

fn tp(trace: &str, sampled: bool) -> String {
    format!(
        "00-{trace}-00f067aa0ba902b7-{}",
        if sampled { "01" } else { "00" }
    )
}

const PARENT: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn spans_reach_an_otlp_collector_with_parentage_attributes_and_trace_ids() {
    let (url, got) = collector().await;
    let tel = Arc::new(Telemetry::start(&url, OtlpProtocol::Http, 1.0).unwrap());
    let logs = Logs::default();
    let w = logs.clone();
    senti_server::logging::init_with_writer(LogFormat::Json, "info", Some(&tel), move || w.clone())
        .unwrap();

    let model_dir = tempfile::tempdir().unwrap();
    let ort = senti_model::testing::ort_available();
    if ort {
        senti_model::testing::install_fixture(model_dir.path(), "en", 1, "tiny-en");
    }
    let srv = TestServer::start(Config {
        access_log_sample: 1.0,
        model_repo: ort.then(|| model_dir.path().to_path_buf()),
        model_poll_ms: 0,
        model_settle_ms: 0,
        ..Config::default()
    })
    .await;
    let c = common::client();
    let post = |path: &str, body: &str, traceparent: Option<String>| {
        let mut r = c
            .post(format!("{}{path}", srv.url))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = traceparent {
            r = r.header("traceparent", t);
        }
        r.send()
    };
    let trace_header = |r: &reqwest::Response| {
        r.headers()
            .get("x-trace-id")
            .map(|v| v.to_str().unwrap().to_string())
    };

    // A sampled caller: its trace continues here.
    let t1 = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = post(
        "/v1/sentiment",
        r#"{"text":"I love this"}"#,
        Some(tp(t1, true)),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(trace_header(&r).as_deref(), Some(t1));
    let rid1 = r.headers()["x-request-id"].to_str().unwrap().to_string();

    // A batch, under its own trace.
    let t2 = "5bf92f3577b34da6a3ce929d0e0e4737";
    let r = post(
        "/v1/sentiment/batch",
        r#"{"items":[{"text":"good"},{"text":"很好"}]}"#,
        Some(tp(t2, true)),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(trace_header(&r).as_deref(), Some(t2));

    // No traceparent: a new trace, whose id comes back.
    let r = post("/v1/sentiment", r#"{"text":"fine"}"#, None)
        .await
        .unwrap();
    let t3 = trace_header(&r).expect("a new trace's id");
    assert!(t3.len() == 32 && t3.bytes().all(|b| b.is_ascii_hexdigit()) && t3 != t1);

    // An unsampled caller: the id comes back, nothing is exported.
    let t4 = "6bf92f3577b34da6a3ce929d0e0e4738";
    let r = post("/v1/sentiment", r#"{"text":"meh"}"#, Some(tp(t4, false)))
        .await
        .unwrap();
    assert_eq!(trace_header(&r).as_deref(), Some(t4));

    // A refused request is traced too, with its error status.
    let t5 = "7bf92f3577b34da6a3ce929d0e0e4739";
    let r = post(
        "/v1/sentiment",
        r#"{"text":"x","lang":"fr"}"#,
        Some(tp(t5, true)),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(trace_header(&r).as_deref(), Some(t5));

    // Room ingest.
    let t6 = "8bf92f3577b34da6a3ce929d0e0e473a";
    let r = post(
        "/v1/rooms/trace-room/comments",
        r#"[{"id":"a","text":"great stream"},{"id":"b","text":"666"}]"#,
        Some(tp(t6, true)),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 202);

    // gRPC: traceparent in the metadata, x-trace-id back in the response metadata.
    let t7 = "9bf92f3577b34da6a3ce929d0e0e473b";
    let grpc = format!("http://{}", srv.grpc.unwrap());
    let mut g = pb::sentiment_client::SentimentClient::connect(grpc)
        .await
        .unwrap();
    let mut req = tonic::Request::new(pb::AnalyzeRequest {
        text: "what a great day".into(),
        ..Default::default()
    });
    req.metadata_mut()
        .insert("traceparent", tp(t7, true).parse().unwrap());
    let resp = g.analyze(req).await.unwrap();
    assert_eq!(
        resp.metadata().get("x-trace-id").unwrap().to_str().unwrap(),
        t7
    );

    // A model: its tokenize, queue and inference stages.
    let t8 = "abf92f3577b34da6a3ce929d0e0e473c";
    if ort {
        let r = post(
            "/v1/sentiment",
            r#"{"text":"a fine film","model":"en"}"#,
            Some(tp(t8, true)),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    // Flush before asserting: the batch processor exports on its own schedule.
    let t = tel.clone();
    tokio::task::spawn_blocking(move || t.flush())
        .await
        .unwrap()
        .unwrap();
    let got = got.lock().unwrap();

    assert!(!got.posts.is_empty());
    for (path, ct) in &got.posts {
        assert_eq!(path, "/v1/traces");
        assert_eq!(ct, "application/x-protobuf");
    }
    assert!(got.spans.iter().all(|(svc, _)| svc == "senti"));

    // 1: the server span is a child of the caller's span; every stage is its child.
    let tr = trace(&got, t1);
    let root = one(&tr, "POST /v1/sentiment");
    assert_eq!(hex(&root.parent_span_id), PARENT);
    assert_eq!(root.kind, 2, "SPAN_KIND_SERVER");
    assert_eq!(attr(root, "http.route").as_deref(), Some("/v1/sentiment"));
    assert_eq!(attr(root, "http.request.method").as_deref(), Some("POST"));
    assert_eq!(
        attr(root, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(attr(root, "request_id").as_deref(), Some(rid1.as_str()));
    for stage in ["decode", "validate", "route", "encode"] {
        let s = one(&tr, stage);
        assert_eq!(s.parent_span_id, root.span_id, "{stage} under the request");
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
        assert!(s.start_time_unix_nano >= root.start_time_unix_nano);
        assert!(s.end_time_unix_nano <= root.end_time_unix_nano);
    }
    let route = one(&tr, "route");
    assert_eq!(attr(route, "senti.target").as_deref(), Some("lexicon"));
    assert_eq!(attr(route, "senti.backend").as_deref(), Some("vader"));
    assert_eq!(attr(route, "senti.lang").as_deref(), Some("en"));
    // Stages run in order.
    let at = |n| one(&tr, n).start_time_unix_nano;
    assert!(at("decode") <= at("validate") && at("validate") <= at("route"));
    assert!(at("route") <= at("encode"));

    // 2: the batch.
    let tr = trace(&got, t2);
    let root = one(&tr, "POST /v1/sentiment/batch");
    let route = one(&tr, "route");
    assert_eq!(route.parent_span_id, root.span_id);
    assert_eq!(attr(route, "senti.texts").as_deref(), Some("2"));

    // 3: a root trace of our own.
    let tr = trace(&got, &t3);
    let root = one(&tr, "POST /v1/sentiment");
    assert!(root.parent_span_id.is_empty(), "a new trace starts here");

    // 4: the caller said not sampled.
    assert!(
        trace(&got, t4).is_empty(),
        "an unsampled trace was exported"
    );

    // 5: a 400 is exported with its status; nothing was scored.
    let tr = trace(&got, t5);
    let root = one(&tr, "POST /v1/sentiment");
    assert_eq!(
        attr(root, "http.response.status_code").as_deref(),
        Some("400")
    );
    assert!(named(&tr, "route").is_empty());

    // 6: room ingest under the request.
    let tr = trace(&got, t6);
    let root = one(&tr, "POST /v1/rooms/{room}/comments");
    let ingest = one(&tr, "room.ingest");
    assert_eq!(ingest.parent_span_id, root.span_id);
    assert_eq!(attr(ingest, "senti.room").as_deref(), Some("trace-room"));
    assert_eq!(attr(ingest, "senti.comments").as_deref(), Some("2"));
    assert_eq!(attr(ingest, "senti.accepted").as_deref(), Some("2"));

    // 7: gRPC.
    let tr = trace(&got, t7);
    let root = one(&tr, "senti.v1.Sentiment/Analyze");
    assert_eq!(hex(&root.parent_span_id), PARENT);
    assert_eq!(root.kind, 2);
    assert_eq!(attr(root, "rpc.system").as_deref(), Some("grpc"));
    assert_eq!(attr(root, "rpc.method").as_deref(), Some("Analyze"));
    assert_eq!(attr(root, "rpc.grpc.status_code").as_deref(), Some("0"));
    assert!(descends(&tr, one(&tr, "route"), root));

    // 8: the model's stages hang under the request, through route (and the cache layer).
    if ort {
        let tr = trace(&got, t8);
        let root = one(&tr, "POST /v1/sentiment");
        let route = one(&tr, "route");
        assert_eq!(attr(route, "senti.target").as_deref(), Some("en@1"));
        assert_eq!(attr(route, "senti.backend").as_deref(), Some("onnx"));
        for stage in ["tokenize", "queue", "inference"] {
            let s = one(&tr, stage);
            assert!(descends(&tr, s, route), "{stage} under route");
            assert!(descends(&tr, s, root));
            assert_eq!(attr(s, "senti.model").as_deref(), Some("en@1"));
        }
        assert_eq!(
            attr(one(&tr, "inference"), "senti.batch_size").as_deref(),
            Some("1")
        );
        let (tok, q, inf) = (
            one(&tr, "tokenize"),
            one(&tr, "queue"),
            one(&tr, "inference"),
        );
        assert!(tok.end_time_unix_nano <= q.start_time_unix_nano + 1_000_000);
        assert!(q.end_time_unix_nano <= inf.start_time_unix_nano + 1_000_000);
    }

    // The trace id is in the request's log lines (the access line carries it as a field).
    let lines = logs.lines();
    let access: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] == "senti::access")
        .collect();
    let of = |rid: &str| {
        access
            .iter()
            .find(|l| l["fields"]["request_id"] == rid)
            .copied()
    };
    let l1 = of(&rid1).expect("the access line of the first request");
    assert_eq!(l1["fields"]["trace_id"], t1);
    for t in [t1, t2, &t3, t4, t5, t6] {
        assert!(
            access.iter().any(|l| l["fields"]["trace_id"] == t),
            "no access line with trace id {t}"
        );
    }
}
