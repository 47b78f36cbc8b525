//! Partnership pages. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::*;
use super::store::{self, OrganisationFilter, PersonFilter, Table};
use crate::kernel::api_tokens;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::auth::CurrentUser;
use crate::kernel::db::Transaction;
use crate::kernel::text::{FormErrors, display_date, long_date, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, render, render_refused,
};

async fn record(
    tx: &mut Transaction,
    ctx: &Ctx,
    action: AuditAction,
    (entity_type, entity_id): (&str, i64),
    summary: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AppResult<()> {
    audit::record(
        tx,
        &ctx.actor()?,
        AuditEntry {
            action,
            entity_type,
            entity_id: Some(entity_id),
            summary,
            before,
            after,
        },
    )
    .await?;
    Ok(())
}

fn can_manage(user: &CurrentUser) -> bool {
    user.can(Permission::ManagePartnership)
}

// ---- overview ----

#[derive(Template)]
#[template(path = "partnership/templates/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    counts: store::Counts,
    rotations_due: Vec<(Membership, RotationStatus)>,
    plan: Option<(BusinessPlan, Vec<PlanItem>)>,
}

pub async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let counts = store::counts(&state.db, ctx.partnership()?).await?;
    let rotations_due = store::chair_rotations(&state.db, ctx.partnership()?)
        .await?
        .into_iter()
        .filter_map(|membership| {
            let status = rotation_status(membership.term_ends_on?, today());
            (status != RotationStatus::Later).then_some((membership, status))
        })
        .collect();
    let plan = match store::list_plans(&state.db, ctx.partnership()?, false)
        .await?
        .into_iter()
        .find(|plan| plan.starts_on <= today() && today() <= plan.ends_on)
    {
        Some(plan) => {
            let items = store::plan_items(&state.db, plan.id).await?;
            Some((plan, items))
        }
        None => None,
    };
    render(&OverviewPage {
        chrome: ctx.chrome(&state).await?,
        counts,
        rotations_due,
        plan,
    })
}

#[derive(Template)]
#[template(path = "partnership/templates/rotations.html")]
struct RotationsPage {
    chrome: Chrome,
    rotations: Vec<(Membership, RotationStatus)>,
}

pub async fn rotations(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let rotations = store::chair_rotations(&state.db, ctx.partnership()?)
        .await?
        .into_iter()
        .filter_map(|membership| {
            let status = rotation_status(membership.term_ends_on?, today());
            Some((membership, status))
        })
        .collect();
    render(&RotationsPage {
        chrome: ctx.chrome(&state).await?,
        rotations,
    })
}

// ---- organisations ----

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
    let organisations = store::list_organisations(&state.db, ctx.partnership()?, &filter).await?;
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
}

