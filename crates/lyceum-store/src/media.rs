//! Media files, content-addressed by SHA-256: the same video uploaded to two courses is
//! stored once, and a file's name never comes from user input. One facade,
//! [`MediaStore`], over two backends chosen by `--media-url`: a local directory
//! (`file:///path`, the default `DATA/media`; [`local`]) and S3-compatible object storage
//! (`s3://BUCKET[/prefix]`; [`s3`]), for sites with several nodes.
//!
//! The rule, on both: a file enters the store only once the transaction whose rows refer
//! to it has committed. An operation writes into a [`Staging`] area, calls
//! [`Staging::committing`] inside its transaction, commits its rows, then
//! [`Staging::publish`]es; an operation that is refused or fails drops its staging area
//! and the store is exactly as it was. A crash between commit and publish leaves a staging
//! area that the sweep (`crate::media_gc`) finishes: files committed rows refer to move
//! into the store, the rest is deleted.
//!
//! Callers never see paths: they read a whole small file ([`MediaStore::read`]), stream
//! one ([`MediaStore::reader`] on a blocking thread, [`MediaStore::get`] for a response,
//! with a byte range), or ask for a signed URL ([`MediaStore::signed_url`], S3 only).
//! Uploads reach the store through [`Staging::put_reader`], which streams: a local file
//! is written as it is read, an S3 object goes up in parts from a local spool.
//!
//! The methods that are not `async` block: call them from a blocking thread
//! (`spawn_blocking`) or outside a runtime. [`MediaStore::check`] too.

pub mod local;
pub mod s3;

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use s3::Object;

#[derive(Clone, Debug)]
pub struct MediaStore {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Local(local::Local),
    S3(Arc<s3::S3>),
}

/// One file of the store, as the sweep or a removal saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub print: Fingerprint,
}

impl StoredFile {
    pub fn bytes(&self) -> u64 {
        self.print.len
    }
}

/// Which file a name held at one moment: on disk the inode and its modification time. A
/// file published over the same name later is another inode with a newer time, so a
/// removal that finds a different fingerprint knows the name was reused and keeps it.
/// (Objects have no inode: the S3 backend's removals do not rely on this.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    inode: u64,
    modified: Option<SystemTime>,
    len: u64,
}

impl Fingerprint {
    fn of(meta: &std::fs::Metadata) -> Fingerprint {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Fingerprint {
            inode,
            modified: meta.modified().ok(),
            len: meta.len(),
        }
    }

    pub fn modified(&self) -> Option<SystemTime> {
        self.modified
    }
}

/// A file the sweep or a removal deleted, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removed {
    /// `SHA256` for a file of the store, `staging/ID/SHA256` or `tmp/NAME` otherwise.
    pub name: String,
    pub bytes: u64,
}

/// A staging area whose operation ended without publishing it (a crash, or a commit whose
/// outcome is unknown).
#[derive(Debug)]
pub enum Abandoned {
    Local(local::Abandoned),
    S3(s3::Abandoned),
}

impl Abandoned {
    /// The staged files by hash, with their sizes.
    pub fn files(&self) -> &[(String, u64)] {
        match self {
            Abandoned::Local(a) => &a.files,
            Abandoned::S3(a) => &a.files,
        }
    }
}

/// Where media live, as `--media-url` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaUrl {
    Dir(PathBuf),
    /// `s3://BUCKET[/prefix]`.
    S3(String),
}

impl MediaUrl {
    pub fn parse(s: &str) -> Result<MediaUrl, String> {
        if let Some(rest) = s.strip_prefix("s3://") {
            let bucket = rest.split('/').next().unwrap_or("");
            if bucket.is_empty() {
                return Err(format!("{s}: name a bucket (s3://BUCKET)"));
            }
            Ok(MediaUrl::S3(s.to_owned()))
        } else if s.starts_with("file://") {
            let url = url::Url::parse(s).map_err(|e| format!("{s}: {e}"))?;
            url.to_file_path()
                .map(MediaUrl::Dir)
                .map_err(|()| format!("{s}: not a local path (file:///absolute/path)"))
        } else {
            Err(format!(
                "{s}: the media URL is file:///path or s3://BUCKET[/prefix]"
            ))
        }
    }
}

