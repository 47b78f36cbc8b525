//! Memberships of a group (members, chairs and vice-chairs) and the chair rotations page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::groups::live_group;
use crate::kernel::filters;
use crate::kernel::ids::{GroupId, PersonId};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, render, render_refused,
};
use crate::partnership::model::*;
use crate::partnership::store::{self, PersonFilter};

#[derive(Template)]
#[template(path = "partnership/templates/rotations.html")]
struct RotationsPage {
    chrome: Chrome,
    rotations: Vec<(Membership, RotationStatus)>,
}

pub async fn rotations(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let rotations = store::chair_rotations(ctx.scope(&state)?)
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
            store::list_people(ctx.scope(state)?, &PersonFilter::default())
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
    Loaded(group): Loaded<Group>,
) -> AppResult<impl IntoResponse> {
    let group = live_group(group)?;
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
    Loaded(group): Loaded<Group>,
    Form(form): Form<MembershipForm>,
) -> AppResult<Response> {
    let group = live_group(group)?;
    let id = group.id;
    let people: Vec<PersonId> = store::list_people(ctx.scope(&state)?, &PersonFilter::default())
        .await?
        .into_iter()
        .map(|person| person.id)
        .collect();
    // Judged against the memberships as they are inside the write, so two additions at once
    // cannot make two chairs or add a person twice.
    let mut change = ctx.change(&state).await?;
    let current = store::current_memberships(&mut change, id).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, |person| people.contains(&person), &current);
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        drop(change);
        return render_refused(
            &membership_form_page(&state, &ctx, errors, form, (group, None)).await?,
        );
    };
    store::create_membership(&mut change, &group, &details).await?;
    change.commit().await?;
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
    group_id: GroupId,
    membership_id: MembershipId,
) -> AppResult<(Group, Membership)> {
    let group = Group::look_up(state, ctx, group_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let group = live_group(group)?;
    let membership = store::find_membership(ctx.scope(state)?, membership_id)
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
    Path((id, membership_id)): Path<(GroupId, MembershipId)>,
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
    Path((id, membership_id)): Path<(GroupId, MembershipId)>,
    Form(form): Form<MembershipForm>,
) -> AppResult<Response> {
    let (group, _) = current_membership(&state, &ctx, id, membership_id).await?;
    let mut change = ctx.change(&state).await?;
    let current = store::current_memberships(&mut change, id).await?;
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
        drop(change);
        return render_refused(
            &membership_form_page(&state, &ctx, errors, form, (group, Some(membership))).await?,
        );
    };
    store::update_membership(&mut change, (&group, &membership), &details).await?;
    change.commit().await?;
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
    Path((id, membership_id)): Path<(GroupId, MembershipId)>,
) -> AppResult<Response> {
    let membership = store::find_membership(ctx.scope(&state)?, membership_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A membership id from another group in the URL is refused, not acted on.
    if membership.group_id != id {
        return Err(AppError::NotFound);
    }
    if membership.ended_on.is_none() {
        let mut change = ctx.change(&state).await?;
        store::end_membership(&mut change, &membership).await?;
        change.commit().await?;
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