pub fn kind_options() -> Vec<(String, String)> {
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
        && store::organisation_name_taken(&state.db, ctx.partnership()?, &details.name, None)
            .await?
    {
        errors.add("name", "An organisation with this name already exists");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&OrganisationFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            organisation: None,
            full_edit: true,
        });
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_organisation(&mut tx, ctx.partnership()?, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("organisation", id),
        format!("Created organisation {}", details.name),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
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
fn may_edit_organisation(user: &CurrentUser, organisation_id: i64) -> bool {
    can_manage(user)
        || (user.can(Permission::EditOwnOrganisation)
            && user.organisation_id == Some(organisation_id))
}

pub async fn organisation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let organisation = store::find_organisation(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = store::list_people(
        &state.db,
        ctx.partnership()?,
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

async fn editable_organisation(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Organisation> {
    let user = ctx.user()?;
    // Refuse before revealing whether the record exists.
    if !may_edit_organisation(user, id) {
        return Err(AppError::Forbidden);
    }
    let organisation = store::find_organisation(&state.db, ctx.partnership()?, id)
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let organisation = editable_organisation(&state, &ctx, id).await?;
    render(&OrganisationFormPage {
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
    Path(id): Path<i64>,
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
        && store::organisation_name_taken(&state.db, ctx.partnership()?, &details.name, Some(id))
            .await?
    {
        errors.add("name", "An organisation with this name already exists");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&OrganisationFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            organisation: Some(organisation),
            full_edit,
        });
    };
    let mut tx = state.db.begin_write().await?;
    store::update_organisation(&mut tx, id, &details).await?;
    let before = OrganisationDetails {
        name: organisation.name.clone(),
        kind: organisation.kind,
        sector: organisation.sector.clone(),
        active_from: organisation.active_from,
        active_to: organisation.active_to,
    };
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("organisation", id),
        format!("Updated organisation {}", details.name),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/organisations/{id}")).into_response())
}

async fn set_organisation_archived(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    archived: bool,
) -> AppResult<Response> {
    let organisation = store::find_organisation(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if organisation.archived_at.is_some() != archived {
        let mut tx = state.db.begin_write().await?;
        let (action, verb) = if archived {
            store::archive(&mut tx, Table::Organisations, id).await?;
            // An organisation that has left sends no more data: its API tokens stop now (and
            // stay revoked if it is restored; its data lead makes new ones).
            let revoked = api_tokens::revoke_tokens_of_organisation(&mut tx, id).await?;
            api_tokens::record_revocations(
                &mut tx,
                &ctx.actor()?,
                &revoked,
                &format!("as organisation {} was archived", organisation.name),
            )
            .await?;
            (AuditAction::Archive, "Archived")
        } else {
            store::restore(&mut tx, Table::Organisations, id).await?;
            (AuditAction::Restore, "Restored")
        };
        record(
            &mut tx,
            ctx,
            action,
            ("organisation", id),
            format!("{verb} organisation {}", organisation.name),
            Some(snapshot(&organisation)),
            None,
        )
        .await?;
        tx.commit().await?;
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
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_organisation_archived(&state, &ctx, id, true).await
}

pub async fn restore_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_organisation_archived(&state, &ctx, id, false).await
}

/// Restores an archived record from its page (people, groups and business plans): it is listed
/// again and can be edited. Its page is /partnership/{pages}/{id}; restoring twice changes nothing.
async fn restore(
    state: &AppState,
    ctx: &Ctx,
    table: Table,
    (entity_type, id): (&str, i64),
    pages: &str,
) -> AppResult<Response> {
    let (name, archived_at) = store::archive_state(&state.db, ctx.partnership()?, table, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if archived_at.is_some() {
        let mut tx = state.db.begin_write().await?;
        store::restore(&mut tx, table, id).await?;
        record(
            &mut tx,
            ctx,
            AuditAction::Restore,
            (entity_type, id),
            format!("Restored {} {name}", entity_type.replace('_', " ")),
            Some(serde_json::json!({ "archived_at": archived_at })),
            Some(serde_json::json!({ "archived_at": null })),
        )
        .await?;
        tx.commit().await?;
        ctx.flash(state, &format!("{name} restored")).await?;
    }
    Ok(Redirect::to(&format!("/partnership/{pages}/{id}")).into_response())
}

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

// ---- groups ----

#[derive(Template)]
#[template(path = "partnership/templates/group_list.html")]
struct GroupListPage {
    chrome: Chrome,
    /// Groups in reporting order, each with its depth below the top.
    groups: Vec<(Group, usize)>,
    can_manage: bool,
}

/// Orders groups as a tree (each group followed by those reporting to it), with depths.
fn reporting_order(groups: Vec<Group>) -> Vec<(Group, usize)> {
    fn visit(
        parent: Option<i64>,
        depth: usize,
        groups: &[Group],
        placed: &mut Vec<bool>,
        out: &mut Vec<(Group, usize)>,
    ) {
        for (index, group) in groups.iter().enumerate() {
            if !placed[index] && group.parent_group_id == parent {
                placed[index] = true;
                out.push((group.clone(), depth));
                visit(Some(group.id), depth + 1, groups, placed, out);
            }
        }
    }
    let mut placed = vec![false; groups.len()];
    let mut out = Vec::with_capacity(groups.len());
    visit(None, 0, &groups, &mut placed, &mut out);
    // Groups whose parent is archived (or missing) are listed at the top level.
    for (index, group) in groups.iter().enumerate() {
        if !placed[index] {
            placed[index] = true;
            out.push((group.clone(), 0));
            visit(Some(group.id), 1, &groups, &mut placed, &mut out);
        }
    }
    out
}

pub async fn group_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let groups = reporting_order(store::list_groups(&state.db, ctx.partnership()?, false).await?);
    render(&GroupListPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        groups,
    })
}

#[derive(Template)]
#[template(path = "partnership/templates/group_form.html")]
struct GroupFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: GroupForm,
    group: Option<Group>,
    kinds: Vec<(String, String)>,
    parents: Vec<(String, String)>,
}

async fn group_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: GroupForm,
    group: Option<Group>,
) -> AppResult<GroupFormPage> {
    let mut kinds = vec![(String::new(), "Select a type".to_owned())];
    kinds.extend(
        GroupKind::ALL
            .iter()
            .map(|kind| (kind.code().to_owned(), kind.label().to_owned())),
    );
    let mut parents = vec![(
        String::new(),
        "None – it is the top of the structure".to_owned(),
    )];
    let editing = group.as_ref().map(|group| group.id);
    parents.extend(
        store::list_groups(&state.db, ctx.partnership()?, false)
            .await?
            .into_iter()
            .filter(|candidate| Some(candidate.id) != editing)
            .map(|candidate| (candidate.id.to_string(), candidate.name)),
    );
    Ok(GroupFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        group,
        kinds,
        parents,
    })
}

async fn validate_group(
    state: &AppState,
    ctx: &Ctx,
    form: &GroupForm,
    editing: Option<i64>,
) -> AppResult<(FormErrors, Option<GroupDetails>)> {
    let parents = store::group_parents(&state.db, ctx.partnership()?).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, editing, &parents);
    if let Some(details) = &details
        && store::group_name_taken(&state.db, ctx.partnership()?, &details.name, editing).await?
    {
        errors.add("name", "A group with this name already exists");
    }
    Ok((errors, details))
}

