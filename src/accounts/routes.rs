use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::kernel::api_tokens;
use crate::kernel::audit::{self, Actor, AuditAction, AuditEntry};
use crate::kernel::auth::{self, NewUser, SignInOutcome, UserRecord};
use crate::kernel::http::{
    SIGN_IN_COOKIE, cookie_value, expired_session_cookie, session_cookie, sign_in_cookie,
};
use crate::kernel::text::{FormErrors, safe_return_path};
use crate::kernel::throttle::ClientIp;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, Role, render, render_refused};
use crate::partnership;

/// An audit entry about an account that records no values (passwords never enter the trail).
fn account_event(
    action: AuditAction,
    user_id: Option<i64>,
    summary: String,
) -> AuditEntry<'static> {
    AuditEntry {
        action,
        entity_type: "user",
        entity_id: user_id,
        summary,
        before: None,
        after: None,
    }
}

// ---- sign in and out ----

#[derive(Template)]
#[template(path = "accounts/templates/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    return_to: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInQuery {
    return_to: String,
}

/// The sign-in form's cookie value (kept if the browser has one) and the cookie to set, and
/// the form's signed token: showing the form stores nothing.
fn sign_in_form(state: &AppState, headers: &HeaderMap) -> (String, HeaderValue) {
    let nonce = cookie_value(headers, SIGN_IN_COOKIE).unwrap_or_else(auth::new_token);
    let token = auth::sign_in_form_token(
        &state.config.secret_key,
        &nonce,
        time::OffsetDateTime::now_utc(),
    );
    (token, sign_in_cookie(state, &nonce))
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> AppResult<Response> {
    let return_to = safe_return_path(&query.return_to);
    if ctx
        .session
        .as_ref()
        .is_some_and(|session| session.user.is_some())
    {
        return Ok(Redirect::to(&return_to).into_response());
    }
    let (csrf_token, cookie) = sign_in_form(&state, &headers);
    let page = render(&SignInPage {
        chrome: Chrome {
            csrf_token,
            ..Chrome::bare()
        },
        errors: FormErrors::default(),
        email: String::new(),
        return_to,
    })?;
    Ok(([(header::SET_COOKIE, cookie)], page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    password: String,
    return_to: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    let return_to = safe_return_path(&form.return_to);
    let mut errors = FormErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if !state.sign_in_limiter.allow(client) {
        tracing::warn!(%client, "sign-in attempts over the per-address limit");
        status = StatusCode::TOO_MANY_REQUESTS;
        errors.add(
            "email",
            format!(
                "Too many attempts to sign in from your network. Try again in {} minutes",
                auth::SIGN_IN_WINDOW_MINUTES
            ),
        );
    } else {
        if form.email.trim().is_empty() {
            errors.add("email", "Enter your email address");
        }
        if form.password.is_empty() {
            errors.add("password", "Enter your password");
        }
    }
    if errors.is_empty() {
        match auth::attempt_sign_in(&state.db, &form.email, &form.password).await? {
            SignInOutcome::SignedIn(user) => {
                // Rotate: any earlier session of this browser ends and a new one begins.
                if let Some(old) = &ctx.session {
                    auth::end_session(&state.db, &old.token_hash).await?;
                }
                let token = auth::start_session(
                    &state.db,
                    &state.config.secret_key,
                    user.id,
                    state.session_limits(),
                )
                .await?;
                let mut tx = state.db.begin_write().await?;
                let actor = Actor::user(&user.current_user(), ctx.request_id.clone());
                audit::record(
                    &mut tx,
                    &actor,
                    account_event(
                        AuditAction::SignIn,
                        Some(user.id),
                        format!("{} signed in", user.email),
                    ),
                )
                .await?;
                tx.commit().await?;
                let target = if user.must_change_password {
                    "/account/password".to_owned()
                } else {
                    return_to
                };
                return Ok((
                    [(header::SET_COOKIE, session_cookie(&state, &token))],
                    Redirect::to(&target),
                )
                    .into_response());
            }
            SignInOutcome::WrongDetails => {
                errors.add("email", "Enter a correct email address and password");
            }
            SignInOutcome::Locked { minutes } => {
                errors.add("email", format!("Too many failed attempts to sign in with this email address. Try again in {minutes} minutes"));
            }
        }
    }
    let (csrf_token, cookie) = sign_in_form(&state, &headers);
    let page = render(&SignInPage {
        chrome: Chrome {
            csrf_token,
            ..Chrome::bare()
        },
        errors,
        email: form.email,
        return_to,
    })?;
    Ok((status, [(header::SET_COOKIE, cookie)], page).into_response())
}

pub async fn sign_out(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if let Some(session) = &ctx.session {
        let mut tx = state.db.begin_write().await?;
        audit::record(
            &mut tx,
            &actor,
            account_event(
                AuditAction::SignOut,
                actor.user_id,
                format!("{} signed out", actor.label),
            ),
        )
        .await?;
        tx.commit().await?;
        auth::end_session(&state.db, &session.token_hash).await?;
    }
    // A shared computer keeps nothing of the session: the browser drops its cache and storage.
    let clear_site_data = header::HeaderName::from_static("clear-site-data");
    Ok((
        [
            (header::SET_COOKIE, expired_session_cookie()),
            (
                clear_site_data,
                header::HeaderValue::from_static("\"cache\", \"storage\""),
            ),
        ],
        Redirect::to("/sign-in"),
    )
        .into_response())
}

// ---- own account ----

#[derive(Template)]
#[template(path = "accounts/templates/account.html")]
struct AccountPage {
    chrome: Chrome,
    user: UserRecord,
    organisation: String,
    lock: Option<auth::SignInLock>,
}

pub async fn account_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let current = ctx.user()?;
    let user = auth::find_user_by_id(&state.db, current.partnership_id, current.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let organisation = organisation_name(&state, &ctx, user.organisation_id).await?;
    let lock = auth::sign_in_lock(&state.db, &user.email).await?;
    render(&AccountPage {
        chrome: ctx.chrome(&state).await?,
        user,
        organisation,
        lock,
    })
}

async fn organisation_name(
    state: &AppState,
    ctx: &Ctx,
    organisation_id: Option<i64>,
) -> AppResult<String> {
    Ok(match organisation_id {
        Some(id) => partnership::organisation_name(
            ctx.scope(state)?,
            crate::kernel::ids::OrganisationId::new(id),
        )
        .await?
        .unwrap_or_default(),
        None => "None (works across the partnership)".to_owned(),
    })
}

#[derive(Template)]
#[template(path = "accounts/templates/password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: FormErrors,
    must_change: bool,
}

pub async fn password_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let must_change = ctx.user()?.must_change_password;
    render(&PasswordPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        must_change,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let mut errors = FormErrors::default();
    let current_ok =
        match auth::attempt_sign_in(&state.db, &user.email, &form.current_password).await? {
            SignInOutcome::SignedIn(_) => true,
            SignInOutcome::WrongDetails => {
                errors.add("current_password", "Your current password is not correct");
                false
            }
            SignInOutcome::Locked { minutes } => {
                errors.add(
                    "current_password",
                    format!("Too many wrong passwords. Try again in {minutes} minutes"),
                );
                false
            }
        };
    if current_ok {
        if let Err(message) = auth::check_password_policy(&form.new_password, &user.email) {
            errors.add("new_password", message);
        } else if form.new_password == form.current_password {
            errors.add(
                "new_password",
                "New password must be different from your current password",
            );
        } else if form.new_password != form.confirm_password {
            errors.add("confirm_password", "The passwords do not match");
        }
    }
    if !errors.is_empty() {
        let page = PasswordPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            must_change: user.must_change_password,
        };
        return render_refused(&page);
    }
    let mut tx = state.db.begin_write().await?;
    auth::set_password(&mut tx, user.id, &form.new_password, false).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        account_event(
            AuditAction::PasswordChange,
            Some(user.id),
            format!("{} changed their password", user.email),
        ),
    )
    .await?;
    tx.commit().await?;
    // Changing the password ended every session, this one included: sign in again.
    Ok((
        [(header::SET_COOKIE, expired_session_cookie())],
        Redirect::to("/sign-in"),
    )
        .into_response())
}

