//! Accounts: signing in and out, one's own account and password, and (for the business unit)
//! creating accounts, resetting passwords, clearing sign-in locks and revoking partner API
//! tokens. Built on the kernel's account and token stores (`kernel::auth`, `kernel::api_tokens`).
//!
//! Handlers, in `routes/`: `sign_in.rs`, `account.rs` (own account, password), `users.rs` (list,
//! one account, reset, archive), `user_form.rs` (create, edit), `locks.rs`, `api_tokens.rs`.
//! Store idiom: `auth::find_user_by_id(ctx.scope(&state)?, id)` to read;
//! `auth::reset_password(&mut change, &user, …)` to write, its audit entry recorded inside.

mod routes;

use crate::kernel::{Access, Permission, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/sign-in", Access::Public, routes::sign_in_page)
        .post("/sign-in", Access::Public, routes::sign_in)
        .post(
            "/sign-out",
            Access::Requires(Permission::SignedIn),
            routes::sign_out,
        )
        .get(
            "/account",
            Access::Requires(Permission::SignedIn),
            routes::account_page,
        )
        .get(
            "/account/password",
            Access::Requires(Permission::SignedIn),
            routes::password_page,
        )
        .post(
            "/account/password",
            Access::Requires(Permission::SignedIn),
            routes::change_password,
        )
        .get(
            "/users",
            Access::Requires(Permission::ManageUsers),
            routes::user_list,
        )
        .get(
            "/users/new",
            Access::Requires(Permission::ManageUsers),
            routes::new_user_page,
        )
        .post(
            "/users/new",
            Access::Requires(Permission::ManageUsers),
            routes::create_user,
        )
        .get(
            "/users/{id}",
            Access::Requires(Permission::ManageUsers),
            routes::user_page,
        )
        .get(
            "/users/{id}/edit",
            Access::Requires(Permission::ManageUsers),
            routes::edit_user_page,
        )
        .post(
            "/users/{id}/edit",
            Access::Requires(Permission::ManageUsers),
            routes::update_user,
        )
        .post(
            "/users/{id}/reset-password",
            Access::Requires(Permission::ManageUsers),
            routes::reset_password,
        )
        .post(
            "/users/{id}/archive",
            Access::Requires(Permission::ManageUsers),
            routes::archive_user,
        )
        .post(
            "/users/{id}/unlock",
            Access::Requires(Permission::ManageUsers),
            routes::clear_sign_in_lock,
        )
        .get(
            "/users/api-tokens",
            Access::Requires(Permission::ManageUsers),
            routes::api_token_list,
        )
        .post(
            "/users/api-tokens/{id}/revoke",
            Access::Requires(Permission::ManageUsers),
            routes::revoke_api_token,
        )
}
