//! The local backend: a directory on this machine's disk (the default, `DATA/media`).
//!
//! Under the media root:
//! - `ab/abcd…` — the store: each file named by its SHA-256, in a folder named by the
//!   hash's first two digits;
//! - `staging/ID/` — the files of one operation (an upload, an import) whose transaction
//!   has not committed yet, with a `lock` file the operation holds locked while it runs;
//! - `tmp/` — scratch files of requests in progress (uploads being received);
//! - `.lock` — held by whoever removes files from the store, one at a time.
//!
//! A crash between commit and publish leaves a staging area whose lock nobody holds; the
//! sweep (`crate::media_gc`) moves the files committed rows refer to into the store and
//! deletes the rest. Removals use fingerprints (inode and time) to never delete a file
//! published again after the database was asked (see [`Local::remove_unreferenced`]).

use super::{Fingerprint, Removed, StoredFile, is_sha256};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const STAGING: &str = "staging";
const TMP: &str = "tmp";
const LOCK: &str = "lock";
const REMOVE_LOCK: &str = ".lock";
/// A staging area is created under this prefix and renamed once its lock is held, so the
/// sweep never sees an area whose owner has not locked it yet.
const NEW_PREFIX: &str = ".new-";
/// Suffix of a store file set aside while its removal is decided.
const REMOVING: &str = ".removing";

#[derive(Clone, Debug)]
pub struct Local {
    root: PathBuf,
}

/// A staging area whose operation ended without publishing it (a crash, or a commit whose
/// outcome is unknown): its lock is now held by the sweep that found it.
#[derive(Debug)]
pub struct Abandoned {
    pub dir: PathBuf,
    /// The staged files by hash, with their sizes.
    pub files: Vec<(String, u64)>,
    /// Half-written files (`.part-*`) and anything else that is not a staged file.
    pub junk: Vec<PathBuf>,
    _lock: File,
}