// ---- user administration ----

#[derive(Template)]
#[template(path = "accounts/templates/user_list.html")]
struct UserListPage {
    chrome: Chrome,
    users: Vec<(UserRecord, String)>,
}

pub async fn user_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let names: std::collections::HashMap<i64, String> =
        partnership::organisation_names(ctx.scope(&state)?)
            .await?
            .into_iter()
            .map(|(id, name)| (id.get(), name))
            .collect();
    let users = auth::list_users(&state.db, ctx.partnership()?)
        .await?
        .into_iter()
        .map(|user| {
            let organisation = user
                .organisation_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default();
            (user, organisation)
        })
        .collect();
    render(&UserListPage {
        chrome: ctx.chrome(&state).await?,
        users,
    })
}

#[derive(Template)]
#[template(path = "accounts/templates/user_form.html")]
struct UserFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: UserForm,
    organisations: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str, bool)>,
    /// The account being edited; None when creating one.
    editing: Option<UserRecord>,
}

#[derive(Default, Clone)]
pub struct UserForm {
    display_name: String,
    email: String,
    organisation_id: String,
    temporary_password: String,
}

fn role_choices(selected: &[Role]) -> Vec<(&'static str, &'static str, bool)> {
    Role::ALL
        .iter()
        .map(|role| (role.code(), role.label(), selected.contains(role)))
        .collect()
}