pub async fn new_group_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(
        &group_form_page(
            &state,
            &ctx,
            FormErrors::default(),
            GroupForm::default(),
            None,
        )
        .await?,
    )
}

pub async fn create_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<GroupForm>,
) -> AppResult<Response> {
    let (errors, details) = validate_group(&state, &ctx, &form, None).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&group_form_page(&state, &ctx, errors, form, None).await?);
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_group(&mut tx, ctx.partnership()?, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("group", id),
        format!("Created group {}", details.name),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} created", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "partnership/templates/group.html")]
struct GroupPage {
    chrome: Chrome,
    group: Group,
    members: Vec<(Membership, Option<RotationStatus>)>,
    reporting_groups: Vec<Group>,
    can_manage: bool,
}

pub async fn group_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let group = store::find_group(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = store::current_memberships(&state.db, id)
        .await?
        .into_iter()
        .map(|membership| {
            let status = match membership.position {
                Position::Member => None,
                _ => membership
                    .term_ends_on
                    .map(|ends| rotation_status(ends, today())),
            };
            (membership, status)
        })
        .collect();
    let reporting_groups = store::list_groups(&state.db, ctx.partnership()?, false)
        .await?
        .into_iter()
        .filter(|g| g.parent_group_id == Some(id))
        .collect();
    render(&GroupPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        group,
        members,
        reporting_groups,
    })
}

async fn live_group(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Group> {
    let group = store::find_group(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if group.archived_at.is_some() {
        return Err(AppError::BadRequest("This group is archived.".into()));
    }
    Ok(group)
}

pub async fn edit_group_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let group = live_group(&state, &ctx, id).await?;
    let form = GroupForm::from_group(&group);
    render(&group_form_page(&state, &ctx, FormErrors::default(), form, Some(group)).await?)
}

pub async fn update_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<GroupForm>,
) -> AppResult<Response> {
    let group = live_group(&state, &ctx, id).await?;
    let (errors, details) = validate_group(&state, &ctx, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&group_form_page(&state, &ctx, errors, form, Some(group)).await?);
    };
    let before = GroupDetails {
        name: group.name.clone(),
        kind: group.kind,
        parent_group_id: group.parent_group_id,
        meets: group.meets.clone(),
        terms_of_reference: group.terms_of_reference.clone(),
    };
    let mut tx = state.db.begin_write().await?;
    store::update_group(&mut tx, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("group", id),
        format!("Updated group {}", details.name),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

pub async fn archive_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let group = store::find_group(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if group.archived_at.is_none() {
        let mut tx = state.db.begin_write().await?;
        store::archive(&mut tx, Table::Groups, id).await?;
        record(
            &mut tx,
            &ctx,
            AuditAction::Archive,
            ("group", id),
            format!("Archived group {}", group.name),
            Some(snapshot(&group)),
            None,
        )
        .await?;
        tx.commit().await?;
        ctx.flash(&state, &format!("{} archived", group.name))
            .await?;
    }
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

pub async fn restore_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    restore(&state, &ctx, Table::Groups, ("group", id), "groups").await
}

#[derive(Template)]
#[template(path = "partnership/templates/membership_form.html")]
struct MembershipFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: MembershipForm,
    group: Group,
    /// None when adding; when changing, the person and start date are shown, not chosen.
    membership: Option<Membership>,
    people: Vec<(String, String)>,
    positions: Vec<(String, String)>,
}

