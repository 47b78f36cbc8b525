//! Policy tracker pages. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::model::*;
use super::store;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, render, render_refused,
};
use crate::kernel::{files, filters};

type Tagged = (Policy, Option<(&'static str, String)>);

/// One of the signed-in user's partnership's policies; 404 for another partnership's.
async fn find(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Policy> {
    store::find_policy(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Groups not archived, as (id, name), for the owner choice.
async fn group_choices(state: &AppState, partnership_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(crate::partnership::group_choices(
        crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ),
        false,
    )
    .await?
    .into_iter()
    .map(|(id, name)| (id.get(), name))
    .collect())
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
    let all: Vec<Tagged> = store::list_policies(&state.db, ctx.partnership()?)
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
    id: i64,
    file_error: Option<String>,
) -> AppResult<PolicyPage> {
    let policy = find(state, ctx, id).await?;
    Ok(PolicyPage {
        review: policy.review(today()).tag(),
        versions: store::versions(&state.db, id).await?,
        documents: store::documents(&state.db, id).await?,
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    render(&policy_page_for(&state, &ctx, id, None).await?)
}

/// Uploads the document of the policy's current version; earlier uploads are kept.
pub async fn upload_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let policy = find(&state, &ctx, id).await?;
    let file = files::read_upload_form(request, "the document", "documents")
        .await?
        .file;
    let checked = match &file {
        Some((name, bytes)) => files::check_upload(name, bytes),
        None => Err("Choose the document to upload".to_owned()),
    };
    let upload = match checked {
        Ok(upload) => upload,
        Err(message) => {
            return render_refused(&policy_page_for(&state, &ctx, id, Some(message)).await?);
        }
    };
    let actor = ctx.actor()?;
    let mut tx = state.db.begin_write().await?;
    let file_id = files::store(&mut tx, &upload, &actor.label).await?;
    let document_id =
        store::insert_document(&mut tx, id, &policy.version, file_id, &actor.label).await?;
    audit::record(
        &mut tx,
        &actor,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "policy_document",
            entity_id: Some(document_id),
            summary: format!(
                "Uploaded {} for {} version {}",
                upload.file_name, policy.details.title, policy.version
            ),
            before: None,
            after: Some(serde_json::json!({
                "policy_id": id,
                "version": policy.version,
                "file": upload.file_name,
                "file_id": file_id,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} uploaded", upload.file_name))
        .await?;
    Ok(Redirect::to(&format!("/tracker/policies/{id}")).into_response())
}

/// A policy's uploaded document, reached only through a policy of the partnership.
pub async fn document_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let document = store::find_document(&state.db, ctx.partnership()?, id)
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
        group_choices(state, ctx.partnership()?)
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
    let partnership_id = ctx.partnership()?;
    // Only the partnership's groups may own its policies: another's id is refused.
    let groups = group_choices(&state, partnership_id).await?;
    let mut errors = FormErrors::default();
    let valid = form.validate_new(&mut errors, &groups, today());
    if let Some((details, _, _)) = &valid
        && store::title_taken(&state.db, partnership_id, &details.title, None).await?
    {
        errors.add("title", "A policy with this title is already tracked");
    }
    let Some((details, version, approval)) = valid.filter(|_| errors.is_empty()) else {
        return render_refused(&policy_form_page(&state, &ctx, errors, form, None).await?);
    };
    let recorded_by = ctx.user()?.display_name.clone();
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_policy(
        &mut tx,
        partnership_id,
        &details,
        &version,
        approval.as_ref(),
        &recorded_by,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "policy",
            entity_id: Some(id),
            summary: format!("Added policy {} (version {version})", details.title),
            before: None,
            after: Some(snapshot(&(&details, &version, &approval))),
        },
    )
    .await?;
    tx.commit().await?;
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let policy = find(&state, &ctx, id).await?;
    let form = PolicyForm::from_policy(&policy);
    render(&policy_form_page(&state, &ctx, FormErrors::default(), form, Some(policy)).await?)
}

pub async fn update_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PolicyForm>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let policy = find(&state, &ctx, id).await?;
    let groups = group_choices(&state, partnership_id).await?;
    let mut errors = FormErrors::default();
    let details = form.validate_details(&mut errors, &groups, policy.approved_on.is_some());
    if let Some(details) = &details
        && store::title_taken(&state.db, partnership_id, &details.title, Some(id)).await?
    {
        errors.add("title", "A policy with this title is already tracked");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&policy_form_page(&state, &ctx, errors, form, Some(policy)).await?);
    };
    let mut tx = state.db.begin_write().await?;
    store::update_details(&mut tx, id, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "policy",
            entity_id: Some(id),
            summary: format!("Updated policy {}", details.title),
            before: Some(snapshot(&policy.details)),
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let policy = find(&state, &ctx, id).await?;
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
    Path(id): Path<i64>,
    Form(form): Form<ApprovalForm>,
) -> AppResult<Response> {
    let policy = find(&state, &ctx, id).await?;
    let mut used: Vec<String> = store::versions(&state.db, id)
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
    let mut tx = state.db.begin_write().await?;
    if !store::approve_version(
        &mut tx,
        id,
        &approval,
        &recorded_by,
        (&policy.version, policy.approved_on),
    )
    .await?
    {
        return Err(AppError::BadRequest(
            "Someone else recorded an approval of this policy at the same moment. Reload the page and check it."
                .into(),
        ));
    }
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "policy",
            entity_id: Some(id),
            summary: format!(
                "Approved version {} of {}",
                approval.version, policy.details.title
            ),
            before: Some(serde_json::json!({
                "version": policy.version,
                "status": policy.details.status,
                "approved_on": policy.approved_on.map(crate::kernel::text::iso_date),
                "next_review_on": policy.next_review_on.map(crate::kernel::text::iso_date),
                "document_url": policy.details.document_url,
            })),
            after: Some(snapshot(&approval)),
        },
    )
    .await?;
    tx.commit().await?;
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
