//! The gRPC API over a real connection: unary, batch, bidirectional streaming in order,
//! client-streaming ingest into rooms, server-streaming room stats, health and reflection.

mod common;

use common::TestServer;
use senti_server::grpc::pb;
use senti_server::grpc::pb::rooms_client::RoomsClient;
use senti_server::grpc::pb::sentiment_client::SentimentClient;
use tokio_stream::StreamExt;

async fn server() -> (TestServer, String) {
    let srv = TestServer::default().await;
    let url = format!("http://{}", srv.grpc.expect("gRPC is on by default"));
    (srv, url)
}

fn score(r: &pb::ItemResult) -> &pb::Score {
    match &r.result {
        Some(pb::item_result::Result::Score(s)) => s,
        other => panic!("expected a score, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_batch_and_stream() {
    let (_srv, url) = server().await;
    let mut c = SentimentClient::connect(url).await.unwrap();
    let r = c
        .analyze(pb::AnalyzeRequest {
            text: "VADER is smart, handsome, and funny!".into(),
            explain: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let s = r.score.unwrap();
    assert_eq!(s.compound, 0.8439, "vaderSentiment's exact score");
    assert_eq!(s.label, "positive");
    assert_eq!(s.backend, "vader");
    assert!(!s.tokens.is_empty());

    let e = c
        .analyze(pb::AnalyzeRequest {
            text: "x".into(),
            lang: "fr".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(e.message().starts_with("unsupported_lang"));
    let e = c
        .analyze(pb::AnalyzeRequest {
            text: "x".into(),
            model: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::NotFound);

    let b = c
        .analyze_batch(pb::AnalyzeBatchRequest {
            items: vec![
                pb::Item {
                    id: "a".into(),
                    text: "great".into(),
                },
                pb::Item {
                    id: "b".into(),
                    text: "太差了".into(),
                },
                pb::Item {
                    id: "c".into(),
                    text: "x".repeat(20_000),
                },
            ],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(b.results.len(), 3);
    assert_eq!(b.results[0].id, "a");
    assert_eq!(score(&b.results[1]).lang, "zh");
    assert_eq!(score(&b.results[1]).label, "negative");
    match &b.results[2].result {
        Some(pb::item_result::Result::Error(e)) => assert_eq!(e.code, "text_too_long"),
        other => panic!("{other:?}"),
    }

    // Bidirectional: answers in order with the caller's ids.
    let items: Vec<pb::StreamItem> = (0..200)
        .map(|i| pb::StreamItem {
            id: format!("s{i}"),
            text: if i % 2 == 0 {
                "love it".into()
            } else {
                "hate it".into()
            },
            ..Default::default()
        })
        .collect();
    let mut out = c
        .analyze_stream(tokio_stream::iter(items))
        .await
        .unwrap()
        .into_inner();
    let mut n = 0;
    while let Some(r) = out.next().await {
        let r = r.unwrap();
        assert_eq!(r.id, format!("s{n}"));
        let want = if n % 2 == 0 { "positive" } else { "negative" };
        assert_eq!(score(&r).label, want);
        n += 1;
    }
    assert_eq!(n, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_and_watch_a_room() {
    let (srv, url) = server().await;
    let mut rooms = RoomsClient::connect(url.clone()).await.unwrap();
    let mut watch = rooms
        .watch_room(pb::WatchRoomRequest { room: "g1".into() })
        .await
        .unwrap()
        .into_inner();
    let first = watch.next().await.unwrap().unwrap();
    assert_eq!(first.total, 0, "an unknown room is empty, not an error");

    let msgs: Vec<pb::IngestRequest> = (0..5)
        .map(|m| pb::IngestRequest {
            room: "g1".into(),
            comments: (0..100)
                .map(|i| pb::Comment {
                    id: format!("{m}-{i}"),
                    text: if i % 4 == 0 {
                        "太烂了".into()
                    } else {
                        "nice play".into()
                    },
                    ts_ms: 0,
                })
                .collect(),
        })
        .chain([pb::IngestRequest {
            room: "bad room".into(),
            comments: vec![pb::Comment {
                id: "z".into(),
                text: "x".into(),
                ts_ms: 0,
            }],
        }])
        .collect();
    let r = rooms
        .ingest(tokio_stream::iter(msgs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.accepted, 500);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].error.as_ref().unwrap().code, "invalid_room");

    // The next stats message (within about a second) counts them all.
    let next = tokio::time::timeout(std::time::Duration::from_secs(3), watch.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(next.total, 500);
    assert_eq!(next.windows.len(), 3);
    assert_eq!(next.windows[1].negative, 125);
    let snap: serde_json::Value = reqwest::get(format!("{}/v1/rooms/g1", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snap["total"], 500, "the HTTP API sees the same room");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_reflection() {
    let (_srv, url) = server().await;
    let channel = tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let r = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "senti.v1.Sentiment".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let mut refl = ServerReflectionClient::new(channel.clone());
    let req = tonic_reflection::pb::v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut resp = refl
        .server_reflection_info(tokio_stream::iter([req]))
        .await
        .unwrap()
        .into_inner();
    let msg = resp.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = msg.message_response else {
        panic!("{msg:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"senti.v1.Sentiment".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"senti.v1.Rooms".to_string()), "{names:?}");
    assert!(
        names.contains(&"grpc.health.v1.Health".to_string()),
        "{names:?}"
    );

    // The same through v1alpha, which many clients still speak, and a file lookup.
    use tonic_reflection::pb::v1alpha as alpha;
    let mut refl = alpha::server_reflection_client::ServerReflectionClient::new(channel);
    let reqs = [
        alpha::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
            ),
        },
        alpha::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                alpha::server_reflection_request::MessageRequest::FileContainingSymbol(
                    "senti.v1.Sentiment".into(),
                ),
            ),
        },
    ];
    let mut resp = refl
        .server_reflection_info(tokio_stream::iter(reqs))
        .await
        .unwrap()
        .into_inner();
    let msg = resp.next().await.unwrap().unwrap();
    let Some(alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        msg.message_response
    else {
        panic!("{msg:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"senti.v1.Sentiment".to_string()),
        "{names:?}"
    );
    let msg = resp.next().await.unwrap().unwrap();
    let Some(alpha::server_reflection_response::MessageResponse::FileDescriptorResponse(f)) =
        msg.message_response
    else {
        panic!("{msg:?}");
    };
    assert!(!f.file_descriptor_proto.is_empty());
}

/// Python's standard reflection client (grpcio-reflection speaks v1alpha) over a real
/// connection: `scripts/grpc/reflection_check.py` in `.venv-grpc` (`.ci/run` makes it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_reflection_client() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv-grpc/bin/python");
    if !python.exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(".venv-grpc is needed under CI=true (.ci/run makes it)");
        }
        eprintln!(
            "SKIPPED: .venv-grpc missing (python3 -m venv .venv-grpc && \
             .venv-grpc/bin/pip install -r scripts/grpc/requirements.txt)"
        );
        return;
    }
    let (srv, _) = server().await;
    let addr = srv.grpc.expect("gRPC is on by default").to_string();
    let out = tokio::process::Command::new(python)
        .arg(root.join("scripts/grpc/reflection_check.py"))
        .arg(&addr)
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("'AnalyzeStream'"), "{text}");
}