async fn membership_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: MembershipForm,
    (group, membership): (Group, Option<Membership>),
) -> AppResult<MembershipFormPage> {
    let mut people = vec![(String::new(), "Select a person".to_owned())];
    if membership.is_none() {
        people.extend(
            store::list_people(&state.db, ctx.partnership()?, &PersonFilter::default())
                .await?
                .into_iter()
                .map(|person| {
                    (
                        person.id.to_string(),
                        format!("{} ({})", person.name, person.organisation_name),
                    )
                }),
        );
    }
    let mut positions = vec![(String::new(), "Select a position".to_owned())];
    positions.extend(
        Position::ALL
            .iter()
            .map(|position| (position.code().to_owned(), position.label().to_owned())),
    );
    Ok(MembershipFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        group,
        membership,
        people,
        positions,
    })
}

pub async fn new_membership_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let group = live_group(&state, &ctx, id).await?;
    render(
        &membership_form_page(
            &state,
            &ctx,
            FormErrors::default(),
            MembershipForm::default(),
            (group, None),
        )
        .await?,
    )
}

pub async fn create_membership(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<MembershipForm>,
) -> AppResult<Response> {
    let group = live_group(&state, &ctx, id).await?;
    let people: Vec<i64> =
        store::list_people(&state.db, ctx.partnership()?, &PersonFilter::default())
            .await?
            .into_iter()
            .map(|person| person.id)
            .collect();
    // Judged against the memberships as they are inside the write, so two additions at once
    // cannot make two chairs or add a person twice.
    let mut tx = state.db.begin_write().await?;
    let current = store::current_memberships_locked(&mut tx, id).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, |person| people.contains(&person), &current);
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        tx.rollback().await?;
        return render_refused(
            &membership_form_page(&state, &ctx, errors, form, (group, None)).await?,
        );
    };
    let membership_id = store::insert_membership(&mut tx, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("group_membership", membership_id),
        format!(
            "Added a {} to {}",
            details.position.label().to_lowercase(),
            group.name
        ),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!("{} added to {}", details.position.label(), group.name),
    )
    .await?;
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

/// A current membership of a live group. A membership id from another group in the URL is not
/// found; an ended membership is history, not changed.
async fn current_membership(
    state: &AppState,
    ctx: &Ctx,
    group_id: i64,
    membership_id: i64,
) -> AppResult<(Group, Membership)> {
    let group = live_group(state, ctx, group_id).await?;
    let membership = store::find_membership(&state.db, ctx.partnership()?, membership_id)
        .await?
        .filter(|membership| membership.group_id == group_id)
        .ok_or(AppError::NotFound)?;
    if membership.ended_on.is_some() {
        return Err(AppError::BadRequest(
            "This membership has ended and cannot be changed. Add the person to the group again instead."
                .into(),
        ));
    }
    Ok((group, membership))
}

pub async fn edit_membership_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, membership_id)): Path<(i64, i64)>,
) -> AppResult<impl IntoResponse> {
    let (group, membership) = current_membership(&state, &ctx, id, membership_id).await?;
    let form = MembershipForm::from_membership(&membership);
    render(
        &membership_form_page(
            &state,
            &ctx,
            FormErrors::default(),
            form,
            (group, Some(membership)),
        )
        .await?,
    )
}

