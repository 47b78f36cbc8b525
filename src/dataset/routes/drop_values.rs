//! Entering a drop's values: by the web form, by spreadsheet upload, and the upload template.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::dataset::model::*;
use crate::dataset::store::{self, DataDrop, DropValue, IndicatorFilter};
use crate::kernel::Scope;
use crate::kernel::ids::IndicatorId;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Ctx, Loaded, render_refused};
use masa_sheets::{self as sheets, Cell, SheetTable};

use super::drop_decisions::check_ready;
use super::drops::{drop_page, editable_drop, refused_draft};
use super::{CSV, XLSX, download, sheet_error};

/// A value as typed into the data drop form, before it is checked.
pub struct TypedValue {
    pub indicator_id: IndicatorId,
    pub value: String,
    pub note: String,
    pub confirmed: bool,
}

/// A drop page shown again with what was typed and what is wrong with it.
pub(super) type Retyped<'a> = (&'a [TypedValue], Storyboard, FormErrors);

/// One line of the data drop form: an indicator, its value as typed, and what the checks say.
pub struct ValueLine {
    pub indicator: Indicator,
    pub value: String,
    pub note: String,
    pub outlier: bool,
    pub outlier_confirmed: bool,
    /// The latest approved value up to this drop's quarter (this quarter's own, when approved
    /// figures are being revised), with its quarter.
    pub last_approved: Option<(Quarter, f64)>,
    /// The previous quarter's approved value, for the approval page's comparison.
    pub previous: Option<f64>,
    /// The indicator has approved values before this quarter.
    pub has_history: bool,
}

impl ValueLine {
    pub fn field(&self) -> String {
        format!("value_{}", self.indicator.id)
    }

    /// The value as typed, read as a number (None if it is not one).
    pub fn parsed_value(&self) -> Option<f64> {
        parse_number(&self.value)
    }

    /// The previous quarter's approved value as people read it, or "None".
    pub fn previous_shown(&self) -> String {
        self.previous
            .map_or_else(|| "None".to_owned(), |value| self.indicator.show(value))
    }

    /// The change from the previous quarter's approved value ([`change_from_previous`]);
    /// "New" for an indicator with no approved value before; "Not given" when this drop has
    /// no value.
    pub fn change(&self) -> String {
        match self.parsed_value() {
            None => "Not given".to_owned(),
            Some(_) if self.previous.is_none() && !self.has_history => "New".to_owned(),
            Some(value) => change_from_previous(&self.indicator, value, self.previous),
        }
    }
}

/// The organisation's indicators with this drop's values and their history. Only these
/// indicators' fields are read from a form, so a forged indicator id is never saved.
pub(super) async fn value_lines(
    scope: Scope<'_>,
    data_drop: &DataDrop,
    typed: Option<&[TypedValue]>,
) -> AppResult<Vec<ValueLine>> {
    let indicators = store::list_indicators(
        scope,
        &IndicatorFilter {
            owner_organisation_id: Some(data_drop.organisation_id),
            ..IndicatorFilter::default()
        },
    )
    .await?;
    let saved = store::drop_values(scope, data_drop.id).await?;
    let series =
        store::approved_series(scope, store::SeriesScope::Owner(data_drop.organisation_id)).await?;
    Ok(indicators
        .into_iter()
        .map(|indicator| {
            let approved: &[(Quarter, f64)] = series.get(&indicator.id).map_or(&[], Vec::as_slice);
            let history: Vec<(Quarter, f64)> = approved
                .iter()
                .filter(|(q, _)| *q < data_drop.period)
                .copied()
                .collect();
            let last_approved = approved
                .iter()
                .rfind(|(q, _)| *q <= data_drop.period)
                .copied();
            let previous = approved
                .iter()
                .find(|(q, _)| *q == data_drop.period.previous())
                .map(|(_, value)| *value);
            let history_values: Vec<f64> = history.iter().map(|(_, v)| *v).collect();
            let (value, note, confirmed) = match typed.and_then(|typed| {
                typed
                    .iter()
                    .find(|typed| typed.indicator_id == indicator.id)
            }) {
                Some(typed) => (typed.value.clone(), typed.note.clone(), typed.confirmed),
                None => match saved.iter().find(|v| v.indicator_id == indicator.id) {
                    Some(saved) => (
                        format_plain(saved.value),
                        saved.note.clone(),
                        saved.outlier_confirmed,
                    ),
                    None => (String::new(), String::new(), false),
                },
            };
            let outlier =
                parse_number(&value).is_some_and(|v| is_far_outside_history(v, &history_values));
            ValueLine {
                last_approved,
                previous,
                has_history: !history.is_empty(),
                indicator,
                value,
                note,
                outlier,
                outlier_confirmed: confirmed,
            }
        })
        .collect())
}

