//! The S3 backend: a bucket (and optional key prefix) of any S3-compatible object store,
//! reached with `object_store`'s client; credentials, region and endpoint come from the
//! standard `AWS_*` environment variables.
//!
//! Keys under the prefix:
//! - `ab/abcd…` — the store, named by SHA-256 as on disk;
//! - `staging/OP/abcd…` — the files of one operation whose transaction has not committed
//!   yet; `staging/OP/abandoned` marks an area whose operation ended without publishing
//!   (its commit failed or its outcome is unknown), so the sweep settles it at once;
//! - `tmp/` — readiness probes.
//!
//! Object stores have no rename, no locks and no inodes, so two things differ from the
//! local backend:
//! - An operation whose process died leaves its staging area unmarked: the sweep takes it
//!   as abandoned once its newest object is older than the stale threshold (a day; an
//!   operation runs for minutes between staging its last file and publishing).
//! - Removal cannot tell a re-published object from the one it looked at. The sweep
//!   therefore removes through a table of deletion candidates that publishing operations
//!   clear inside their own transaction (see `crate::media_gc`).
//!
//! `object_store` is async and our callers are both async (serving a file) and blocking
//! (an archive's files staged from a blocking thread, the CLI). All of the client's work
//! runs on a small runtime of its own: blocking callers wait on a channel (from any
//! thread, never "a runtime inside a runtime"), async callers await a task, and the
//! client's pooled connections belong to one runtime that lives as long as the store.

use super::{Fingerprint, Removed, StoredFile, is_sha256};
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;

const STAGING: &str = "staging";
const TMP: &str = "tmp";
const MARK: &str = "abandoned";
/// Uploads go up in parts of this size, at most two at a time: what an upload holds in
/// memory, whatever the file's size.
const PART: usize = 8 * 1024 * 1024;
/// `/readyz`'s probe gives up after this long.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The runtime the client's futures run on; shut down without waiting when the store
/// goes (it may go inside another runtime, where a blocking shutdown would panic).
#[derive(Debug)]
struct Rt(Option<tokio::runtime::Runtime>);

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

#[derive(Debug)]
pub struct S3 {
    store: Arc<AmazonS3>,
    bucket: String,
    /// `""` or `"some/prefix"` (no slashes at either end).
    prefix: String,
    /// Local scratch space: uploads being received, files being hashed before upload.
    scratch: PathBuf,
    rt: Rt,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

fn os_err(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        e => io::Error::other(e),
    }
}

fn is_not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

