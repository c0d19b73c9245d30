//! `lyceum backup DEST` and `lyceum restore SRC`: a whole site — its database and its
//! media files — copied to a directory and back.
//!
//! A backup directory holds:
//! - `lyceum.sqlite` for a SQLite site: SQLite's online backup, one consistent snapshot
//!   taken while the site keeps serving; or `database.pgdump` for a PostgreSQL site:
//!   `pg_dump --format=custom`, run on a snapshot this command holds open (see below);
//! - `media/ab/abcd…`: the media files, each named by its SHA-256 as in the store;
//! - `manifest.json`, written last: a directory without it is not a complete backup, and
//!   `restore` refuses it.
//!
//! Media and the snapshot: the files are copied once before the database snapshot and
//! once after it, and then checked against exactly the hashes the snapshot refers to (read
//! from the SQLite copy itself; for PostgreSQL, in the transaction whose snapshot
//! `pg_dump` is given with `--snapshot`). A file uploaded while the backup runs is caught
//! by the second pass. Only a file the snapshot refers to whose row was deleted, and the
//! file removed, between the snapshot and the second pass can be missing: the backup then
//! says so (and lists it in the manifest) rather than failing, because a backup that is
//! complete but for one deleted file is far better than none.
//!
//! `restore` needs an empty site (no database yet at `--data`, or a PostgreSQL database
//! with no tables in its schema): it never merges into or overwrites a live site. It
//! checks every media file against its name, puts them into the media store first, then
//! restores the database (so no restored row ever names a missing file), brings the
//! schema up to date and checks that every file the database refers to is in the store.

use crate::DataArgs;
use crate::site::{self, Result};
use lyceum_store::{Backend, Db, MediaStore, Store, q};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "lyceum.sqlite";
const PG_DUMP_FILE: &str = "database.pgdump";
const MEDIA_DIR: &str = "media";
const FORMAT: &str = "lyceum-backup";
const FORMAT_VERSION: i64 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: String,
    format_version: i64,
    lyceum_version: String,
    created_at: String,
    database: DatabaseEntry,
    media: MediaEntry,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct DatabaseEntry {
    /// `sqlite` or `postgres`.
    backend: String,
    file: String,
    schema_version: i64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct MediaEntry {
    files: u64,
    bytes: u64,
    /// Files the database refers to that were not in the media store.
    #[serde(default)]
    missing: Vec<String>,
}

/// `lyceum backup DEST`.
pub async fn backup(dest: &Path, args: &DataArgs) -> Result<()> {
    prepare_empty_dir(dest)?;
    let site = site::open(args).await?;
    let media_dir = dest.join(MEDIA_DIR);

    // First pass: every file in the store now.
    let mut copied = Copied::default();
    copy_all(&site.media, &media_dir, &mut copied).await?;

    let (db_file, referenced) = match site.store.backend() {
        Backend::Sqlite => {
            let referenced = site
                .store
                .backup_sqlite(&dest.join(SQLITE_FILE))
                .await
                .map_err(|e| format!("cannot back up the database: {e}"))?;
            (SQLITE_FILE, referenced)
        }
        Backend::Postgres => {
            let url = args
                .database_url
                .as_deref()
                .ok_or("a PostgreSQL site needs --database-url")?;
            let referenced = pg_dump(&site.store, url, &dest.join(PG_DUMP_FILE)).await?;
            (PG_DUMP_FILE, referenced)
        }
    };

    // Second pass: files stored while the snapshot was taken, and anything it needs.
    copy_all(&site.media, &media_dir, &mut copied).await?;
    let mut missing = Vec::new();
    for sha in &referenced {
        if copied.hashes.contains(sha) {
            continue;
        }
        match copy_one(&site.media, sha, &media_dir).await {
            Ok(Some(bytes)) => copied.add(sha, bytes),
            Ok(None) => missing.push(sha.clone()),
            Err(e) => return Err(e),
        }
    }

    let mut c = site.store.conn().await.map_err(|e| e.to_string())?;
    let schema_version = schema_version(&mut c).await?;
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        lyceum_version: env!("CARGO_PKG_VERSION").into(),
        created_at: jiff::Timestamp::now().to_string(),
        database: DatabaseEntry {
            backend: backend_name(site.store.backend()).into(),
            file: db_file.into(),
            schema_version,
        },
        media: MediaEntry {
            files: copied.hashes.len() as u64,
            bytes: copied.bytes,
            missing: missing.clone(),
        },
    };
    write_manifest(dest, &manifest)?;
    println!(
        "Backed up the {} database and {} media {} ({} bytes) to {}.",
        manifest.database.backend,
        copied.hashes.len(),
        plural(copied.hashes.len() as u64, "file", "files"),
        copied.bytes,
        dest.display()
    );
    if !missing.is_empty() {
        eprintln!(
            "warning: the database refers to {} media {} the store does not hold (listed in {}):",
            missing.len(),
            plural(missing.len() as u64, "file", "files"),
            MANIFEST
        );
        for sha in &missing {
            eprintln!("  {sha}");
        }
    }
    Ok(())
}

