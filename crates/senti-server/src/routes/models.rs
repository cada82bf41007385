//! `GET /v1/models` and `POST /admin/models/{name}/reload`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode};
use crate::extract::ApiPath;
use crate::routes::json_response;
use crate::state::Shared;

#[derive(Serialize, ToSchema)]
pub struct ModelsResponse {
    /// The repository folder (`--model-repo`), or null when none is configured.
    #[schema(required = true)]
    pub repository: Option<String>,
    /// The model requests without `model` get (`--model`), or null.
    #[schema(required = true)]
    pub default_model: Option<String>,
    /// Whether ONNX Runtime is loaded in this process, and from where.
    pub onnxruntime: RuntimeInfo,
    /// Each model: the version serving and every version's state (ready with its device,
    /// failed with the error, pending while its files arrive, available).
    #[schema(value_type = Vec<Object>)]
    pub models: Vec<senti_model::ModelStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct RuntimeInfo {
    pub loaded: bool,
    pub library: String,
}

/// Loaded models, their versions and devices.
#[utoipa::path(get, path = "/v1/models", operation_id = "list_models",
    responses((status = 200, description = "The repository and its models", body = ModelsResponse)))]
pub async fn list(State(st): State<Shared>) -> Response {
    let body = ModelsResponse {
        repository: st.models.as_ref().map(|r| r.root().display().to_string()),
        default_model: st.cfg.model.clone(),
        onnxruntime: RuntimeInfo {
            loaded: senti_model::runtime::loaded(),
            library: senti_model::runtime::library_path(),
        },
        models: st.models.as_ref().map(|r| r.status()).unwrap_or_default(),
    };
    json_response(serde_json::to_vec(&body).unwrap_or_default())
}

/// Rescans one model's versions now (needs `--admin-token`, sent as a bearer token).
#[utoipa::path(post, path = "/admin/models/{name}/reload", operation_id = "reload_model",
    params(("name" = String, Path, description = "Model name")),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The model's state after the rescan", body = Object),
        (status = 400, description = "invalid_request: a segment that does not decode", body = crate::error::ErrorBody),
        (status = 401, description = "unauthorized", body = crate::error::ErrorBody),
        (status = 404, description = "not_found (admin routes off: no --admin-token), model_not_found", body = crate::error::ErrorBody),
        (status = 500, description = "backend_error, internal: the rescan failed", body = crate::error::ErrorBody),
    ))]
pub async fn reload(
    State(st): State<Shared>,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    crate::auth::require_admin(&st, &headers)?;
    let Some(repo) = st.models.clone() else {
        return Err(ApiError::new(
            ErrorCode::ModelNotFound,
            "no model repository is configured (--model-repo)",
        ));
    };
    st.metrics
        .models
        .reloads
        .get_or_create(&crate::model_metrics::TriggerLabel { trigger: "admin" })
        .inc();
    let status = tokio::task::spawn_blocking(move || repo.reload(&name))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    Ok(json_response(
        serde_json::to_vec(&status).unwrap_or_default(),
    ))
}