/// An object's bytes (or a range of them) as they arrive, with the object's size.
pub struct Object {
    pub size: u64,
    /// The bytes sent: the whole object, or the range asked for.
    pub range: Range<u64>,
    pub last_modified: SystemTime,
    pub body: BoxStream<'static, io::Result<Bytes>>,
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Object")
            .field("size", &self.size)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// A staging area the sweep found abandoned.
#[derive(Debug)]
pub struct Abandoned {
    op: String,
    pub files: Vec<(String, u64)>,
    junk: Vec<(Key, u64)>,
}

impl S3 {
    /// Open `s3://BUCKET[/prefix]` with the `AWS_*` environment, then `config` (pairs of
    /// `object_store`'s AWS option names, such as `aws_endpoint`, for tests).
    pub fn open(url: &str, scratch: PathBuf, config: &[(String, String)]) -> io::Result<S3> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not an s3:// URL: {url}"),
            )
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{url}: no bucket named"),
            ));
        }
        let prefix = prefix.trim_matches('/').to_owned();
        // https needs a process-wide rustls provider; the wiki client installs ring, and
        // this is the same one (an error only means one is installed already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (k, v) in config {
            let key: AmazonS3ConfigKey = k.parse().map_err(other)?;
            b = b.with_config(key, v);
        }
        let store = b.build().map_err(other)?;
        std::fs::create_dir_all(&scratch)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lyceum-s3")
            .enable_all()
            .build()?;
        Ok(S3 {
            store: Arc::new(store),
            bucket: bucket.to_owned(),
            prefix,
            scratch,
            rt: Rt(Some(rt)),
        })
    }

    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    pub fn scratch(&self) -> PathBuf {
        self.scratch.clone()
    }

    fn handle(&self) -> io::Result<&tokio::runtime::Runtime> {
        self.rt
            .0
            .as_ref()
            .ok_or_else(|| other("the media store's runtime is gone"))
    }

    /// Run a future on the store's runtime and wait for it, from any thread (a blocking
    /// one, or outside any runtime).
    fn block<T: Send + 'static>(
        &self,
        f: impl Future<Output = io::Result<T>> + Send + 'static,
    ) -> io::Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle()?.spawn(async move {
            let _ = tx.send(f.await);
        });
        rx.recv()
            .map_err(|_| other("the media store's runtime stopped"))?
    }

    /// Run a future on the store's runtime and await it.
    async fn run<T: Send + 'static>(
        &self,
        f: impl Future<Output = io::Result<T>> + Send + 'static,
    ) -> io::Result<T> {
        self.handle()?.spawn(f).await.map_err(other)?
    }

    fn key(&self, rel: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(rel)
        } else {
            Key::from(format!("{}/{rel}", self.prefix))
        }
    }

    fn file_key(&self, sha: &str) -> Key {
        if is_sha256(sha) {
            self.key(&format!("{}/{sha}", &sha[..2]))
        } else {
            self.key("invalid")
        }
    }

    fn staging_key(&self, op: &str, name: &str) -> Key {
        self.key(&format!("{STAGING}/{op}/{name}"))
    }

    /// The key relative to the prefix.
    fn rel<'a>(&self, key: &'a str) -> Option<&'a str> {
        if self.prefix.is_empty() {
            Some(key)
        } else {
            key.strip_prefix(self.prefix.as_str())?.strip_prefix('/')
        }
    }

    pub fn check(&self) -> io::Result<()> {
        let store = self.store.clone();
        let probe = self.key(&format!("{TMP}/ready-{}", super::local::unique_name()));
        self.block(async move {
            let work = async {
                store.put(&probe, PutPayload::default()).await?;
                store.delete(&probe).await
            };
            match tokio::time::timeout(CHECK_TIMEOUT, work).await {
                Ok(r) => r.map_err(os_err),
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the object store did not answer in time",
                )),
            }
        })
    }

    pub fn stat(&self, sha: &str) -> io::Result<Option<StoredFile>> {
        let store = self.store.clone();
        let key = self.file_key(sha);
        let sha = sha.to_owned();
        self.block(async move {
            match store.head(&key).await {
                Ok(m) => Ok(Some(stored(sha, &m))),
                Err(e) if is_not_found(&e) => Ok(None),
                Err(e) => Err(os_err(e)),
            }
        })
    }

    /// Every object under the prefix, with its key relative to the prefix.
    fn list_rel(&self, under: Option<&str>) -> io::Result<Vec<(String, object_store::ObjectMeta)>> {
        let store = self.store.clone();
        let prefix = match under {
            Some(u) => Some(self.key(u)),
            None if self.prefix.is_empty() => None,
            None => Some(Key::from(self.prefix.as_str())),
        };
        let all = self.block(async move {
            let mut s = store.list(prefix.as_ref());
            let mut out = Vec::new();
            while let Some(m) = s.next().await {
                out.push(m.map_err(os_err)?);
            }
            Ok(out)
        })?;
        Ok(all
            .into_iter()
            .filter_map(|m| Some((self.rel(m.location.as_ref())?.to_owned(), m)))
            .collect())
    }

    /// Every object under the prefix (key relative to it) with its bytes: for tests that
    /// check an operation left the bucket exactly as it was.
    #[cfg(feature = "testing")]
    pub fn objects(&self) -> io::Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for (rel, m) in self.list_rel(None)? {
            let store = self.store.clone();
            let bytes = self.block(async move {
                let r = store.get(&m.location).await.map_err(os_err)?;
                r.bytes().await.map_err(os_err)
            })?;
            out.push((rel, bytes.to_vec()));
        }
        Ok(out)
    }

    pub fn list(&self) -> io::Result<Vec<StoredFile>> {
        let mut out: Vec<StoredFile> = self
            .list_rel(None)?
            .into_iter()
            .filter_map(|(rel, m)| {
                let (shard, sha) = rel.split_once('/')?;
                (is_sha256(sha) && sha.starts_with(shard) && shard.len() == 2)
                    .then(|| stored(sha.to_owned(), &m))
            })
            .collect();
        out.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        Ok(out)
    }

    /// Upload a local file to `key`, in parts (bounded memory, whatever the size).
    async fn upload(store: Arc<AmazonS3>, key: Key, path: PathBuf) -> io::Result<()> {
        let mut file = tokio::fs::File::open(&path).await?;
        let mut w = object_store::buffered::BufWriter::with_capacity(store, key, PART)
            .with_max_concurrency(2);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut file, &mut buf).await?;
            if n == 0 {
                break;
            }
            if let Err(e) = w.write_all(&buf[..n]).await {
                let _ = w.abort().await;
                return Err(e);
            }
        }
        w.shutdown().await
    }

    /// Stage one file: spooled to local scratch while hashed (the key is its hash), then
    /// uploaded under the operation's area unless this operation has it already.
    fn stage_reader(
        &self,
        op: &str,
        known: &BTreeSet<String>,
        reader: impl Read,
    ) -> io::Result<(String, u64)> {
        let spool = self
            .scratch
            .join(format!("stage-{}", super::local::unique_name()));
        let result = (|| -> io::Result<(String, u64)> {
            let mut out = std::fs::File::create_new(&spool)?;
            let (sha, size) = super::copy_hashing(reader, &mut out)?;
            out.flush()?;
            drop(out);
            if !known.contains(&sha) {
                let key = self.staging_key(op, &sha);
                self.block(Self::upload(self.store.clone(), key, spool.clone()))?;
            }
            Ok((sha, size))
        })();
        let _ = std::fs::remove_file(&spool);
        result
    }

    /// Copy staged files into the store, then delete the area.
    fn publish(&self, op: &str, files: &BTreeSet<String>) -> io::Result<()> {
        let store = self.store.clone();
        let moves: Vec<(Key, Key)> = files
            .iter()
            .map(|sha| (self.staging_key(op, sha), self.file_key(sha)))
            .collect();
        self.block(async move {
            for (from, to) in &moves {
                // Copied even when the store has it: the copy is the new object a removal
                // deciding at the same time must not delete (see `crate::media_gc`).
                store.copy(from, to).await.map_err(os_err)?;
            }
            for (from, _) in &moves {
                match store.delete(from).await {
                    Err(e) if !is_not_found(&e) => return Err(os_err(e)),
                    _ => {}
                }
            }
            Ok(())
        })
    }

    fn delete_keys(&self, keys: Vec<Key>) -> io::Result<()> {
        let store = self.store.clone();
        self.block(async move {
            for k in &keys {
                match store.delete(k).await {
                    Err(e) if !is_not_found(&e) => return Err(os_err(e)),
                    _ => {}
                }
            }
            Ok(())
        })
    }

    fn discard(&self, op: &str, files: &BTreeSet<String>) -> io::Result<()> {
        self.delete_keys(files.iter().map(|s| self.staging_key(op, s)).collect())
    }

    fn mark_abandoned(&self, op: &str) -> io::Result<()> {
        let store = self.store.clone();
        let key = self.staging_key(op, MARK);
        self.block(async move {
            store
                .put(&key, PutPayload::default())
                .await
                .map(|_| ())
                .map_err(os_err)
        })
    }

    /// Staging areas whose operation is gone: marked abandoned, or whose newest object is
    /// older than `stale` (the process died).
    pub fn abandoned_staging(&self, stale: Duration) -> io::Result<Vec<Abandoned>> {
        let now = SystemTime::now();
        let mut areas: BTreeMap<String, Vec<(String, object_store::ObjectMeta)>> = BTreeMap::new();
        for (rel, m) in self.list_rel(Some(STAGING))? {
            let Some((op, name)) = rel
                .strip_prefix(STAGING)
                .and_then(|r| r.strip_prefix('/'))
                .and_then(|r| r.split_once('/'))
            else {
                continue;
            };
            areas
                .entry(op.to_owned())
                .or_default()
                .push((name.to_owned(), m));
        }
        let mut out = Vec::new();
        for (op, objects) in areas {
            let marked = objects.iter().any(|(n, _)| n == MARK);
            let newest = objects
                .iter()
                .map(|(_, m)| SystemTime::from(m.last_modified))
                .max();
            let old = newest.is_some_and(|t| now.duration_since(t).is_ok_and(|age| age > stale));
            if !marked && !old {
                continue;
            }
            let mut files = Vec::new();
            let mut junk = Vec::new();
            for (name, m) in objects {
                if is_sha256(&name) {
                    files.push((name, m.size));
                } else {
                    junk.push((m.location, m.size));
                }
            }
            out.push(Abandoned { op, files, junk });
        }
        Ok(out)
    }

    pub fn settle_abandoned(
        &self,
        area: Abandoned,
        publish: &BTreeSet<String>,
    ) -> io::Result<(Vec<String>, Vec<Removed>)> {
        let mut published = Vec::new();
        let mut removed = Vec::new();
        let mut delete = Vec::new();
        let store = self.store.clone();
        let mut copies = Vec::new();
        for (sha, size) in &area.files {
            let from = self.staging_key(&area.op, sha);
            if publish.contains(sha) {
                copies.push((from.clone(), self.file_key(sha)));
                published.push(sha.clone());
            } else {
                removed.push(Removed {
                    name: format!("{STAGING}/{}/{sha}", area.op),
                    bytes: *size,
                });
            }
            delete.push(from);
        }
        for (key, size) in area.junk {
            let name = self.rel(key.as_ref()).unwrap_or(key.as_ref()).to_owned();
            if !name.ends_with(MARK) {
                removed.push(Removed { name, bytes: size });
            }
            delete.push(key);
        }
        self.block(async move {
            for (from, to) in &copies {
                match store.copy(from, to).await {
                    // Another sweep settled it at the same time.
                    Err(e) if is_not_found(&e) => {}
                    r => r.map_err(os_err)?,
                }
            }
            Ok(())
        })?;
        self.delete_keys(delete)?;
        Ok((published, removed))
    }

    /// Delete store objects (the caller holds their deletion candidates locked).
    pub fn remove(&self, files: &[StoredFile]) -> io::Result<Vec<Removed>> {
        let keys: Vec<Key> = files.iter().map(|f| self.file_key(&f.sha256)).collect();
        self.delete_keys(keys)?;
        Ok(files
            .iter()
            .map(|f| Removed {
                name: f.sha256.clone(),
                bytes: f.print.len,
            })
            .collect())
    }

    /// Readiness probes a crash left behind, older than `stale`.
    pub fn remove_stale_probes(&self, stale: Duration) -> io::Result<Vec<Removed>> {
        let now = SystemTime::now();
        let mut removed = Vec::new();
        let mut keys = Vec::new();
        for (rel, m) in self.list_rel(Some(TMP))? {
            let t = SystemTime::from(m.last_modified);
            if now.duration_since(t).is_ok_and(|age| age > stale) {
                removed.push(Removed {
                    name: rel,
                    bytes: m.size,
                });
                keys.push(m.location);
            }
        }
        self.delete_keys(keys)?;
        Ok(removed)
    }

    /// The object's bytes from the store's runtime, through a small channel (at most a
    /// few chunks in memory), or `None` if there is no such object.
    pub async fn get(&self, sha: &str, range: Option<Range<u64>>) -> io::Result<Option<Object>> {
        let store = self.store.clone();
        let key = self.file_key(sha);
        let (meta_tx, meta_rx) = tokio::sync::oneshot::channel();
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
        self.handle()?.spawn(async move {
            let opts = GetOptions {
                range: range.map(GetRange::Bounded),
                ..GetOptions::default()
            };
            let r = match store.get_opts(&key, opts).await {
                Ok(r) => r,
                Err(e) if is_not_found(&e) => {
                    let _ = meta_tx.send(Ok(None));
                    return;
                }
                Err(e) => {
                    let _ = meta_tx.send(Err(os_err(e)));
                    return;
                }
            };
            let meta = (
                r.meta.size,
                r.range.clone(),
                SystemTime::from(r.meta.last_modified),
            );
            if meta_tx.send(Ok(Some(meta))).is_err() {
                return;
            }
            let mut body = r.into_stream();
            while let Some(chunk) = body.next().await {
                if tx.send(chunk.map_err(os_err)).await.is_err() {
                    return;
                }
            }
        });
        let Some((size, range, last_modified)) = meta_rx.await.map_err(other)?? else {
            return Ok(None);
        };
        let body =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|c| (c, rx)) },
            )
            .boxed();
        Ok(Some(Object {
            size,
            range,
            last_modified,
            body,
        }))
    }

    /// A blocking reader of the whole object (for threads that may block: exports).
    pub fn reader(&self, sha: &str) -> io::Result<Option<(Box<dyn Read + Send>, u64)>> {
        let store = self.store.clone();
        let key = self.file_key(sha);
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
        let size = self.block(async move {
            let r = match store.get(&key).await {
                Ok(r) => r,
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) => return Err(os_err(e)),
            };
            let size = r.meta.size;
            tokio::spawn(async move {
                let mut body = r.into_stream();
                while let Some(chunk) = body.next().await {
                    if tx.send(chunk.map_err(os_err)).await.is_err() {
                        return;
                    }
                }
            });
            Ok(Some(size))
        })?;
        Ok(size.map(|s| {
            (
                Box::new(ChannelReader {
                    rx,
                    chunk: Bytes::new(),
                }) as Box<dyn Read + Send>,
                s,
            )
        }))
    }

    /// A URL that fetches the object directly from the store for `expires`, answered
    /// with these Content-Type and Content-Disposition.
    pub async fn signed_url(
        &self,
        sha: &str,
        expires: Duration,
        content_type: &str,
        disposition: Option<&str>,
    ) -> io::Result<url::Url> {
        let store = self.store.clone();
        let key = self.file_key(sha);
        let mut query = vec![("response-content-type".to_owned(), content_type.to_owned())];
        if let Some(d) = disposition {
            query.push(("response-content-disposition".to_owned(), d.to_owned()));
        }
        self.run(async move {
            let opts = SignedUrlOptions::default().with_query(query);
            store
                .signed_url_opts(object_store::signer::Method::GET, &key, expires, &opts)
                .await
                .map_err(os_err)
        })
        .await
    }
}

