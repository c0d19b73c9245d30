//! Reads an OLX course export (`.tar.gz`, `.tar` or a directory) from a stranger, safely.
//!
//! Nothing is unpacked to disk: entries are streamed, files under `static/` go straight to
//! the [`BlobSink`] and the rest (small XML, JSON, HTML) is kept in memory. Anything that
//! could escape a directory if unpacked (absolute paths, `..`, links, device files) refuses
//! the whole archive, because an archive that carries such entries was not made by Studio.
//! Sizes are checked from the headers before data is read, and the decompressed stream is
//! capped too, so a lying header or a gzip bomb stops early.

use crate::{BlobSink, Limits, OlxFiles, StaticFile};
use flate2::read::GzDecoder;
use lyceum_core::error::DomainError;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// GNU long names and PAX records are held in memory before the entry they describe;
/// real ones are a few hundred bytes (macOS adds extended attributes, rarely more).
const MAX_EXTENSION_BYTES: u64 = 1024 * 1024;

/// Tar bytes that are not file content: a 512-byte header, up to 511 bytes of padding and
/// perhaps a PAX or long-name header per file, plus directories and the end blocks.
const OVERHEAD_PER_FILE: u64 = 8 * 1024;
const OVERHEAD_FIXED: u64 = 1024 * 1024;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const USTAR_MAGIC_AT: usize = 257;

const MB: u64 = 1024 * 1024;

/// Read a course export at `path`: a directory ([`read_dir`]), a `.tar.gz` or a plain
/// `.tar` (recognised by their first bytes, not by the file name).
pub fn read_path(
    path: &Path,
    limits: &Limits,
    sink: &mut dyn BlobSink,
) -> Result<OlxFiles, DomainError> {
    // The caller chose this path, so a symbolic link here is followed; links inside are not.
    let meta = fs::metadata(path).map_err(read_error)?;
    if meta.is_dir() {
        return read_dir(path, limits, sink);
    }
    let mut file = fs::File::open(path).map_err(read_error)?;
    let mut head = [0u8; 512];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(e)),
        }
    }
    let head = &head[..filled];
    let reader = head.chain(file);
    if head.starts_with(&GZIP_MAGIC) {
        read_tar_gz(reader, limits, sink)
    } else if head.get(USTAR_MAGIC_AT..USTAR_MAGIC_AT + 5) == Some(b"ustar") {
        read_tar(reader, limits, sink)
    } else {
        Err(DomainError::new("lyceum-error-olx-not-archive"))
    }
}

/// Read a gzip-compressed tar stream.
pub fn read_tar_gz(
    reader: impl Read,
    limits: &Limits,
    sink: &mut dyn BlobSink,
) -> Result<OlxFiles, DomainError> {
    let meter = Rc::new(Meter::new(limits));
    let source = Source {
        inner: reader,
        meter: Rc::clone(&meter),
    };
    let stream = Capped {
        inner: GzDecoder::new(source),
        meter: Rc::clone(&meter),
    };
    // Reading the gzip stream to its end checks its CRC, so damage inside a file is
    // noticed rather than stored.
    read_stream(stream, &meter, true, limits, sink)
}

/// Read an uncompressed tar stream.
pub fn read_tar(
    reader: impl Read,
    limits: &Limits,
    sink: &mut dyn BlobSink,
) -> Result<OlxFiles, DomainError> {
    let meter = Rc::new(Meter::new(limits));
    let source = Source {
        inner: reader,
        meter: Rc::clone(&meter),
    };
    let stream = Capped {
        inner: source,
        meter: Rc::clone(&meter),
    };
    read_stream(stream, &meter, false, limits, sink)
}

