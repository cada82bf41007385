//! What the OpenAPI document states beyond the derives: the string rules the server checks
//! (`lang`, `domain`, `mode`, `model`, room ids), schemas of answers built by other crates, and
//! the running configuration's limits, so `GET /openapi.json` is exact for this server (not
//! only for the defaults).
//!
//! Patterns are ECMA-262 and anchored; each says exactly which strings the server takes, so a
//! generated client never sends a value the server refuses and every value the pattern refuses
//! gets a 4xx. Rules that depend on the configuration are filled in per server by
//! [`document`] (`maxLength`, `maxItems`), and named with their default in the descriptions.

use std::borrow::Cow;

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use crate::config::Config;

/// A named string schema: a pattern or an enum, and a description.
fn string_schema(pattern: Option<&str>, values: Option<&[&str]>, description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(pattern)
        .enum_values(values.map(|v| v.iter().copied()))
        .description(Some(description))
        .into()
}

macro_rules! named_schema {
    ($(#[$doc:meta])* $ty:ident = $name:literal, $schema:expr) => {
        $(#[$doc])*
        pub struct $ty;

        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                RefOr::T($schema)
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                $name.into()
            }
        }
    };
}

/// `Engine::parse_lang`: "auto" or "mixed" in any ASCII case, or a tag whose primary subtag
/// (before the first `-` or `_`) is "en" or "zh" in any ASCII case.
pub const LANG_PATTERN: &str =
    "^(?:[Aa][Uu][Tt][Oo]|[Mm][Ii][Xx][Ee][Dd]|(?:[Ee][Nn]|[Zz][Hh])(?:[-_][\\s\\S]*)?)$";
/// `Domain::parse`: "general" or "chat" in any ASCII case.
pub const DOMAIN_PATTERN: &str = "^(?:[Gg][Ee][Nn][Ee][Rr][Aa][Ll]|[Cc][Hh][Aa][Tt])$";
/// `ModelSpec::parse`: a name of 1 to 128 of `A-Z a-z 0-9 _ . -` not starting with `.`,
/// optionally `@` and a version number.
pub const MODEL_PATTERN: &str = "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}(?:@\\+?[0-9]+)?$";
/// `senti_rooms::valid_room_id`.
pub const ROOM_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";

named_schema!(
    /// `lang` of the scoring routes.
    LangTag = "LangTag",
    string_schema(
        Some(LANG_PATTERN),
        None,
        "\"auto\" (the default: detect each text's language), \"en\", \"zh\", \"mixed\" (both \
         scorers, part by part), or a language tag whose primary subtag is en or zh \
         (\"en-US\", \"zh_Hans\"); ASCII case does not matter. Anything else is 400 \
         unsupported_lang."
    )
);

named_schema!(
    /// `domain` of the scoring routes.
    DomainName = "Domain",
    string_schema(
        Some(DOMAIN_PATTERN),
        None,
        "\"general\" (the default) or \"chat\" (live-chat slang, emoji and repeats count), in \
         any ASCII case; anything else is 400 invalid_domain."
    )
);

named_schema!(
    /// `model` of the scoring routes.
    ModelName = "ModelName",
    string_schema(
        Some(MODEL_PATTERN),
        None,
        "A model of the repository (`--model-repo`): `name` (its serving version) or \
         `name@version`. A name that is not loaded, a version that is not, or no repository \
         at all is 404 model_not_found; so is a string outside this pattern."
    )
);

named_schema!(
    /// `mode` of `/v1/segment`.
    SegmentMode = "SegmentMode",
    string_schema(
        None,
        Some(&["hmm", "no-hmm", "all", "search"]),
        "\"hmm\" (the default, `jieba.lcut(s)`), \"no-hmm\" (`HMM=False`), \"all\" \
         (`cut_all=True`) or \"search\" (`lcut_for_search`); anything else is 400 invalid_mode."
    )
);

