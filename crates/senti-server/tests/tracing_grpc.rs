//! `--otlp-protocol grpc`: spans reach an in-process OTLP/gRPC collector (tonic, the
//! `TraceService` of opentelemetry-proto) with the caller's trace and the request's stages.
//! Its own test binary: the tracing subscriber and tracer provider are process-global.

mod common;

use std::sync::{Arc, Mutex};

use common::TestServer;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use senti_server::config::LogFormat;
use senti_server::telemetry::{OtlpProtocol, Telemetry};
use tokio_stream::wrappers::TcpListenerStream;

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Span>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        req: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut g = self.0.lock().unwrap();
        for rs in req.into_inner().resource_spans {
            for ss in rs.scope_spans {
                g.extend(ss.spans);
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn spans_reach_an_otlp_grpc_collector() {
    let col = Collector::default();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let svc = TraceServiceServer::new(col.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming(TcpListenerStream::new(l)),
    );
    // Built inside the runtime, as `senti serve` does: the channel's tasks live there.
    let tel = Arc::new(Telemetry::start(&url, OtlpProtocol::Grpc, 1.0).unwrap());
    senti_server::logging::init_with_writer(LogFormat::Json, "warn", Some(&tel), std::io::sink)
        .unwrap();

    let srv = TestServer::default().await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = common::client()
        .post(format!("{}/v1/sentiment", srv.url))
        .header("content-type", "application/json")
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .body(r#"{"text":"so good"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-trace-id"], trace);

    let t = tel.clone();
    tokio::task::spawn_blocking(move || t.flush())
        .await
        .unwrap()
        .unwrap();
    let spans = col.0.lock().unwrap();
    let ours: Vec<&Span> = spans.iter().filter(|s| hex(&s.trace_id) == trace).collect();
    let root = ours
        .iter()
        .find(|s| s.name == "POST /v1/sentiment")
        .expect("the request span over OTLP/gRPC");
    assert_eq!(hex(&root.parent_span_id), "00f067aa0ba902b7");
    for stage in ["decode", "validate", "route", "encode"] {
        assert!(
            ours.iter()
                .any(|s| s.name == stage && s.parent_span_id == root.span_id),
            "{stage} missing under the request"
        );
    }
}