/// Read an unpacked course export. Symbolic links are refused, not followed, as in a tar.
/// The directory is trusted not to change while it is read (files are opened by name).
pub fn read_dir(
    dir: &Path,
    limits: &Limits,
    sink: &mut dyn BlobSink,
) -> Result<OlxFiles, DomainError> {
    let mut collector = Collector::new(limits, sink);
    // Depth-first with an explicit stack: a deep tree cannot overflow the call stack.
    let mut stack: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    while let Some((fs_dir, rel_dir)) = stack.pop() {
        let mut entries = Vec::new();
        for entry in fs::read_dir(&fs_dir).map_err(read_error)? {
            entries.push(entry.map_err(read_error)?);
        }
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                let lossy = name.to_string_lossy();
                return Err(unsafe_path(&join(&rel_dir, &lossy)));
            };
            let rel = join(&rel_dir, name);
            // `DirEntry::file_type` does not follow symbolic links.
            let kind = entry.file_type().map_err(read_error)?;
            if kind.is_dir() {
                normalise(rel.as_bytes())?;
                stack.push((entry.path(), rel));
            } else if kind.is_file() {
                let size = entry.metadata().map_err(read_error)?.len();
                let path = normalise(rel.as_bytes())?.ok_or_else(|| unsafe_path(&rel))?;
                let mut file = fs::File::open(entry.path()).map_err(read_error)?;
                collector.add_file(path, size, &mut file, &read_error)?;
            } else {
                return Err(unsafe_entry(&rel, special_kind(&kind)));
            }
        }
    }
    collector.finish()
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(unix)]
fn special_kind(kind: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_symlink() {
        "symlink"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_fifo() {
        "fifo"
    } else if kind.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(kind: &fs::FileType) -> &'static str {
    if kind.is_symlink() {
        "symlink"
    } else {
        "special file"
    }
}

/// The tar reader shared by [`read_tar_gz`] and [`read_tar`]. Entries are iterated raw so
/// that GNU long names and PAX records are read here under [`MAX_EXTENSION_BYTES`]: the
/// tar crate would read them whole, whatever size their header claims.
fn read_stream<R: Read>(
    stream: Capped<R>,
    meter: &Meter,
    drain: bool,
    limits: &Limits,
    sink: &mut dyn BlobSink,
) -> Result<OlxFiles, DomainError> {
    let classify = |e: io::Error| meter.classify(e);
    let mut collector = Collector::new(limits, sink);
    let mut archive = tar::Archive::new(stream);
    {
        let entries = archive.entries().map_err(classify)?.raw(true);
        let mut long_name: Option<Vec<u8>> = None;
        let mut pax: Option<Vec<u8>> = None;
        for entry in entries {
            let mut entry = entry.map_err(classify)?;
            let kind = entry.header().entry_type().as_byte();
            match kind {
                b'L' => {
                    let name = read_extension(&mut entry, &classify)?;
                    if long_name.replace(name).is_some() {
                        return Err(corrupt("two long names for one entry"));
                    }
                    continue;
                }
                b'x' => {
                    let records = read_extension(&mut entry, &classify)?;
                    if pax.replace(records).is_some() {
                        return Err(corrupt("two PAX headers for one entry"));
                    }
                    continue;
                }
                // A long link target only matters to a link, which is refused anyway; global
                // PAX records (`git archive` writes a comment) do not name files.
                b'K' | b'g' => {
                    read_extension(&mut entry, &classify)?;
                    continue;
                }
                // A volume label is not a file and its "name" is free text.
                b'V' => {
                    long_name = None;
                    pax = None;
                    continue;
                }
                _ => {}
            }

            let mut raw_path = entry.header().path_bytes().into_owned();
            let mut pax_size = None;
            if let Some(records) = pax.take() {
                for record in tar::PaxExtensions::new(&records) {
                    let record = record.map_err(|e| corrupt(&format!("PAX header: {e}")))?;
                    match record.key_bytes() {
                        b"path" => raw_path = record.value_bytes().to_vec(),
                        b"size" => {
                            let size = std::str::from_utf8(record.value_bytes())
                                .ok()
                                .and_then(|v| v.parse::<u64>().ok())
                                .ok_or_else(|| corrupt("PAX size is not a number"))?;
                            pax_size = Some(size);
                        }
                        _ => {}
                    }
                }
            }
            // GNU long names win over PAX paths, as in the tar crate and GNU tar.
            if let Some(mut name) = long_name.take() {
                while name.last() == Some(&0) {
                    name.pop();
                }
                raw_path = name;
            }
            let size = entry.size();
            // Raw entries are framed by the header size; a different PAX size would make
            // this reader and `tar` see different files.
            if pax_size.is_some_and(|s| s != size) {
                return Err(corrupt("PAX size differs from the header size"));
            }

            let path = normalise(&raw_path)?;
            let lossy = || String::from_utf8_lossy(&raw_path).into_owned();
            match kind {
                // Old tars mark directories with a trailing slash on a regular entry.
                b'0' | b'7' if raw_path.last() == Some(&b'/') => {}
                b'0' | b'7' => {
                    let path = path.ok_or_else(|| unsafe_path(&lossy()))?;
                    collector.add_file(path, size, &mut entry, &classify)?;
                }
                // GNU dumpdir is a directory listing.
                b'5' | b'D' => {}
                b'1' => return Err(unsafe_entry(&lossy(), "hard link")),
                b'2' => return Err(unsafe_entry(&lossy(), "symlink")),
                b'3' => return Err(unsafe_entry(&lossy(), "character device")),
                b'4' => return Err(unsafe_entry(&lossy(), "block device")),
                b'6' => return Err(unsafe_entry(&lossy(), "fifo")),
                b'S' => return Err(unsafe_entry(&lossy(), "sparse file")),
                other => {
                    let kind = format!("entry type {:?}", char::from(other));
                    return Err(unsafe_entry(&lossy(), &kind));
                }
            }
        }
        if long_name.is_some() || pax.is_some() {
            return Err(truncated("extended header without its entry"));
        }
    }
    if drain {
        io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(classify)?;
    }
    collector.finish()
}

/// The body of a long-name or PAX entry, bounded.
fn read_extension(
    entry: &mut impl Read,
    classify: &dyn Fn(io::Error) -> DomainError,
) -> Result<Vec<u8>, DomainError> {
    let mut bytes = Vec::new();
    entry
        .take(MAX_EXTENSION_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(classify)?;
    if bytes.len() as u64 > MAX_EXTENSION_BYTES {
        return Err(corrupt("extended header too large"));
    }
    Ok(bytes)
}

/// Turns an entry's name into a relative path with `/` separators, without `.` or empty
/// components. `Ok(None)` is the top itself (`./`). Refuses what could leave the top when
/// unpacked, and names no course needs: non-UTF-8, backslashes, control characters.
pub(crate) fn normalise(raw: &[u8]) -> Result<Option<String>, DomainError> {
    let Ok(s) = std::str::from_utf8(raw) else {
        return Err(unsafe_path(&String::from_utf8_lossy(raw)));
    };
    if s.starts_with('/') || s.contains('\\') || s.chars().any(char::is_control) {
        return Err(unsafe_path(s));
    }
    let mut parts = Vec::new();
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(unsafe_path(s)),
            part => parts.push(part),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

/// macOS resource forks (`._x`), Finder files and editor backups: never course content.
fn is_junk(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("._") || name.ends_with('~') || name == ".DS_Store"
}

/// Whether a file lies under `static/` of a course root at the top or one folder down.
/// The root is only known at the end, so this guesses from the path alone.
fn is_static(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    (parts.len() > 1 && parts[0] == "static") || (parts.len() > 2 && parts[1] == "static")
}

fn is_subtitle(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".srt", ".vtt", ".sjson"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Applies the limits and sorts files into text and statics, by full archive path.
struct Collector<'a> {
    limits: &'a Limits,
    sink: &'a mut dyn BlobSink,
    files: u64,
    total: u64,
    text: BTreeMap<String, Vec<u8>>,
    statics: BTreeMap<String, (String, u64)>,
}

impl<'a> Collector<'a> {
    fn new(limits: &'a Limits, sink: &'a mut dyn BlobSink) -> Self {
        Collector {
            limits,
            sink,
            files: 0,
            total: 0,
            text: BTreeMap::new(),
            statics: BTreeMap::new(),
        }
    }

    /// One regular file of `size` bytes; `classify` turns the reader's errors into domain
    /// errors (they mean different things for a tar entry and for a file on disk).
    fn add_file(
        &mut self,
        path: String,
        size: u64,
        reader: &mut dyn Read,
        classify: &dyn Fn(io::Error) -> DomainError,
    ) -> Result<(), DomainError> {
        let limits = *self.limits;
        // Junk and files outside the course root count too: they cost the same to read.
        self.files += 1;
        if self.files > limits.max_files {
            return Err(DomainError::new("lyceum-error-olx-too-many-files")
                .with_arg(limits.max_files.to_string()));
        }
        self.total = self.total.saturating_add(size);
        if self.total > limits.max_total_bytes {
            return Err(too_large(limits.max_total_bytes));
        }
        if is_junk(&path) {
            return Ok(());
        }

        if is_static(&path) {
            if size > limits.max_file_bytes {
                return Err(file_too_large(&path, limits.max_file_bytes));
            }
            if is_subtitle(&path) && size <= limits.max_text_file_bytes {
                let bytes = read_exact(reader, size, &path, classify)?;
                let (sha256, stored) = self.sink.put(&mut &bytes[..]).map_err(storage)?;
                check_stored(stored, size)?;
                self.statics.insert(path.clone(), (sha256, size));
                self.text.insert(path, bytes);
            } else {
                let sha256 = put_streaming(&mut *self.sink, reader, size, &path, classify)?;
                self.statics.insert(path, (sha256, size));
            }
        } else {
            if size > limits.max_text_file_bytes {
                return Err(file_too_large(&path, limits.max_text_file_bytes));
            }
            let bytes = read_exact(reader, size, &path, classify)?;
            self.text.insert(path, bytes);
        }
        Ok(())
    }

    /// Finds the course root (the shallowest folder holding `course.xml`) and keeps what
    /// lies under it, by path relative to it.
    fn finish(self) -> Result<OlxFiles, DomainError> {
        let prefix = if self.text.contains_key("course.xml") {
            String::new()
        } else {
            let tops: Vec<&str> = self
                .text
                .keys()
                .filter_map(|k| k.strip_suffix("/course.xml"))
                .filter(|dir| !dir.contains('/'))
                .collect();
            match tops.as_slice() {
                [top] => format!("{top}/"),
                [] => {
                    let library = self
                        .text
                        .keys()
                        .any(|k| k == "library.xml" || top_level(k, "/library.xml"));
                    return Err(DomainError::new(if library {
                        "lyceum-error-olx-library"
                    } else {
                        "lyceum-error-olx-no-course-xml"
                    }));
                }
                several => {
                    return Err(DomainError::new("lyceum-error-olx-several-courses")
                        .with_arg(several.join(", ")));
                }
            }
        };

        let text = self
            .text
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_owned(), v)))
            .collect();
        // A file guessed static whose relative path is not under `static/` (the root is
        // the top, the file is in `other/static/`) was never kept in memory; Open edX
        // would not read it either, so it is dropped.
        let statics = self
            .statics
            .into_iter()
            .filter_map(|(k, (sha256, size))| {
                let below = k.strip_prefix(&prefix)?.strip_prefix("static/")?;
                Some(StaticFile {
                    path: below.to_owned(),
                    sha256,
                    size,
                })
            })
            .collect();
        Ok(OlxFiles { text, statics })
    }
}