/// `lyceum restore SRC`.
pub async fn restore(src: &Path, args: &DataArgs) -> Result<()> {
    let manifest = read_manifest(src)?;
    if manifest.database.schema_version > lyceum_store::latest_schema_version() {
        return Err(format!(
            "{} was made by a newer Lyceum (schema {}; this one knows up to {}): restore it with that version or later",
            src.display(),
            manifest.database.schema_version,
            lyceum_store::latest_schema_version()
        ));
    }
    let to_postgres = args.database_url.is_some();
    match (manifest.database.backend.as_str(), to_postgres) {
        ("sqlite", true) => {
            return Err(format!(
                "{} holds a SQLite database: restore it with --data DIR, without --database-url",
                src.display()
            ));
        }
        ("postgres", false) => {
            return Err(format!(
                "{} holds a PostgreSQL dump: restore it with --database-url URL",
                src.display()
            ));
        }
        ("sqlite" | "postgres", _) => {}
        (other, _) => return Err(format!("unknown database kind {other:?} in the manifest")),
    }
    let db_file = src.join(&manifest.database.file);
    if !db_file.is_file() {
        return Err(format!("{} is missing", db_file.display()));
    }

    // The target must be empty: checked before anything is written.
    let data_dir = site::data_dir(args);
    if let Some(url) = &args.database_url {
        site::require_empty_postgres(
            url,
            "restore into a new database (restore never overwrites a site)",
        )
        .await?;
    } else {
        let db = data_dir.join(SQLITE_FILE);
        if db.exists() {
            return Err(format!(
                "{} already has a database: restore into a new data directory (restore never overwrites a site)",
                data_dir.display()
            ));
        }
    }

    // Media first, each checked against its name.
    let media = site::open_media(args)?;
    let (files, bytes) = restore_media(&src.join(MEDIA_DIR), &media).await?;

    // Then the database.
    match &args.database_url {
        Some(url) => pg_restore(url, &db_file).await?,
        None => {
            std::fs::create_dir_all(&data_dir)
                .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            let target = data_dir.join(SQLITE_FILE);
            let part = data_dir.join(format!("{SQLITE_FILE}.restoring"));
            copy_file_synced(&db_file, &part)?;
            std::fs::rename(&part, &target)
                .map_err(|e| format!("cannot move the database into place: {e}"))?;
        }
    }
    let site = match site::open(args).await {
        Ok(site) => site,
        Err(e) => {
            if args.database_url.is_none() {
                // Leave the data directory as empty of a database as it was.
                let _ = std::fs::remove_file(data_dir.join(SQLITE_FILE));
            }
            return Err(format!("the restored database does not open: {e}"));
        }
    };
    if site.store.backend() == Backend::Sqlite {
        let mut c = site.store.conn().await.map_err(|e| e.to_string())?;
        let (check,): (String,) = c
            .one(q("PRAGMA integrity_check"))
            .await
            .map_err(|e| e.to_string())?;
        if check != "ok" {
            return Err(format!("the restored database is damaged: {check}"));
        }
    }
    let mut c = site.store.conn().await.map_err(|e| e.to_string())?;
    let referenced = lyceum_store::repo::media::all_hashes(&mut c)
        .await
        .map_err(|e| e.to_string())?;
    drop(c);
    let mut absent = Vec::new();
    for sha in &referenced {
        let found = site
            .media
            .stat(sha)
            .map_err(|e| format!("cannot read the media store: {e}"))?;
        if found.is_none() {
            absent.push(sha.clone());
        }
    }
    println!(
        "Restored the {} database (schema {}) and {} media {} ({} bytes) from {}.",
        manifest.database.backend,
        manifest.database.schema_version,
        files,
        plural(files, "file", "files"),
        bytes,
        src.display()
    );
    if !absent.is_empty() {
        eprintln!(
            "warning: {} media {} the database refers to {} not in the backup:",
            absent.len(),
            plural(absent.len() as u64, "file", "files"),
            if absent.len() == 1 { "was" } else { "were" }
        );
        for sha in &absent {
            eprintln!("  {sha}");
        }
    }
    Ok(())
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

async fn schema_version(c: &mut impl Db) -> Result<i64> {
    let (v,): (Option<i64>,) = c
        .one(q("SELECT MAX(version) FROM lyceum_schema"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(v.unwrap_or(0))
}

/// `dest` must not exist, or be an empty directory: a backup never mixes with another.
fn prepare_empty_dir(dest: &Path) -> Result<()> {
    if dest.exists() {
        let mut entries =
            std::fs::read_dir(dest).map_err(|e| format!("cannot read {}: {e}", dest.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty: back up into a new directory",
                dest.display()
            ));
        }
    }
    std::fs::create_dir_all(dest.join(MEDIA_DIR))
        .map_err(|e| format!("cannot create {}: {e}", dest.display()))
}

fn write_manifest(dest: &Path, m: &Manifest) -> Result<()> {
    let text = serde_json::to_string_pretty(m).map_err(|e| e.to_string())?;
    let part = dest.join(format!("{MANIFEST}.part"));
    let mut f = std::fs::File::create(&part)
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    std::fs::rename(&part, dest.join(MANIFEST))
        .map_err(|e| format!("cannot write the manifest: {e}"))
}

fn read_manifest(src: &Path) -> Result<Manifest> {
    let path = src.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{} is not a complete Lyceum backup (cannot read {MANIFEST}: {e})",
            src.display()
        )
    })?;
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a Lyceum backup manifest: {e}", path.display()))?;
    if m.format != FORMAT {
        return Err(format!(
            "{} is not a Lyceum backup manifest",
            path.display()
        ));
    }
    if m.format_version > FORMAT_VERSION {
        return Err(format!(
            "{} is a backup of a newer format ({}) than this Lyceum reads ({FORMAT_VERSION})",
            src.display(),
            m.format_version
        ));
    }
    Ok(m)
}

