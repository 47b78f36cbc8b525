//! The JSON API for data drops, for partners whose systems send figures directly. Each request
//! carries `Authorization: Bearer <token>`, a token the organisation's data lead created in MASA;
//! it acts only for that organisation, and never by cookie (so it needs no CSRF token).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::*;
use super::store::{
    self, CollectionPeriod, DraftChange, DraftError, DraftTarget, DropValue, IndicatorFilter,
};
use crate::kernel::AppState;
use crate::kernel::audit::Actor;
use crate::kernel::auth;

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn database_error(failure: sqlx::Error) -> Response {
    if crate::kernel::db::is_retryable(&failure) {
        // Past its retries (kernel::db::retrying): busy, not broken.
        tracing::warn!(error = %failure, "API write kept losing races with others");
        let mut response = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Others were changing the same data drop at the same moment; nothing was changed. Try again in a few seconds.",
        );
        response.headers_mut().insert(header::RETRY_AFTER, 2.into());
        return response;
    }
    tracing::error!(error = %failure, "API request failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The service could not complete the request; nothing was changed.",
    )
}

/// The organisation the bearer token acts for, and an actor in that organisation's partnership:
/// everything the request then reads or writes is of that partnership only.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<(i64, Actor), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Send the organisation's API token as: Authorization: Bearer <token>",
        ));
    };
    match store::organisation_for_token(
        &state.db,
        &auth::token_hash(&state.config.secret_key, token),
    )
    .await
    {
        Ok(Some((organisation_id, partnership_id))) => Ok((
            organisation_id,
            Actor {
                partnership_id,
                user_id: None,
                label: format!("API token of organisation {organisation_id}"),
                request_id: headers
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            },
        )),
        Ok(None) => Err(error(
            StatusCode::UNAUTHORIZED,
            "The API token is not recognised or has been revoked.",
        )),
        Err(failure) => Err(database_error(failure)),
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

#[derive(Serialize)]
struct ValueProblem {
    /// Position in the `values` array (from 0), or null for the request as a whole.
    index: Option<usize>,
    field: String,
    message: String,
}

#[derive(Serialize)]
struct DropResponse {
    id: i64,
    organisation_id: i64,
    period: String,
    version: i64,
    status: &'static str,
    values: Vec<serde_json::Value>,
    outliers: Vec<String>,
}

async fn describe(
    state: &AppState,
    partnership_id: i64,
    id: i64,
) -> Result<DropResponse, sqlx::Error> {
    let data_drop = store::find_drop(&state.db, partnership_id, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let indicators = store::list_indicators(
        &state.db,
        partnership_id,
        &IndicatorFilter {
            owner_organisation_id: Some(data_drop.organisation_id),
            ..IndicatorFilter::default()
        },
    )
    .await?;
    let series = store::approved_series(
        &state.db,
        partnership_id,
        store::SeriesScope::Owner(data_drop.organisation_id),
    )
    .await?;
    let values = store::drop_values(&state.db, id).await?;
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
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let (organisation_id, actor) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match store::find_drop(&state.db, actor.partnership_id, id).await {
        Ok(Some(data_drop)) if data_drop.organisation_id == organisation_id => {
            match describe(&state, actor.partnership_id, id).await {
                Ok(description) => Json(description).into_response(),
                Err(failure) => database_error(failure),
            }
        }
        Ok(_) => error(
            StatusCode::NOT_FOUND,
            "No data drop of your organisation has that id.",
        ),
        Err(failure) => database_error(failure),
    }
}

/// GET /api/v1/indicators: the organisation's indicators, with codes and units.
pub async fn indicators(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (organisation_id, actor) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match store::list_indicators(&state.db, actor.partnership_id, &IndicatorFilter { owner_organisation_id: Some(organisation_id), ..IndicatorFilter::default() }).await {
        Ok(indicators) => Json(json!({
            "indicators": indicators.iter().map(|i| json!({ "code": i.code, "name": i.name, "unit": i.unit.code(), "definition": i.definition })).collect::<Vec<_>>()
        }))
        .into_response(),
        Err(failure) => database_error(failure),
    }
}

/// POST /api/v1/data-drops: saves values (and optionally the storyboard) into the
/// organisation's draft for an open period, starting one if needed, and submits it if asked.
/// Any problem rejects the whole request and saves nothing.
pub async fn post_drop(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (organisation_id, actor) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let request = match parse_drop_request(&body) {
        Ok(request) => request,
        Err((status, message)) => return error(status, &message),
    };
    match save(&state, organisation_id, &actor, request).await {
        Ok(Ok(id)) => match describe(&state, actor.partnership_id, id).await {
            Ok(description) => (StatusCode::CREATED, Json(description)).into_response(),
            Err(failure) => database_error(failure),
        },
        Ok(Err((status, problems))) => (
            status,
            Json(json!({ "error": "The data drop was not saved.", "problems": problems })),
        )
            .into_response(),
        Err(failure) => database_error(failure),
    }
}

/// Reads a drop request's body, measured first (size, nesting, number of values) so a hostile
/// body is refused before it is held as values.
pub fn parse_drop_request(body: &[u8]) -> Result<DropRequest, (StatusCode, String)> {
    use masa_sheets::json::{JsonError, JsonLimits, read_json};
    read_json(body, &JsonLimits::DATA_DROP).map_err(|problem| {
        let status = match problem {
            JsonError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        (
            status,
            format!("The body is not a valid data drop: {problem}"),
        )
    })
}

type Refusal = (StatusCode, Vec<ValueProblem>);

fn whole(message: impl Into<String>) -> Vec<ValueProblem> {
    vec![ValueProblem {
        index: None,
        field: String::new(),
        message: message.into(),
    }]
}

async fn save(
    state: &AppState,
    organisation_id: i64,
    actor: &Actor,
    request: DropRequest,
) -> Result<Result<i64, Refusal>, sqlx::Error> {
    let partnership_id = actor.partnership_id;
    let Some(period) = Quarter::parse(&request.period) else {
        return Ok(Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            whole(format!(
                "period {:?} is not a quarter, like \"2026-27 Q2\"",
                request.period
            )),
        )));
    };
    if !store::find_period(&state.db, partnership_id, period)
        .await?
        .is_some_and(|p: CollectionPeriod| p.is_open())
    {
        return Ok(Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            whole(format!("{period} is not open for data drops")),
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
    let indicators = store::upload_indicators(&state.db, partnership_id).await?;
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
                return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, problems)));
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
        return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, problems)));
    }
    // The approved history that flags unusual values: other drops', not this draft's.
    let series = store::approved_series(
        &state.db,
        partnership_id,
        store::SeriesScope::Owner(organisation_id),
    )
    .await?;
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
    let refused = |status: StatusCode, message: String| Ok(Err((status, whole(message))));
    match store::save_draft(&state.db, actor, target, &change, &is_outlier).await {
        Ok(saved) => Ok(Ok(saved.data_drop.id)),
        Err(DraftError::AwaitingDecision(period)) => refused(
            StatusCode::CONFLICT,
            format!("The data drop for {period} is waiting for the business unit's decision"),
        ),
        Err(DraftError::PeriodClosed(period)) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{period} is not open for data drops"),
        ),
        Err(DraftError::NotReady(problems)) => {
            let code = |id: i64| {
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
            Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, problems)))
        }
        Err(refusal @ (DraftError::NotFound | DraftError::NotDraft { .. })) => {
            refused(StatusCode::CONFLICT, refusal.to_string())
        }
        Err(DraftError::Database(failure)) => Err(failure),
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
        .map_err(|(_, message)| message)
        .unwrap();
        assert_eq!(request.values.len(), 1);
        let refused = |body: &[u8]| parse_drop_request(body).err().unwrap();
        let (status, message) = refused(br#"{"period":"2026-27 Q2","colour":"red"}"#);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(message.contains("unknown field `colour`"), "{message}");
        let big = format!(r#"{{"period":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
        assert_eq!(refused(big.as_bytes()).0, StatusCode::PAYLOAD_TOO_LARGE);
        let nested = format!(
            r#"{{"period":"2026-27 Q2","values":[{{"indicator_code":"MFH-01","value":{}1{}}}]}}"#,
            "[".repeat(20),
            "]".repeat(20)
        );
        let (status, message) = refused(nested.as_bytes());
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(message.contains("nests more than 8 levels"), "{message}");
        let many = format!(
            r#"{{"period":"2026-27 Q2","values":[{}]}}"#,
            vec!["{}"; 60_000].join(",")
        );
        assert!(
            refused(many.as_bytes())
                .1
                .contains("more than 50000 values")
        );
    }
}