named_schema!(
    /// A room id in a path.
    RoomId = "RoomId",
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(ROOM_PATTERN))
        .min_length(Some(1))
        .max_length(Some(64))
        .description(Some(
            "1 to 64 of A-Z a-z 0-9 _ -; anything else is 400 invalid_room (an empty segment \
             matches no route: 404 not_found)."
        ))
        .into()
);

named_schema!(
    /// `comments` of the events stream.
    CommentsMode = "CommentsMode",
    string_schema(
        None,
        Some(&["none", "sampled", "all"]),
        "\"none\" (the default), \"sampled\" (at most 10 comment events a second) or \"all\"; \
         anything else is 400 invalid_request."
    )
);

named_schema!(
    /// Any JSON value (a batch item's `id`, echoed back).
    AnyValue = "AnyValue",
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .description(Some("Any JSON value."))
        .into()
);

/// A room comment (`senti_rooms::Comment`). Its per-comment rules (id 1 to 128 bytes, text at
/// most `max_text_chars`) are answered in `rejected` with 202, so the schema states only types.
#[derive(ToSchema)]
#[allow(dead_code)] // describes JSON for the document; never built
pub struct Comment {
    /// Unique within the room for the dedup window: 1 to 128 bytes, else the comment is
    /// rejected in place with invalid_comment_id.
    pub id: String,
    /// At most `max_text_chars` characters (default 10000), else the comment is rejected in
    /// place with text_too_long.
    pub text: String,
    /// The client's timestamp (ms since the epoch), echoed in `comment` events.
    pub ts_ms: Option<i64>,
}

/// One server-sent event of a room's stream (`event:`, `data:` and `id:` lines).
#[derive(ToSchema)]
#[schema(as = RoomEvent)]
#[allow(dead_code)] // describes JSON for the document; never built
pub struct RoomEventSchema {
    pub event: RoomEventKind,
    /// The event's JSON: a RoomSnapshot (`stats`); a Spike with its `room` (`spike`);
    /// `{id, text, label, compound, lang, ts_ms?, at_ms}` (`comment`); `{skipped}` (`lagged`).
    pub data: String,
    /// The event's number, for `Last-Event-ID` (absent on `lagged`).
    #[schema(nullable = false, pattern = "^[0-9]+$")]
    pub id: Option<String>,
}

/// `stats` every second while the room exists, `spike` when one starts, `comment` per
/// comment when asked for, `lagged` when this subscriber fell behind and skipped events.
#[derive(serde::Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum RoomEventKind {
    Stats,
    Spike,
    Comment,
    Lagged,
}

/// `senti_rooms::WindowStats`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes JSON for the document; never built
pub struct WindowStats {
    pub seconds: u64,
    pub count: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    /// Mean compound over the window's comments (0 when empty).
    pub mean_compound: f64,
    /// Comments per second over the window.
    pub rate: f64,
}