// ---- Media ----

#[derive(Default)]
struct Copied {
    hashes: BTreeSet<String>,
    bytes: u64,
}

impl Copied {
    fn add(&mut self, sha: &str, bytes: u64) {
        if self.hashes.insert(sha.to_owned()) {
            self.bytes += bytes;
        }
    }
}

fn backup_path(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(sha)
}

/// Copy every file of the store not yet copied.
async fn copy_all(media: &MediaStore, dir: &Path, copied: &mut Copied) -> Result<()> {
    let listed = {
        let media = media.clone();
        tokio::task::spawn_blocking(move || media.list())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot list the media store: {e}"))?
    };
    for f in listed {
        if copied.hashes.contains(&f.sha256) {
            continue;
        }
        // A file removed since the listing is no loss: nothing referred to it.
        if let Some(bytes) = copy_one(media, &f.sha256, dir).await? {
            copied.add(&f.sha256, bytes);
        }
    }
    Ok(())
}

/// Copy one stored file into the backup, checking its content against its name; `None`
/// when the store does not hold it.
async fn copy_one(media: &MediaStore, sha: &str, dir: &Path) -> Result<Option<u64>> {
    if !lyceum_store::media::is_sha256(sha) {
        return Err(format!("{sha:?} is not a media file name"));
    }
    let (media, sha, dir) = (media.clone(), sha.to_owned(), dir.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let reader = match media.reader(&sha) {
            Ok(Some((r, _size))) => r,
            Ok(None) => return Ok(None),
            Err(e) => return Err(format!("cannot read media file {sha}: {e}")),
        };
        let target = backup_path(&dir, &sha);
        let (got, bytes) = copy_hashing(reader, &target)
            .map_err(|e| format!("cannot copy media file {sha}: {e}"))?;
        if got != sha {
            let _ = std::fs::remove_file(&target);
            return Err(format!(
                "media file {sha} in the store is damaged (its content hashes to {got})"
            ));
        }
        Ok(Some(bytes))
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Write `reader` to `target` (through a `.part` file, synced), returning its SHA-256.
fn copy_hashing(reader: impl Read, target: &Path) -> std::io::Result<(String, u64)> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let part = target.with_extension("part");
    let mut out = std::fs::File::create(&part)?;
    let copied = lyceum_store::media::copy_hashing(reader, &mut out)?;
    out.sync_all()?;
    std::fs::rename(&part, target)?;
    Ok(copied)
}

fn copy_file_synced(from: &Path, to: &Path) -> Result<()> {
    let reader =
        std::fs::File::open(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let mut reader = std::io::BufReader::new(reader);
    let mut out =
        std::fs::File::create(to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    std::io::copy(&mut reader, &mut out)
        .and_then(|_| out.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", to.display()))
}

/// Put every file of the backup into the store, each checked against its name. Nothing
/// is written to the database yet, so a damaged file stops the restore with the site as
/// it was (the files already put are unreferenced, and the media sweep removes them).
async fn restore_media(dir: &Path, media: &MediaStore) -> Result<(u64, u64)> {
    let mut names = Vec::new();
    if dir.is_dir() {
        for prefix in
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        {
            let prefix = prefix.map_err(|e| e.to_string())?.path();
            if !prefix.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&prefix).map_err(|e| e.to_string())? {
                let path = f.map_err(|e| e.to_string())?.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .to_owned();
                if lyceum_store::media::is_sha256(&name) {
                    names.push((name, path));
                }
            }
        }
    }
    names.sort();
    let (mut files, mut bytes) = (0u64, 0u64);
    for (name, path) in names {
        let media = media.clone();
        let (sha, size) = tokio::task::spawn_blocking(move || {
            let f = std::fs::File::open(&path)?;
            media.put_reader(std::io::BufReader::new(f))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot restore media file {name}: {e}"))?;
        if sha != name {
            return Err(format!(
                "media file {name} of the backup is damaged (its content hashes to {sha}); nothing was restored to the database"
            ));
        }
        files += 1;
        bytes += size;
    }
    Ok((files, bytes))
}

// ---- PostgreSQL ----

/// `url` without its password, and the password (given to `pg_dump`/`pg_restore` in
/// `PGPASSWORD`, not on their command line where other users of the machine can read it).
fn split_password(url: &str) -> Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("bad --database-url: {e}"))?;
    let password = parsed.password().map(|p| {
        url::form_urlencoded::parse(format!("p={p}").as_bytes())
            .next()
            .map_or_else(|| p.to_owned(), |(_, v)| v.into_owned())
    });
    if password.is_some() {
        let _ = parsed.set_password(None);
    }
    Ok((parsed.to_string(), password))
}

async fn run_tool(program: &str, args: &[String], url: &str) -> Result<()> {
    let (url, password) = split_password(url)?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).arg(format!("--dbname={url}"));
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| e.to_string())?;
    let out = out.map_err(|e| {
        format!("cannot run {program} (install PostgreSQL's client tools, matching the server's version): {e}")
    })?;
    if !out.status.success() {
        return Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

/// Dump the database with `pg_dump` on a snapshot this transaction exports, and read the
/// media hashes in that same snapshot.
async fn pg_dump(store: &Store, url: &str, file: &Path) -> Result<BTreeSet<String>> {
    let err = |e: lyceum_store::StoreError| format!("cannot read the database: {e}");
    let mut tx = store.begin().await.map_err(err)?;
    tx.exec(q(
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    ))
    .await
    .map_err(err)?;
    let (snapshot,): (String,) = tx
        .one(q("SELECT pg_export_snapshot()"))
        .await
        .map_err(err)?;
    let (schema,): (String,) = tx.one(q("SELECT current_schema()")).await.map_err(err)?;
    let referenced = lyceum_store::repo::media::all_hashes(&mut tx)
        .await
        .map_err(err)?;
    let mut args = vec![
        "--format=custom".to_owned(),
        "--no-owner".to_owned(),
        "--no-privileges".to_owned(),
        format!("--snapshot={snapshot}"),
        format!("--file={}", file.display()),
    ];
    // A site in a schema of its own (search_path) is dumped alone; the usual `public`
    // one is the whole database.
    if schema != "public" {
        args.push(format!("--schema={schema}"));
    }
    let dumped = run_tool("pg_dump", &args, url).await;
    drop(tx);
    dumped?;
    Ok(referenced)
}

async fn pg_restore(url: &str, file: &Path) -> Result<()> {
    let args = vec![
        "--no-owner".to_owned(),
        "--no-privileges".to_owned(),
        "--exit-on-error".to_owned(),
        // All or nothing: a failed restore leaves the database empty.
        "--single-transaction".to_owned(),
        file.display().to_string(),
    ];
    run_tool("pg_restore", &args, url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        let (url, pw) = split_password("postgres://u:p%40ss@h:5432/db?sslmode=disable").unwrap();
        assert_eq!(url, "postgres://u@h:5432/db?sslmode=disable");
        assert_eq!(pw.as_deref(), Some("p@ss"));
        let (url, pw) = split_password("postgres://u@h/db").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert_eq!(pw, None);
    }
}
