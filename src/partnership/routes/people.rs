//! People: the directory, a person's page, adding, editing, archiving and restoring.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{can_manage, record, restore};
use crate::kernel::audit::{AuditAction, snapshot};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render, render_refused};
use crate::partnership::model::*;
use crate::partnership::store::{self, PersonFilter, Table};

// ---- people ----

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
    organisations: Vec<(String, String)>,
    organisation: String,
    q: String,
    include_archived: bool,
    can_manage: bool,
}

async fn organisation_options(
    state: &AppState,
    ctx: &Ctx,
    first: &str,
) -> AppResult<Vec<(String, String)>> {
    let mut options = vec![(String::new(), first.to_owned())];
    options.extend(
        store::organisation_choices(&state.db, ctx.partnership()?)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name)),
    );
    Ok(options)
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
    let people = store::list_people(&state.db, ctx.partnership()?, &filter).await?;
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
    organisations: Vec<(String, String)>,
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
    except: Option<i64>,
) -> AppResult<(FormErrors, Option<PersonDetails>)> {
    let names = store::organisation_names(&state.db, ctx.partnership()?).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, |id| names.contains_key(&id));
    if let Some(details) = &details
        && store::person_email_taken(&state.db, ctx.partnership()?, &details.email, except).await?
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
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_person(&mut tx, ctx.partnership()?, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("person", id),
        format!("Added {}", details.name),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
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

pub async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let person = store::find_person(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let memberships = store::memberships_of_person(&state.db, id).await?;
    render(&PersonPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        person,
        memberships,
    })
}

async fn live_person(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Person> {
    let person = store::find_person(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if person.archived_at.is_some() {
        return Err(AppError::BadRequest("This person is archived.".into()));
    }
    Ok(person)
}

pub async fn edit_person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let person = live_person(&state, &ctx, id).await?;
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
    Path(id): Path<i64>,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let person = live_person(&state, &ctx, id).await?;
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
    let before = PersonDetails {
        organisation_id: person.organisation_id,
        name: person.name.clone(),
        job_title: person.job_title.clone(),
        email: person.email.clone(),
    };
    let mut tx = state.db.begin_write().await?;
    store::update_person(&mut tx, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("person", id),
        format!("Updated {}", details.name),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/people/{id}")).into_response())
}

pub async fn archive_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let person = store::find_person(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if person.archived_at.is_none() {
        let mut tx = state.db.begin_write().await?;
        store::archive(&mut tx, Table::People, id).await?;
        // Leaving the partnership ends their group memberships too.
        for membership in store::memberships_of_person(&state.db, id)
            .await?
            .into_iter()
            .filter(|m| m.ended_on.is_none())
        {
            store::end_membership(&mut tx, membership.id, today()).await?;
        }
        record(
            &mut tx,
            &ctx,
            AuditAction::Archive,
            ("person", id),
            format!("Archived {} and ended their group memberships", person.name),
            Some(snapshot(&person)),
            None,
        )
        .await?;
        tx.commit().await?;
        ctx.flash(&state, &format!("{} archived", person.name))
            .await?;
    }
    Ok(Redirect::to(&format!("/partnership/people/{id}")).into_response())
}

pub async fn restore_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    restore(&state, &ctx, Table::People, ("person", id), "people").await
}