fn top_level(path: &str, suffix: &str) -> bool {
    path.strip_suffix(suffix)
        .is_some_and(|dir| !dir.contains('/'))
}

/// Reads exactly `size` bytes; fewer means the archive was cut.
fn read_exact(
    reader: &mut dyn Read,
    size: u64,
    path: &str,
    classify: &dyn Fn(io::Error) -> DomainError,
) -> Result<Vec<u8>, DomainError> {
    // The header may lie about the size; grow as bytes really arrive.
    let mut bytes = Vec::with_capacity(size.min(MB) as usize);
    reader
        .take(size)
        .read_to_end(&mut bytes)
        .map_err(classify)?;
    if (bytes.len() as u64) < size {
        return Err(short_file(path, bytes.len() as u64, size));
    }
    Ok(bytes)
}

/// Streams exactly `size` bytes into the sink, telling the archive's faults (a read error,
/// a cut file) from the sink's.
fn put_streaming(
    sink: &mut dyn BlobSink,
    reader: &mut dyn Read,
    size: u64,
    path: &str,
    classify: &dyn Fn(io::Error) -> DomainError,
) -> Result<String, DomainError> {
    let mut tap = Tap {
        inner: reader.take(size),
        read: 0,
        error: None,
    };
    let result = sink.put(&mut tap);
    if let Some(e) = tap.error.take() {
        return Err(classify(e));
    }
    let (sha256, stored) = result.map_err(storage)?;
    if tap.read < size {
        // Either the archive was cut or the sink stopped early: read on to tell which.
        io::copy(&mut tap, &mut io::sink()).map_err(classify)?;
        if let Some(e) = tap.error.take() {
            return Err(classify(e));
        }
        if tap.read < size {
            return Err(short_file(path, tap.read, size));
        }
    }
    check_stored(stored, size)?;
    Ok(sha256)
}

