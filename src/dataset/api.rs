//! The JSON API for data drops, for partners whose systems send figures directly. Each request
//! carries `Authorization: Bearer <token>`, a token the organisation's data lead created in MASA;
//! it acts only for that organisation, and never by cookie (so it needs no CSRF token). The
//! routes are registered as `Access::ApiToken`: the `ApiCaller` extractor is their check, and
//! every refusal is an `ApiError`, turned into its JSON response in one place.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::*;
use super::store::{
    self, CollectionPeriod, DraftChange, DraftError, DraftTarget, DropValue, IndicatorFilter,
};
use crate::kernel::AppState;
use crate::kernel::Scope;
use crate::kernel::audit::Actor;
use crate::kernel::auth;
use crate::kernel::ids::{DropId, IndicatorId, OrganisationId, PartnershipId};

/// Every way an API request is refused or fails. Clients see `{"error": ..}` (with `problems`
/// for a drop that was not saved) and the status below.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Send the organisation's API token as: Authorization: Bearer <token>")]
    MissingToken,
    #[error("The API token is not recognised or has been revoked.")]
    UnknownToken,
    /// Another organisation's or partnership's drop is not found either, so ids cannot be probed.
    #[error("No data drop of your organisation has that id.")]
    DropNotFound,
    #[error("The body is not a valid data drop: {0}")]
    Malformed(String),
    #[error("The body is not a valid data drop: {0}")]
    TooLarge(String),
    /// The request's values or period were refused; nothing was saved.
    #[error("The data drop was not saved.")]
    Invalid(Vec<ValueProblem>),
    /// The drop is not in a state to take the change (awaiting a decision, or changed meanwhile).
    #[error("The data drop was not saved.")]
    Conflict(Vec<ValueProblem>),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A save that forgot its audit entry: a bug, refused, and nothing was changed.
    #[error("The service could not complete the request; nothing was changed.")]
    Unrecorded,
}

type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::Invalid(whole(message))
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingToken | ApiError::UnknownToken => StatusCode::UNAUTHORIZED,
            ApiError::DropNotFound => StatusCode::NOT_FOUND,
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Database(failure) if crate::kernel::db::is_retryable(failure) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Database(_) | ApiError::Unrecorded => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            ApiError::Invalid(problems) | ApiError::Conflict(problems) => (
                status,
                Json(json!({ "error": "The data drop was not saved.", "problems": problems })),
            )
                .into_response(),
            ApiError::Database(failure) if status == StatusCode::SERVICE_UNAVAILABLE => {
                // Past its retries (kernel::db::retrying): busy, not broken.
                tracing::warn!(error = %failure, "API write kept losing races with others");
                let mut response = (
                    status,
                    Json(json!({ "error": "Others were changing the same data drop at the same moment; nothing was changed. Try again in a few seconds." })),
                )
                    .into_response();
                response.headers_mut().insert(header::RETRY_AFTER, 2.into());
                response
            }
            ApiError::Database(failure) => {
                tracing::error!(error = %failure, "API request failed");
                (
                    status,
                    Json(json!({ "error": "The service could not complete the request; nothing was changed." })),
                )
                    .into_response()
            }
            refusal => (status, Json(json!({ "error": refusal.to_string() }))).into_response(),
        }
    }
}