pub async fn update_membership(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, membership_id)): Path<(i64, i64)>,
    Form(form): Form<MembershipForm>,
) -> AppResult<Response> {
    let (group, _) = current_membership(&state, &ctx, id, membership_id).await?;
    let mut tx = state.db.begin_write().await?;
    let current = store::current_memberships_locked(&mut tx, id).await?;
    // Ended by someone else a moment ago: not changed.
    let Some(membership) = current
        .iter()
        .find(|current| current.id == membership_id)
        .cloned()
    else {
        return Err(AppError::BadRequest(
            "Someone else ended this membership a moment ago. Reload the group's page.".into(),
        ));
    };
    let mut errors = FormErrors::default();
    let details = form.validate_change(&mut errors, &membership, &current);
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        tx.rollback().await?;
        return render_refused(
            &membership_form_page(&state, &ctx, errors, form, (group, Some(membership))).await?,
        );
    };
    let before = MembershipDetails {
        person_id: membership.person_id,
        position: membership.position,
        started_on: membership.started_on,
        term_ends_on: membership.term_ends_on,
    };
    store::update_membership(&mut tx, membership_id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("group_membership", membership_id),
        format!(
            "Changed {}'s membership of {}",
            membership.person_name, group.name
        ),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "{}'s membership of {} updated",
            membership.person_name, group.name
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

pub async fn end_membership(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, membership_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let membership = store::find_membership(&state.db, ctx.partnership()?, membership_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A membership id from another group in the URL is refused, not acted on.
    if membership.group_id != id {
        return Err(AppError::NotFound);
    }
    if membership.ended_on.is_none() {
        let mut tx = state.db.begin_write().await?;
        store::end_membership(&mut tx, membership_id, today()).await?;
        record(
            &mut tx,
            &ctx,
            AuditAction::Update,
            ("group_membership", membership_id),
            format!(
                "Ended {}'s membership of {}",
                membership.person_name, membership.group_name
            ),
            Some(snapshot(&membership)),
            Some(serde_json::json!({ "ended_on": today().to_string() })),
        )
        .await?;
        tx.commit().await?;
        ctx.flash(
            &state,
            &format!(
                "{} is no longer a {} of {}",
                membership.person_name,
                membership.position.label().to_lowercase(),
                membership.group_name
            ),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

// ---- business plans ----

#[derive(Template)]
#[template(path = "partnership/templates/plan_list.html")]
struct PlanListPage {
    chrome: Chrome,
    plans: Vec<BusinessPlan>,
    can_manage: bool,
}

pub async fn plan_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let plans = store::list_plans(&state.db, ctx.partnership()?, false).await?;
    render(&PlanListPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        plans,
    })
}

#[derive(Template)]
#[template(path = "partnership/templates/plan_form.html")]
struct PlanFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: BusinessPlanForm,
    plan: Option<BusinessPlan>,
}

async fn validate_plan(
    state: &AppState,
    ctx: &Ctx,
    form: &BusinessPlanForm,
    editing: Option<i64>,
) -> AppResult<(FormErrors, Option<BusinessPlanDetails>)> {
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if let Some(details) = &details
        && store::plan_name_taken(&state.db, ctx.partnership()?, &details.name, editing).await?
    {
        errors.add("name", "A business plan with this name already exists");
    }
    Ok((errors, details))
}

pub async fn new_plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(&PlanFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: BusinessPlanForm::default(),
        plan: None,
    })
}

pub async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<BusinessPlanForm>,
) -> AppResult<Response> {
    let (errors, details) = validate_plan(&state, &ctx, &form, None).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&PlanFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan: None,
        });
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_plan(&mut tx, ctx.partnership()?, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("business_plan", id),
        format!("Created {}", details.name),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "{} created. Add its priorities and cross-cutting themes.",
            details.name
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "partnership/templates/plan.html")]
struct PlanPage {
    chrome: Chrome,
    plan: BusinessPlan,
    priorities: Vec<PlanItem>,
    themes: Vec<PlanItem>,
    can_manage: bool,
}

pub async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let plan = store::find_plan(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (priorities, themes) = store::plan_items(&state.db, id)
        .await?
        .into_iter()
        .partition(|item| item.kind == PlanItemKind::Priority);
    render(&PlanPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        plan,
        priorities,
        themes,
    })
}

async fn live_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<BusinessPlan> {
    let plan = store::find_plan(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if plan.archived_at.is_some() {
        return Err(AppError::BadRequest(
            "This business plan is archived.".into(),
        ));
    }
    Ok(plan)
}

pub async fn edit_plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let plan = live_plan(&state, &ctx, id).await?;
    render(&PlanFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: BusinessPlanForm::from_plan(&plan),
        plan: Some(plan),
    })
}