fn check_stored(stored: u64, size: u64) -> Result<(), DomainError> {
    if stored == size {
        Ok(())
    } else {
        Err(DomainError::new("lyceum-error-olx-storage")
            .with_arg(format!("stored {stored} of {size} bytes")))
    }
}

/// Counts what the sink reads and keeps the first read error for classification.
struct Tap<R> {
    inner: R,
    read: u64,
    error: Option<io::Error>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.read += n as u64;
                Ok(n)
            }
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                if e.kind() != io::ErrorKind::Interrupted {
                    self.error.get_or_insert(e);
                }
                Err(copy)
            }
        }
    }
}

/// What happened to the byte streams, so an error can be blamed on the right cause: the
/// size cap, the caller's reader, gzip, or an archive that simply ended.
struct Meter {
    cap: u64,
    max_total_bytes: u64,
    consumed: Cell<u64>,
    over_cap: Cell<bool>,
    ended: Cell<bool>,
    source_error: RefCell<Option<String>>,
    decode_error: RefCell<Option<(io::ErrorKind, String)>>,
}

impl Meter {
    fn new(limits: &Limits) -> Self {
        let overhead = limits
            .max_files
            .saturating_mul(OVERHEAD_PER_FILE)
            .saturating_add(OVERHEAD_FIXED);
        Meter {
            cap: limits.max_total_bytes.saturating_add(overhead),
            max_total_bytes: limits.max_total_bytes,
            consumed: Cell::new(0),
            over_cap: Cell::new(false),
            ended: Cell::new(false),
            source_error: RefCell::new(None),
            decode_error: RefCell::new(None),
        }
    }