/// `senti_rooms::SecondStats`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes JSON for the document; never built
pub struct SecondStats {
    /// Start of the second (ms since the epoch, a multiple of 1000).
    pub at_ms: u64,
    pub count: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

/// `senti_rooms::TermStat`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes JSON for the document; never built
pub struct TermStat {
    pub term: String,
    /// Sum of |contribution| over the 10 s window.
    pub weight: f64,
    /// Sum of signed contributions.
    pub valence: f64,
}

/// `senti_rooms::Spike`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes JSON for the document; never built
pub struct Spike {
    pub at_ms: u64,
    /// Negative share of the last 10 s.
    pub negative_share: f64,
    pub baseline_mean: f64,
    pub baseline_sd: f64,
    pub threshold: f64,
    pub count_10s: u64,
}

/// `senti_rooms::Snapshot`: a room's statistics (all zero for a room without comments).
#[derive(ToSchema)]
#[allow(dead_code)] // describes JSON for the document; never built
pub struct RoomSnapshot {
    pub room: String,
    pub at_ms: u64,
    /// Comments since the room was created.
    pub total: u64,
    /// The 1 s, 10 s and 60 s windows.
    pub windows: Vec<WindowStats>,
    /// Exponentially weighted mean of compound over comments.
    pub ewma_compound: f64,
    /// Counts of each of the last 10 clock seconds, oldest first (the last still filling).
    pub seconds: Vec<SecondStats>,
    /// Top 5 terms of the last 10 s by |contribution|.
    pub top_terms: Vec<TermStat>,
    /// Whether a spike is in progress.
    pub spike: bool,
    /// The last spike that started (null before the first).
    #[schema(required = true)]
    pub last_spike: Option<Spike>,
}

/// The bearer scheme of the admin routes.
pub struct AdminToken;

impl utoipa::Modify for AdminToken {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = api.components.as_mut() {
            c.add_security_scheme(
                "admin_token",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "The `--admin-token` value; without --admin-token the admin routes \
                             answer 404 not_found.",
                        ))
                        .build(),
                ),
            );
        }
    }
}

/// The document of a server with `cfg`: the derived one, with the limits of the running
/// configuration.
pub fn document(cfg: &Config) -> Value {
    let mut api = crate::ApiDoc::openapi();
    if cfg.admin_token.is_none() {
        // Without --admin-token the admin routes do not exist (404 like any unknown path).
        api.paths.paths.retain(|_, item| {
            let ops = [&item.get, &item.post, &item.put, &item.delete, &item.patch];
            !ops.iter().any(|op| {
                op.as_ref()
                    .and_then(|op| op.security.as_ref())
                    .is_some_and(|s| {
                        serde_json::to_value(s).is_ok_and(|v| v.to_string().contains("admin_token"))
                    })
            })
        });
    }
    let mut doc = serde_json::to_value(&api).unwrap_or_default();
    for (pointer, key, value) in [
        (
            "/components/schemas/SentimentRequest/properties/text",
            "maxLength",
            json!(cfg.max_text_chars),
        ),
        (
            "/components/schemas/SegmentRequest/properties/text",
            "maxLength",
            json!(cfg.max_text_chars),
        ),
        (
            "/components/schemas/BatchRequest/properties/items",
            "maxItems",
            json!(cfg.max_batch_items),
        ),
        // Exact integers (the derive would write them as floats).
        (
            "/components/schemas/Comment/properties/ts_ms",
            "minimum",
            json!(-i64::MAX),
        ),
        (
            "/components/schemas/Comment/properties/ts_ms",
            "maximum",
            json!(i64::MAX),
        ),
    ] {
        if let Some(Value::Object(o)) = doc.pointer_mut(pointer) {
            o.insert(key.into(), value);
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_are_the_configured_ones() {
        let cfg = Config {
            max_text_chars: 77,
            max_batch_items: 5,
            admin_token: Some("t".into()),
            ..Config::default()
        };
        let doc = document(&cfg);
        let s = &doc["components"]["schemas"];
        assert_eq!(s["SentimentRequest"]["properties"]["text"]["maxLength"], 77);
        assert_eq!(s["SegmentRequest"]["properties"]["text"]["maxLength"], 77);
        assert_eq!(s["BatchRequest"]["properties"]["items"]["maxItems"], 5);
        assert_eq!(
            doc["paths"]["/admin/models/{name}/reload"]["post"]["security"][0]["admin_token"],
            json!([])
        );
        assert_eq!(
            doc["paths"]["/debug/pprof/profile"]["get"]["security"][0]["admin_token"],
            json!([])
        );
    }

    #[test]
    fn admin_routes_are_absent_without_a_token() {
        let doc = document(&Config::default());
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/v1/sentiment"));
        assert!(!paths.contains_key("/admin/models/{name}/reload"));
        assert!(!paths.contains_key("/debug/pprof/profile"));
    }
}