/// A stored number as it would be typed back: 36, 86.5.
fn format_plain(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

/// Reads the values form: `value_<indicator id>`, `note_<id>`, `confirm_<id>`, and the storyboard.
fn read_values_form(pairs: &[(String, String)]) -> (Vec<TypedValue>, Storyboard, bool) {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let mut typed = Vec::new();
    for (key, value) in pairs {
        if let Some(id) = key
            .strip_prefix("value_")
            .and_then(|id| id.parse::<IndicatorId>().ok())
        {
            let confirmed = pairs
                .iter()
                .any(|(k, v)| k == &format!("confirm_{id}") && v == "yes");
            typed.push(TypedValue {
                indicator_id: id,
                value: value.trim().to_owned(),
                note: field(&format!("note_{id}")).trim().to_owned(),
                confirmed,
            });
        }
    }
    let storyboard = Storyboard {
        working_well: field("working_well").trim().to_owned(),
        worried_about: field("worried_about").trim().to_owned(),
        doing_about_it: field("doing_about_it").trim().to_owned(),
        previous_actions: field("previous_actions").trim().to_owned(),
    };
    (typed, storyboard, field("submit") == "yes")
}

/// Checks typed values against their indicators. Empty values are allowed in a draft.
fn check_values(lines: &[ValueLine], errors: &mut FormErrors) -> Vec<DropValue> {
    let mut values = Vec::new();
    for line in lines {
        let field = line.field();
        if line.value.is_empty() {
            continue;
        }
        let Some(value) = parse_number(&line.value) else {
            errors.add(
                &field,
                format!("{}: {:?} is not a number", line.indicator.code, line.value),
            );
            continue;
        };
        if let Err(problem) = line.indicator.unit.check(value) {
            errors.add(
                &field,
                format!("{}: {} {problem}", line.indicator.code, line.value),
            );
            continue;
        }
        if line.note.chars().count() > NOTE_MAX {
            errors.add(
                &format!("note_{}", line.indicator.id),
                format!(
                    "{}: the note must be {NOTE_MAX} characters or fewer",
                    line.indicator.code
                ),
            );
        }
        values.push(DropValue {
            indicator_id: line.indicator.id,
            value,
            note: line.note.clone(),
            outlier_confirmed: line.outlier && line.outlier_confirmed,
        });
    }
    values
}

fn check_storyboard(storyboard: &Storyboard, errors: &mut FormErrors) {
    for (field, question) in Storyboard::QUESTIONS {
        if storyboard.answer(field).chars().count() > STORYBOARD_MAX {
            errors.add(
                field,
                format!("“{question}” must be {STORYBOARD_MAX} characters or fewer"),
            );
        }
        if let Some(found) =
            crate::kernel::personal_data::likely_identifier(storyboard.answer(field))
        {
            errors.add(field, format!("“{question}” seems to contain {found}. Remove it: MASA holds no information that could identify a child or family"));
        }
    }
}

pub async fn save_values(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let id = data_drop.id;
    let (data_drop, _period) = editable_drop(&state, &ctx, data_drop).await?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
    let (typed, storyboard, submit) = read_values_form(&pairs);
    let lines = value_lines(ctx.scope(&state)?, &data_drop, Some(&typed)).await?;
    let mut errors = FormErrors::default();
    for line in &lines {
        if let Some(found) = crate::kernel::personal_data::likely_identifier(&line.note) {
            errors.add(
                &format!("note_{}", line.indicator.id),
                format!(
                    "{}: the note seems to contain {found}. Remove it",
                    line.indicator.code
                ),
            );
        }
    }
    let values = check_values(&lines, &mut errors);
    check_storyboard(&storyboard, &mut errors);
    if submit {
        check_ready(&lines, &storyboard, &mut errors);
    }
    if !errors.is_empty() {
        return render_refused(
            &drop_page(
                &state,
                &ctx,
                data_drop,
                Some((&typed, storyboard, errors)),
                Vec::new(),
            )
            .await?,
        );
    }
    // The form names every live indicator: an empty field clears its value.
    let change = store::DraftChange {
        set: values,
        cleared: lines
            .iter()
            .filter(|line| line.value.is_empty())
            .map(|line| line.indicator.id)
            .collect(),
        storyboard: Some(storyboard),
        channel: Channel::WebForm,
        submit,
    };
    let is_outlier = |value: &DraftValue| {
        lines
            .iter()
            .any(|line| line.indicator.id == value.indicator_id && line.outlier)
    };
    store::save_draft(
        &state.db,
        &ctx.actor()?,
        store::DraftTarget::Drop(id),
        &change,
        &is_outlier,
    )
    .await
    .map_err(refused_draft)?;
    let message = if submit {
        format!(
            "Data drop for {} submitted to the business unit",
            data_drop.period
        )
    } else {
        "Draft saved. It is visible only to your organisation until you submit it.".to_owned()
    };
    ctx.flash(&state, &message).await?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

pub async fn upload_values(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let id = data_drop.id;
    let (data_drop, _period) = editable_drop(&state, &ctx, data_drop).await?;
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                return Err(AppError::PayloadTooLarge(format!(
                    "The file could not be received: files can be at most {} MB.",
                    sheets::MAX_UPLOAD_BYTES / 1024 / 1024
                )));
            }
        };
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|_| {
                AppError::PayloadTooLarge(format!(
                    "The file could not be received: files can be at most {} MB.",
                    sheets::MAX_UPLOAD_BYTES / 1024 / 1024
                ))
            })?;
            file = Some(bytes.to_vec());
        }
    }
    let refuse = |errors: Vec<RowError>| async {
        let page = drop_page(&state, &ctx, data_drop.clone(), None, errors).await?;
        render_refused(&page)
    };
    let Some(bytes) = file.filter(|bytes| !bytes.is_empty()) else {
        return refuse(vec![RowError {
            row: 0,
            column: String::new(),
            message: "Choose a file to upload.".into(),
        }])
        .await;
    };
    let rows = match sheets::read_rows(&bytes) {
        Ok(rows) => rows,
        Err(error) => {
            return refuse(vec![RowError {
                row: 0,
                column: String::new(),
                message: error.to_string(),
            }])
            .await;
        }
    };
    let indicators = store::upload_indicators(ctx.scope(&state)?).await?;
    let parsed = match read_upload(
        &rows,
        data_drop.period,
        data_drop.organisation_id,
        &indicators,
    ) {
        Ok(parsed) => parsed,
        Err(errors) => return refuse(errors).await,
    };
    let mut notes_with_identifiers = Vec::new();
    for value in &parsed {
        if let Some(found) = crate::kernel::personal_data::likely_identifier(&value.note) {
            notes_with_identifiers.push(RowError {
                row: value.row,
                column: "note".into(),
                message: format!("seems to contain {found}: remove it"),
            });
        }
    }
    if !notes_with_identifiers.is_empty() {
        return refuse(notes_with_identifiers).await;
    }
    // Values not in the file keep what the draft had.
    let change = store::DraftChange {
        set: parsed
            .iter()
            .map(|parsed| DropValue {
                indicator_id: parsed.indicator_id,
                value: parsed.value,
                note: parsed.note.clone(),
                outlier_confirmed: false,
            })
            .collect(),
        cleared: Vec::new(),
        storyboard: None,
        channel: Channel::Upload,
        submit: false,
    };
    store::save_draft(
        &state.db,
        &ctx.actor()?,
        store::DraftTarget::Drop(id),
        &change,
        &|_| false,
    )
    .await
    .map_err(refused_draft)?;
    ctx.flash(
        &state,
        &format!(
            "{} values uploaded. Check them, answer the storyboard, then submit.",
            parsed.len()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

/// The upload template: the organisation's indicators for this drop's period, with any values
/// already entered.
async fn template_table(
    state: &AppState,
    ctx: &Ctx,
    data_drop: DataDrop,
) -> AppResult<(DataDrop, SheetTable<'static>)> {
    let lines = value_lines(ctx.scope(state)?, &data_drop, None).await?;
    let rows = lines
        .iter()
        .map(|line| {
            vec![
                Cell::Text(line.indicator.code.clone()),
                Cell::Text(line.indicator.name.clone()),
                Cell::Text(data_drop.period.label()),
                parse_number(&line.value).map_or(Cell::Empty, Cell::Number),
                if line.note.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(line.note.clone())
                },
            ]
        })
        .collect();
    Ok((
        data_drop,
        SheetTable {
            name: "Data drop",
            header: UPLOAD_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            rows,
        },
    ))
}

pub async fn template_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
) -> AppResult<Response> {
    let (data_drop, table) = template_table(&state, &ctx, data_drop).await?;
    let bytes = sheets::write_xlsx(&[table]).map_err(sheet_error)?;
    Ok(download(
        bytes,
        XLSX,
        &format!("masa-data-drop-{}.xlsx", data_drop.period.key()),
    ))
}

pub async fn template_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
) -> AppResult<Response> {
    let (data_drop, table) = template_table(&state, &ctx, data_drop).await?;
    let bytes = sheets::write_csv(&table).map_err(sheet_error)?;
    Ok(download(
        bytes,
        CSV,
        &format!("masa-data-drop-{}.csv", data_drop.period.key()),
    ))
}