pub async fn update_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<BusinessPlanForm>,
) -> AppResult<Response> {
    let plan = live_plan(&state, &ctx, id).await?;
    let (errors, details) = validate_plan(&state, &ctx, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&PlanFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan: Some(plan),
        });
    };
    let before = BusinessPlanDetails {
        name: plan.name.clone(),
        starts_on: plan.starts_on,
        ends_on: plan.ends_on,
    };
    let mut tx = state.db.begin_write().await?;
    store::update_plan(&mut tx, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("business_plan", id),
        format!("Updated {}", details.name),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

pub async fn archive_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let plan = store::find_plan(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if plan.archived_at.is_none() {
        let mut tx = state.db.begin_write().await?;
        store::archive(&mut tx, Table::BusinessPlans, id).await?;
        record(
            &mut tx,
            &ctx,
            AuditAction::Archive,
            ("business_plan", id),
            format!("Archived {}", plan.name),
            Some(snapshot(&plan)),
            None,
        )
        .await?;
        tx.commit().await?;
        ctx.flash(&state, &format!("{} archived", plan.name))
            .await?;
    }
    Ok(Redirect::to("/partnership/business-plans").into_response())
}

pub async fn restore_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    restore(
        &state,
        &ctx,
        Table::BusinessPlans,
        ("business_plan", id),
        "business-plans",
    )
    .await
}

#[derive(Template)]
#[template(path = "partnership/templates/item_form.html")]
struct ItemFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: PlanItemForm,
    plan: BusinessPlan,
    item: Option<PlanItem>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ItemQuery {
    kind: String,
}

pub async fn new_item_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<ItemQuery>,
) -> AppResult<impl IntoResponse> {
    let plan = live_plan(&state, &ctx, id).await?;
    let form = PlanItemForm {
        kind: query.kind,
        ..PlanItemForm::default()
    };
    render(&ItemFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form,
        plan,
        item: None,
    })
}

pub async fn create_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PlanItemForm>,
) -> AppResult<Response> {
    let plan = live_plan(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors) else {
        return render_refused(&ItemFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan,
            item: None,
        });
    };
    let mut tx = state.db.begin_write().await?;
    let item_id = store::insert_item(&mut tx, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("business_plan_item", item_id),
        format!(
            "Added {} to {}: {}",
            details.kind.label().to_lowercase(),
            plan.name,
            details.title
        ),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} added", details.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

/// An item of this plan; an item id from another plan in the URL is refused.
async fn plan_item(
    state: &AppState,
    ctx: &Ctx,
    plan_id: i64,
    item_id: i64,
) -> AppResult<(BusinessPlan, PlanItem)> {
    let plan = live_plan(state, ctx, plan_id).await?;
    let item = store::find_item(&state.db, ctx.partnership()?, item_id)
        .await?
        .filter(|item| item.business_plan_id == plan_id && item.archived_at.is_none())
        .ok_or(AppError::NotFound)?;
    Ok((plan, item))
}

pub async fn edit_item_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(i64, i64)>,
) -> AppResult<impl IntoResponse> {
    let (plan, item) = plan_item(&state, &ctx, id, item_id).await?;
    render(&ItemFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: PlanItemForm::from_item(&item),
        plan,
        item: Some(item),
    })
}

pub async fn update_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(i64, i64)>,
    Form(form): Form<PlanItemForm>,
) -> AppResult<Response> {
    let (plan, item) = plan_item(&state, &ctx, id, item_id).await?;
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors) else {
        return render_refused(&ItemFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan,
            item: Some(item),
        });
    };
    let before = PlanItemDetails {
        kind: item.kind,
        title: item.title.clone(),
        description: item.description.clone(),
    };
    let mut tx = state.db.begin_write().await?;
    store::update_item(&mut tx, item_id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("business_plan_item", item_id),
        format!(
            "Updated {}: {}",
            details.kind.label().to_lowercase(),
            details.title
        ),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

pub async fn archive_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (_, item) = plan_item(&state, &ctx, id, item_id).await?;
    let mut tx = state.db.begin_write().await?;
    store::archive(&mut tx, Table::PlanItems, item_id).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Archive,
        ("business_plan_item", item_id),
        format!(
            "Archived {}: {}",
            item.kind.label().to_lowercase(),
            item.title
        ),
        Some(snapshot(&item)),
        None,
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} archived", item.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

/// Used by templates.
pub fn show_date(date: &time::Date) -> String {
    long_date(*date)
}

pub fn show_optional_date(date: &Option<time::Date>) -> String {
    date.map(long_date).unwrap_or_default()
}

pub fn show_timestamp(text: &str) -> String {
    display_date(text)
}