impl Local {
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Local> {
        let root = root.into();
        std::fs::create_dir_all(root.join(TMP))?;
        std::fs::create_dir_all(root.join(STAGING))?;
        let store = Local { root };
        // Created up front, so the first removal does not change the directory's shape.
        drop(store.lock_file()?);
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the store can take a file now: its scratch directory is there (it is not
    /// recreated: a volume that went away must fail the check) and accepts a file,
    /// written and removed at once. What `/readyz` asks.
    pub fn check(&self) -> io::Result<()> {
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let dir = self.root.join(TMP);
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not a directory", dir.display()),
            ));
        }
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let probe = dir.join(format!("ready-{}-{n}", std::process::id()));
        std::fs::write(&probe, b"")?;
        std::fs::remove_file(&probe)
    }

    /// Where the file with this hash lives. `sha256` must be 64 hex digits (it always
    /// comes from our own rows); anything else maps to a path that cannot exist.
    pub fn path(&self, sha256: &str) -> PathBuf {
        if !is_sha256(sha256) {
            return self.root.join("invalid");
        }
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// A scratch folder beside the media, on the same disk: uploads too large for memory
    /// wait there while they are read. Files left in it by a crash are safe to delete.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join(TMP)
    }

    /// A new staging area for the files of one operation (see the module's rule).
    pub fn stage(&self) -> io::Result<LocalStaging> {
        let staging = self.root.join(STAGING);
        std::fs::create_dir_all(&staging)?;
        loop {
            let id = unique_name();
            let new = staging.join(format!("{NEW_PREFIX}{id}"));
            match std::fs::create_dir(&new) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                r => r?,
            }
            let lock = File::create_new(new.join(LOCK))?;
            lock.lock()?;
            let dir = staging.join(&id);
            std::fs::rename(&new, &dir)?;
            return Ok(LocalStaging {
                media: self.clone(),
                dir,
                lock: Some(lock),
                files: BTreeSet::new(),
                parts: 0,
                state: StagingState::Open,
            });
        }
    }

    /// Store bytes at once: stage, then publish. Only for callers whose referring rows are
    /// already committed or are written by the same trusted process right after (tests,
    /// fixtures); request paths stage, commit, then publish.
    pub fn put(&self, bytes: &[u8]) -> io::Result<(String, u64)> {
        self.put_reader(bytes)
    }

    /// [`Local::put`] from a reader.
    pub fn put_reader(&self, reader: impl Read) -> io::Result<(String, u64)> {
        let mut s = self.stage()?;
        let r = s.put_reader(reader)?;
        s.publish()?;
        Ok(r)
    }

    /// The file of the store with this hash as it is now, or `None` if there is none.
    pub fn stat(&self, sha256: &str) -> io::Result<Option<StoredFile>> {
        match std::fs::metadata(self.path(sha256)) {
            Ok(m) if m.is_file() => Ok(Some(StoredFile {
                sha256: sha256.to_owned(),
                print: Fingerprint::of(&m),
            })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every file of the store, in hash order.
    pub fn list(&self) -> io::Result<Vec<StoredFile>> {
        let mut out = Vec::new();
        for (prefix, shard) in self.shards()? {
            for file in read_dir_sorted(&shard)? {
                let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !is_sha256(name) || !name.starts_with(&prefix) {
                    continue;
                }
                match std::fs::symlink_metadata(&file) {
                    Ok(m) if m.is_file() => out.push(StoredFile {
                        sha256: name.to_owned(),
                        print: Fingerprint::of(&m),
                    }),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(out)
    }

    /// Remove files of the store that no committed row referred to when the caller looked.
    ///
    /// Each candidate carries the fingerprint its file had *before* the caller asked the
    /// database whether anything refers to it. Another operation may have committed a row
    /// for the same content since and published its own copy under the same name; so each
    /// file is first renamed aside (atomic), and deleted only if what was set aside is
    /// still the file the caller looked at — a newly published file is a new inode with a
    /// newer time, and is put back. Removals are serialised by the store's `.lock`; files
    /// a crashed removal set aside are put back by [`Local::recover_set_aside`].
    pub fn remove_unreferenced(&self, candidates: &[StoredFile]) -> io::Result<Vec<Removed>> {
        let _lock = self.removal_lock()?;
        let mut removed = Vec::new();
        for c in candidates {
            let dest = self.path(&c.sha256);
            let aside = dest.with_file_name(format!("{}{REMOVING}", c.sha256));
            match std::fs::rename(&dest, &aside) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
            let now = std::fs::symlink_metadata(&aside)?;
            if Fingerprint::of(&now) == c.print {
                std::fs::remove_file(&aside)?;
                removed.push(Removed {
                    name: c.sha256.clone(),
                    bytes: now.len(),
                });
            } else {
                // Published again since the caller looked: it stays (if yet another copy
                // arrived meanwhile, this one replaces it with the same bytes).
                std::fs::rename(&aside, &dest)?;
            }
        }
        Ok(removed)
    }

    /// The store's folders (`ab/`), by name, with their two-digit names.
    fn shards(&self) -> io::Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        for dir in read_dir_sorted(&self.root)? {
            let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit()) && dir.is_dir() {
                out.push((name.to_owned(), dir));
            }
        }
        Ok(out)
    }

    fn lock_file(&self) -> io::Result<File> {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join(REMOVE_LOCK))
    }

    fn removal_lock(&self) -> io::Result<File> {
        let f = self.lock_file()?;
        f.lock()?;
        Ok(f)
    }

    /// Put back files a removal set aside and did not finish with (it crashed). Keeping a
    /// file is always safe; the next sweep decides about it.
    pub fn recover_set_aside(&self) -> io::Result<()> {
        // With the lock, no removal is in progress: whatever is set aside is left over.
        let _lock = self.removal_lock()?;
        for (_, shard) in self.shards()? {
            for file in read_dir_sorted(&shard)? {
                let Some(sha) = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(REMOVING))
                    .filter(|s| is_sha256(s))
                    .map(str::to_owned)
                else {
                    continue;
                };
                let dest = self.path(&sha);
                if dest.exists() {
                    std::fs::remove_file(&file)?;
                } else {
                    std::fs::rename(&file, &dest)?;
                }
            }
        }
        Ok(())
    }

    /// Staging areas whose operation is gone: their lock could be taken. Areas still in
    /// use (locked) are left alone whatever their age; half-created ones (`.new-*`, a
    /// crash between creating and locking) are removed once older than `stale`.
    pub fn abandoned_staging(&self, stale: Duration) -> io::Result<(Vec<Abandoned>, Vec<Removed>)> {
        let mut found = Vec::new();
        let mut removed = Vec::new();
        let now = SystemTime::now();
        for dir in read_dir_sorted(&self.root.join(STAGING))? {
            let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            if !dir.is_dir() {
                continue;
            }
            if name.starts_with(NEW_PREFIX) {
                let old = std::fs::metadata(&dir)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > stale));
                if old {
                    removed.extend(remove_tree(&dir, &format!("{STAGING}/{name}"))?);
                }
                continue;
            }
            let lock = match OpenOptions::new().write(true).open(dir.join(LOCK)) {
                Ok(f) => f,
                // Every area is created with its lock: without one, either its operation
                // just finished and removed it, or it is debris.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    match OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(dir.join(LOCK))
                    {
                        Ok(f) => f,
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::NotFound | io::ErrorKind::AlreadyExists
                            ) =>
                        {
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            };
            match lock.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => continue,
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            let mut files = Vec::new();
            let mut junk = Vec::new();
            for f in read_dir_sorted(&dir)? {
                let fname = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if fname == LOCK {
                    continue;
                }
                match std::fs::symlink_metadata(&f) {
                    Ok(m) if m.is_file() && is_sha256(fname) => {
                        files.push((fname.to_owned(), m.len()));
                    }
                    _ => junk.push(f),
                }
            }
            found.push(Abandoned {
                dir,
                files,
                junk,
                _lock: lock,
            });
        }
        Ok((found, removed))
    }

    /// Finish an abandoned staging area: files in `publish` (committed rows refer to
    /// them) move into the store, the rest is deleted with the area.
    pub fn settle_abandoned(
        &self,
        area: Abandoned,
        publish: &BTreeSet<String>,
    ) -> io::Result<(Vec<String>, Vec<Removed>)> {
        let id = area
            .dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let mut published = Vec::new();
        let mut removed = Vec::new();
        for (sha, size) in &area.files {
            let src = area.dir.join(sha);
            if publish.contains(sha) {
                publish_file(&src, &self.path(sha))?;
                published.push(sha.clone());
            } else {
                std::fs::remove_file(&src)?;
                removed.push(Removed {
                    name: format!("{STAGING}/{id}/{sha}"),
                    bytes: *size,
                });
            }
        }
        for j in &area.junk {
            let name = j.file_name().and_then(|n| n.to_str()).unwrap_or("");
            removed.extend(remove_tree(j, &format!("{STAGING}/{id}/{name}"))?);
        }
        match std::fs::remove_dir_all(&area.dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        Ok((published, removed))
    }

    /// Scratch files older than `stale` (a request that crashed mid-upload left them).
    pub fn remove_stale_temp(&self, stale: Duration) -> io::Result<Vec<Removed>> {
        remove_stale_in(&self.temp_dir(), TMP, stale)
    }
}

/// Entries of `dir` older than `stale`, deleted and reported as `label/NAME`.
pub(super) fn remove_stale_in(
    dir: &Path,
    label: &str,
    stale: Duration,
) -> io::Result<Vec<Removed>> {
    let now = SystemTime::now();
    let mut removed = Vec::new();
    for f in read_dir_sorted(dir)? {
        let Ok(m) = std::fs::symlink_metadata(&f) else {
            continue;
        };
        let old = m
            .modified()
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > stale));
        if old {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            removed.extend(remove_tree(&f, &format!("{label}/{name}"))?);
        }
    }
    Ok(removed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StagingState {
    /// Nothing committed refers to the files: dropping deletes them.
    Open,
    /// A commit may refer to them: dropping leaves them to the sweep.
    Kept,
}

/// The files of one operation, outside the store until its transaction commits. Dropped
/// without [`LocalStaging::publish`] (refused, failed, panicked), it deletes its files.
#[derive(Debug)]
pub struct LocalStaging {
    media: Local,
    dir: PathBuf,
    lock: Option<File>,
    files: BTreeSet<String>,
    parts: u64,
    state: StagingState,
}

impl LocalStaging {
    /// Stage bytes; returns (sha256, size).
    pub fn put(&mut self, bytes: &[u8]) -> io::Result<(String, u64)> {
        self.put_reader(bytes)
    }

    /// Stream a file in, hashing as it goes; a half-written file never gets a hash's name.
    pub fn put_reader(&mut self, reader: impl Read) -> io::Result<(String, u64)> {
        self.parts += 1;
        let part = self.dir.join(format!(".part-{}", self.parts));
        let mut out = File::create_new(&part)?;
        let copied = super::copy_hashing(reader, &mut out).and_then(|r| {
            out.sync_all()?;
            Ok(r)
        });
        drop(out);
        let (sha, size) = match copied {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        };
        // The same content twice in one operation: one file (same bytes, same name).
        std::fs::rename(&part, self.dir.join(&sha))?;
        self.files.insert(sha.clone());
        Ok((sha, size))
    }

    /// The hashes staged so far.
    pub fn hashes(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Move the files into the store. Call only after the transaction that refers to them
    /// has committed. Each file is renamed over its name even when the store has it
    /// already (same hash, same bytes): a removal that decided on the old copy then finds
    /// a new file and keeps it. On an error the area is left for the sweep, which
    /// finishes the move for every file a committed row refers to.
    pub fn publish(mut self) -> io::Result<()> {
        self.state = StagingState::Kept;
        for sha in &self.files {
            publish_file(&self.dir.join(sha), &self.media.path(sha))?;
        }
        std::fs::remove_dir_all(&self.dir)?;
        Ok(())
    }

    /// Delete the staged files now, whatever [`LocalStaging::committing`] said: for a caller
    /// that knows its transaction stored nothing (it was refused).
    pub fn discard(mut self) {
        self.state = StagingState::Open;
    }

    /// Call just before committing the transaction that refers to the files: from then on
    /// a drop (the commit failed, or the request was cancelled while it committed) keeps
    /// the files for the sweep, which publishes those a committed row refers to and
    /// deletes the rest. Until then a drop deletes them.
    pub fn committing(&mut self) {
        self.state = StagingState::Kept;
    }
}

impl Drop for LocalStaging {
    fn drop(&mut self) {
        if self.state == StagingState::Open
            && let Err(e) = std::fs::remove_dir_all(&self.dir)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.display(), error = %e, "cannot remove a staging area; the media sweep will");
        }
        // Unlocks: the sweep may now take an area that was kept.
        self.lock.take();
    }
}

