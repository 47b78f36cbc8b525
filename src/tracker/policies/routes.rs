//! Policy tracker pages. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::model::*;
use super::store;
use crate::kernel::ids::{GroupId, PolicyId};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, Store, render,
    render_refused,
};
use crate::kernel::{files, filters};

type Tagged = (Policy, Option<(&'static str, String)>);

/// A route's `{id}` is one of the signed-in user's partnership's policies; another
/// partnership's is not found.
impl Lookup for Policy {
    type Id = PolicyId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: PolicyId) -> AppResult<Option<Policy>> {
        Ok(store::find_policy(ctx.scope(state)?, id).await?)
    }
}

/// Groups not archived, as (id, name), for the owner choice.
async fn group_choices(store: impl Store) -> AppResult<Vec<(GroupId, String)>> {
    Ok(crate::partnership::group_choices(store, false).await?)
}

#[derive(Template)]
#[template(path = "tracker/policies/templates/policies.html")]
struct PoliciesPage {
    chrome: Chrome,
    overdue: Vec<Tagged>,
    due_soon: Vec<Tagged>,
    all: Vec<Tagged>,
    can_manage: bool,
}

pub async fn policies(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let today = today();
    let all: Vec<Tagged> = store::list_policies(ctx.scope(&state)?)
        .await?
        .into_iter()
        .map(|policy| {
            let tag = policy.review(today).tag();
            (policy, tag)
        })
        .collect();
    let by_review = |wanted: fn(PolicyReview) -> bool| {
        let mut list: Vec<Tagged> = all
            .iter()
            .filter(|(policy, _)| wanted(policy.review(today)))
            .cloned()
            .collect();
        list.sort_by_key(|(policy, _)| policy.next_review_on);
        list
    };
    render(&PoliciesPage {
        overdue: by_review(|review| matches!(review, PolicyReview::Overdue { .. })),
        due_soon: by_review(|review| matches!(review, PolicyReview::DueSoon { .. })),
        can_manage: ctx.user()?.can(Permission::ManagePolicies),
        chrome: ctx.chrome(&state).await?,
        all,
    })
}

#[derive(Template)]
#[template(path = "tracker/policies/templates/policy.html")]
struct PolicyPage {
    chrome: Chrome,
    policy: Policy,
    review: Option<(&'static str, String)>,
    versions: Vec<VersionRecord>,
    documents: Vec<store::PolicyDocument>,
    can_manage: bool,
    file_error: Option<String>,
    accepted_files: String,
}

async fn policy_page_for(
    state: &AppState,
    ctx: &Ctx,
    policy: Policy,
    file_error: Option<String>,
) -> AppResult<PolicyPage> {
    let scope = ctx.scope(state)?;
    let id = policy.id;
    Ok(PolicyPage {
        review: policy.review(today()).tag(),
        versions: store::versions(scope, id).await?,
        documents: store::documents(scope, id).await?,
        can_manage: ctx.user()?.can(Permission::ManagePolicies),
        chrome: ctx.chrome(state).await?,
        policy,
        file_error,
        accepted_files: files::accepted_extensions(),
    })
}

pub async fn policy_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(policy): Loaded<Policy>,
) -> AppResult<impl IntoResponse> {
    render(&policy_page_for(&state, &ctx, policy, None).await?)
}

/// Uploads the document of the policy's current version; earlier uploads are kept.
pub async fn upload_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(policy): Loaded<Policy>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let id = policy.id;
    let file = files::read_upload_form(request, "the document", "documents")
        .await?
        .file;
    let checked = match &file {
        Some((name, bytes)) => files::check_upload(name, bytes),
        None => Err("Choose a file to upload".to_owned()),
    };
    let upload = match checked {
        Ok(upload) => upload,
        Err(message) => {
            return render_refused(&policy_page_for(&state, &ctx, policy, Some(message)).await?);
        }
    };
    let mut change = ctx.change(&state).await?;
    let uploaded_by = change.actor().label.clone();
    store::insert_document(&mut change, &policy, &upload, &uploaded_by).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} uploaded", upload.file_name))
        .await?;
    Ok(Redirect::to(&format!("/tracker/policies/{id}")).into_response())
}

