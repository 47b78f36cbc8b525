//! The `masa` command: serve, demo, migrate, user add, generate, report, backup, restore.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use masa::kernel::Role;
use masa::kernel::audit::Actor;
use masa::kernel::auth::{self, NewUser};
use masa::kernel::backup;
use masa::kernel::config::Config;
use masa::kernel::db::Db;
use masa::kernel::ids::{OrganisationId, PartnershipId};
use masa::kernel::store::{Change, Scope};

#[derive(Parser)]
#[command(
    name = "masa",
    version,
    about = "MASA: the platform for multi-agency safeguarding arrangements"
)]
struct Cli {
    /// A TOML configuration file (settings in the environment override it).
    #[arg(long, global = true, env = "MASA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (migrates the database first).
    Serve,
    /// Start afresh with demo data in an embedded database (data/demo.db) and serve it.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Partnerships held in this installation (a region's or a national service's).
    Partnership {
        #[command(subcommand)]
        command: PartnershipCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Add synthetic organisations, indicators and approved quarterly data to the configured
    /// database, for benchmarks; prints how long the values took to write.
    Generate {
        /// Partnerships: 1 fills the first partnership (the demo's, with --with-demo); more
        /// makes that many new ones after it (150 for a national service).
        #[arg(long, default_value_t = 1)]
        partnerships: usize,
        /// Organisations in each partnership.
        #[arg(long, default_value_t = 12)]
        organisations: usize,
        /// Indicators in each partnership, shared between its organisations (each indicator
        /// has one reporting organisation: 3600 gives 12 organisations 300 each).
        #[arg(long, default_value_t = 300)]
        indicators: usize,
        /// Quarters of history (40 = ten years).
        #[arg(long, default_value_t = 40)]
        quarters: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Load the demo partnership and its sign-ins first (the database must be empty).
        #[arg(long)]
        with_demo: bool,
    },
    /// Add a national-scale audit round to the first partnership, for the assurance benchmark:
    /// RETURNS schools answer a framework of QUESTIONS graded questions and submit, then the next
    /// round opens pre-filled; prints how long each round took to open.
    GenerateAudit {
        #[arg(long, default_value_t = 24_000)]
        returns: usize,
        #[arg(long, default_value_t = 60)]
        questions: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Load the demo partnership and its sign-ins first (the database must be empty).
        #[arg(long)]
        with_demo: bool,
    },
    /// Generate a report from the live records: `report yearly 2024-25 --pdf out.pdf --html out.html`
    /// or `report quarterly 2025-26-Q2 …`. Writes the files only; versions to approve are made
    /// on the Reports page.
    Report {
        /// yearly or quarterly.
        kind: String,
        /// The period: 2024-25 for a financial year, 2025-26-Q2 for a quarter.
        period: String,
        /// Where to write the PDF.
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// Where to write the HTML.
        #[arg(long)]
        html: Option<PathBuf>,
        /// The partnership's id (see `partnership list`); needed where there are several.
        #[arg(long)]
        partnership: Option<PartnershipId>,
    },
    /// Write a consistent backup of the whole database to FILE, while the service runs.
    Backup { file: PathBuf },
    /// Load a backup FILE into an empty database (run `masa migrate` on it first, or let restore do it).
    Restore { file: PathBuf },
}

#[derive(Subcommand)]
enum PartnershipCommand {
    /// Add a partnership; then add its first business unit account with `user add --partnership`.
    Add {
        #[arg(long)]
        name: String,
    },
    /// List the partnerships, with their ids.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. Its temporary password is printed; it must be changed at first sign-in.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// A role code, e.g. business_unit_admin (repeat for several).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The id of the organisation the person acts for.
        #[arg(long)]
        organisation: Option<OrganisationId>,
        /// The id of the partnership the account belongs to (see `partnership list`).
        #[arg(long, default_value = "1")]
        partnership: PartnershipId,
    },
}

fn init_logging(default_level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MASA_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{default_level},sqlx=warn")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("MASA_LOG_FORMAT").as_deref() == Ok("text") {
        builder.init();
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    }
}

