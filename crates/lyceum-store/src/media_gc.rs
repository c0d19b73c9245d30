//! Removing media files nothing refers to: right after a delete ([`release`]) and by a
//! sweep of the whole media directory ([`sweep`], run hourly by the server and by
//! `lyceum media gc`).
//!
//! Why this never removes a file a committed row refers to:
//! - A file enters the store only after the transaction that refers to it has committed
//!   (see [`crate::media`]); until then it sits in a locked staging area, which the sweep
//!   does not touch. So an upload whose transaction is committing right now has no file
//!   in the store for the sweep to find (or, if the content was there already, the next
//!   point covers it).
//! - A file of the store is looked at (its inode and time, the "fingerprint") *before*
//!   the database is asked whether a row refers to it. A row committed after that question
//!   belongs to an operation that publishes its own copy after its commit, so after the
//!   question: a new inode over the same name. The removal sets the file aside and deletes
//!   it only if it is still the one looked at; otherwise it is put back.
//! - Files younger than [`GRACE`] are left to a later sweep anyway, which also covers
//!   anything written to the store outside staging (a file an operator copies in before
//!   restoring the rows that refer to it, say).
//! - A staging area whose operation is gone (its lock is free: the process crashed, or
//!   its commit failed midway) is finished: files committed rows refer to move into the
//!   store (a crash between commit and publish), the rest is deleted.
//!
//! On S3 there are no inodes, no rename and no conditional delete, so the second point
//! is kept another way, through the database. The race to close: the sweep lists object
//! X (old, unreferenced), asks the database (no rows), then another node commits a row
//! referring to X and publishes X, then the sweep deletes X. Instead:
//! 1. the sweep records X as a deletion candidate (`media_deletions`, committed);
//! 2. in one transaction it locks X's candidate row (`FOR UPDATE`; on SQLite the
//!    transaction holds the one writer), asks again whether a committed row refers to X,
//!    deletes the object if none does, deletes the candidate, and commits;
//! 3. every operation that publishes X writes and deletes X's candidate row inside the
//!    transaction that writes its rows ([`crate::Staging::committing`],
//!    [`refs::claim_for_publication`]) and publishes after it commits. Writing the row
//!    (not only deleting it) matters: it locks the key even when no candidate exists yet.
//!
//! If the operation's claim comes first, the sweep's step 1 or 2 waits for the
//! operation's transaction, then finds no candidate or finds the committed row referring
//! to X, and X stays. If the sweep's lock comes first, the operation waits for the
//! sweep's commit — X is deleted by then — and then publishes X again from its staging
//! area. If the operation committed before step 2 asked, the question finds its row. In every order a committed row's file exists
//! once its operation has published. Staged objects are never candidates (the sweep
//! lists only the store's keys).

use crate::Result;
use crate::media::{MediaStore, Removed, StoredFile};
use crate::repo::media as refs;
use crate::{Store, StoreError};
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

/// The sweep leaves files of the store younger than this for a later sweep.
pub const GRACE: Duration = Duration::from_secs(60 * 60);
/// Scratch files (`tmp/`) and half-created staging areas older than this are debris:
/// uploads run for minutes, not a day.
pub const STALE: Duration = Duration::from_secs(24 * 60 * 60);

/// What a sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Files deleted: store files by hash, `staging/…` and `tmp/…` by path.
    pub removed: Vec<Removed>,
    /// Staged files of a committed transaction whose process stopped before moving
    /// them, now in the store.
    pub recovered: Vec<String>,
    /// Files of the store some row refers to.
    pub kept: usize,
    /// Files of the store nothing refers to yet, left because they are younger than
    /// the grace period.
    pub young: usize,
}

