//! The indicator catalogue: listing, adding, editing, archiving and restoring indicators.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dataset::model::*;
use crate::dataset::store::{self, IndicatorDetails, IndicatorFilter};

use crate::kernel::Scope;
use crate::kernel::choices::GroupedChoices;
use crate::kernel::filters;
use crate::kernel::ids::{IndicatorId, OrganisationId, PlanItemId};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, Loaded, render, render_refused};
use crate::partnership;

use super::is_manager;

#[derive(Template)]
#[template(path = "dataset/templates/indicator_list.html")]
struct IndicatorListPage {
    chrome: Chrome,
    indicators: Vec<Indicator>,
    include_archived: bool,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ArchivedQuery {
    archived: String,
}

pub async fn indicator_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ArchivedQuery>,
) -> AppResult<impl IntoResponse> {
    let include_archived = query.archived == "yes";
    let indicators = store::list_indicators(
        ctx.scope(&state)?,
        &IndicatorFilter {
            include_archived,
            ..IndicatorFilter::default()
        },
    )
    .await?;
    render(&IndicatorListPage {
        chrome: ctx.chrome(&state).await?,
        indicators,
        include_archived,
        can_manage: is_manager(ctx.user()?),
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct IndicatorForm {
    code: String,
    name: String,
    definition: String,
    unit: String,
    polarity: String,
    frequency: String,
    owner_organisation_id: String,
    priority_item_id: String,
    target: String,
    suppression_threshold: String,
    decimals: String,
    source: String,
}

impl IndicatorForm {
    fn of(indicator: &Indicator) -> IndicatorForm {
        IndicatorForm {
            code: indicator.code.clone(),
            name: indicator.name.clone(),
            definition: indicator.definition.clone(),
            unit: indicator.unit.code().to_owned(),
            polarity: polarity_code(indicator.polarity).to_owned(),
            frequency: indicator.frequency.code().to_owned(),
            owner_organisation_id: indicator.owner_organisation_id.to_string(),
            priority_item_id: indicator
                .priority_item_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            target: indicator.target.map(|t| t.to_string()).unwrap_or_default(),
            suppression_threshold: indicator.suppression_threshold.to_string(),
            decimals: indicator.decimals.to_string(),
            source: indicator.source.clone(),
        }
    }

    fn validate(
        &self,
        errors: &mut FormErrors,
        organisations: &[(OrganisationId, String)],
        priorities: &[(PlanItemId, String)],
    ) -> Option<IndicatorDetails> {
        let code = errors
            .required_text("code", "Code", &self.code, 20)
            .to_uppercase();
        if !code.is_empty() && !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            errors.add(
                "code",
                "Code must use only letters, numbers and hyphens, like MFH-01",
            );
        }
        let name = errors.required_text("name", "Name", &self.name, 150);
        let definition = errors.required_text("definition", "Definition", &self.definition, 2000);
        let unit = Unit::from_code(&self.unit);
        if unit.is_none() {
            errors.add("unit", "Select the unit");
        }
        let polarity = polarity_from_code(&self.polarity);
        if polarity.is_none() {
            errors.add("polarity", "Select which direction is better");
        }
        let frequency = Frequency::from_code(&self.frequency);
        if frequency.is_none() {
            errors.add("frequency", "Select how often it is measured");
        }
        let owner = self
            .owner_organisation_id
            .parse::<OrganisationId>()
            .ok()
            .filter(|id| organisations.iter().any(|(o, _)| o == id));
        if owner.is_none() {
            errors.add(
                "owner_organisation_id",
                "Select the organisation that reports it",
            );
        }
        let priority = if self.priority_item_id.is_empty() {
            None
        } else {
            let found = self
                .priority_item_id
                .parse::<PlanItemId>()
                .ok()
                .filter(|id| priorities.iter().any(|(p, _)| p == id));
            if found.is_none() {
                errors.add("priority_item_id", "Select a priority from the list");
            }
            found
        };
        let target = if self.target.trim().is_empty() {
            None
        } else {
            match (parse_number(&self.target), unit) {
                (Some(target), Some(unit)) => match unit.check(target) {
                    Ok(()) => Some(target),
                    Err(problem) => {
                        errors.add("target", format!("The target {problem}"));
                        None
                    }
                },
                (Some(target), None) => Some(target),
                (None, _) => {
                    errors.add("target", "Target must be a number, or left blank");
                    None
                }
            }
        };
        let whole =
            |errors: &mut FormErrors, field: &str, label: &str, text: &str, max: i64| -> i64 {
                match text.trim().parse::<i64>() {
                    Ok(number) if (0..=max).contains(&number) => number,
                    _ if text.trim().is_empty() => 0,
                    _ => {
                        errors.add(
                            field,
                            format!("{label} must be a whole number from 0 to {max}"),
                        );
                        0
                    }
                }
            };
        let suppression_threshold = whole(
            errors,
            "suppression_threshold",
            "Suppression threshold",
            &self.suppression_threshold,
            100,
        );
        let decimals = whole(errors, "decimals", "Decimal places", &self.decimals, 3);
        let source = errors.optional_text("source", "Source", &self.source, 500);
        if !errors.is_empty() {
            return None;
        }
        Some(IndicatorDetails {
            code,
            name,
            definition,
            unit: unit?,
            polarity: polarity?,
            frequency: frequency?,
            owner_organisation_id: owner?,
            priority_item_id: priority,
            target,
            suppression_threshold,
            decimals,
            source,
        })
    }
}

#[derive(Template)]
#[template(path = "dataset/templates/indicator_form.html")]
struct IndicatorFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: IndicatorForm,
    indicator: Option<Indicator>,
    units: Vec<(String, String)>,
    polarities: Vec<(String, String)>,
    frequencies: Vec<(String, String)>,
    organisations: GroupedChoices,
    priorities: Vec<(String, String)>,
}

fn choices<T: Copy>(
    first: &str,
    items: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    let mut options = vec![(String::new(), first.to_owned())];
    options.extend(
        items
            .iter()
            .map(|item| (code(*item).to_owned(), label(*item).to_owned())),
    );
    options
}

async fn indicator_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: IndicatorForm,
    indicator: Option<Indicator>,
) -> AppResult<IndicatorFormPage> {
    let scope = ctx.scope(state)?;
    let organisations = partnership::organisation_select(scope, "Select an organisation").await?;
    let mut priorities = vec![(String::new(), "None – the wider dataset".to_owned())];
    priorities.extend(
        partnership::current_priorities(scope)
            .await?
            .into_iter()
            .map(|(id, title)| (id.to_string(), title)),
    );
    let polarities = [
        Polarity::HigherIsBetter,
        Polarity::LowerIsBetter,
        Polarity::Neither,
    ];
    Ok(IndicatorFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        indicator,
        units: choices("Select a unit", &Unit::ALL, Unit::code, Unit::label),
        polarities: choices("Select", &polarities, polarity_code, polarity_label),
        frequencies: choices("Select", &Frequency::ALL, Frequency::code, Frequency::label),
        organisations,
        priorities,
    })
}