/// Rendering a page allocates many small strings (rows decoded, HTML escaped); mimalloc served
/// them with less time in the allocator than the system's under 50 concurrent requests.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo keeps its terminal for the sign-in list: only warnings unless MASA_LOG says more.
    init_logging(if matches!(cli.command, Command::Demo { .. }) {
        "warn"
    } else {
        "info"
    });
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("masa: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

/// Takes the address before anything else, so a port in use changes nothing: no database is
/// created or migrated by a `serve` that cannot serve.
async fn listen(address: &str, setting: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {address} (setting {setting}): {error}"))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => {
            let listener = listen(&config.bind, "bind / MASA_BIND").await?;
            let db = connect(&config).await?;
            masa::serve(masa::state(db, config), listener, |address| {
                tracing::info!(%address, "MASA is listening");
            })
            .await?;
        }
        Command::Demo { bind } => {
            let listener = listen(&bind, "--bind").await?;
            let path = config.data_dir.join("demo.db");
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                if file.exists() {
                    std::fs::remove_file(&file)?;
                }
            }
            config.database_url = format!("sqlite://{}", path.display());
            let db = connect(&config).await?;
            masa::demo::load(&db).await?;
            masa::serve(masa::state(db, config), listener, |address| {
                println!(
                    "\nMASA demo is running at http://localhost:{}/",
                    address.port()
                );
                println!(
                    "Every demo account's password is: {}\n",
                    masa::demo::DEMO_PASSWORD
                );
                for login in &masa::demo::DEMO_LOGINS {
                    println!("  {:<28} {}", login.email, login.role.label());
                }
                println!(
                    "\n  A second partnership, {}, shares Halton's police and ICB s11 returns:\n  {:<28} {}",
                    masa::assurance::shared_demo::PARTNERSHIP_NAME,
                    masa::assurance::shared_demo::LOGIN_EMAIL,
                    masa::kernel::Role::BusinessUnitAdmin.label()
                );
                println!(
                    "\nPress Ctrl+C to stop. The demo database is {}\n",
                    path.display()
                );
            })
            .await?;
        }
        Command::Partnership {
            command: PartnershipCommand::Add { name },
        } => {
            let name = name.trim();
            if name.is_empty() {
                anyhow::bail!("a partnership needs a name");
            }
            let db = connect(&config).await?;
            if masa::partnership::partnerships(&db)
                .await?
                .iter()
                .any(|(_, existing)| existing.eq_ignore_ascii_case(name))
            {
                anyhow::bail!("there is already a partnership called {name:?}");
            }
            let id =
                masa::partnership::create_partnership(&db, name, "masa partnership add").await?;
            println!(
                "Added partnership {id}: {name}.\nAdd its first account with: masa user add --partnership {id} --role business_unit_admin --email ... --name ..."
            );
        }
        Command::Partnership {
            command: PartnershipCommand::List,
        } => {
            let db = connect(&config).await?;
            for (id, name) in masa::partnership::partnerships(&db).await? {
                println!("{id}\t{name}");
            }
        }
        Command::Migrate => {
            connect(&config).await?;
            println!("Database is up to date.");
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    roles,
                    organisation,
                    partnership,
                },
        } => {
            let roles = roles
                .iter()
                .map(|code| {
                    Role::from_code(code).ok_or_else(|| {
                        anyhow::anyhow!(
                            "unknown role {code:?}; use one of {}",
                            Role::ALL.map(Role::code).join(", ")
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let db = connect(&config).await?;
            let scope = Scope::new(&db, partnership);
            if auth::email_in_use(scope, &email).await? {
                anyhow::bail!("an account with the email address {email} already exists");
            }
            if !masa::partnership::partnerships(&db)
                .await?
                .iter()
                .any(|(id, _)| *id == partnership)
            {
                anyhow::bail!("there is no partnership with id {partnership}");
            }
            if let Some(id) = organisation
                && masa::partnership::organisation_name(
                    masa::kernel::Scope::new(&db, partnership),
                    id,
                )
                .await?
                .is_none()
            {
                anyhow::bail!("there is no organisation with id {id} in partnership {partnership}");
            }
            // Four random words' worth of entropy, shown once.
            let password = format!("masa-{}", hex::encode(rand::random::<[u8; 9]>()));
            let mut change =
                Change::begin(&db, Actor::system("masa user add", partnership)).await?;
            let id = auth::insert_user(
                &mut change,
                &NewUser {
                    email: &email,
                    display_name: &name,
                    password: &password,
                    organisation,
                    roles: &roles,
                    must_change_password: true,
                },
                " from the command line",
            )
            .await?;
            change.commit().await?;
            println!(
                "Created account {id} for {email}.\nTemporary password (must be changed at first sign-in): {password}"
            );
        }
        Command::Generate {
            partnerships,
            organisations,
            indicators,
            quarters,
            seed,
            with_demo,
        } => {
            let db = connect(&config).await?;
            if with_demo {
                masa::demo::load(&db).await?;
            }
            let options = masa::dataset::generate::GenerateOptions {
                partnerships,
                organisations,
                indicators,
                quarters,
                seed,
            };
            let generated =
                masa::dataset::generate::generate_reporting(&db, &options, |so_far| {
                    if partnerships > 1 {
                        eprintln!(
                            "Partnership {} of {partnerships} committed: {} values so far in {:.1} s ({:.0} values/s written)",
                            so_far.partnerships,
                            so_far.values,
                            so_far.total_time.as_secs_f64(),
                            so_far.write_rate()
                        );
                    }
                })
                .await?;
            let seconds = generated.total_time.as_secs_f64();
            println!(
                "Generated {} partnerships, {} organisations, {} indicators, {} data drops and {} values in {:.2} s ({:.0} values/s overall); the values took {:.2} s ({:.0} values/s).",
                generated.partnerships,
                generated.organisations,
                generated.indicators,
                generated.drops,
                generated.values,
                seconds,
                generated.values as f64 / seconds.max(f64::EPSILON),
                generated.value_time.as_secs_f64(),
                generated.write_rate()
            );
        }
        Command::GenerateAudit {
            returns,
            questions,
            seed,
            with_demo,
        } => {
            let db = connect(&config).await?;
            if with_demo {
                masa::demo::load(&db).await?;
            }
            let options = masa::assurance::generate::AuditGenerateOptions {
                returns,
                questions,
                seed,
            };
            let generated = masa::assurance::generate::generate_audit(&db, &options).await?;
            println!(
                "Generated {} returns with {} answers in {:.1} s. Opening the round for {} organisations took {:.2} s; opening the next, pre-filled from it, took {:.2} s. Analysis: /assurance/rounds/{}/analysis (the pre-filled round: /assurance/rounds/{}).",
                generated.returns,
                generated.answers,
                generated.total.as_secs_f64(),
                generated.returns,
                generated.first_open.as_secs_f64(),
                generated.prefilled_open.as_secs_f64(),
                generated.answered_round,
                generated.prefilled_round
            );
        }
        Command::Report {
            kind,
            period,
            pdf,
            html,
            partnership,
        } => {
            let db = connect(&config).await?;
            let written = masa::reports::cli::write_report(
                &db,
                &masa::reports(),
                &masa::reports::cli::ReportRequest {
                    kind: &kind,
                    period: &period,
                    partnership,
                    pdf: pdf.as_deref(),
                    html: html.as_deref(),
                },
            )
            .await?;
            println!("{written}");
        }
        Command::Backup { file } => {
            let db = Db::connect_to_read(&config.database_url).await?;
            let rows = backup::write_file(&db, &file).await?;
            println!(
                "Backed up {} to {}",
                masa::kernel::filters::count_of(rows as i64, "row", "rows"),
                file.display()
            );
        }
        Command::Restore { file } => {
            let backup = backup::read_file(&file)?;
            let db = connect(&config).await?;
            let rows = backup::restore(&db, &backup).await?;
            println!(
                "Restored {} from {}",
                masa::kernel::filters::count_of(rows as i64, "row", "rows"),
                file.display()
            );
        }
    }
    Ok(())
}
