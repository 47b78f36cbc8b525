-- A form page refused with its errors, kept for a few minutes under a cookie's token so the
-- browser is redirected to the form's own address and shown it there (post/redirect/get,
-- kernel::post_redirect_get). Belongs to that browser; taken out when shown.
CREATE TABLE refused_pages (
    token_hash TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
