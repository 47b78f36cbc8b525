//! Guards a reviewer can read: the route table with each route's access, checked in as text so
//! every change of access shows in the diff; and the two databases' schemas kept the same.

use std::collections::BTreeSet;

use sqlx::Row;

use crate::support::TestApp;

const ROUTE_TABLE: &str = "tests/integration/routes.txt";

/// One `METHOD path access` line per route, sorted. Run with `MASA_UPDATE_SNAPSHOTS=1` to
/// write the file after a deliberate change, then read its diff.
#[test]
fn the_route_table_matches_its_snapshot() {
    let mut lines: Vec<String> = masa::routes()
        .specs()
        .iter()
        .map(|spec| {
            let access = match spec.access {
                masa::kernel::routing::Access::Public => "public".to_owned(),
                masa::kernel::routing::Access::ApiToken => "api-token".to_owned(),
                masa::kernel::routing::Access::Requires(permission) => format!("{permission:?}"),
            };
            format!("{} {} {access}", spec.method, spec.path)
        })
        .collect();
    lines.sort_by(|a, b| {
        let key = |line: &str| {
            let mut parts = line.splitn(3, ' ');
            let method = parts.next().unwrap_or_default().to_owned();
            (parts.next().unwrap_or_default().to_owned(), method)
        };
        key(a).cmp(&key(b))
    });
    let table = lines.join("\n") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(ROUTE_TABLE);
    if std::env::var("MASA_UPDATE_SNAPSHOTS").is_ok_and(|value| value == "1") {
        std::fs::write(&path, &table).expect("write the route table");
        return;
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == table,
        "the routes or their access changed: run `MASA_UPDATE_SNAPSHOTS=1 cargo test --test \
         integration route_table` and review the diff of {ROUTE_TABLE}"
    );
}

/// Tables without a `partnership_id` of their own, each with what it belongs to: a parent that
/// has one (reached through it, never listed on its own), or the whole installation. A new
/// table either has the column or is added here with its reason.
const WITHOUT_PARTNERSHIP_ID: &[(&str, &str)] = &[
    ("_sqlx_migrations", "the installation"),
    ("partnerships", "the installation: the boundary itself"),
    (
        "bank_holidays",
        "the installation: every partnership's clocks",
    ),
    ("sessions", "its user"),
    (
        "kept_forms",
        "a browser's cookie, until its person signs in again",
    ),
    (
        "refused_pages",
        "a browser's cookie, for the minutes until it is redirected to the form",
    ),
    (
        "sign_in_attempts",
        "an e-mail address, before anyone is known",
    ),
    (
        "stored_files",
        "the evidence or policy document that names it",
    ),
    ("api_tokens", "its organisation"),
    ("group_memberships", "its group"),
    ("business_plan_priorities", "its business plan"),
    ("data_values", "its data drop"),
    ("indicator_comparators", "its indicator"),
    ("indicator_themes", "its indicator"),
    ("learning_clock_warnings", "its serious incident"),
    ("learning_findings", "its learning review"),
    ("learning_finding_themes", "its finding"),
    ("learning_review_agencies", "its learning review"),
    ("national_review_recommendations", "its national review"),
    ("tracker_actions", "its recommendation"),
    ("action_updates", "its action"),
    ("action_evidence", "its action"),
    (
        "tracker_digest_runs",
        "the installation: one weekly claim for every partnership",
    ),
    ("risk_controls", "its risk"),
    ("risk_scores", "its risk"),
    ("policy_versions", "its policy"),
    ("policy_documents", "its policy"),
    ("assurance_standards", "its framework version"),
    ("assurance_questions", "its framework version"),
    ("assurance_answers", "its audit return"),
    ("assurance_evidence", "its audit return"),
    ("assurance_extensions", "its audit return"),
];

#[derive(Debug, PartialEq, Eq)]
struct Schema {
    /// `table.column`
    columns: BTreeSet<String>,
    /// `table(column, column)` of each unique index or constraint, primary keys aside;
    /// `expression` for a part that is not a plain column.
    unique: BTreeSet<String>,
}

impl Schema {
    fn tables(&self) -> BTreeSet<&str> {
        self.columns
            .iter()
            .filter_map(|column| column.split_once('.').map(|(table, _)| table))
            .collect()
    }
}

fn unique_entries(rows: Vec<(String, String, Option<String>)>) -> BTreeSet<String> {
    let mut indexes: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    for (table, index, column) in rows {
        indexes
            .entry((table, index))
            .or_default()
            .push(column.unwrap_or_else(|| "expression".into()));
    }
    indexes
        .into_iter()
        .map(|((table, _), mut columns)| {
            columns.sort();
            format!("{table}({})", columns.join(", "))
        })
        .collect()
}