impl MediaStore {
    /// A local directory (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> io::Result<MediaStore> {
        Ok(MediaStore {
            backend: Backend::Local(local::Local::new(root)?),
        })
    }

    /// A bucket: `url` is `s3://BUCKET[/prefix]`, settings come from the `AWS_*`
    /// environment and then `config` (`object_store`'s option names: `aws_endpoint`,
    /// `aws_access_key_id`, …; tests pass them here). `scratch` is local space for files
    /// being received or hashed.
    pub fn s3(url: &str, scratch: PathBuf, config: &[(String, String)]) -> io::Result<MediaStore> {
        Ok(MediaStore {
            backend: Backend::S3(Arc::new(s3::S3::open(url, scratch, config)?)),
        })
    }

    /// Open what `url` names; `scratch` serves an S3 store as in [`MediaStore::s3`].
    pub fn open(url: &MediaUrl, scratch: PathBuf) -> io::Result<MediaStore> {
        match url {
            MediaUrl::Dir(d) => MediaStore::new(d),
            MediaUrl::S3(u) => MediaStore::s3(u, scratch, &[]),
        }
    }

    /// `file:///…` or `s3://…`, for logs and reports.
    pub fn url(&self) -> String {
        match &self.backend {
            Backend::Local(l) => format!("file://{}", l.root().display()),
            Backend::S3(s) => s.url(),
        }
    }

    /// The directory of a local store (tests look inside it); `None` for a bucket.
    pub fn local_root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Local(l) => Some(l.root()),
            Backend::S3(_) => None,
        }
    }

    /// Everything the store keeps, with the bytes of each file (`None` for a folder): the
    /// directory's tree for a local store; for a bucket, its objects and the local scratch
    /// files (under `scratch/`). Two snapshots are equal only if nothing was added, removed
    /// or changed — what tests of refused operations compare.
    #[cfg(feature = "testing")]
    pub fn snapshot(&self) -> io::Result<std::collections::BTreeMap<String, Option<Vec<u8>>>> {
        fn walk(
            root: &Path,
            dir: &Path,
            label: &str,
            out: &mut std::collections::BTreeMap<String, Option<Vec<u8>>>,
        ) -> io::Result<()> {
            if !dir.exists() {
                return Ok(());
            }
            for e in std::fs::read_dir(dir)? {
                let p = e?.path();
                let name = format!("{label}{}", p.strip_prefix(root).unwrap_or(&p).display());
                if p.is_dir() {
                    out.insert(format!("{name}/"), None);
                    walk(root, &p, label, out)?;
                } else {
                    out.insert(name, Some(std::fs::read(&p)?));
                }
            }
            Ok(())
        }
        let mut out = std::collections::BTreeMap::new();
        match &self.backend {
            Backend::Local(l) => walk(l.root(), l.root(), "", &mut out)?,
            Backend::S3(s) => {
                for (key, bytes) in s.objects()? {
                    out.insert(key, Some(bytes));
                }
                let scratch = s.scratch();
                walk(&scratch, &scratch, "scratch/", &mut out)?;
            }
        }
        Ok(out)
    }

    /// How many staging areas (and, for a bucket, files being staged) are left: 0 once
    /// every operation has published or discarded what it staged.
    #[cfg(feature = "testing")]
    pub fn staging_leftovers(&self) -> io::Result<usize> {
        Ok(self
            .snapshot()?
            .into_keys()
            .filter(|k| match &self.backend {
                // `staging/ID/` folders (and anything else directly under staging/).
                Backend::Local(_) => k
                    .strip_prefix("staging/")
                    .is_some_and(|r| !r.is_empty() && !r.trim_end_matches('/').contains('/')),
                Backend::S3(_) => k.starts_with("staging/") || k.starts_with("scratch/stage-"),
            })
            .count())
    }

    pub fn is_local(&self) -> bool {
        matches!(self.backend, Backend::Local(_))
    }

    /// Whether the store can take a file now (a file written and removed at once; a
    /// bucket is given a few seconds to answer). What `/readyz` asks.
    pub fn check(&self) -> io::Result<()> {
        match &self.backend {
            Backend::Local(l) => l.check(),
            Backend::S3(s) => s.check(),
        }
    }

    /// A scratch folder on this machine (beside the media for a local store): uploads too
    /// large for memory wait there while they are read. Files left in it by a crash are
    /// safe to delete; the sweep deletes them after a day.
    pub fn temp_dir(&self) -> PathBuf {
        match &self.backend {
            Backend::Local(l) => l.temp_dir(),
            Backend::S3(s) => s.scratch(),
        }
    }

    /// A new staging area for the files of one operation (see the module's rule).
    pub fn stage(&self) -> io::Result<Staging> {
        Ok(Staging {
            inner: match &self.backend {
                Backend::Local(l) => StagingInner::Local(l.stage()?),
                Backend::S3(s) => StagingInner::S3(s3::S3Staging::new(s.clone())),
            },
        })
    }

    /// Store bytes at once: stage, then publish. Only for callers whose referring rows are
    /// already committed or are written by the same trusted process right after (tests,
    /// fixtures, restoring a backup); request paths stage, commit, then publish.
    pub fn put(&self, bytes: &[u8]) -> io::Result<(String, u64)> {
        self.put_reader(bytes)
    }

    /// [`MediaStore::put`] from a reader, streaming.
    pub fn put_reader(&self, reader: impl Read) -> io::Result<(String, u64)> {
        let mut s = self.stage()?;
        let r = s.put_reader(reader)?;
        s.publish()?;
        Ok(r)
    }

    /// The file of the store with this hash as it is now, or `None` if there is none.
    pub fn stat(&self, sha256: &str) -> io::Result<Option<StoredFile>> {
        match &self.backend {
            Backend::Local(l) => l.stat(sha256),
            Backend::S3(s) => s.stat(sha256),
        }
    }

    pub fn exists(&self, sha256: &str) -> io::Result<bool> {
        Ok(self.stat(sha256)?.is_some())
    }

    /// Every file of the store, in hash order.
    pub fn list(&self) -> io::Result<Vec<StoredFile>> {
        match &self.backend {
            Backend::Local(l) => l.list(),
            Backend::S3(s) => s.list(),
        }
    }

    /// A whole file, for small ones (a logo, a subtitle track); `NotFound` if missing.
    /// Blocking, as [`reader`](Self::reader) is.
    pub fn read(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let (mut r, size) = self.reader(sha256)?.ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("no media file {sha256}"))
        })?;
        let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 24));
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    /// A file as a stream of bytes, with its size, or `None` if there is none.
    ///
    /// Blocking: call it from a thread that may block (`tokio::task::spawn_blocking`, or
    /// outside any runtime), never from async code — on S3 the reader waits for the
    /// store's own runtime, and tokio refuses (panics) when that wait happens on one of
    /// its worker threads. Async code uses [`get`](Self::get), which streams.
    pub fn reader(&self, sha256: &str) -> io::Result<Option<(Box<dyn Read + Send>, u64)>> {
        match &self.backend {
            Backend::Local(l) => match std::fs::File::open(l.path(sha256)) {
                Ok(f) => {
                    let size = f.metadata()?.len();
                    Ok(Some((Box::new(f), size)))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Backend::S3(s) => s.reader(sha256),
        }
    }

    /// For serving: where a local file is (`ServeFile` answers Range and conditional
    /// requests from it), or `None` for a bucket (use [`MediaStore::get`]).
    pub fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local(l) => Some(l.path(sha256)),
            Backend::S3(_) => None,
        }
    }

    /// A file's bytes as they arrive (`range`: only those bytes; it must lie within the
    /// file), or `None` if there is no such file. Never holds the file in memory.
    pub async fn get(&self, sha256: &str, range: Option<Range<u64>>) -> io::Result<Option<Object>> {
        match &self.backend {
            Backend::Local(l) => local_get(l.path(sha256), range).await,
            Backend::S3(s) => s.get(sha256, range).await,
        }
    }

    /// A URL that fetches the file straight from the bucket for `expires`, answered with
    /// these headers; `None` for a local store.
    pub async fn signed_url(
        &self,
        sha256: &str,
        expires: Duration,
        content_type: &str,
        disposition: Option<&str>,
    ) -> io::Result<Option<url::Url>> {
        match &self.backend {
            Backend::Local(_) => Ok(None),
            Backend::S3(s) => s
                .signed_url(sha256, expires, content_type, disposition)
                .await
                .map(Some),
        }
    }

    // ---- For the sweep (`crate::media_gc`) ----

    /// For the sweep. Local store: remove files nothing referred to when the caller looked, keeping any
    /// published again since (see [`local::Local::remove_unreferenced`]). Bucket: delete
    /// them; the caller holds their deletion candidates locked.
    pub fn remove_files(&self, files: &[StoredFile]) -> io::Result<Vec<Removed>> {
        match &self.backend {
            Backend::Local(l) => l.remove_unreferenced(files),
            Backend::S3(s) => s.remove(files),
        }
    }

    pub(crate) fn recover_set_aside(&self) -> io::Result<()> {
        match &self.backend {
            Backend::Local(l) => l.recover_set_aside(),
            Backend::S3(_) => Ok(()),
        }
    }

    pub(crate) fn abandoned_staging(
        &self,
        stale: Duration,
    ) -> io::Result<(Vec<Abandoned>, Vec<Removed>)> {
        match &self.backend {
            Backend::Local(l) => {
                let (a, r) = l.abandoned_staging(stale)?;
                Ok((a.into_iter().map(Abandoned::Local).collect(), r))
            }
            Backend::S3(s) => Ok((
                s.abandoned_staging(stale)?
                    .into_iter()
                    .map(Abandoned::S3)
                    .collect(),
                Vec::new(),
            )),
        }
    }

    pub(crate) fn settle_abandoned(
        &self,
        area: Abandoned,
        publish: &BTreeSet<String>,
    ) -> io::Result<(Vec<String>, Vec<Removed>)> {
        match (&self.backend, area) {
            (Backend::Local(l), Abandoned::Local(a)) => l.settle_abandoned(a, publish),
            (Backend::S3(s), Abandoned::S3(a)) => s.settle_abandoned(a, publish),
            _ => Err(io::Error::other("a staging area of another media store")),
        }
    }

    /// Scratch files older than `stale` (a request that crashed mid-upload left them).
    pub(crate) fn remove_stale_temp(&self, stale: Duration) -> io::Result<Vec<Removed>> {
        match &self.backend {
            Backend::Local(l) => l.remove_stale_temp(stale),
            Backend::S3(s) => {
                let mut removed = local::remove_stale_in(&s.scratch(), "scratch", stale)?;
                removed.extend(s.remove_stale_probes(stale)?);
                Ok(removed)
            }
        }
    }
}

