//! The OpenAPI document against the server over real HTTP: it states the running server's
//! limits, every reference resolves, every error response is the one error body, the content
//! types the server answers are the documented ones, and the rules it states are enforced.
//! (`scripts/openapi/schemathesis.sh` fuzzes the same document; these pin the parts by hand.)

mod common;

use std::collections::BTreeSet;

use common::*;
use senti_server::Config;
use serde_json::{Value, json};

async fn doc(s: &TestServer) -> Value {
    let r = client()
        .get(format!("{}/openapi.json", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn status_code_of(r: reqwest::Response) -> (u16, String, Value) {
    let st = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let v = r.json().await.unwrap_or(Value::Null);
    let code = v["error"]["code"].as_str().unwrap_or("").to_string();
    (st, code, json!(ct))
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_states_this_servers_limits_and_the_server_keeps_them() {
    let s = TestServer::start(Config {
        max_text_chars: 50,
        max_batch_items: 3,
        ..Config::default()
    })
    .await;
    let d = doc(&s).await;
    let schemas = &d["components"]["schemas"];
    assert_eq!(
        schemas["SentimentRequest"]["properties"]["text"]["maxLength"],
        50
    );
    assert_eq!(
        schemas["SegmentRequest"]["properties"]["text"]["maxLength"],
        50
    );
    assert_eq!(
        schemas["BatchRequest"]["properties"]["items"]["maxItems"],
        3
    );

    let at = |p: &str| format!("{}{p}", s.url);
    let text = |n: usize| json!({"text": "a".repeat(n)}).to_string();
    for route in ["/v1/sentiment", "/analyze", "/v1/segment"] {
        assert_eq!(
            post_json(&at(route), &text(50)).await.status(),
            200,
            "{route}"
        );
        let (st, code, _) = status_code_of(post_json(&at(route), &text(51)).await).await;
        assert_eq!((st, code.as_str()), (400, "text_too_long"), "{route}");
    }
    let items = |n: usize| json!({"items": vec![json!({"text": "good"}); n]}).to_string();
    assert_eq!(
        post_json(&at("/v1/sentiment/batch"), &items(3))
            .await
            .status(),
        200
    );
    let (st, code, _) =
        status_code_of(post_json(&at("/v1/sentiment/batch"), &items(4)).await).await;
    assert_eq!((st, code.as_str()), (400, "batch_too_large"));
}

#[tokio::test]
async fn every_route_is_documented_once_and_every_reference_resolves() {
    let admin = TestServer::start(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let d = doc(&admin).await;
    let paths: BTreeSet<&str> = d["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let want: BTreeSet<&str> = [
        "/v1/sentiment",
        "/v1/sentiment/batch",
        "/analyze",
        "/v1/segment",
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/info",
        "/openapi.json",
        "/v1/models",
        "/admin/models/{name}/reload",
        "/v1/rooms",
        "/v1/rooms/{room}",
        "/v1/rooms/{room}/comments",
        "/v1/rooms/{room}/events",
        "/",
        "/rooms/{room}",
        "/assets/{file}",
        "/debug/pprof/profile",
    ]
    .into();
    assert_eq!(paths, want);
    // Without a token the admin routes do not exist, in the server as in its document.
    let s = TestServer::default().await;
    let plain = doc(&s).await;
    let admin_only = ["/admin/models/{name}/reload", "/debug/pprof/profile"];
    for p in admin_only {
        assert!(plain["paths"].get(p).is_none(), "{p}");
    }
    assert_eq!(
        plain["paths"].as_object().unwrap().len(),
        want.len() - admin_only.len()
    );

    let mut ids = BTreeSet::new();
    for (path, item) in d["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(
                ids.insert(id.to_string()),
                "{method} {path}: operationId {id} twice"
            );
        }
    }
    let mut all = Vec::new();
    refs(&d, &mut all);
    assert!(all.len() > 40, "{all:?}");
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(
            d["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
    assert_eq!(
        d["components"]["securitySchemes"]["admin_token"]["scheme"],
        "bearer"
    );
}

/// Every documented 4xx and 5xx is `ErrorBody` as JSON (readiness's 503 is its status body).
#[tokio::test]
async fn every_error_response_is_the_error_body() {
    let s = TestServer::start(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let d = doc(&s).await;
    let mut n = 0;
    for (path, item) in d["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                if !(status.starts_with('4') || status.starts_with('5')) || path == "/readyz" {
                    continue;
                }
                let content = resp["content"].as_object().unwrap();
                assert_eq!(content.len(), 1, "{method} {path} {status}");
                assert_eq!(
                    content["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
                n += 1;
            }
        }
    }
    assert!(n >= 40, "{n}");
}

/// The Content-Type of each answer is one the document lists for that route and status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_have_the_documented_content_types() {
    let s = TestServer::default().await;
    let d = doc(&s).await;
    let cases = [
        ("/healthz", "/healthz", 200),
        ("/readyz", "/readyz", 200),
        ("/metrics", "/metrics", 200),
        ("/v1/info", "/v1/info", 200),
        ("/openapi.json", "/openapi.json", 200),
        ("/v1/models", "/v1/models", 200),
        ("/v1/rooms", "/v1/rooms", 200),
        ("/v1/rooms/r1", "/v1/rooms/{room}", 200),
        ("/v1/rooms/r%201", "/v1/rooms/{room}", 400),
        ("/v1/rooms/r1/events", "/v1/rooms/{room}/events", 200),
        (
            "/v1/rooms/r1/events?comments=x",
            "/v1/rooms/{room}/events",
            400,
        ),
        ("/", "/", 200),
        ("/rooms/r1", "/rooms/{room}", 200),
        ("/assets/dashboard.js", "/assets/{file}", 200),
        ("/assets/dashboard.css", "/assets/{file}", 200),
        ("/assets/nope.js", "/assets/{file}", 404),
    ];
    for (url, template, status) in cases {
        let r = client()
            .get(format!("{}{url}", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{url}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        let essence = ct.split(';').next().unwrap().trim();
        let content = &d["paths"][template]["get"]["responses"][status.to_string()]["content"];
        assert!(
            content.get(essence).is_some(),
            "{url}: {ct} is not among {content}"
        );
    }
}

/// Refusals of paths and queries that do not decode are the API's JSON, not axum's text.
#[tokio::test]
async fn undecodable_paths_and_queries_are_json_refusals() {
    let s = TestServer::default().await;
    for url in [
        "/v1/rooms/%FF",
        "/v1/rooms/%FF/events",
        "/v1/rooms/r1/events?comments=all&comments=none",
        "/rooms/%FF",
        "/assets/%FF",
    ] {
        let r = client()
            .get(format!("{}{url}", s.url))
            .send()
            .await
            .unwrap();
        let (st, code, ct) = status_code_of(r).await;
        assert_eq!((st, code.as_str()), (400, "invalid_request"), "{url}");
        assert_eq!(ct, "application/json", "{url}");
    }
    let r = client()
        .post(format!("{}/v1/rooms/%FF/comments", s.url))
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    let (st, code, _) = status_code_of(r).await;
    assert_eq!((st, code.as_str()), (400, "invalid_request"));
}

/// The string rules the document states as patterns and enums, at their edges.
#[tokio::test]
async fn string_rules_are_the_documented_ones() {
    let s = TestServer::default().await;
    let d = doc(&s).await;
    let schemas = &d["components"]["schemas"];
    assert!(
        schemas["LangTag"]["pattern"]
            .as_str()
            .unwrap()
            .starts_with('^')
    );
    assert_eq!(
        schemas["SegmentMode"]["enum"],
        json!(["hmm", "no-hmm", "all", "search"])
    );
    assert_eq!(
        schemas["CommentsMode"]["enum"],
        json!(["none", "sampled", "all"])
    );
    assert_eq!(schemas["RoomId"]["pattern"], "^[A-Za-z0-9_-]{1,64}$");

    let url = format!("{}/v1/sentiment", s.url);
    let with = |k: &str, v: &str| json!({"text": "good", k: v}).to_string();
    for ok in [
        "auto", "AUTO", "Mixed", "en", "EN", "en-US", "zh_Hans", "zh-",
    ] {
        assert_eq!(
            post_json(&url, &with("lang", ok)).await.status(),
            200,
            "{ok}"
        );
    }
    for bad in ["", "fr", "auto-x", "english", "enx", " en", "en\n"] {
        let (st, code, _) = status_code_of(post_json(&url, &with("lang", bad)).await).await;
        assert_eq!((st, code.as_str()), (400, "unsupported_lang"), "{bad:?}");
    }
    for ok in ["general", "CHAT", "Chat"] {
        assert_eq!(
            post_json(&url, &with("domain", ok)).await.status(),
            200,
            "{ok}"
        );
    }
    for bad in ["", "news", "chat "] {
        let (st, code, _) = status_code_of(post_json(&url, &with("domain", bad)).await).await;
        assert_eq!((st, code.as_str()), (400, "invalid_domain"), "{bad:?}");
    }
    let seg = format!("{}/v1/segment", s.url);
    for ok in ["hmm", "no-hmm", "all", "search"] {
        assert_eq!(
            post_json(&seg, &with("mode", ok)).await.status(),
            200,
            "{ok}"
        );
    }
    for bad in ["", "HMM", "cut"] {
        let (st, code, _) = status_code_of(post_json(&seg, &with("mode", bad)).await).await;
        assert_eq!((st, code.as_str()), (400, "invalid_mode"), "{bad:?}");
    }
    let r = client()
        .get(format!("{}/v1/rooms/r1/events?comments=", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (st, code, _) = status_code_of(
        client()
            .get(format!("{}/v1/rooms/{}", s.url, "a".repeat(65)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code.as_str()), (400, "invalid_room"));
}

/// An item that is not `{"id"?: any, "text": string}` refuses the whole batch with 400,
/// naming the item: nothing of it is scored.
#[tokio::test]
async fn batch_items_of_the_wrong_shape_refuse_the_request() {
    let s = TestServer::default().await;
    let url = format!("{}/v1/sentiment/batch", s.url);
    for (items, code, message) in [
        (
            r#"[{"text": "good"}, {"id": "b"}]"#,
            "missing_text",
            "item 1: missing field `text`",
        ),
        (
            r#"[{"id": 1, "text": 5}]"#,
            "invalid_request",
            "item 0: invalid type: integer `5`, expected a string",
        ),
        (
            r#"[{"text": "good"}, 7]"#,
            "invalid_request",
            "item 1: expected an object",
        ),
        (
            r#"[["x", "good"]]"#,
            "invalid_request",
            "item 0: expected an object",
        ),
        (r#"[null]"#, "invalid_request", "item 0: expected an object"),
    ] {
        let r = post_json(&url, &format!(r#"{{"items": {items}}}"#)).await;
        let st = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (400, Some(code)),
            "{items}: {v}"
        );
        let got = v["error"]["message"].as_str().unwrap();
        assert!(got.starts_with(message), "{items}: {got}");
    }
    let m = s.metrics().await;
    assert_eq!(
        sample(&m, r#"senti_texts_total{lang="en",backend="vader"}"#),
        0.0
    );
}

/// Resolves a `$ref` (or returns the schema itself).
fn resolve<'a>(d: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => resolve(
            d,
            &d["components"]["schemas"][r.rsplit('/').next().unwrap()],
        ),
        None => s,
    }
}

/// Whether `v` fits `schema` as an answer must: JSON types, enums, required members, and no
/// member the schema does not name (so a field added to an answer but not to the document
/// fails), through `$ref`, `oneOf` and `allOf`, items and `additionalProperties`.
fn fits(d: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let s = resolve(d, schema);
    if let Some(alts) = s["oneOf"].as_array().or(s["anyOf"].as_array()) {
        let errs: Vec<String> = alts
            .iter()
            .filter_map(|a| fits(d, a, v, at).err())
            .collect();
        return if errs.len() < alts.len() {
            Ok(())
        } else {
            Err(errs.join(" | "))
        };
    }
    if let Some(parts) = s["allOf"].as_array() {
        let mut merged = json!({"type": "object", "properties": {}, "required": []});
        for p in parts {
            let p = resolve(d, p);
            for (k, x) in p["properties"].as_object().into_iter().flatten() {
                merged["properties"][k] = x.clone();
            }
            for r in p["required"].as_array().into_iter().flatten() {
                merged["required"].as_array_mut().unwrap().push(r.clone());
            }
        }
        return fits(d, &merged, v, at);
    }
    if let Some(e) = s["enum"].as_array()
        && !e.contains(v)
    {
        return Err(format!("{at}: {v} not in {s}"));
    }
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let ok = types.iter().any(|t| match *t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    });
    if !ok {
        return Err(format!("{at}: {v} is not {types:?}"));
    }
    if let Some(items) = v.as_array() {
        for (i, x) in items.iter().enumerate() {
            fits(d, &s["items"], x, &format!("{at}[{i}]"))?;
        }
    }
    if let Some(obj) = v.as_object() {
        for r in s["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap();
            if !obj.contains_key(r) {
                return Err(format!("{at}: no {r}"));
            }
        }
        for (k, x) in obj {
            match s["properties"].get(k) {
                Some(p) => fits(d, p, x, &format!("{at}.{k}"))?,
                None if s["additionalProperties"].is_object() => {
                    fits(d, &s["additionalProperties"], x, &format!("{at}.{k}"))?
                }
                None if s["properties"].is_object() => {
                    return Err(format!("{at}: {k} is not in the document"));
                }
                None => {}
            }
        }
    }
    Ok(())
}

/// Real answers of every JSON route fit their documented schemas member for member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_fit_their_schemas_member_for_member() {
    let s = TestServer::start(Config {
        max_text_chars: 40,
        ..Config::default()
    })
    .await;
    let d = doc(&s).await;
    let long = "x".repeat(41);
    let comments = json!([
        {"id": "a", "text": "this is great", "ts_ms": 5},
        {"id": "b", "text": "太差了"},
        {"id": "", "text": "no id"},
    ])
    .to_string();
    let posts = [
        ("/v1/sentiment", "/v1/sentiment", r#"{"text": "not bad 😁", "explain": true}"#.to_string(), 200),
        ("/analyze", "/analyze", r#"{"text": "好极了"}"#.to_string(), 200),
        ("/v1/sentiment", "/v1/sentiment", r#"{"text": 5}"#.to_string(), 400),
        (
            "/v1/sentiment/batch",
            "/v1/sentiment/batch",
            json!({"items": [{"id": 1, "text": "good"}, {"id": [2], "text": long}, {"text": "bad"}]}).to_string(),
            200,
        ),
        ("/v1/segment", "/v1/segment", r#"{"text": "我来到北京清华大学"}"#.to_string(), 200),
        ("/v1/segment", "/v1/segment", r#"{"text": "我来到北京", "offsets": true}"#.to_string(), 200),
        ("/v1/rooms/r1/comments", "/v1/rooms/{room}/comments", comments, 202),
    ];
    for (url, template, body, status) in posts {
        let r = post_json(&format!("{}{url}", s.url), &body).await;
        assert_eq!(r.status().as_u16(), status, "{url} {body}");
        let v: Value = r.json().await.unwrap();
        let schema = &d["paths"][template]["post"]["responses"][status.to_string()]["content"]["application/json"]
            ["schema"];
        fits(&d, schema, &v, url).unwrap_or_else(|e| panic!("{e}\n{v}"));
    }
    let gets = [
        ("/v1/rooms/r1", "/v1/rooms/{room}"),
        ("/v1/rooms/nobody", "/v1/rooms/{room}"),
        ("/v1/rooms", "/v1/rooms"),
        ("/v1/info", "/v1/info"),
        ("/v1/models", "/v1/models"),
        ("/healthz", "/healthz"),
        ("/readyz", "/readyz"),
    ];
    for (url, template) in gets {
        let v: Value = reqwest::get(format!("{}{url}", s.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let schema = &d["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        fits(&d, schema, &v, url).unwrap_or_else(|e| panic!("{e}\n{v}"));
    }
    // The checker itself refuses a member the document does not name.
    let snap = &d["paths"]["/v1/rooms/{room}"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    let mut v: Value = reqwest::get(format!("{}/v1/rooms/r1", s.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["extra"] = json!(1);
    assert!(fits(&d, snap, &v, "snapshot").is_err());
}

/// `/v1/segment` tokens are strings, or `{word, start, end}` with `offsets`, as documented.
#[tokio::test]
async fn segment_tokens_are_the_documented_shapes() {
    let s = TestServer::default().await;
    let d = doc(&s).await;
    assert_eq!(
        d["components"]["schemas"]["SegmentToken"]["oneOf"],
        json!([{"type": "string"}, {"$ref": "#/components/schemas/WordOffsets"}])
    );
    let url = format!("{}/v1/segment", s.url);
    let v: Value = post_json(&url, r#"{"text": "我来到北京清华大学"}"#)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        v["tokens"].as_array().unwrap().iter().all(Value::is_string),
        "{v}"
    );
    let v: Value = post_json(&url, r#"{"text": "我来到北京", "offsets": true}"#)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["tokens"][0], json!({"word": "我", "start": 0, "end": 1}));
}

/// A method a route does not list: 405, the JSON error body, and `Allow`.
#[tokio::test]
async fn other_methods_are_405_with_allow() {
    let s = TestServer::default().await;
    let r = client()
        .delete(format!("{}/v1/sentiment", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "POST");
    let (st, code, ct) = status_code_of(r).await;
    assert_eq!(
        (st, code.as_str(), ct),
        (405, "method_not_allowed", json!("application/json"))
    );
    let r = client()
        .post(format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers()["allow"].to_str().unwrap().contains("GET"));
}
