//! The hello-world ceiling for `bench/load/run.sh`: the same runtime (tokio, multi-thread) and
//! HTTP stack (axum/hyper, HTTP/1.1) as `senti serve`, parsing the same JSON body with serde,
//! and answering a fixed JSON object of the same shape and size as senti's response. No
//! middleware, no limits, no logging, no metrics: what is left is the cost of the stack itself.
//!
//! usage: senti-bench-hello [--addr 127.0.0.1:8090]

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use serde::Deserialize;

/// What senti answers for a typical English sentence (plain response, no `tokens`).
const RESPONSE: &str = r#"{"label":"positive","compound":0.8316,"pos":0.746,"neu":0.254,"neg":0.0,"lang":"en","backend":"vader"}"#;

#[derive(Deserialize)]
struct Request {
    text: String,
}

async fn analyze(body: Bytes) -> Response {
    match serde_json::from_slice::<Request>(&body) {
        Ok(req) => {
            std::hint::black_box(req.text);
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                RESPONSE,
            )
                .into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

fn parse_addr() -> Result<String, String> {
    let mut addr = "127.0.0.1:8090".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs a value")?,
            a if a.starts_with("--addr=") => addr = a["--addr=".len()..].to_string(),
            "-h" | "--help" => {
                println!("usage: senti-bench-hello [--addr HOST:PORT]   (default 127.0.0.1:8090)");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(addr)
}

fn main() {
    let addr = parse_addr().unwrap_or_else(|e| {
        eprintln!("senti-bench-hello: {e}");
        std::process::exit(2);
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let app = Router::new()
            .route("/analyze", post(analyze))
            .route("/v1/sentiment", post(analyze));
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .unwrap_or_else(|e| {
                eprintln!("senti-bench-hello: cannot bind {addr}: {e}");
                std::process::exit(1);
            });
        eprintln!("senti-bench-hello listening on {addr}");
        axum::serve(listener, app).await.expect("server");
    });
}