/// A policy's uploaded document, reached only through a policy of the partnership.
pub async fn document_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<DocumentId>,
) -> AppResult<Response> {
    let document = store::find_document(ctx.scope(&state)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (file, bytes) = files::fetch(&state.db, document.file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(files::download(&file, bytes))
}

#[derive(Template)]
#[template(path = "tracker/policies/templates/policy_form.html")]
struct PolicyFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: PolicyForm,
    policy: Option<Policy>,
    groups: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
}

async fn policy_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: PolicyForm,
    policy: Option<Policy>,
) -> AppResult<PolicyFormPage> {
    let mut groups = vec![(String::new(), "Choose a group".to_owned())];
    groups.extend(
        group_choices(ctx.scope(state)?)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name)),
    );
    let mut statuses = vec![("", "Choose a status")];
    statuses.extend(
        PolicyStatus::ALL
            .iter()
            .map(|status| (status.code(), status.label())),
    );
    Ok(PolicyFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        policy,
        groups,
        statuses,
    })
}

pub async fn new_policy_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let form = PolicyForm {
        status: PolicyStatus::Draft.code().to_owned(),
        ..PolicyForm::default()
    };
    render(&policy_form_page(&state, &ctx, FormErrors::default(), form, None).await?)
}

pub async fn create_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PolicyForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    // Only the partnership's groups may own its policies: another's id is refused.
    let groups = group_choices(scope).await?;
    let mut errors = FormErrors::default();
    let valid = form.validate_new(&mut errors, &groups, today());
    if let Some((details, _, _)) = &valid
        && store::title_taken(scope, &details.title, None).await?
    {
        errors.add("title", "A policy with this title is already tracked");
    }
    let Some((details, version, approval)) = valid.filter(|_| errors.is_empty()) else {
        return render_refused(&policy_form_page(&state, &ctx, errors, form, None).await?);
    };
    let recorded_by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let id = store::insert_policy(
        &mut change,
        &details,
        &version,
        approval.as_ref(),
        &recorded_by,
    )
    .await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("{} added to the policy tracker", details.title),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/policies/{id}")).into_response())
}

pub async fn edit_policy_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(policy): Loaded<Policy>,
) -> AppResult<impl IntoResponse> {
    let form = PolicyForm::from_policy(&policy);
    render(&policy_form_page(&state, &ctx, FormErrors::default(), form, Some(policy)).await?)
}

pub async fn update_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(policy): Loaded<Policy>,
    Form(form): Form<PolicyForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let id = policy.id;
    let groups = group_choices(scope).await?;
    let mut errors = FormErrors::default();
    let details = form.validate_details(&mut errors, &groups, policy.approved_on.is_some());
    if let Some(details) = &details
        && store::title_taken(scope, &details.title, Some(id)).await?
    {
        errors.add("title", "A policy with this title is already tracked");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&policy_form_page(&state, &ctx, errors, form, Some(policy)).await?);
    };
    let mut change = ctx.change(&state).await?;
    store::update_details(&mut change, &policy, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.title))
        .await?;
    Ok(Redirect::to(&format!("/tracker/policies/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "tracker/policies/templates/approve.html")]
struct ApprovePage {
    chrome: Chrome,
    errors: FormErrors,
    form: ApprovalForm,
    policy: Policy,
}

pub async fn approve_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(policy): Loaded<Policy>,
) -> AppResult<impl IntoResponse> {
    let form = ApprovalForm {
        document_url: policy.details.document_url.clone(),
        ..ApprovalForm::default()
    };
    render(&ApprovePage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form,
        policy,
    })
}

pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(policy): Loaded<Policy>,
    Form(form): Form<ApprovalForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let id = policy.id;
    let mut used: Vec<String> = store::versions(scope, id)
        .await?
        .into_iter()
        .map(|record| record.approval.version)
        .collect();
    if policy.approved_on.is_some() {
        used.push(policy.version.clone());
    }
    let mut errors = FormErrors::default();
    let Some(approval) = form.validate(&mut errors, &policy, &used, today()) else {
        return render_refused(&ApprovePage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            policy,
        });
    };
    let recorded_by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    if !store::approve_version(&mut change, &policy, &approval, &recorded_by).await? {
        return Err(AppError::BadRequest(
            "Someone else recorded an approval of this policy at the same moment. Reload the page and check it."
                .into(),
        ));
    }
    change.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "Version {} of {} approved",
            approval.version, policy.details.title
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/policies/{id}")).into_response())
}
