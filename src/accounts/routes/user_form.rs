//! Creating and editing accounts: the account form, its checks and its two writes.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::kernel::api_tokens;
use crate::kernel::auth::{self, NewUser, UserRecord};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Role, Scope, render, render_refused,
};
use crate::partnership;

#[derive(Template)]
#[template(path = "accounts/templates/user_form.html")]
struct UserFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: UserForm,
    organisations: crate::kernel::choices::GroupedChoices,
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

/// Statutory partners first, then a group per kind of organisation.
async fn organisation_choices(
    state: &AppState,
    ctx: &Ctx,
) -> AppResult<crate::kernel::choices::GroupedChoices> {
    Ok(
        partnership::organisation_select(ctx.scope(state)?, "None (works across the partnership)")
            .await?,
    )
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
) -> AppResult<Option<OrganisationId>> {
    let partnership = ctx.user()?.partnership();
    let organisation_id = if form.organisation_id.is_empty() {
        None
    } else {
        match form.organisation_id.parse::<OrganisationId>() {
            Ok(id)
                if partnership::organisation_name(Scope::new(&state.db, partnership), id)
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
    if errors.get("email").is_none() && auth::email_in_use(ctx.scope(&state)?, &email).await? {
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
    let mut change = ctx.change(&state).await?;
    let new_user = NewUser {
        email: &email,
        display_name: &display_name,
        password: &form.temporary_password,
        organisation: organisation_id,
        roles: &roles,
        must_change_password: true,
    };
    let id = auth::insert_user(&mut change, &new_user, "").await?;
    change.commit().await?;
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
    Loaded(user): Loaded<UserRecord>,
) -> AppResult<impl IntoResponse> {
    let user = live_user(user)?;
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

/// The account, if not archived: the only kind that can be edited.
fn live_user(user: UserRecord) -> AppResult<UserRecord> {
    if user.archived_at.is_some() {
        return Err(AppError::BadRequest("This account is archived.".into()));
    }
    Ok(user)
}

/// Changes an account's name, organisation and roles; its e-mail address is its identity.
pub async fn update_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(user): Loaded<UserRecord>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let user = live_user(user)?;
    let id = user.id;
    let (mut form, roles) = read_user_form(&body)?;
    form.email = user.email.clone();
    let mut errors = FormErrors::default();
    let display_name = errors.required_text("display_name", "Name", &form.display_name, 120);
    let organisation_id =
        check_organisation_and_roles(&state, &ctx, &form, &roles, &mut errors).await?;
    if user.id == ctx.user()?.user_id() && !roles.contains(&Role::BusinessUnitAdmin) {
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
    let mut change = ctx.change(&state).await?;
    auth::update_user(&mut change, &user, &display_name, organisation_id, &roles).await?;
    // No longer a data lead of that organisation: as if they had left it.
    let was_lead = user.roles.contains(&Role::PartnerDataLead);
    let still_lead =
        roles.contains(&Role::PartnerDataLead) && organisation_id == user.organisation_id;
    if was_lead && !still_lead {
        api_tokens::revoke_tokens_of_leaver(
            &mut change,
            &user,
            &format!("as {} is no longer a data lead there", user.email),
        )
        .await?;
    }
    change.commit().await?;
    ctx.flash(&state, &format!("The account of {} is updated", user.email))
        .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}
