//! Organisations: the list, an organisation's page, adding, editing, archiving and restoring.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::can_manage;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};
use crate::partnership::model::*;
use crate::partnership::store::{self, OrganisationFilter, PersonFilter};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrganisationQuery {
    kind: String,
    q: String,
    archived: String,
}

#[derive(Template)]
#[template(path = "partnership/templates/organisation_list.html")]
struct OrganisationListPage {
    chrome: Chrome,
    organisations: Vec<Organisation>,
    kind: String,
    q: String,
    include_archived: bool,
    can_manage: bool,
}

pub async fn organisation_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<OrganisationQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = OrganisationFilter {
        kind: OrganisationKind::from_code(&query.kind),
        search: query.q.chars().take(100).collect(),
        include_archived: query.archived == "yes",
    };
    let organisations = store::list_organisations(ctx.scope(&state)?, &filter).await?;
    render(&OrganisationListPage {
        chrome: ctx.chrome(&state).await?,
        organisations,
        kind: filter
            .kind
            .map(|kind| kind.code().to_owned())
            .unwrap_or_default(),
        q: filter.search,
        include_archived: filter.include_archived,
        can_manage: can_manage(ctx.user()?),
    })
}

#[derive(Template)]
#[template(path = "partnership/templates/organisation_form.html")]
struct OrganisationFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: OrganisationForm,
    /// None when creating.
    organisation: Option<Organisation>,
    /// Only the business unit sets an organisation's type and active period.
    full_edit: bool,
    kinds: Vec<(String, String)>,
}

/// The choices of the organisation type list.
fn kind_options() -> Vec<(String, String)> {
    let mut options = vec![(String::new(), "Select a type".to_owned())];
    options.extend(
        OrganisationKind::ALL
            .iter()
            .map(|kind| (kind.code().to_owned(), kind.label().to_owned())),
    );
    options
}

pub async fn new_organisation_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(&OrganisationFormPage {
        kinds: kind_options(),
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: OrganisationForm::default(),
        organisation: None,
        full_edit: true,
    })
}

pub async fn create_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<OrganisationForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if let Some(details) = &details
        && store::organisation_name_taken(ctx.scope(&state)?, &details.name, None).await?
    {
        errors.add("name", "An organisation with this name already exists");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&OrganisationFormPage {
            kinds: kind_options(),
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            organisation: None,
            full_edit: true,
        });
    };
    let mut change = ctx.change(&state).await?;
    let id = store::create_organisation(&mut change, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} added", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/organisations/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "partnership/templates/organisation.html")]
struct OrganisationPage {
    chrome: Chrome,
    organisation: Organisation,
    people: Vec<Person>,
    can_edit: bool,
    can_manage: bool,
}

/// May this person edit this organisation? The business unit edits any; a partner data lead
/// edits only their own.
fn may_edit_organisation(user: &CurrentUser, organisation_id: OrganisationId) -> bool {
    can_manage(user)
        || (user.can(Permission::EditOwnOrganisation)
            && user.organisation() == Some(organisation_id))
}

/// A route's `{id}` is one of the signed-in user's partnership's organisations; another's is
/// not found.
impl Lookup for Organisation {
    type Id = OrganisationId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: OrganisationId) -> AppResult<Option<Self>> {
        Ok(store::find_organisation(ctx.scope(state)?, id).await?)
    }
}

pub async fn organisation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(organisation): Loaded<Organisation>,
) -> AppResult<impl IntoResponse> {
    let id = organisation.id;
    let people = store::list_people(
        ctx.scope(&state)?,
        &PersonFilter {
            organisation_id: Some(id),
            ..PersonFilter::default()
        },
    )
    .await?;
    let user = ctx.user()?;
    render(&OrganisationPage {
        can_edit: may_edit_organisation(user, id) && organisation.archived_at.is_none(),
        can_manage: can_manage(user),
        chrome: ctx.chrome(&state).await?,
        organisation,
        people,
    })
}

/// The organisation, if this person may edit it. The edit routes keep `Path`: the refusal
/// (403) comes before the lookup, so it does not reveal whether the record exists.
async fn editable_organisation(
    state: &AppState,
    ctx: &Ctx,
    id: OrganisationId,
) -> AppResult<Organisation> {
    let user = ctx.user()?;
    // Refuse before revealing whether the record exists.
    if !may_edit_organisation(user, id) {
        return Err(AppError::Forbidden);
    }
    let organisation = Organisation::look_up(state, ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if organisation.archived_at.is_some() {
        return Err(AppError::BadRequest(
            "This organisation is archived. Restore it before editing.".into(),
        ));
    }
    Ok(organisation)
}

pub async fn edit_organisation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<OrganisationId>,
) -> AppResult<impl IntoResponse> {
    let organisation = editable_organisation(&state, &ctx, id).await?;
    render(&OrganisationFormPage {
        kinds: kind_options(),
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: OrganisationForm::from_organisation(&organisation),
        full_edit: can_manage(ctx.user()?),
        organisation: Some(organisation),
    })
}

pub async fn update_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<OrganisationId>,
    Form(mut form): Form<OrganisationForm>,
) -> AppResult<Response> {
    let organisation = editable_organisation(&state, &ctx, id).await?;
    let full_edit = can_manage(ctx.user()?);
    if !full_edit {
        // A partner edits its name and sector; type and active period stay as the business unit set them.
        let kept = OrganisationForm::from_organisation(&organisation);
        form = OrganisationForm {
            name: form.name,
            sector: form.sector,
            ..kept
        };
    }
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if let Some(details) = &details
        && store::organisation_name_taken(ctx.scope(&state)?, &details.name, Some(id)).await?
    {
        errors.add("name", "An organisation with this name already exists");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&OrganisationFormPage {
            kinds: kind_options(),
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            organisation: Some(organisation),
            full_edit,
        });
    };
    let mut change = ctx.change(&state).await?;
    store::update_organisation(&mut change, &organisation, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/organisations/{id}")).into_response())
}

async fn set_organisation_archived(
    state: &AppState,
    ctx: &Ctx,
    organisation: Organisation,
    archived: bool,
) -> AppResult<Response> {
    let id = organisation.id;
    if organisation.archived_at.is_some() != archived {
        let mut change = ctx.change(state).await?;
        let verb = if archived {
            store::archive_organisation(&mut change, &organisation).await?;
            "Archived"
        } else {
            store::restore_organisation(&mut change, &organisation).await?;
            "Restored"
        };
        change.commit().await?;
        ctx.flash(
            state,
            &format!("{} {}", organisation.name, verb.to_lowercase()),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/partnership/organisations/{id}")).into_response())
}

pub async fn archive_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(organisation): Loaded<Organisation>,
) -> AppResult<Response> {
    set_organisation_archived(&state, &ctx, organisation, true).await
}

pub async fn restore_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(organisation): Loaded<Organisation>,
) -> AppResult<Response> {
    set_organisation_archived(&state, &ctx, organisation, false).await
}
