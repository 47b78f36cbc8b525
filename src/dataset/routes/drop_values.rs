//! Entering a drop's values: by the web form, by spreadsheet upload, and the upload template.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::dataset::model::*;
use crate::dataset::store::{self, DataDrop, DropValue, IndicatorFilter};
use crate::kernel::Scope;
use crate::kernel::files;
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
                format!("{}: {}", line.indicator.code, not_a_number(&line.value)),
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
    request: axum::extract::Request,
) -> AppResult<Response> {
    let id = data_drop.id;
    // Authorised (an editable drop the user may prepare) before the body is read.
    let (data_drop, _period) = editable_drop(&state, &ctx, data_drop).await?;
    let form = files::read_upload_form(request, "the data drop file", "data drop files").await?;
    let (file_name, bytes) = form.file.unwrap_or_default();
    let refuse = |errors: Vec<RowError>| async {
        let mut page = drop_page(&state, &ctx, data_drop.clone(), None, errors).await?;
        page.upload_file = file_name.clone();
        render_refused(&page)
    };
    let rows = match sheets::read_upload(&file_name, &bytes, sheets::Limits::DATA_DROP) {
        Ok(rows) => rows,
        Err(error) => return refuse(vec![RowError::whole(error.to_string())]).await,
    };
    let indicators = store::upload_indicators(ctx.scope(&state)?).await?;
    let parsed = match read_upload(
        &rows,
        data_drop.period,
        data_drop.organisation_id,
        &indicators,
    ) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let errors = errors
                .into_iter()
                .map(|error| error.naming(&file_name))
                .collect();
            return refuse(errors).await;
        }
    };
    let mut notes_with_identifiers = Vec::new();
    for value in &parsed {
        if let Some(found) = crate::kernel::personal_data::likely_identifier(&value.note) {
            notes_with_identifiers.push(RowError {
                row: value.row,
                column: "note".into(),
                title: "Note".into(),
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
            "{} uploaded. Check {}, answer the storyboard, then submit.",
            crate::kernel::filters::count_of(
                i64::try_from(parsed.len()).unwrap_or(i64::MAX),
                "value",
                "values"
            ),
            if parsed.len() == 1 { "it" } else { "them" }
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

/// The line of instructions above the template's header. It has no commas or semicolons, so
/// that it never decides which separator a CSV saved from a spreadsheet program has.
fn template_instructions(data_drop: &DataDrop) -> String {
    format!(
        "{} data drop for {}: enter each figure in the Value column and any note in the Note column. Leave the other columns and this line as they are. Then upload the file on the data drop's page in MASA.",
        data_drop.organisation_name.replace([',', ';'], ""),
        data_drop.period
    )
}

/// The upload template: the organisation's indicators for this drop's period, each with its
/// unit, its last approved value and any value already entered, under a line of instructions
/// and a header people can read. The reader reads it back (and the first template's
/// `indicator_code, indicator_name, period, value, note` too).
async fn template_table(
    state: &AppState,
    ctx: &Ctx,
    data_drop: &DataDrop,
) -> AppResult<SheetTable<'static>> {
    let scope = ctx.scope(state)?;
    let lines = value_lines(scope, data_drop, None).await?;
    let approved =
        store::latest_approved_values(scope, data_drop.organisation_id, data_drop.period).await?;
    let last = |line: &ValueLine| approved.get(&line.indicator.id).copied();
    // One quarter for every last approved value goes in the header; if they differ, each
    // line says its own.
    let mut quarters: Vec<Quarter> = lines
        .iter()
        .filter_map(|line| last(line).map(|(q, _)| q))
        .collect();
    quarters.sort();
    quarters.dedup();
    let one_quarter = match quarters.as_slice() {
        [quarter] => Some(*quarter),
        _ => None,
    };
    // Value and Note stay in the first template's places (the fourth and fifth columns), so
    // a sheet filled in by position still reads; what helps fill them in follows.
    let mut header: Vec<String> = [
        "Indicator code",
        "Indicator",
        "Period",
        "Value",
        "Note",
        "Unit",
    ]
    .iter()
    .map(|title| (*title).to_owned())
    .collect();
    header.push(match one_quarter {
        Some(quarter) => format!("Last approved value ({quarter})"),
        None => "Last approved value".to_owned(),
    });
    if one_quarter.is_none() {
        header.push("Last approved in".to_owned());
    }
    let rows = lines
        .iter()
        .map(|line| {
            let mut row = vec![
                Cell::Text(line.indicator.code.clone()),
                Cell::Text(line.indicator.name.clone()),
                Cell::Text(data_drop.period.label()),
                parse_number(&line.value).map_or(Cell::Empty, Cell::Number),
                if line.note.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(line.note.clone())
                },
                Cell::Text(line.indicator.unit.label().to_owned()),
                last(line).map_or(Cell::Empty, |(_, value)| Cell::Number(value)),
            ];
            if one_quarter.is_none() {
                row.push(
                    last(line).map_or(Cell::Empty, |(quarter, _)| Cell::Text(quarter.label())),
                );
            }
            row
        })
        .collect();
    Ok(SheetTable {
        name: "Data drop",
        header,
        rows,
    })
}

pub async fn template_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
) -> AppResult<Response> {
    let table = template_table(&state, &ctx, &data_drop).await?;
    let bytes = sheets::write_xlsx_with_intro(&template_instructions(&data_drop), &table)
        .map_err(sheet_error)?;
    Ok(download(
        bytes,
        XLSX,
        &template_file_name(&data_drop.organisation_name, data_drop.period, "xlsx"),
    ))
}

pub async fn template_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
) -> AppResult<Response> {
    let table = template_table(&state, &ctx, &data_drop).await?;
    let bytes = sheets::write_csv_with_intro(&template_instructions(&data_drop), &table)
        .map_err(sheet_error)?;
    Ok(download(
        bytes,
        CSV,
        &template_file_name(&data_drop.organisation_name, data_drop.period, "csv"),
    ))
}