impl SweepReport {
    pub fn bytes(&self) -> u64 {
        self.removed.iter().map(|r| r.bytes).sum()
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?
        .map_err(StoreError::Io)
}

/// [`refs::referenced_among`] on a connection of its own, handed back before any file
/// work.
async fn referenced_among(store: &Store, hashes: &[String]) -> Result<BTreeSet<String>> {
    let mut c = store.conn().await?;
    refs::referenced_among(&mut c, hashes).await
}

/// After a transaction that removed rows referring to `hashes` has committed: delete the
/// files among them that nothing refers to any more. Returns what was deleted.
pub async fn release(
    store: &Store,
    media: &MediaStore,
    hashes: impl IntoIterator<Item = String>,
) -> Result<Vec<Removed>> {
    let hashes: BTreeSet<String> = hashes.into_iter().collect();
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    // Fingerprints first, then the question to the database (see the module's comment).
    let m = media.clone();
    let seen: Vec<StoredFile> = blocking(move || {
        let mut seen = Vec::new();
        for h in &hashes {
            if let Some(f) = m.stat(h)? {
                seen.push(f);
            }
        }
        Ok(seen)
    })
    .await?;
    remove_unless_referenced(store, media, seen).await
}

async fn remove_unless_referenced(
    store: &Store,
    media: &MediaStore,
    seen: Vec<StoredFile>,
) -> Result<Vec<Removed>> {
    if seen.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = seen.iter().map(|f| f.sha256.clone()).collect();
    let referenced = referenced_among(store, &keys).await?;
    let candidates: Vec<StoredFile> = seen
        .into_iter()
        .filter(|f| !referenced.contains(&f.sha256))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    if media.is_local() {
        let m = media.clone();
        return blocking(move || m.remove_files(&candidates)).await;
    }
    remove_through_candidates(store, media, candidates).await
}

/// The object-store removal: steps 1 and 2 of the module's comment.
async fn remove_through_candidates(
    store: &Store,
    media: &MediaStore,
    candidates: Vec<StoredFile>,
) -> Result<Vec<Removed>> {
    let keys: Vec<String> = candidates.iter().map(|f| f.sha256.clone()).collect();
    let now = jiff::Timestamp::now().as_millisecond();
    let mut c = store.conn().await?;
    refs::mark_deletion_candidates(&mut c, &keys, now).await?;
    drop(c);
    let mut tx = store.begin().await?;
    let locked: BTreeSet<String> = refs::lock_deletion_candidates(&mut tx, &keys)
        .await?
        .into_iter()
        .collect();
    let still: Vec<String> = locked.iter().cloned().collect();
    let referenced = refs::referenced_among(&mut tx, &still).await?;
    let doomed: Vec<StoredFile> = candidates
        .into_iter()
        .filter(|f| locked.contains(&f.sha256) && !referenced.contains(&f.sha256))
        .collect();
    let m = media.clone();
    let removed = blocking(move || m.remove_files(&doomed)).await?;
    refs::clear_deletion_candidates(&mut tx, &still).await?;
    tx.commit().await?;
    Ok(removed)
}

/// Sweep the media directory: delete store files nothing refers to (older than
/// [`GRACE`]), finish abandoned staging areas, delete stale scratch files.
pub async fn sweep(store: &Store, media: &MediaStore) -> Result<SweepReport> {
    sweep_with(store, media, GRACE).await
}

/// [`sweep`] with another grace period (tests).
pub async fn sweep_with(store: &Store, media: &MediaStore, grace: Duration) -> Result<SweepReport> {
    sweep_with_times(store, media, grace, STALE).await
}

/// [`sweep`] with another grace period and stale threshold (tests: a crashed operation's
/// staging area on S3 is recognised by its age).
pub async fn sweep_with_times(
    store: &Store,
    media: &MediaStore,
    grace: Duration,
    stale: Duration,
) -> Result<SweepReport> {
    let mut report = SweepReport::default();
    let m = media.clone();
    blocking(move || m.recover_set_aside()).await?;

    // Staging areas first: a crash between commit and publish is repaired before the
    // store is judged.
    let m = media.clone();
    let (areas, removed) = blocking(move || m.abandoned_staging(stale)).await?;
    report.removed.extend(removed);
    for area in areas {
        let hashes: Vec<String> = area.files().iter().map(|(h, _)| h.clone()).collect();
        let referenced = referenced_among(store, &hashes).await?;
        let m = media.clone();
        let (published, removed) = blocking(move || m.settle_abandoned(area, &referenced)).await?;
        report.recovered.extend(published);
        report.removed.extend(removed);
    }

    let m = media.clone();
    let listed = blocking(move || m.list()).await?;
    let now = SystemTime::now();
    let (old, young): (Vec<StoredFile>, Vec<StoredFile>) = listed.into_iter().partition(|f| {
        f.print
            .modified()
            .is_some_and(|t| now.duration_since(t).is_ok_and(|age| age >= grace))
    });
    let old_count = old.len();
    let mut removed = Vec::new();
    for batch in old.chunks(1000) {
        removed.extend(remove_unless_referenced(store, media, batch.to_vec()).await?);
    }
    report.kept = old_count - removed.len();
    // Young files some row refers to are not "young" orphans: count only those nothing
    // refers to, so the report says what a later sweep may remove.
    let young_keys: Vec<String> = young.iter().map(|f| f.sha256.clone()).collect();
    let referenced_young = referenced_among(store, &young_keys).await?;
    report.kept += referenced_young.len();
    report.young = young_keys.len() - referenced_young.len();
    report.removed.extend(removed);

    let m = media.clone();
    report
        .removed
        .extend(blocking(move || m.remove_stale_temp(stale)).await?);
    Ok(report)
}