    fn classify(&self, e: io::Error) -> DomainError {
        if self.over_cap.get() {
            return too_large(self.max_total_bytes);
        }
        if let Some(detail) = self.source_error.borrow().as_ref() {
            return DomainError::new("lyceum-error-olx-read").with_arg(detail.clone());
        }
        if let Some((kind, detail)) = self.decode_error.borrow().as_ref() {
            return if *kind == io::ErrorKind::UnexpectedEof {
                truncated(detail)
            } else {
                corrupt(detail)
            };
        }
        if self.ended.get() {
            truncated(&e.to_string())
        } else {
            corrupt(&e.to_string())
        }
    }
}

/// The caller's reader: notes its errors, which are not the archive's fault.
struct Source<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.inner.read(buf);
        if let Err(e) = &result
            && e.kind() != io::ErrorKind::Interrupted
        {
            self.meter
                .source_error
                .borrow_mut()
                .get_or_insert(e.to_string());
        }
        result
    }
}

/// The tar byte stream (after gzip): capped, so no header can make us read without end.
struct Capped<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let meter = &self.meter;
        if meter.over_cap.get() {
            return Err(io::Error::other("archive larger than the limit"));
        }
        // Never ask for more than one byte past the cap.
        let room = meter
            .cap
            .saturating_sub(meter.consumed.get())
            .saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        match self.inner.read(&mut buf[..want]) {
            Ok(0) if want > 0 => {
                meter.ended.set(true);
                Ok(0)
            }
            Ok(n) => {
                let consumed = meter.consumed.get().saturating_add(n as u64);
                meter.consumed.set(consumed);
                if consumed > meter.cap {
                    meter.over_cap.set(true);
                    return Err(io::Error::other("archive larger than the limit"));
                }
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    meter
                        .decode_error
                        .borrow_mut()
                        .get_or_insert((e.kind(), e.to_string()));
                }
                Err(e)
            }
        }
    }
}

