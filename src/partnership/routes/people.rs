//! People: the directory, a person's page, adding, editing, archiving and restoring.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{can_manage, restore};
use crate::kernel::choices::GroupedChoices;
use crate::kernel::filters;
use crate::kernel::ids::PersonId;
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, render, render_refused,
};
use crate::partnership::model::*;
use crate::partnership::store::{self, PersonFilter, Record};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonQuery {
    organisation: String,
    q: String,
    archived: String,
}

#[derive(Template)]
#[template(path = "partnership/templates/person_list.html")]
struct PersonListPage {
    chrome: Chrome,
    people: Vec<Person>,
    organisations: GroupedChoices,
    organisation: String,
    q: String,
    include_archived: bool,
    can_manage: bool,
}

/// The organisations, statutory partners first, then a group per kind.
async fn organisation_options(
    state: &AppState,
    ctx: &Ctx,
    first: &str,
) -> AppResult<GroupedChoices> {
    Ok(crate::partnership::organisation_select(ctx.scope(state)?, first).await?)
}

pub async fn person_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PersonQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = PersonFilter {
        organisation_id: query.organisation.parse().ok(),
        search: query.q.chars().take(100).collect(),
        include_archived: query.archived == "yes",
    };
    let people = store::list_people(ctx.scope(&state)?, &filter).await?;
    render(&PersonListPage {
        chrome: ctx.chrome(&state).await?,
        people,
        organisations: organisation_options(&state, &ctx, "All organisations").await?,
        organisation: filter
            .organisation_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        q: filter.search,
        include_archived: filter.include_archived,
        can_manage: can_manage(ctx.user()?),
    })
}

#[derive(Template)]
#[template(path = "partnership/templates/person_form.html")]
struct PersonFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: PersonForm,
    person: Option<Person>,
    organisations: GroupedChoices,
}

pub async fn new_person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PersonQuery>,
) -> AppResult<impl IntoResponse> {
    let form = PersonForm {
        organisation_id: query.organisation,
        ..PersonForm::default()
    };
    render(&PersonFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form,
        person: None,
        organisations: organisation_options(&state, &ctx, "Select an organisation").await?,
    })
}

async fn validate_person(
    state: &AppState,
    ctx: &Ctx,
    form: &PersonForm,
    except: Option<PersonId>,
) -> AppResult<(FormErrors, Option<PersonDetails>)> {
    let names = store::organisation_names(ctx.scope(state)?).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, |id| names.contains_key(&id));
    if let Some(details) = &details
        && store::person_email_taken(ctx.scope(state)?, &details.email, except).await?
    {
        errors.add(
            "email",
            "Someone with this email address is already recorded",
        );
    }
    Ok((errors, details))
}

pub async fn create_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let (errors, details) = validate_person(&state, &ctx, &form, None).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&PersonFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            person: None,
            organisations: organisation_options(&state, &ctx, "Select an organisation").await?,
        });
    };
    let mut change = ctx.change(&state).await?;
    let id = store::create_person(&mut change, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} added", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/people/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "partnership/templates/person.html")]
struct PersonPage {
    chrome: Chrome,
    person: Person,
    memberships: Vec<Membership>,
    can_manage: bool,
}

/// A route's `{id}` is one of the signed-in user's partnership's people; another's is not
/// found.
impl Lookup for Person {
    type Id = PersonId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: PersonId) -> AppResult<Option<Self>> {
        Ok(store::find_person(ctx.scope(state)?, id).await?)
    }
}

pub async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(person): Loaded<Person>,
) -> AppResult<impl IntoResponse> {
    let memberships = store::memberships_of_person(ctx.scope(&state)?, person.id).await?;
    render(&PersonPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        person,
        memberships,
    })
}

/// The person, if not archived: an archived person is refused, not edited.
fn live_person(person: Person) -> AppResult<Person> {
    if person.archived_at.is_some() {
        return Err(AppError::BadRequest("This person is archived.".into()));
    }
    Ok(person)
}

pub async fn edit_person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(person): Loaded<Person>,
) -> AppResult<impl IntoResponse> {
    let person = live_person(person)?;
    render(&PersonFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: PersonForm::from_person(&person),
        person: Some(person),
        organisations: organisation_options(&state, &ctx, "Select an organisation").await?,
    })
}

pub async fn update_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(person): Loaded<Person>,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let person = live_person(person)?;
    let id = person.id;
    let (errors, details) = validate_person(&state, &ctx, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&PersonFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            person: Some(person),
            organisations: organisation_options(&state, &ctx, "Select an organisation").await?,
        });
    };
    let mut change = ctx.change(&state).await?;
    store::update_person(&mut change, &person, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/people/{id}")).into_response())
}

pub async fn archive_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(person): Loaded<Person>,
) -> AppResult<Response> {
    let id = person.id;
    if person.archived_at.is_none() {
        let mut change = ctx.change(&state).await?;
        // Leaving the partnership ends their group memberships too.
        store::archive_person(&mut change, &person).await?;
        change.commit().await?;
        ctx.flash(&state, &format!("{} archived", person.name))
            .await?;
    }
    Ok(Redirect::to(&format!("/partnership/people/{id}")).into_response())
}

pub async fn restore_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
) -> AppResult<Response> {
    restore(&state, &ctx, Record::Person(id), "people").await
}
