//! The `lyceum` command: run the site, run the demo, manage users and the database.

mod backup;
mod demo;
mod errors;
mod site;

use clap::{Args, Parser, Subcommand};

/// mimalloc rather than glibc's allocator: under concurrent page renders glibc keeps the
/// memory it freed (per-thread arenas; `malloc_trim` gave back 15 MiB of a node's 40),
/// while mimalloc, told to (see [`ALLOCATOR_SETTINGS`]), hands freed pages back to the
/// system at once: one node under load peaked at 57 MiB against glibc's 83, and rendered
/// Progress pages 70 % faster (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's settings, read from the environment when the process starts: commit memory
/// as it is used rather than a whole arena up front (which doubled an idle node's
/// memory), and return freed pages at once rather than after a delay.
const ALLOCATOR_SETTINGS: [(&str, &str); 2] = [
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
    ("MIMALLOC_PURGE_DELAY", "0"),
];

/// mimalloc reads its settings before `main`, and a program may not change its own
/// environment safely; so when they are not set, run this program again with them
/// (`exec`: the same process id, nothing else happens before). Set either variable to
/// choose otherwise.
fn with_allocator_settings() {
    use std::os::unix::process::CommandExt;
    if ALLOCATOR_SETTINGS
        .iter()
        .any(|(name, _)| std::env::var_os(name).is_some())
    {
        return;
    }
    let Ok(me) = std::env::current_exe() else {
        return;
    };
    let e = std::process::Command::new(me)
        .args(std::env::args_os().skip(1))
        .envs(ALLOCATOR_SETTINGS)
        .exec();
    // Only reached when exec failed: carry on with mimalloc's defaults.
    eprintln!("lyceum: could not apply the allocator's settings ({e}); going on without");
}
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "lyceum",
    version,
    about = "Lyceum: a learning platform for the Wikimedia movement"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the site's data lives.
#[derive(Args, Clone, Debug)]
pub struct DataArgs {
    /// Data directory: SQLite database, media files, lyceum.toml.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// PostgreSQL instead of SQLite (postgres://…).
    #[arg(long, value_name = "URL", env = "LYCEUM_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Connections this process keeps open to PostgreSQL, at most (1–1000). Several
    /// nodes on one database need nodes × (N + 1, for the node's listener) below the
    /// server's max_connections, less its reserved ones.
    #[arg(long, value_name = "N", env = "LYCEUM_DATABASE_POOL",
          default_value_t = lyceum_store::DEFAULT_PG_POOL,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool: u32,
    /// Where media files live: file:///path (a directory) or s3://BUCKET[/prefix] (an
    /// S3-compatible object store, reached with the standard AWS_* variables:
    /// AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION,
    /// AWS_ALLOW_HTTP). Default: DIR/media.
    #[arg(long, value_name = "URL", env = "LYCEUM_MEDIA_URL")]
    pub media_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the site.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        data: DataArgs,
        /// Settings file (default: DATA/lyceum.toml when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Seed a new data directory with demo courses and users, then run the site.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Must not exist or be empty; default: a new temporary directory.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Seed a new, empty PostgreSQL database (postgres://…) instead of a SQLite file
        /// in --data (which then holds only the media files).
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        /// Do not start the local stand-in for Wikimedia's login.
        #[arg(long)]
        no_wikimedia_standin: bool,
        /// A MediaWiki for the demo's wiki tasks (its base URL, e.g. http://127.0.0.1:18080):
        /// named "localwiki" on the site, and the demo learner linked to its account
        /// Learner1. Wikimedia's own wikis are never read by the demo.
        #[arg(long, value_name = "URL")]
        wiki: Option<String>,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import an Open edX course export (OLX): a .tar.gz, .tgz or a directory. Importing
    /// a course that exists (same course key) updates it in place.
    Import {
        path: PathBuf,
        /// Put the course in this organisation instead of the one in course.xml.
        #[arg(long)]
        org: Option<String>,
        /// Print a JSON summary: counts, url_name → block id, problems found.
        #[arg(long)]
        json: bool,
        /// Publish a newly created course (default: unpublished, for review first).
        #[arg(long)]
        publish: bool,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Export a course as Open edX OLX (.tar.gz).
    Export {
        /// course-v1:ORG+CODE+RUN
        course_id: String,
        out: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Look after the media directory.
    Media {
        #[command(subcommand)]
        command: MediaCommand,
    },
    /// Back up the whole site — database and media files — into a new directory, while
    /// the site keeps serving. SQLite: an online backup; PostgreSQL: pg_dump (its client
    /// tools must be installed, matching the server's version).
    Backup {
        /// A directory that does not exist yet, or is empty.
        dest: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Restore a backup made by `lyceum backup` into an empty site (a new data directory,
    /// or a PostgreSQL database without tables). Never overwrites a site.
    Restore {
        src: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Caps on an imported archive; an archive over any of them is refused.
#[derive(Args, Clone, Debug)]
pub struct LimitArgs {
    /// Total uncompressed size, MB.
    #[arg(long, value_name = "MB", default_value_t = 2048)]
    pub max_total_mb: u64,
    /// Number of files.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub max_files: u64,
    /// Any one file, MB.
    #[arg(long, value_name = "MB", default_value_t = 1024)]
    pub max_file_mb: u64,
}

#[derive(Subcommand)]
enum MediaCommand {
    /// Remove media files nothing refers to (files left by deleted attachments, replaced
    /// assets, interrupted uploads) and report them. Files younger than an hour, and
    /// uploads in progress, are left alone; safe to run while the site is serving.
    Gc {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a local account; the password is read from standard input.
    Add {
        name: String,
        /// Make the account a site administrator.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn main() -> ExitCode {
    with_allocator_settings();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LYCEUM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,lyceum=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lyceum: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { addr, data, config } => {
                site::serve(&addr, &data, config.as_deref()).await
            }
            Command::Demo {
                addr,
                data,
                database_url,
                no_wikimedia_standin,
                wiki,
            } => demo::run(&addr, data, database_url, !no_wikimedia_standin, wiki).await,
            Command::User {
                command: UserCommand::Add { name, admin, data },
            } => site::add_user(&name, admin, &data).await,
            Command::Import {
                path,
                org,
                json,
                publish,
                limits,
                data,
            } => site::import(&path, org, json, publish, &limits, &data).await,
            Command::Export {
                course_id,
                out,
                data,
            } => site::export(&course_id, &out, &data).await,
            Command::Media {
                command: MediaCommand::Gc { data },
            } => site::media_gc(&data).await,
            Command::Backup { dest, data } => backup::backup(&dest, &data).await,
            Command::Restore { src, data } => backup::restore(&src, &data).await,
            Command::Migrate { data } => site::open(&data)
                .await
                .map(|_| println!("The database is up to date.")),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lyceum: {e}");
            ExitCode::FAILURE
        }
    }
}