fn read_error(e: io::Error) -> DomainError {
    DomainError::new("lyceum-error-olx-read").with_arg(e.to_string())
}

fn storage(e: io::Error) -> DomainError {
    DomainError::new("lyceum-error-olx-storage").with_arg(e.to_string())
}

fn unsafe_path(path: &str) -> DomainError {
    DomainError::new("lyceum-error-olx-unsafe-path").with_arg(path)
}

fn unsafe_entry(path: &str, kind: &str) -> DomainError {
    DomainError::new("lyceum-error-olx-unsafe-entry")
        .with_arg(path)
        .with_arg(kind)
}

fn truncated(detail: &str) -> DomainError {
    DomainError::new("lyceum-error-olx-truncated").with_arg(detail)
}

fn corrupt(detail: &str) -> DomainError {
    DomainError::new("lyceum-error-olx-corrupt").with_arg(detail)
}

fn too_large(max_total_bytes: u64) -> DomainError {
    DomainError::new("lyceum-error-olx-too-large")
        .with_arg(max_total_bytes.div_ceil(MB).to_string())
}

fn file_too_large(path: &str, limit: u64) -> DomainError {
    DomainError::new("lyceum-error-olx-file-too-large")
        .with_arg(path)
        .with_arg(limit.div_ceil(MB).to_string())
}

fn short_file(path: &str, got: u64, size: u64) -> DomainError {
    truncated(&format!("{path}: {got} of {size} bytes"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn normalise_table() {
        let ok: &[(&str, Option<&str>)] = &[
            ("course.xml", Some("course.xml")),
            ("./course/course.xml", Some("course/course.xml")),
            ("course//static/./a b.png", Some("course/static/a b.png")),
            ("course/", Some("course")),
            ("./", None),
            ("", None),
        ];
        for (raw, want) in ok {
            assert_eq!(
                normalise(raw.as_bytes()).unwrap().as_deref(),
                *want,
                "{raw}"
            );
        }
        for raw in [
            "../evil",
            "/etc/passwd",
            "a/../../x",
            "a/..",
            "a\\..\\x",
            "a\nb",
        ] {
            let e = normalise(raw.as_bytes()).unwrap_err();
            assert_eq!(e.key.0, "lyceum-error-olx-unsafe-path", "{raw}");
        }
        let e = normalise(b"caf\xe9.xml").unwrap_err();
        assert_eq!(e.key.0, "lyceum-error-olx-unsafe-path");
    }

    #[test]
    fn junk_static_subtitle() {
        assert!(is_junk("course/static/._Brain.png"));
        assert!(is_junk("course/html/a.html~"));
        assert!(is_junk(".DS_Store"));
        assert!(!is_junk("course/static/a~b.png"));
        assert!(is_static("static/a.png"));
        assert!(is_static("course/static/img/a.png"));
        assert!(!is_static("course/static"));
        assert!(!is_static("a/b/static/x.png"));
        assert!(is_subtitle("static/intro-EN.SRT"));
        assert!(is_subtitle("x.sjson"));
        assert!(!is_subtitle("x.srt.png"));
    }

    /// A gzip stream of a header claiming little and far more data behind it: the cap
    /// stops the reading, not the header.
    #[test]
    fn capped_reader_stops_past_the_cap() {
        let limits = Limits {
            max_total_bytes: 1000,
            max_files: 0,
            ..Limits::default()
        };
        let meter = Rc::new(Meter::new(&limits));
        let cap = meter.cap;
        let mut capped = Capped {
            inner: io::repeat(0),
            meter: Rc::clone(&meter),
        };
        let e = io::copy(&mut capped, &mut io::sink()).unwrap_err();
        assert!(meter.over_cap.get());
        assert_eq!(meter.consumed.get(), cap + 1);
        assert_eq!(meter.classify(e).key.0, "lyceum-error-olx-too-large");
    }
}