/// Move one staged file into the store, with a fresh modification time (see
/// [`Local::remove_unreferenced`]).
fn publish_file(src: &Path, dest: &Path) -> io::Result<()> {
    OpenOptions::new()
        .write(true)
        .open(src)?
        .set_modified(SystemTime::now())?;
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::rename(src, dest)
}

pub(super) fn unique_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{}-{nanos:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Entries of a folder in name order; a folder that does not exist is empty.
fn read_dir_sorted(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<Vec<_>>>()?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    out.sort();
    Ok(out)
}

/// Delete a file or folder, reporting each file with its size under `label`.
fn remove_tree(path: &Path, label: &str) -> io::Result<Vec<Removed>> {
    let m = std::fs::symlink_metadata(path)?;
    let mut removed = Vec::new();
    if m.is_dir() {
        for p in read_dir_sorted(path)? {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            removed.extend(remove_tree(&p, &format!("{label}/{name}"))?);
        }
        std::fs::remove_dir(path)?;
    } else {
        std::fs::remove_file(path)?;
        removed.push(Removed {
            name: label.to_owned(),
            bytes: m.len(),
        });
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for p in read_dir_sorted(dir).unwrap() {
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
        out
    }

    #[test]
    fn stores_by_hash_once() {
        let dir = tempfile::tempdir().unwrap();
        let m = Local::new(dir.path()).unwrap();
        let (sha, size) = m.put(b"hello").unwrap();
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(size, 5);
        assert_eq!(std::fs::read(m.path(&sha)).unwrap(), b"hello");
        let (sha2, _) = m.put(b"hello").unwrap();
        assert_eq!(sha, sha2);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("staging"))
                .unwrap()
                .count(),
            0
        );
        assert_eq!(m.list().unwrap().len(), 1);
    }

    #[test]
    fn hostile_hashes_do_not_escape() {
        let m = Local::new(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(m.path("../../etc/passwd").ends_with("invalid"));
    }

    #[test]
    fn a_dropped_staging_area_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let m = Local::new(dir.path()).unwrap();
        let before = files_under(dir.path());
        let mut s = m.stage().unwrap();
        let (sha, _) = s.put(b"refused").unwrap();
        s.put(b"refused").unwrap();
        assert!(!m.path(&sha).exists(), "not in the store before publish");
        drop(s);
        assert_eq!(files_under(dir.path()), before);
        assert!(m.list().unwrap().is_empty());
    }

    #[test]
    fn a_failing_reader_leaves_no_half_file() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("cut"))
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let m = Local::new(dir.path()).unwrap();
        let mut s = m.stage().unwrap();
        assert!(s.put_reader(Broken).is_err());
        assert!(s.is_empty());
        s.publish().unwrap();
        assert!(m.list().unwrap().is_empty());
    }

    #[test]
    fn an_area_in_use_is_not_abandoned_and_a_kept_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let m = Local::new(dir.path()).unwrap();
        let mut s = m.stage().unwrap();
        let (a, _) = s.put(b"committed").unwrap();
        let (b, _) = s.put(b"not referred to").unwrap();
        let (found, _) = m.abandoned_staging(Duration::ZERO).unwrap();
        assert!(found.is_empty(), "locked by its operation");
        s.committing();
        drop(s);
        let (mut found, _) = m.abandoned_staging(Duration::ZERO).unwrap();
        assert_eq!(found.len(), 1);
        let area = found.remove(0);
        let keep = [a.clone()].into_iter().collect();
        let (published, removed) = m.settle_abandoned(area, &keep).unwrap();
        assert_eq!(published, vec![a.clone()]);
        assert_eq!(removed.len(), 1);
        assert!(removed[0].name.ends_with(&b));
        assert_eq!(std::fs::read(m.path(&a)).unwrap(), b"committed");
        assert!(!m.path(&b).exists());
        assert_eq!(
            std::fs::read_dir(dir.path().join("staging"))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn removal_keeps_a_file_published_again_after_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let m = Local::new(dir.path()).unwrap();
        let (sha, _) = m.put(b"shared").unwrap();
        let seen = m.stat(&sha).unwrap().unwrap();
        // Another operation commits a row for the same content and publishes it after
        // the caller found no reference.
        let mut s = m.stage().unwrap();
        s.put(b"shared").unwrap();
        s.publish().unwrap();
        assert!(m.remove_unreferenced(&[seen]).unwrap().is_empty());
        assert_eq!(std::fs::read(m.path(&sha)).unwrap(), b"shared");
        // Unchanged since the check: removed.
        let seen = m.stat(&sha).unwrap().unwrap();
        let removed = m.remove_unreferenced(&[seen]).unwrap();
        assert_eq!(
            removed,
            vec![Removed {
                name: sha.clone(),
                bytes: 6
            }]
        );
        assert!(!m.path(&sha).exists());
        assert!(files_under(dir.path()).iter().all(|f| f == ".lock"));
    }

    #[test]
    fn a_crashed_removal_puts_the_file_back() {
        let dir = tempfile::tempdir().unwrap();
        let m = Local::new(dir.path()).unwrap();
        let (sha, _) = m.put(b"set aside").unwrap();
        let path = m.path(&sha);
        std::fs::rename(&path, path.with_file_name(format!("{sha}{REMOVING}"))).unwrap();
        m.recover_set_aside().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"set aside");
    }
}