fn stored(sha: String, m: &object_store::ObjectMeta) -> StoredFile {
    StoredFile {
        sha256: sha,
        print: Fingerprint {
            inode: 0,
            modified: Some(SystemTime::from(m.last_modified)),
            len: m.size,
        },
    }
}

struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    chunk: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(c) => self.chunk = c?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Kept,
    Done,
}

/// The staged files of one operation in the bucket (see [`super::Staging`]).
#[derive(Debug)]
pub struct S3Staging {
    s3: Arc<S3>,
    op: String,
    files: BTreeSet<String>,
    state: State,
}

impl S3Staging {
    pub fn new(s3: Arc<S3>) -> S3Staging {
        S3Staging {
            s3,
            op: super::local::unique_name(),
            files: BTreeSet::new(),
            state: State::Open,
        }
    }

    pub fn put_reader(&mut self, reader: impl Read) -> io::Result<(String, u64)> {
        let (sha, size) = self.s3.stage_reader(&self.op, &self.files, reader)?;
        self.files.insert(sha.clone());
        Ok((sha, size))
    }

    pub fn files(&self) -> &BTreeSet<String> {
        &self.files
    }

    pub fn publish(mut self) -> io::Result<()> {
        self.state = State::Kept;
        self.s3.publish(&self.op, &self.files)?;
        self.state = State::Done;
        Ok(())
    }

    pub fn discard(mut self) {
        self.state = State::Open;
    }

    pub fn committing(&mut self) {
        self.state = State::Kept;
    }
}

impl Drop for S3Staging {
    fn drop(&mut self) {
        let r = match self.state {
            State::Done => Ok(()),
            State::Open => self.s3.discard(&self.op, &self.files),
            State::Kept => self.s3.mark_abandoned(&self.op),
        };
        if let Err(e) = r {
            tracing::warn!(op = %self.op, error = %e, "cannot finish a staging area in the object store; the media sweep will");
        }
    }
}
