//! Schema migrations, one directory per dialect. Each runs once, in a transaction, and
//! is recorded with a checksum: an applied migration must never be edited (add a new one).

use crate::db::{Backend, Db, Store, q};
use crate::{Result, StoreError};
use sha2::{Digest, Sha256};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migrations {
    ($($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }),*]
    };
}

const MIGRATIONS: &[Migration] = migrations![
    1 "0001_foundation",
    2 "0002_problems_and_grades",
    3 "0003_course_pages",
    4 "0004_open_responses",
    5 "0005_login_limits",
    6 "0006_media_refs",
    7 "0007_deadlines",
    8 "0008_surveys",
    9 "0009_studio",
    10 "0010_account_tokens",
    11 "0011_forks",
    12 "0012_fork_extras",
    13 "0013_moderation",
    14 "0014_trust",
    15 "0015_wiki_tasks",
    16 "0016_discussions",
    17 "0017_jobs",
    18 "0018_media_deletions",
    19 "0019_catalog",
    20 "0020_session_changes",
    21 "0021_submission_keys",
    22 "0022_translations",
    23 "0023_translation_settings",
    24 "0024_segments_again",
    25 "0025_page_stamps",
];

/// The schema version this build brings a database up to (its last migration).
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub async fn run(store: &Store) -> Result<()> {
    let mut tx = store.begin().await?;
    if store.backend() == Backend::Postgres {
        // Two servers starting at once must not both migrate.
        tx.exec(q("SELECT pg_advisory_xact_lock(7356812)")).await?;
    }
    tx.exec(q("CREATE TABLE IF NOT EXISTS lyceum_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)")).await?;
    let applied: Vec<(i64, String)> = tx
        .all(q(
            "SELECT version, checksum FROM lyceum_schema ORDER BY version",
        ))
        .await?;
    for m in MIGRATIONS {
        let sql = match store.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let checksum = format!("{:x}", Sha256::digest(sql.as_bytes()));
        match applied.iter().find(|(v, _)| *v == m.version) {
            Some((_, c)) if *c == checksum => continue,
            Some(_) => {
                return Err(StoreError::Migration(format!(
                    "migration {} ({}) was changed after it was applied",
                    m.version, m.name
                )));
            }
            None => {}
        }
        store
            .exec_batch_in_tx(&mut tx, sql)
            .await
            .map_err(|e| StoreError::Migration(format!("{}: {e}", m.name)))?;
        let now = jiff::Timestamp::now().as_millisecond();
        tx.exec(q("INSERT INTO lyceum_schema (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)").bind(m.version).bind(m.name).bind(checksum).bind(now)).await?;
    }
    tx.commit().await
}
