//! The `lyceum` command: run the site, run the demo, manage users and the database.

mod demo;
mod site;

use clap::{Args, Parser, Subcommand};
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
    /// PostgreSQL instead of SQLite (postgres://…); media still go to --data.
    #[arg(long, value_name = "URL", env = "LYCEUM_DATABASE_URL")]
    pub database_url: Option<String>,
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
        /// Do not start the local stand-in for Wikimedia's login.
        #[arg(long)]
        no_wikimedia_standin: bool,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create or upgrade the database schema.
    Migrate {
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
                no_wikimedia_standin,
            } => demo::run(&addr, data, !no_wikimedia_standin).await,
            Command::User {
                command: UserCommand::Add { name, admin, data },
            } => site::add_user(&name, admin, &data).await,
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