/// Checks the form against the partnership's own organisations and priorities, so an id of
/// another partnership's is refused as one not in the list.
async fn validate_indicator(
    scope: Scope<'_>,
    form: &IndicatorForm,
    editing: Option<IndicatorId>,
) -> AppResult<(FormErrors, Option<IndicatorDetails>)> {
    let organisations = partnership::organisation_choices(scope).await?;
    let priorities = partnership::current_priorities(scope).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, &organisations, &priorities);
    if let Some(details) = &details
        && store::indicator_code_taken(scope, &details.code, editing).await?
    {
        errors.add("code", "An indicator with this code already exists");
    }
    Ok((errors, details))
}

pub async fn new_indicator_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let form = IndicatorForm {
        frequency: "quarterly".into(),
        suppression_threshold: "5".into(),
        decimals: "0".into(),
        ..IndicatorForm::default()
    };
    render(&indicator_form_page(&state, &ctx, FormErrors::default(), form, None).await?)
}

pub async fn create_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<IndicatorForm>,
) -> AppResult<Response> {
    let (errors, details) = validate_indicator(ctx.scope(&state)?, &form, None).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&indicator_form_page(&state, &ctx, errors, form, None).await?);
    };
    let mut change = ctx.change(&state).await?;
    let id = store::insert_indicator(&mut change, &details, Quarter::containing(today())).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} added to the catalogue", details.code))
        .await?;
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}

/// The indicator, if it is not archived: an archived one is restored before it is edited.
fn live_indicator(indicator: Indicator) -> AppResult<Indicator> {
    if indicator.archived_at.is_some() {
        return Err(AppError::BadRequest(
            "This indicator is archived. Restore it before editing.".into(),
        ));
    }
    Ok(indicator)
}

pub async fn edit_indicator_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(indicator): Loaded<Indicator>,
) -> AppResult<impl IntoResponse> {
    let indicator = live_indicator(indicator)?;
    let form = IndicatorForm::of(&indicator);
    render(&indicator_form_page(&state, &ctx, FormErrors::default(), form, Some(indicator)).await?)
}

pub async fn update_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(indicator): Loaded<Indicator>,
    Form(form): Form<IndicatorForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let indicator = live_indicator(indicator)?;
    let id = indicator.id;
    let (errors, details) = validate_indicator(scope, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(
            &indicator_form_page(&state, &ctx, errors, form, Some(indicator)).await?,
        );
    };
    let mut change = ctx.change(&state).await?;
    store::update_indicator(&mut change, &indicator, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.code))
        .await?;
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}

async fn set_indicator_archived(
    state: &AppState,
    ctx: &Ctx,
    indicator: Indicator,
    archived: bool,
) -> AppResult<Response> {
    let id = indicator.id;
    if indicator.archived_at.is_some() != archived {
        let mut change = ctx.change(state).await?;
        store::set_indicator_archived(&mut change, &indicator, archived).await?;
        change.commit().await?;
        let verb = if archived { "Archived" } else { "Restored" };
        ctx.flash(
            state,
            &format!("{} {}", indicator.code, verb.to_lowercase()),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}

pub async fn archive_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(indicator): Loaded<Indicator>,
) -> AppResult<Response> {
    set_indicator_archived(&state, &ctx, indicator, true).await
}

pub async fn restore_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(indicator): Loaded<Indicator>,
) -> AppResult<Response> {
    set_indicator_archived(&state, &ctx, indicator, false).await
}