/// The schema from two queries: one row per column (`table_name`, `column_name`), and one row per
/// key part of each unique index (`table_name`, `index_name`, `column_name` or none).
async fn schema(app: &TestApp, columns_sql: &'static str, unique_sql: &'static str) -> Schema {
    let columns = sqlx::query(columns_sql)
        .fetch_all(&app.db.pool)
        .await
        .expect("columns")
        .iter()
        .map(|row| {
            format!(
                "{}.{}",
                row.get::<String, _>("table_name"),
                row.get::<String, _>("column_name")
            )
        })
        .collect();
    let unique = sqlx::query(unique_sql)
        .fetch_all(&app.db.pool)
        .await
        .expect("unique indexes")
        .iter()
        .map(|row| {
            (
                row.get::<String, _>("table_name"),
                row.get::<String, _>("index_name"),
                row.get::<Option<String>, _>("column_name"),
            )
        })
        .collect();
    Schema {
        columns,
        unique: unique_entries(unique),
    }
}

async fn sqlite_schema(app: &TestApp) -> Schema {
    schema(
        app,
        "SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master m, \
         pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        "SELECT m.name AS table_name, l.name AS index_name, i.name AS column_name \
         FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_xinfo(l.name) i \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND l.\"unique\" = 1 \
         AND l.origin <> 'pk' AND i.key = 1",
    )
    .await
}

async fn postgres_schema(app: &TestApp) -> Schema {
    // One row per key part: a plain column's name, or none for an expression (attnum 0).
    schema(
        app,
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns WHERE table_schema = 'public'",
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
         a.attname::text AS column_name \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) \
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = 'public' AND x.indisunique AND NOT x.indisprimary \
         AND k.position <= x.indnkeyatts",
    )
    .await
}

#[tokio::test]
async fn sqlite_and_postgresql_have_the_same_schema() {
    let sqlite = TestApp::sqlite().await;
    let sqlite_schema = sqlite_schema(&sqlite).await;
    sqlite.finish().await;

    // Every table a partnership owns says so, or is listed as a child or installation table.
    let tables = sqlite_schema.tables();
    let listed: BTreeSet<&str> = WITHOUT_PARTNERSHIP_ID
        .iter()
        .map(|(table, _)| *table)
        .collect();
    let without: BTreeSet<&str> = tables
        .iter()
        .copied()
        .filter(|table| {
            !sqlite_schema
                .columns
                .contains(&format!("{table}.partnership_id"))
        })
        .collect();
    assert_eq!(
        (
            without.difference(&listed).collect::<Vec<_>>(),
            listed.difference(&without).collect::<Vec<_>>()
        ),
        (vec![], vec![]),
        "tables without partnership_id and not listed with what they belong to; listed tables \
         that have the column or no longer exist"
    );

    let Some(postgres) = TestApp::postgres().await else {
        return;
    };
    let postgres_schema = postgres_schema(&postgres).await;
    postgres.finish().await;
    for schema in [&sqlite_schema, &postgres_schema] {
        assert!(
            schema.columns.len() > 300 && schema.unique.len() >= 20,
            "{schema:?}"
        );
    }
    let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b).cloned().collect()
    };
    assert_eq!(
        (
            only(&sqlite_schema.columns, &postgres_schema.columns),
            only(&postgres_schema.columns, &sqlite_schema.columns)
        ),
        (vec![], vec![]),
        "columns only on SQLite, only on PostgreSQL"
    );
    assert_eq!(
        (
            only(&sqlite_schema.unique, &postgres_schema.unique),
            only(&postgres_schema.unique, &sqlite_schema.unique)
        ),
        (vec![], vec![]),
        "unique indexes only on SQLite, only on PostgreSQL"
    );
}

/// Every filter form (a form sent by GET) has one label on its button, "Apply filters", as the
/// GOV.UK filter pattern does, so no page says "Apply", "Filter" or "Show …" for the same act.
#[test]
fn every_filter_form_says_apply_filters() {
    fn templates(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src reads").flatten() {
            let path = entry.path();
            if path.is_dir() {
                templates(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "html") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    templates(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut files,
    );
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("template reads");
        for form in text.split("<form").skip(1) {
            let form = form.split("</form>").next().unwrap_or_default();
            if !form.contains("method=\"get\"") {
                continue;
            }
            for button in form.split("<button").skip(1) {
                let label = button
                    .split_once('>')
                    .and_then(|(_, rest)| rest.split_once("</button>"))
                    .map(|(label, _)| label.trim())
                    .unwrap_or_default();
                assert_eq!(label, "Apply filters", "{}", file.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 9, "{checked} filter buttons");
}