async fn organisation_choices(state: &AppState, ctx: &Ctx) -> AppResult<Vec<(String, String)>> {
    let mut choices = vec![(
        String::new(),
        "None (works across the partnership)".to_owned(),
    )];
    choices.extend(
        partnership::organisation_choices(ctx.scope(state)?)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name)),
    );
    Ok(choices)
}

async fn user_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: UserForm,
    roles: &[Role],
    editing: Option<UserRecord>,
) -> AppResult<UserFormPage> {
    Ok(UserFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        organisations: organisation_choices(state, ctx).await?,
        roles: role_choices(roles),
        editing,
    })
}

pub async fn new_user_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(
        &user_form_page(
            &state,
            &ctx,
            FormErrors::default(),
            UserForm::default(),
            &[],
            None,
        )
        .await?,
    )
}

/// Reads the account form by hand: several `roles` checkboxes share one name.
fn read_user_form(body: &[u8]) -> AppResult<(UserForm, Vec<Role>)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let form = UserForm {
        display_name: field("display_name"),
        email: field("email"),
        organisation_id: field("organisation_id"),
        temporary_password: field("temporary_password"),
    };
    let roles = pairs
        .iter()
        .filter(|(key, _)| key == "roles")
        .filter_map(|(_, code)| Role::from_code(code))
        .collect();
    Ok((form, roles))
}

/// Checks the organisation and roles together: scoped roles need an organisation.
async fn check_organisation_and_roles(
    state: &AppState,
    ctx: &Ctx,
    form: &UserForm,
    roles: &[Role],
    errors: &mut FormErrors,
) -> AppResult<Option<i64>> {
    let organisation_id = if form.organisation_id.is_empty() {
        None
    } else {
        match form.organisation_id.parse::<i64>() {
            Ok(id)
                if partnership::organisation_name(
                    ctx.scope(state)?,
                    crate::kernel::ids::OrganisationId::new(id),
                )
                .await?
                .is_some() =>
            {
                Some(id)
            }
            _ => {
                errors.add("organisation_id", "Select an organisation from the list");
                None
            }
        }
    };
    if roles.is_empty() {
        errors.add("roles", "Select at least one role");
    }
    if organisation_id.is_none()
        && errors.get("organisation_id").is_none()
        && roles.iter().any(|role| role.is_organisation_scoped())
    {
        errors.add(
            "organisation_id",
            "Select the organisation this person acts for: their role is scoped to one",
        );
    }
    Ok(organisation_id)
}

pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let (form, roles) = read_user_form(&body)?;
    let mut errors = FormErrors::default();
    let display_name = errors.required_text("display_name", "Name", &form.display_name, 120);
    let email = errors.email("email", "Email address", &form.email);
    if errors.get("email").is_none() && auth::email_in_use(&state.db, &email).await? {
        errors.add("email", "An account with this email address already exists");
    }
    let organisation_id =
        check_organisation_and_roles(&state, &ctx, &form, &roles, &mut errors).await?;
    if let Err(message) = auth::check_password_policy(&form.temporary_password, &email) {
        errors.add("temporary_password", message);
    }
    if !errors.is_empty() {
        return render_refused(&user_form_page(&state, &ctx, errors, form, &roles, None).await?);
    }
    let mut tx = state.db.begin_write().await?;
    let new_user = NewUser {
        partnership_id: ctx.user()?.partnership_id,
        email: &email,
        display_name: &display_name,
        password: &form.temporary_password,
        organisation_id,
        roles: &roles,
        must_change_password: true,
    };
    let id = auth::insert_user(&mut tx, &new_user).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "user",
            entity_id: Some(id),
            summary: format!("Created account for {email}"),
            before: None,
            after: Some(serde_json::json!({
                "email": email, "display_name": display_name, "organisation_id": organisation_id,
                "roles": Role::format_list(&roles),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "Account created for {email}. They must choose a new password when they first sign in."
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

pub async fn edit_user_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let user = live_user(&state, &ctx, id).await?;
    let form = UserForm {
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        organisation_id: user
            .organisation_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        temporary_password: String::new(),
    };
    let roles = user.roles.clone();
    render(
        &user_form_page(
            &state,
            &ctx,
            FormErrors::default(),
            form,
            &roles,
            Some(user),
        )
        .await?,
    )
}

async fn live_user(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<UserRecord> {
    let user = auth::find_user_by_id(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.archived_at.is_some() {
        return Err(AppError::BadRequest("This account is archived.".into()));
    }
    Ok(user)
}

/// Changes an account's name, organisation and roles; its e-mail address is its identity.
pub async fn update_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let user = live_user(&state, &ctx, id).await?;
    let (mut form, roles) = read_user_form(&body)?;
    form.email = user.email.clone();
    let mut errors = FormErrors::default();
    let display_name = errors.required_text("display_name", "Name", &form.display_name, 120);
    let organisation_id =
        check_organisation_and_roles(&state, &ctx, &form, &roles, &mut errors).await?;
    if user.id == ctx.user()?.id && !roles.contains(&Role::BusinessUnitAdmin) {
        errors.add(
            "roles",
            "You cannot remove your own business unit admin role: ask another admin",
        );
    }
    if !errors.is_empty() {
        return render_refused(
            &user_form_page(&state, &ctx, errors, form, &roles, Some(user)).await?,
        );
    }
    let mut tx = state.db.begin_write().await?;
    auth::update_user(&mut tx, id, &display_name, organisation_id, &roles).await?;
    let actor = ctx.actor()?;
    // No longer a data lead of that organisation: as if they had left it.
    let was_lead = user.roles.contains(&Role::PartnerDataLead);
    let still_lead =
        roles.contains(&Role::PartnerDataLead) && organisation_id == user.organisation_id;
    if was_lead && !still_lead {
        let revoked = revoke_tokens_of_leaver(&mut tx, &user).await?;
        api_tokens::record_revocations(
            &mut tx,
            &actor,
            &revoked,
            &format!("as {} is no longer a data lead there", user.email),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &actor,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "user",
            entity_id: Some(id),
            summary: format!("Updated the account of {}", user.email),
            before: Some(serde_json::json!({
                "display_name": user.display_name, "organisation_id": user.organisation_id,
                "roles": Role::format_list(&user.roles),
            })),
            after: Some(serde_json::json!({
                "display_name": display_name, "organisation_id": organisation_id,
                "roles": Role::format_list(&roles),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("The account of {} is updated", user.email))
        .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "accounts/templates/user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserRecord,
    organisation: String,
    lock: Option<auth::SignInLock>,
    errors: FormErrors,
}

pub async fn user_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let user = auth::find_user_by_id(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let organisation = organisation_name(&state, &ctx, user.organisation_id).await?;
    let lock = auth::sign_in_lock(&state.db, &user.email).await?;
    render(&UserPage {
        chrome: ctx.chrome(&state).await?,
        user,
        organisation,
        lock,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    temporary_password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    let user = auth::find_user_by_id(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::default();
    if let Err(message) = auth::check_password_policy(&form.temporary_password, &user.email) {
        errors.add("temporary_password", message);
    }
    if !errors.is_empty() {
        let organisation = organisation_name(&state, &ctx, user.organisation_id).await?;
        let lock = auth::sign_in_lock(&state.db, &user.email).await?;
        let page = UserPage {
            chrome: ctx.chrome(&state).await?,
            user,
            organisation,
            lock,
            errors,
        };
        return render_refused(&page);
    }
    let mut tx = state.db.begin_write().await?;
    auth::set_password(&mut tx, user.id, &form.temporary_password, true).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        account_event(
            AuditAction::PasswordReset,
            Some(user.id),
            format!("Reset the password of {}", user.email),
        ),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "Password reset for {}. They must choose a new one when they next sign in.",
            user.email
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

pub async fn archive_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = auth::find_user_by_id(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.id == ctx.user()?.id {
        return Err(AppError::BadRequest(
            "You cannot archive your own account.".into(),
        ));
    }
    if user.archived_at.is_none() {
        let mut tx = state.db.begin_write().await?;
        auth::archive_user(&mut tx, user.id).await?;
        let actor = ctx.actor()?;
        audit::record(
            &mut tx,
            &actor,
            AuditEntry {
                action: AuditAction::Archive,
                entity_type: "user",
                entity_id: Some(user.id),
                summary: format!("Archived the account of {}", user.email),
                before: Some(audit::snapshot(&user)),
                after: None,
            },
        )
        .await?;
        let revoked = revoke_tokens_of_leaver(&mut tx, &user).await?;
        api_tokens::record_revocations(
            &mut tx,
            &actor,
            &revoked,
            &format!("as the account of {} was archived", user.email),
        )
        .await?;
        tx.commit().await?;
    }
    ctx.flash(
        &state,
        &format!(
            "The account of {} is archived and can no longer sign in.",
            user.email
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

/// The tokens that stop when a person leaves: those they created, and every token of their
/// organisation if no other live data lead is left there to answer for them.
async fn revoke_tokens_of_leaver(
    tx: &mut crate::kernel::db::Transaction,
    user: &UserRecord,
) -> AppResult<api_tokens::Revoked> {
    let mut revoked = api_tokens::revoke_tokens_created_by(tx, user.id).await?;
    if let Some(organisation_id) = user.organisation_id
        && user.roles.contains(&Role::PartnerDataLead)
        && auth::other_live_data_leads(tx, organisation_id, user.id).await? == 0
    {
        revoked.extend(api_tokens::revoke_tokens_of_organisation(tx, organisation_id).await?);
    }
    Ok(revoked)
}

// ---- sign-in locks ----

/// Clears an account's sign-in lock: the business unit, having checked with the person.
pub async fn clear_sign_in_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = auth::find_user_by_id(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin_write().await?;
    if auth::clear_sign_in_lock(&mut tx, &user.email).await? {
        audit::record(
            &mut tx,
            &ctx.actor()?,
            account_event(
                AuditAction::Update,
                Some(user.id),
                format!("Cleared the sign-in lock of {}", user.email),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    ctx.flash(&state, &format!("{} can sign in again", user.email))
        .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

// ---- partner API tokens, for the business unit ----

#[derive(Template)]
#[template(path = "accounts/templates/api_tokens.html")]
struct ApiTokensPage {
    chrome: Chrome,
    tokens: Vec<api_tokens::PartnershipToken>,
}

pub async fn api_token_list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let tokens = api_tokens::tokens_of_partnership(&state.db, ctx.partnership()?).await?;
    render(&ApiTokensPage {
        chrome: ctx.chrome(&state).await?,
        tokens,
    })
}

pub async fn revoke_api_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut tx = state.db.begin_write().await?;
    let token = api_tokens::find_live_token_of_partnership(&mut tx, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    api_tokens::revoke_token(&mut tx, token.organisation_id, token.id).await?;
    api_tokens::record_revocations(
        &mut tx,
        &ctx.actor()?,
        &[(token.id, token.label.clone())],
        "by the business unit",
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!("Token “{}” revoked: it no longer works", token.label),
    )
    .await?;
    Ok(Redirect::to("/users/api-tokens").into_response())
}