/// A local file's bytes, read by a blocking thread in chunks through a small channel.
async fn local_get(path: PathBuf, range: Option<Range<u64>>) -> io::Result<Option<Object>> {
    use futures_util::StreamExt;
    use std::io::{Seek, SeekFrom};
    let opened = tokio::task::spawn_blocking(move || -> io::Result<Option<_>> {
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let m = f.metadata()?;
        let size = m.len();
        let range = range.unwrap_or(0..size);
        if range.end > size || range.start > range.end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "range outside the file",
            ));
        }
        f.seek(SeekFrom::Start(range.start))?;
        let modified = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        Ok(Some((f, size, range, modified)))
    })
    .await
    .map_err(io::Error::other)??;
    let Some((f, size, range, last_modified)) = opened else {
        return Ok(None);
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<bytes::Bytes>>(4);
    let len = range.end - range.start;
    tokio::task::spawn_blocking(move || {
        let mut r = f.take(len);
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            match r.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(buf.into())).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let body =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
            .boxed();
    Ok(Some(Object {
        size,
        range,
        last_modified,
        body,
    }))
}

/// The files of one operation, outside the store until its transaction commits. Dropped
/// without [`Staging::publish`] (refused, failed, panicked), it deletes its files.
#[derive(Debug)]
pub struct Staging {
    inner: StagingInner,
}

#[derive(Debug)]
enum StagingInner {
    Local(local::LocalStaging),
    S3(s3::S3Staging),
}

impl Staging {
    /// Stage bytes; returns (sha256, size).
    pub fn put(&mut self, bytes: &[u8]) -> io::Result<(String, u64)> {
        self.put_reader(bytes)
    }

    /// Stream a file in, hashing as it goes; a half-written file never gets a hash's name.
    pub fn put_reader(&mut self, reader: impl Read) -> io::Result<(String, u64)> {
        match &mut self.inner {
            StagingInner::Local(s) => s.put_reader(reader),
            StagingInner::S3(s) => s.put_reader(reader),
        }
    }

    /// The hashes staged so far.
    pub fn hashes(&self) -> Vec<String> {
        match &self.inner {
            StagingInner::Local(s) => s.hashes().map(str::to_owned).collect(),
            StagingInner::S3(s) => s.files().iter().cloned().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match &self.inner {
            StagingInner::Local(s) => s.is_empty(),
            StagingInner::S3(s) => s.files().is_empty(),
        }
    }

    /// Move the files into the store. Call only after the transaction that refers to them
    /// has committed. Each file is written over its name even when the store has it
    /// already (same hash, same bytes): a removal deciding on the old copy at the same time
    /// must not take the new one. On an error the area is left for the sweep, which
    /// finishes the move for every file a committed row refers to.
    pub fn publish(self) -> io::Result<()> {
        match self.inner {
            StagingInner::Local(s) => s.publish(),
            StagingInner::S3(s) => s.publish(),
        }
    }

    /// Delete the staged files now, whatever [`Staging::committing`] said: for a caller
    /// that knows its transaction stored nothing (it was refused).
    pub fn discard(self) {
        match self.inner {
            StagingInner::Local(s) => s.discard(),
            StagingInner::S3(s) => s.discard(),
        }
    }

    /// Call inside the transaction that refers to the files, just before committing it:
    /// it withdraws the files from any removal in progress (the bucket's deletion
    /// candidates, see `crate::media_gc`; waiting for a sweep that holds them), and from
    /// then on a drop (the commit failed, or the request was cancelled while it
    /// committed) keeps the files for the sweep, which publishes those a committed row
    /// refers to and deletes the rest. Until then a drop deletes them.
    pub async fn committing(&mut self, tx: &mut crate::Tx) -> crate::Result<()> {
        if let StagingInner::S3(s) = &self.inner {
            let hashes: Vec<String> = s.files().iter().cloned().collect();
            crate::repo::media::claim_for_publication(tx, &hashes).await?;
        }
        self.kept();
        Ok(())
    }

    /// [`Staging::committing`] for a caller whose rows are written outside a transaction
    /// it holds (tests, fixtures): nothing is withdrawn from a concurrent removal.
    pub fn kept(&mut self) {
        match &mut self.inner {
            StagingInner::Local(s) => s.committing(),
            StagingInner::S3(s) => s.committing(),
        }
    }
}

/// Copy `reader` to `out`, hashing as it goes: the content's SHA-256 (its name in the
/// store) and its size. Every way a file enters or leaves the store copies through this.
pub fn copy_hashing(mut reader: impl Read, out: &mut impl io::Write) -> io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        size += n as u64;
    }
    Ok((format!("{:x}", hasher.finalize()), size))
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_urls() {
        assert_eq!(
            MediaUrl::parse("file:///srv/media").unwrap(),
            MediaUrl::Dir(PathBuf::from("/srv/media"))
        );
        assert_eq!(
            MediaUrl::parse("s3://bucket/pre").unwrap(),
            MediaUrl::S3("s3://bucket/pre".into())
        );
        assert!(MediaUrl::parse("s3://").is_err());
        assert!(MediaUrl::parse("/srv/media").is_err());
        assert!(MediaUrl::parse("file://host/x").is_err());
    }
}