/// Who an API request acts for: the organisation its bearer token belongs to, and an actor in
/// that organisation's partnership. Everything the request then reads or writes is of that
/// partnership only. Extracting it is the API's authentication.
pub struct ApiCaller {
    pub organisation_id: OrganisationId,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<ApiCaller> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::MissingToken)?;
        let (organisation_id, partnership_id) = store::organisation_for_token(
            &state.db,
            &auth::token_hash(&state.config.secret_key, token),
        )
        .await?
        .ok_or(ApiError::UnknownToken)?;
        // The kernel's token table answers plain ids: typed here, where the token is read.
        let organisation_id = OrganisationId::new(organisation_id);
        Ok(ApiCaller {
            organisation_id,
            actor: Actor {
                partnership_id: PartnershipId::new(partnership_id),
                user_id: None,
                label: format!("API token of organisation {organisation_id}"),
                request_id: parts
                    .headers
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropRequest {
    period: String,
    #[serde(default)]
    values: Vec<ValueRequest>,
    #[serde(default)]
    storyboard: Option<Storyboard>,
    /// Send the drop to the business unit once saved.
    #[serde(default)]
    submit: bool,
    /// The sender has checked the values MASA flags as far outside their history.
    #[serde(default)]
    confirm_outliers: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRequest {
    indicator_code: String,
    value: serde_json::Value,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Serialize)]
pub struct ValueProblem {
    /// Position in the `values` array (from 0), or null for the request as a whole.
    index: Option<usize>,
    field: String,
    message: String,
}

#[derive(Serialize)]
pub struct DropResponse {
    id: DropId,
    organisation_id: OrganisationId,
    period: String,
    version: i64,
    status: &'static str,
    values: Vec<serde_json::Value>,
    outliers: Vec<String>,
}

async fn describe(scope: Scope<'_>, id: DropId) -> ApiResult<DropResponse> {
    let data_drop = store::find_drop(scope, id)
        .await?
        .ok_or(ApiError::DropNotFound)?;
    let indicators = store::list_indicators(
        scope,
        &IndicatorFilter {
            owner_organisation_id: Some(data_drop.organisation_id),
            ..IndicatorFilter::default()
        },
    )
    .await?;
    let series =
        store::approved_series(scope, store::SeriesScope::Owner(data_drop.organisation_id)).await?;
    let values = store::drop_values(scope, id).await?;
    let mut outliers = Vec::new();
    let values = values
        .iter()
        .map(|value| {
            let code = indicators
                .iter()
                .find(|i| i.id == value.indicator_id)
                .map(|i| i.code.clone())
                .unwrap_or_default();
            let history = store::values_before(&series, value.indicator_id, data_drop.period);
            if is_far_outside_history(value.value, &history) && !value.outlier_confirmed {
                outliers.push(code.clone());
            }
            json!({ "indicator_code": code, "value": value.value, "note": value.note })
        })
        .collect();
    Ok(DropResponse {
        id,
        organisation_id: data_drop.organisation_id,
        period: data_drop.period.label(),
        version: data_drop.version,
        status: data_drop.status.code(),
        values,
        outliers,
    })
}

/// GET /api/v1/data-drops/{id}: one of the organisation's own drops; any other (another
/// organisation's, or another partnership's) is not found.
pub async fn get_drop(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<DropId>,
) -> ApiResult<Json<DropResponse>> {
    let scope = Scope::new(&state.db, caller.actor.partnership());
    match store::find_drop(scope, id).await? {
        Some(data_drop) if data_drop.organisation_id == caller.organisation_id => {
            Ok(Json(describe(scope, id).await?))
        }
        _ => Err(ApiError::DropNotFound),
    }
}

/// GET /api/v1/indicators: the organisation's indicators, with codes and units.
pub async fn indicators(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<serde_json::Value>> {
    let filter = IndicatorFilter {
        owner_organisation_id: Some(caller.organisation_id),
        ..IndicatorFilter::default()
    };
    let indicators =
        store::list_indicators(Scope::new(&state.db, caller.actor.partnership()), &filter).await?;
    Ok(Json(json!({
        "indicators": indicators.iter().map(|i| json!({ "code": i.code, "name": i.name, "unit": i.unit.code(), "definition": i.definition })).collect::<Vec<_>>()
    })))
}

/// POST /api/v1/data-drops: saves values (and optionally the storyboard) into the
/// organisation's draft for an open period, starting one if needed, and submits it if asked.
/// Any problem rejects the whole request and saves nothing.
pub async fn post_drop(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<DropResponse>)> {
    let request = parse_drop_request(&body)?;
    let id = save(&state, caller.organisation_id, &caller.actor, request).await?;
    let description = describe(Scope::new(&state.db, caller.actor.partnership()), id).await?;
    Ok((StatusCode::CREATED, Json(description)))
}

/// Reads a drop request's body, measured first (size, nesting, number of values) so a hostile
/// body is refused before it is held as values.
pub fn parse_drop_request(body: &[u8]) -> ApiResult<DropRequest> {
    use masa_sheets::json::{JsonError, JsonLimits, read_json};
    read_json(body, &JsonLimits::DATA_DROP).map_err(|problem| match problem {
        JsonError::TooLarge { .. } => ApiError::TooLarge(problem.to_string()),
        _ => ApiError::Malformed(problem.to_string()),
    })
}

fn whole(message: impl Into<String>) -> Vec<ValueProblem> {
    vec![ValueProblem {
        index: None,
        field: String::new(),
        message: message.into(),
    }]
}

async fn save(
    state: &AppState,
    organisation_id: OrganisationId,
    actor: &Actor,
    request: DropRequest,
) -> ApiResult<DropId> {
    let scope = Scope::new(&state.db, actor.partnership());
    let Some(period) = Quarter::parse(&request.period) else {
        return Err(ApiError::invalid(format!(
            "period {:?} is not a quarter, like \"2026-27 Q2\"",
            request.period
        )));
    };
    if !store::find_period(scope, period)
        .await?
        .is_some_and(|p: CollectionPeriod| p.is_open())
    {
        return Err(ApiError::invalid(format!(
            "{period} is not open for data drops"
        )));
    }
    // The same checks as a spreadsheet upload: the values become its rows.
    let mut rows = vec![
        UPLOAD_COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<Vec<_>>(),
    ];
    for value in &request.values {
        let number = match &value.value {
            serde_json::Value::Number(number) => number.to_string(),
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        rows.push(vec![
            value.indicator_code.clone(),
            String::new(),
            period.label(),
            number,
            value.note.clone(),
        ]);
    }
    // Only the partnership's catalogue: another partnership's code is not an indicator here.
    let indicators = store::upload_indicators(scope).await?;
    let parsed = if request.values.is_empty() {
        Vec::new()
    } else {
        match read_upload(&rows, period, organisation_id, &indicators) {
            Ok(parsed) => parsed,
            Err(errors) => {
                let problems = errors
                    .into_iter()
                    .map(|e| ValueProblem {
                        index: e.row.checked_sub(2),
                        field: if e.column == "indicator_code" {
                            "indicator_code".into()
                        } else {
                            e.column
                        },
                        message: e.message,
                    })
                    .collect();
                return Err(ApiError::Invalid(problems));
            }
        }
    };
    let mut problems = Vec::new();
    for value in &parsed {
        if let Some(found) = crate::kernel::personal_data::likely_identifier(&value.note) {
            problems.push(ValueProblem {
                index: value.row.checked_sub(2),
                field: "note".into(),
                message: format!("seems to contain {found}: remove it"),
            });
        }
    }
    if let Some(storyboard) = &request.storyboard {
        for (field, question) in Storyboard::QUESTIONS {
            let answer = storyboard.answer(field);
            if answer.chars().count() > STORYBOARD_MAX {
                problems.push(ValueProblem {
                    index: None,
                    field: format!("storyboard.{field}"),
                    message: format!("“{question}” must be {STORYBOARD_MAX} characters or fewer"),
                });
            }
            if let Some(found) = crate::kernel::personal_data::likely_identifier(answer) {
                problems.push(ValueProblem {
                    index: None,
                    field: format!("storyboard.{field}"),
                    message: format!("seems to contain {found}: remove it"),
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    // The approved history that flags unusual values: other drops', not this draft's.
    let series = store::approved_series(scope, store::SeriesScope::Owner(organisation_id)).await?;
    let is_outlier = |value: &DraftValue| {
        is_far_outside_history(
            value.value,
            &store::values_before(&series, value.indicator_id, period),
        )
    };
    let change = DraftChange {
        set: parsed
            .iter()
            .map(|parsed| DropValue {
                indicator_id: parsed.indicator_id,
                value: parsed.value,
                note: parsed.note.clone(),
                outlier_confirmed: request.confirm_outliers
                    && is_outlier(&DraftValue {
                        indicator_id: parsed.indicator_id,
                        value: parsed.value,
                        outlier_confirmed: false,
                    }),
            })
            .collect(),
        cleared: Vec::new(),
        storyboard: request.storyboard,
        channel: Channel::Api,
        submit: request.submit,
    };
    let target = DraftTarget::Open {
        organisation_id,
        period,
    };
    match store::save_draft(&state.db, actor, target, &change, &is_outlier).await {
        Ok(saved) => Ok(saved.data_drop.id),
        Err(DraftError::AwaitingDecision(period)) => Err(ApiError::Conflict(whole(format!(
            "The data drop for {period} is waiting for the business unit's decision"
        )))),
        Err(DraftError::PeriodClosed(period)) => Err(ApiError::invalid(format!(
            "{period} is not open for data drops"
        ))),
        Err(DraftError::NotReady(problems)) => {
            let code = |id: IndicatorId| {
                indicators
                    .iter()
                    .find(|indicator| indicator.id == id)
                    .map(|indicator| indicator.code.clone())
                    .unwrap_or_default()
            };
            let problems = problems
                .into_iter()
                .map(|problem| match problem {
                    NotReady::Missing(id) => ValueProblem {
                        index: None,
                        field: "values".into(),
                        message: format!(
                            "{} has no value: every indicator is needed before submitting",
                            code(id)
                        ),
                    },
                    NotReady::UnconfirmedOutlier {
                        indicator_id,
                        value,
                    } => ValueProblem {
                        index: None,
                        field: "confirm_outliers".into(),
                        message: format!(
                            "{}'s value {value} is far outside its usual range: check it and send confirm_outliers: true",
                            code(indicator_id)
                        ),
                    },
                    NotReady::Storyboard => ValueProblem {
                        index: None,
                        field: "storyboard".into(),
                        message: "answer all four storyboard questions before submitting".into(),
                    },
                })
                .collect();
            Err(ApiError::Invalid(problems))
        }
        Err(refusal @ (DraftError::NotFound | DraftError::NotDraft { .. })) => {
            Err(ApiError::Conflict(whole(refusal.to_string())))
        }
        Err(DraftError::Database(failure)) => Err(failure.into()),
        Err(DraftError::Unrecorded) => Err(ApiError::Unrecorded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_requests_are_measured_before_they_are_read() {
        let request = parse_drop_request(
            br#"{"period":"2026-27 Q2","values":[{"indicator_code":"MFH-01","value":36}]}"#,
        )
        .map_err(|refusal| refusal.to_string())
        .unwrap();
        assert_eq!(request.values.len(), 1);
        let refused = |body: &[u8]| parse_drop_request(body).err().unwrap();
        let refusal = refused(br#"{"period":"2026-27 Q2","colour":"red"}"#);
        assert_eq!(refusal.status(), StatusCode::BAD_REQUEST);
        assert!(
            refusal.to_string().contains("unknown field `colour`"),
            "{refusal}"
        );
        let big = format!(r#"{{"period":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
        assert_eq!(
            refused(big.as_bytes()).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let nested = format!(
            r#"{{"period":"2026-27 Q2","values":[{{"indicator_code":"MFH-01","value":{}1{}}}]}}"#,
            "[".repeat(20),
            "]".repeat(20)
        );
        let refusal = refused(nested.as_bytes());
        assert_eq!(refusal.status(), StatusCode::BAD_REQUEST);
        assert!(
            refusal.to_string().contains("nests more than 8 levels"),
            "{refusal}"
        );
        let many = format!(
            r#"{{"period":"2026-27 Q2","values":[{}]}}"#,
            vec!["{}"; 60_000].join(",")
        );
        assert!(
            refused(many.as_bytes())
                .to_string()
                .contains("more than 50000 values")
        );
    }
}
