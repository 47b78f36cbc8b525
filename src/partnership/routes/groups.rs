//! Groups: the reporting structure, a group's page, adding, editing, archiving and restoring.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{can_manage, restore};
use crate::kernel::filters;
use crate::kernel::ids::GroupId;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, render, render_refused,
};
use crate::partnership::model::*;
use crate::partnership::store::{self, Record};

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
        parent: Option<GroupId>,
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
    let groups = reporting_order(store::list_groups(ctx.scope(&state)?, false).await?);
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
        store::list_groups(ctx.scope(state)?, false)
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
    editing: Option<GroupId>,
) -> AppResult<(FormErrors, Option<GroupDetails>)> {
    let parents = store::group_parents(ctx.scope(state)?).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, editing, &parents);
    if let Some(details) = &details
        && store::group_name_taken(ctx.scope(state)?, &details.name, editing).await?
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
    let mut change = ctx.change(&state).await?;
    let id = store::create_group(&mut change, &details).await?;
    change.commit().await?;
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

/// A route's `{id}` is one of the signed-in user's partnership's groups; another's is not
/// found.
impl Lookup for Group {
    type Id = GroupId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: GroupId) -> AppResult<Option<Self>> {
        Ok(store::find_group(ctx.scope(state)?, id).await?)
    }
}

pub async fn group_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(group): Loaded<Group>,
) -> AppResult<impl IntoResponse> {
    let id = group.id;
    let members = store::current_memberships(ctx.scope(&state)?, id)
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
    let reporting_groups = store::list_groups(ctx.scope(&state)?, false)
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

/// The group, if not archived: an archived group is refused, not changed.
pub(super) fn live_group(group: Group) -> AppResult<Group> {
    if group.archived_at.is_some() {
        return Err(AppError::BadRequest("This group is archived.".into()));
    }
    Ok(group)
}

pub async fn edit_group_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(group): Loaded<Group>,
) -> AppResult<impl IntoResponse> {
    let group = live_group(group)?;
    let form = GroupForm::from_group(&group);
    render(&group_form_page(&state, &ctx, FormErrors::default(), form, Some(group)).await?)
}

pub async fn update_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(group): Loaded<Group>,
    Form(form): Form<GroupForm>,
) -> AppResult<Response> {
    let group = live_group(group)?;
    let id = group.id;
    let (errors, details) = validate_group(&state, &ctx, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&group_form_page(&state, &ctx, errors, form, Some(group)).await?);
    };
    let mut change = ctx.change(&state).await?;
    store::update_group(&mut change, &group, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

pub async fn archive_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(group): Loaded<Group>,
) -> AppResult<Response> {
    let id = group.id;
    if group.archived_at.is_none() {
        let mut change = ctx.change(&state).await?;
        store::archive_group(&mut change, &group).await?;
        change.commit().await?;
        ctx.flash(&state, &format!("{} archived", group.name))
            .await?;
    }
    Ok(Redirect::to(&format!("/partnership/groups/{id}")).into_response())
}

pub async fn restore_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<GroupId>,
) -> AppResult<Response> {
    restore(&state, &ctx, Record::Group(id), "groups").await
}
