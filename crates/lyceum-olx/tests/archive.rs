//! Reading OLX archives safely: the Open edX demo course in every packing
//! (`tests/fixtures/olx/demo-course`, see its README), and hostile archives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flate2::Compression;
use flate2::write::GzEncoder;
use lyceum_core::error::DomainError;
use lyceum_olx::archive::{read_dir, read_path, read_tar, read_tar_gz};
use lyceum_olx::{BlobSink, Limits, OlxFiles};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::Path;
use tar::{Builder, EntryType, Header};

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/olx/demo-course"
    ))
}

/// Every key `archive` may answer with.
const OLX_KEYS: &[&str] = &[
    "lyceum-error-olx-not-archive",
    "lyceum-error-olx-library",
    "lyceum-error-olx-no-course-xml",
    "lyceum-error-olx-several-courses",
    "lyceum-error-olx-too-many-files",
    "lyceum-error-olx-too-large",
    "lyceum-error-olx-file-too-large",
    "lyceum-error-olx-truncated",
    "lyceum-error-olx-corrupt",
    "lyceum-error-olx-unsafe-path",
    "lyceum-error-olx-unsafe-entry",
    "lyceum-error-olx-storage",
    "lyceum-error-olx-read",
];

/// A media store in memory, content-addressed like the real one.
#[derive(Default)]
struct MemSink {
    blobs: HashMap<String, Vec<u8>>,
    bytes_put: u64,
}

impl BlobSink for MemSink {
    fn put(&mut self, reader: &mut dyn Read) -> io::Result<(String, u64)> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        let sha = format!("{:x}", Sha256::digest(&bytes));
        let size = bytes.len() as u64;
        self.bytes_put += size;
        self.blobs.insert(sha.clone(), bytes);
        Ok((sha, size))
    }
}

/// A sink whose disk is full.
struct FullSink;

impl BlobSink for FullSink {
    fn put(&mut self, _reader: &mut dyn Read) -> io::Result<(String, u64)> {
        Err(io::Error::other("no space left on device"))
    }
}

fn key(result: Result<OlxFiles, DomainError>) -> DomainError {
    match result {
        Ok(files) => panic!("accepted: {:?}", files.text.keys().collect::<Vec<_>>()),
        Err(e) => e,
    }
}

fn assert_refused(result: Result<OlxFiles, DomainError>, want: &str) -> DomainError {
    let e = key(result);
    assert_eq!(e.key.0, want, "{e}");
    e
}

/// The demo course's files as (archive path, bytes), sorted.
fn demo_files() -> Vec<(String, Vec<u8>)> {
    let root = fixture();
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A regular-file header whose name bytes are written as given, bypassing the checks
/// `Header::set_path` makes (it refuses `..` and strips `./`).
fn raw_header(name: &[u8], size: u64, kind: EntryType) -> Header {
    let mut h = Header::new_gnu();
    let field = &mut h.as_old_mut().name;
    field.fill(0);
    field[..name.len()].copy_from_slice(name);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(kind);
    h.set_cksum();
    h
}

/// A tar of `(name, bytes)` regular files, names written raw.
fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = Builder::new(Vec::new());
    for (name, data) in files {
        b.append(
            &raw_header(name.as_bytes(), data.len() as u64, EntryType::Regular),
            *data,
        )
        .unwrap();
    }
    b.into_inner().unwrap()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A tiny valid course, plus `extra` entries appended by the caller.
fn small_course(extra: impl FnOnce(&mut Builder<Vec<u8>>)) -> Vec<u8> {
    let mut b = Builder::new(Vec::new());
    for (name, data) in [
        (
            "course/course.xml",
            &b"<course url_name=\"R\" org=\"O\" course=\"C\"/>"[..],
        ),
        ("course/course/R.xml", b"<course/>"),
        ("course/static/a.png", b"PNG"),
    ] {
        b.append(
            &raw_header(name.as_bytes(), data.len() as u64, EntryType::Regular),
            data,
        )
        .unwrap();
    }
    extra(&mut b);
    b.into_inner().unwrap()
}

/// The demo course packed with `name` giving each file's archive name.
fn demo_tar(name: impl Fn(&str) -> String) -> Vec<u8> {
    let mut b = Builder::new(Vec::new());
    for (rel, bytes) in demo_files() {
        let n = name(&rel);
        if n.len() <= 100 && n.starts_with("./") {
            // `set_path` would strip the `./`.
            b.append(
                &raw_header(n.as_bytes(), bytes.len() as u64, EntryType::Regular),
                &bytes[..],
            )
            .unwrap();
        } else {
            let mut h = Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, n, &bytes[..]).unwrap();
        }
    }
    b.into_inner().unwrap()
}

fn read_gz(bytes: &[u8], limits: &Limits) -> (Result<OlxFiles, DomainError>, MemSink) {
    let mut sink = MemSink::default();
    let r = read_tar_gz(bytes, limits, &mut sink);
    (r, sink)
}

fn read_plain(bytes: &[u8], limits: &Limits) -> Result<OlxFiles, DomainError> {
    read_tar(bytes, limits, &mut MemSink::default())
}

/// The demo course read from its directory, checked against the fixture README's counts:
/// 780 files, of which 104 under `static/` (6 of them `.srt` subtitles, also kept as text).
fn demo_from_dir() -> (OlxFiles, MemSink) {
    let mut sink = MemSink::default();
    let files = read_dir(fixture(), &Limits::default(), &mut sink).unwrap();
    (files, sink)
}

#[test]
fn demo_course_directory_reads_every_file() {
    let (files, sink) = demo_from_dir();
    let non_static = files
        .text
        .keys()
        .filter(|k| !k.starts_with("static/"))
        .count();
    let subtitles = files
        .text
        .keys()
        .filter(|k| k.starts_with("static/"))
        .count();
    assert_eq!(files.statics.len(), 104);
    assert_eq!(non_static, 676);
    assert_eq!(non_static + files.statics.len(), 780);
    assert_eq!(subtitles, 6);
    assert!(files.text.contains_key("course.xml"));
    assert!(files.text.contains_key("course/DemoCourse.xml"));
    assert!(files.text.contains_key("policies/DemoCourse/policy.json"));
    assert!(
        files
            .text
            .contains_key("static/48c991fb-083c-45e1-adad-930d2b11b11e-es.srt")
    );
    let names: Vec<&str> = files.statics.iter().map(|s| s.path.as_str()).collect();
    assert!(names.contains(&"Brain green.png"));
    assert!(names.contains(&"48c991fb-083c-45e1-adad-930d2b11b11e-es.srt"));
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "sorted, no duplicates"
    );

    let static_bytes: u64 = files.statics.iter().map(|s| s.size).sum();
    let text_bytes: u64 = files
        .text
        .iter()
        .filter(|(k, _)| !k.starts_with("static/"))
        .map(|(_, v)| v.len() as u64)
        .sum();
    assert_eq!(static_bytes, 11_471_132);
    assert_eq!(static_bytes + text_bytes, 12_050_975);

    // The sink holds exactly the files' bytes.
    for s in &files.statics {
        let on_disk = std::fs::read(fixture().join("static").join(&s.path)).unwrap();
        assert_eq!(sink.blobs[&s.sha256], on_disk, "{}", s.path);
        assert_eq!(s.size, on_disk.len() as u64);
    }
    let srt = "static/48c991fb-083c-45e1-adad-930d2b11b11e-es.srt";
    assert_eq!(files.text[srt], std::fs::read(fixture().join(srt)).unwrap());
}

#[test]
fn read_path_takes_a_directory() {
    let mut sink = MemSink::default();
    let files = read_path(fixture(), &Limits::default(), &mut sink).unwrap();
    let (from_dir, _) = demo_from_dir();
    assert_eq!(files.text, from_dir.text);
    assert_eq!(files.statics, from_dir.statics);
}

fn assert_same_as_dir(files: &OlxFiles, sink: &MemSink) {
    let (from_dir, dir_sink) = demo_from_dir();
    assert_eq!(files.text, from_dir.text);
    assert_eq!(files.statics, from_dir.statics);
    assert_eq!(sink.blobs, dir_sink.blobs);
}

#[test]
fn demo_course_tar_gz_with_top_directory() {
    let bytes = gz(&demo_tar(|rel| format!("course/{rel}")));
    let (files, sink) = read_gz(&bytes, &Limits::default());
    assert_same_as_dir(&files.unwrap(), &sink);
}

#[test]
fn demo_course_tar_gz_at_root() {
    let bytes = gz(&demo_tar(|rel| rel.to_owned()));
    let (files, sink) = read_gz(&bytes, &Limits::default());
    assert_same_as_dir(&files.unwrap(), &sink);
}

#[test]
fn demo_course_tar_gz_with_dot_slash_prefixes() {
    let bytes = gz(&demo_tar(|rel| format!("./course/{rel}")));
    let (files, sink) = read_gz(&bytes, &Limits::default());
    assert_same_as_dir(&files.unwrap(), &sink);

    let bytes = gz(&demo_tar(|rel| format!("./{rel}")));
    let (files, sink) = read_gz(&bytes, &Limits::default());
    assert_same_as_dir(&files.unwrap(), &sink);
}

#[test]
fn demo_course_through_read_path_as_tar_gz_and_plain_tar() {
    let dir = tempfile::tempdir().unwrap();
    let tar = demo_tar(|rel| format!("course/{rel}"));
    for (name, bytes) in [("c.tar.gz", gz(&tar)), ("c.tar", tar.clone())] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut sink = MemSink::default();
        let files = read_path(&path, &Limits::default(), &mut sink).unwrap();
        assert_same_as_dir(&files, &sink);
    }
}

#[test]
fn entries_arrive_in_any_order_and_outside_files_are_ignored() {
    // Statics before course.xml, a sibling folder, junk files.
    let bytes = tar_of(&[
        ("export/static/img/b.png", b"B"),
        ("export/static/intro.VTT", b"WEBVTT"),
        ("notes/readme.txt", b"not the course"),
        ("export/html/x.html", b"<p/>"),
        ("export/html/x.html~", b"backup"),
        ("export/static/._b.png", b"resource fork"),
        ("._export", b"resource fork"),
        ("export/.DS_Store", b"finder"),
        ("export/course.xml", b"<course/>"),
    ]);
    let mut sink = MemSink::default();
    let files = read_tar(&bytes[..], &Limits::default(), &mut sink).unwrap();
    let text: Vec<&str> = files.text.keys().map(String::as_str).collect();
    assert_eq!(text, ["course.xml", "html/x.html", "static/intro.VTT"]);
    let statics: Vec<&str> = files.statics.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(statics, ["img/b.png", "intro.VTT"]);
    assert_eq!(files.text["static/intro.VTT"], b"WEBVTT");
}

#[test]
fn long_names_gnu_and_pax() {
    let long = format!("course/static/{}/{}.png", "d".repeat(80), "n".repeat(90));
    let mut b = Builder::new(Vec::new());
    let mut h = Header::new_gnu();
    h.set_size(9);
    h.set_mode(0o644);
    b.append_data(&mut h, "course/course.xml", &b"<course/>"[..])
        .unwrap();
    // GNU: `append_data` adds a `././@LongLink` entry for names over 100 bytes.
    let mut h = Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    b.append_data(&mut h, &long, &b"one"[..]).unwrap();
    // PAX: a `path` record names the next entry, whose own name is a stub.
    let pax_name = format!("course/html/{}.html", "p".repeat(150));
    b.append_pax_extensions([("path", pax_name.as_bytes())])
        .unwrap();
    b.append(&raw_header(b"stub", 3, EntryType::Regular), &b"two"[..])
        .unwrap();
    // `git archive` starts with a global PAX header; it names no file.
    let global = b"52 comment=0123456789012345678901234567890123456789\n";
    b.append(
        &raw_header(
            b"pax_global_header",
            global.len() as u64,
            EntryType::XGlobalHeader,
        ),
        &global[..],
    )
    .unwrap();
    let bytes = b.into_inner().unwrap();

    let files = read_plain(&bytes, &Limits::default()).unwrap();
    let below_static = long.strip_prefix("course/static/").unwrap();
    assert_eq!(files.statics.len(), 1);
    assert_eq!(files.statics[0].path, below_static);
    let pax_rel = pax_name.strip_prefix("course/").unwrap();
    assert_eq!(files.text[pax_rel], b"two");
    assert!(!files.text.keys().any(|k| k.contains("stub")));
}

#[test]
fn a_pax_path_with_dot_dot_is_refused() {
    let bytes = small_course(|b| {
        b.append_pax_extensions([("path", &b"course/../../etc/cron.d/x"[..])])
            .unwrap();
        b.append(
            &raw_header(b"course/harmless", 1, EntryType::Regular),
            &b"x"[..],
        )
        .unwrap();
    });
    assert_refused(
        read_plain(&bytes, &Limits::default()),
        "lyceum-error-olx-unsafe-path",
    );
}

#[test]
fn unsafe_paths_are_refused() {
    for name in [
        "../evil",
        "/etc/passwd",
        "a/../../x",
        "course/static/../../x",
        "./..",
    ] {
        let bytes = small_course(|b| {
            b.append(
                &raw_header(name.as_bytes(), 4, EntryType::Regular),
                &b"evil"[..],
            )
            .unwrap();
        });
        let e = assert_refused(
            read_plain(&bytes, &Limits::default()),
            "lyceum-error-olx-unsafe-path",
        );
        assert_eq!(e.args, [name]);
        let (r, _) = read_gz(&gz(&bytes), &Limits::default());
        assert_refused(r, "lyceum-error-olx-unsafe-path");
    }
    // Not UTF-8.
    let bytes = small_course(|b| {
        b.append(
            &raw_header(b"course/caf\xe9.html", 1, EntryType::Regular),
            &b"x"[..],
        )
        .unwrap();
    });
    assert_refused(
        read_plain(&bytes, &Limits::default()),
        "lyceum-error-olx-unsafe-path",
    );
}

#[test]
fn links_and_devices_are_refused() {
    for (kind, want) in [
        (EntryType::Symlink, "symlink"),
        (EntryType::Link, "hard link"),
        (EntryType::Char, "character device"),
        (EntryType::Block, "block device"),
        (EntryType::Fifo, "fifo"),
    ] {
        let bytes = small_course(|b| {
            let mut h = raw_header(b"course/static/x.png", 0, kind);
            if matches!(kind, EntryType::Symlink | EntryType::Link) {
                h.set_link_name("/etc/passwd").unwrap();
                h.set_cksum();
            }
            b.append(&h, io::empty()).unwrap();
        });
        let e = assert_refused(
            read_plain(&bytes, &Limits::default()),
            "lyceum-error-olx-unsafe-entry",
        );
        assert_eq!(e.args, ["course/static/x.png", want]);
    }
}

#[test]
fn symlink_in_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("course.xml"), "<course/>").unwrap();
    std::fs::create_dir(dir.path().join("static")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("static/passwd")).unwrap();
    let e = assert_refused(
        read_dir(dir.path(), &Limits::default(), &mut MemSink::default()),
        "lyceum-error-olx-unsafe-entry",
    );
    assert_eq!(e.args, ["static/passwd", "symlink"]);
}

#[test]
fn directory_with_junk_reads_like_a_clean_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("course");
    std::fs::create_dir_all(root.join("static/img")).unwrap();
    std::fs::write(root.join("course.xml"), "<course/>").unwrap();
    std::fs::write(root.join("static/img/a.png"), "A").unwrap();
    std::fs::write(root.join("static/img/._a.png"), "fork").unwrap();
    std::fs::write(root.join(".DS_Store"), "finder").unwrap();
    std::fs::write(root.join("course.xml~"), "backup").unwrap();
    let files = read_path(dir.path(), &Limits::default(), &mut MemSink::default()).unwrap();
    assert_eq!(files.text.keys().collect::<Vec<_>>(), ["course.xml"]);
    assert_eq!(files.statics.len(), 1);
    assert_eq!(files.statics[0].path, "img/a.png");
}

#[test]
fn too_many_files() {
    let names: Vec<String> = (0..10).map(|i| format!("course/html/{i}.html")).collect();
    let mut files: Vec<(&str, &[u8])> = vec![("course/course.xml", b"<course/>")];
    files.extend(names.iter().map(|n| (n.as_str(), &b"<p/>"[..])));
    let limits = Limits {
        max_files: 5,
        ..Limits::default()
    };
    let e = assert_refused(
        read_plain(&tar_of(&files), &limits),
        "lyceum-error-olx-too-many-files",
    );
    assert_eq!(e.args, ["5"]);
    // Exactly at the limit is fine.
    let limits = Limits {
        max_files: 11,
        ..Limits::default()
    };
    assert!(read_plain(&tar_of(&files), &limits).is_ok());
}

#[test]
fn total_too_large() {
    let big = vec![b'x'; 600];
    let bytes = tar_of(&[
        ("course/course.xml", b"<course/>"),
        ("course/static/a.bin", &big),
        ("course/static/b.bin", &big),
    ]);
    let limits = Limits {
        max_total_bytes: 1000,
        ..Limits::default()
    };
    let e = assert_refused(read_plain(&bytes, &limits), "lyceum-error-olx-too-large");
    assert_eq!(e.args, ["1"]);
    let (r, sink) = read_gz(&gz(&bytes), &limits);
    assert_refused(r, "lyceum-error-olx-too-large");
    assert!(sink.bytes_put <= 600);
}

#[test]
fn one_file_too_large() {
    let big = vec![b'x'; 3 * 1024 * 1024];
    let limits = Limits {
        max_file_bytes: 2 * 1024 * 1024,
        max_text_file_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let bytes = tar_of(&[
        ("course/course.xml", b"<course/>"),
        ("course/static/v.mp4", &big),
    ]);
    let e = assert_refused(
        read_plain(&bytes, &limits),
        "lyceum-error-olx-file-too-large",
    );
    assert_eq!(e.args, ["course/static/v.mp4", "2"]);
    let bytes = tar_of(&[
        ("course/course.xml", b"<course/>"),
        ("course/html/a.html", &big[..2 * 1024 * 1024]),
    ]);
    let e = assert_refused(
        read_plain(&bytes, &limits),
        "lyceum-error-olx-file-too-large",
    );
    assert_eq!(e.args, ["course/html/a.html", "1"]);
    // A subtitle too big for memory is still stored, just not kept as text.
    let bytes = tar_of(&[
        ("course/course.xml", b"<course/>"),
        ("course/static/a.srt", &big[..2 * 1024 * 1024]),
    ]);
    let files = read_plain(&bytes, &limits).unwrap();
    assert_eq!(files.statics.len(), 1);
    assert!(!files.text.contains_key("static/a.srt"));
}

/// Counts what is read from the compressed input.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[test]
fn gzip_bomb_stops_early() {
    // One file of 256 MiB of zeros: about 1 MB compressed.
    const SIZE: u64 = 256 * 1024 * 1024;
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    {
        let mut b = Builder::new(&mut enc);
        b.append(
            &raw_header(b"course/course.xml", 9, EntryType::Regular),
            &b"<course/>"[..],
        )
        .unwrap();
        b.append(
            &raw_header(b"course/static/zeros.bin", SIZE, EntryType::Regular),
            io::repeat(0).take(SIZE),
        )
        .unwrap();
        b.finish().unwrap();
    }
    let bytes = enc.finish().unwrap();
    let limits = Limits {
        max_total_bytes: 8 * 1024 * 1024,
        ..Limits::default()
    };
    let mut input = Counting {
        inner: &bytes[..],
        read: 0,
    };
    let mut sink = MemSink::default();
    let r = read_tar_gz(&mut input, &limits, &mut sink);
    assert_refused(r, "lyceum-error-olx-too-large");
    assert_eq!(sink.bytes_put, 0);
    assert!(
        input.read <= 64 * 1024 && input.read * 8 < bytes.len() as u64,
        "read {} of {} compressed bytes",
        input.read,
        bytes.len()
    );
}

#[test]
fn directory_flood_is_capped_by_the_stream_limit() {
    // Directories are not files, but their headers still cost bytes to read.
    let limits = Limits {
        max_total_bytes: 64 * 1024,
        max_files: 4,
        ..Limits::default()
    };
    let mut b = Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for i in 0..10_000 {
        let name = format!("course/d{i}/");
        b.append(
            &raw_header(name.as_bytes(), 0, EntryType::Directory),
            io::empty(),
        )
        .unwrap();
    }
    let bytes = b.into_inner().unwrap().finish().unwrap();
    let (r, _) = read_gz(&bytes, &limits);
    assert_refused(r, "lyceum-error-olx-too-large");
}

#[test]
fn oversized_long_name_is_refused_without_reading_it() {
    let mut b = Builder::new(Vec::new());
    let mut h = raw_header(b"././@LongLink", 4 * 1024 * 1024, EntryType::GNULongName);
    h.set_cksum();
    b.append(&h, io::repeat(b'a').take(4 * 1024 * 1024))
        .unwrap();
    b.append(&raw_header(b"x", 0, EntryType::Regular), io::empty())
        .unwrap();
    let bytes = b.into_inner().unwrap();
    let e = assert_refused(
        read_plain(&bytes, &Limits::default()),
        "lyceum-error-olx-corrupt",
    );
    assert_eq!(e.args, ["extended header too large"]);
}

#[test]
fn truncated_gzip() {
    let bytes = gz(&demo_tar(|rel| format!("course/{rel}")));
    for cut in [bytes.len() / 2, bytes.len() - 4, 20] {
        let (r, _) = read_gz(&bytes[..cut], &Limits::default());
        assert_refused(r, "lyceum-error-olx-truncated");
    }
}

#[test]
fn truncated_plain_tar() {
    let bytes = small_course(|_| {});
    // Inside a header, then inside a file's data.
    for cut in [700, 512 * 5 + 1] {
        assert_refused(
            read_plain(&bytes[..cut], &Limits::default()),
            "lyceum-error-olx-truncated",
        );
    }
}

#[test]
fn corrupt_header_checksum() {
    let mut bytes = small_course(|_| {});
    bytes[512 * 2 + 10] ^= 0x55; // name of the second entry
    let e = assert_refused(
        read_plain(&bytes, &Limits::default()),
        "lyceum-error-olx-corrupt",
    );
    assert!(e.args[0].contains("checksum"), "{e}");
}

#[test]
fn corrupt_gzip_data() {
    let mut bytes = gz(&small_course(|_| {}));
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let (r, _) = read_gz(&bytes, &Limits::default());
    let e = key(r);
    assert!(
        ["lyceum-error-olx-corrupt", "lyceum-error-olx-truncated"].contains(&e.key.0),
        "{e}"
    );
}

fn pseudo_random(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn not_archives_through_read_path() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("random.bin", pseudo_random(4096)),
        ("empty.tar.gz", Vec::new()),
        ("notes.txt", b"These are my course notes.\n".to_vec()),
        ("course.xml", b"<course url_name=\"x\"/>".to_vec()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_refused(
            read_path(&path, &Limits::default(), &mut MemSink::default()),
            "lyceum-error-olx-not-archive",
        );
    }
    assert_refused(
        read_path(
            &dir.path().join("missing"),
            &Limits::default(),
            &mut MemSink::default(),
        ),
        "lyceum-error-olx-read",
    );
}

#[test]
fn random_bytes_and_empty_input_to_the_stream_readers() {
    let (r, _) = read_gz(&pseudo_random(4096), &Limits::default());
    assert_refused(r, "lyceum-error-olx-corrupt");
    assert_refused(
        read_plain(&pseudo_random(4096), &Limits::default()),
        "lyceum-error-olx-corrupt",
    );
    let (r, _) = read_gz(&[], &Limits::default());
    assert_refused(r, "lyceum-error-olx-truncated");
    assert_refused(
        read_plain(&[], &Limits::default()),
        "lyceum-error-olx-no-course-xml",
    );
}

#[test]
fn libraries_and_archives_without_a_course() {
    let lib = tar_of(&[
        ("library/library.xml", b"<library/>"),
        ("library/problem/p.xml", b"<problem/>"),
    ]);
    assert_refused(
        read_plain(&lib, &Limits::default()),
        "lyceum-error-olx-library",
    );
    let none = tar_of(&[("course/html/a.html", b"<p/>")]);
    assert_refused(
        read_plain(&none, &Limits::default()),
        "lyceum-error-olx-no-course-xml",
    );
    // Too deep to be a course root.
    let deep = tar_of(&[("a/b/course.xml", b"<course/>")]);
    assert_refused(
        read_plain(&deep, &Limits::default()),
        "lyceum-error-olx-no-course-xml",
    );
    let two = tar_of(&[
        ("a/course.xml", b"<course/>"),
        ("b/course.xml", b"<course/>"),
    ]);
    let e = assert_refused(
        read_plain(&two, &Limits::default()),
        "lyceum-error-olx-several-courses",
    );
    assert_eq!(e.args, ["a, b"]);
    // A root-level course.xml wins over deeper ones.
    let shallow = tar_of(&[("a/course.xml", b"<a/>"), ("course.xml", b"<root/>")]);
    let files = read_plain(&shallow, &Limits::default()).unwrap();
    assert_eq!(files.text["course.xml"], b"<root/>");
}

#[test]
fn sink_failure_is_a_storage_error() {
    let bytes = small_course(|_| {});
    let e = assert_refused(
        read_tar(&bytes[..], &Limits::default(), &mut FullSink),
        "lyceum-error-olx-storage",
    );
    assert!(e.args[0].contains("no space"));
}

#[test]
fn failing_source_is_a_read_error() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "upload interrupted",
            ))
        }
    }
    let bytes = gz(&small_course(|_| {}));
    let reader = (&bytes[..bytes.len() / 2]).chain(Broken);
    let r = read_tar_gz(reader, &Limits::default(), &mut MemSink::default());
    let e = assert_refused(r, "lyceum-error-olx-read");
    assert!(e.args[0].contains("upload interrupted"));
}

fn assert_olx_outcome(r: &Result<OlxFiles, DomainError>) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(OLX_KEYS.contains(&e.key.0), "unexpected key {e}");
    }
    Ok(())
}

fn small_limits() -> Limits {
    Limits {
        max_total_bytes: 64 * 1024,
        max_files: 32,
        max_file_bytes: 16 * 1024,
        max_text_file_bytes: 8 * 1024,
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let (r, sink) = read_gz(&bytes, &small_limits());
        assert_olx_outcome(&r)?;
        prop_assert!(sink.bytes_put <= small_limits().max_total_bytes);
        assert_olx_outcome(&read_plain(&bytes, &small_limits()))?;
    }

    #[test]
    fn mutated_archives_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        compressed in any::<bool>(),
    ) {
        let plain = small_course(|b| {
            let mut h = Header::new_gnu();
            h.set_size(4);
            h.set_mode(0o644);
            let long = format!("course/static/{}.srt", "l".repeat(120));
            b.append_data(&mut h, long, &b"1\n\n"[..]).unwrap();
            b.append_pax_extensions([("path", &b"course/html/pax.html"[..])]).unwrap();
            b.append(&raw_header(b"stub", 3, EntryType::Regular), &b"<p>"[..]).unwrap();
        });
        let mut bytes = if compressed { gz(&plain) } else { plain };
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let r = if compressed {
            read_gz(&bytes, &small_limits()).0
        } else {
            read_plain(&bytes, &small_limits())
        };
        assert_olx_outcome(&r)?;
        if let Ok(files) = r {
            for k in files.text.keys() {
                prop_assert!(!k.starts_with('/') && !k.split('/').any(|p| p == ".." || p.is_empty()), "{k}");
            }
        }
    }

    #[test]
    fn paths_stay_inside_the_root(
        segments in proptest::collection::vec(
            prop::sample::select(vec!["a", "..", ".", "", "static", "b.png"]), 1..8),
    ) {
        let name = segments.join("/");
        let bytes = tar_of(&[("course.xml", b"<course/>"), (name.as_str(), b"data")]);
        let r = read_plain(&bytes, &Limits::default());
        // The model: refuse what escapes; otherwise drop `.` and empty parts.
        let escapes = name.starts_with('/') || segments.contains(&"..");
        let parts: Vec<&str> = segments.iter().copied().filter(|s| !s.is_empty() && *s != ".").collect();
        let is_dir = name.ends_with('/');
        match r {
            Ok(files) => {
                prop_assert!(!escapes && (is_dir || !parts.is_empty()), "accepted {name:?}");
                let paths: Vec<String> = files
                    .text
                    .keys()
                    .cloned()
                    .chain(files.statics.iter().map(|s| format!("static/{}", s.path)))
                    .collect();
                for p in &paths {
                    prop_assert!(!p.starts_with('/'), "{p}");
                    prop_assert!(!p.split('/').any(|s| s == ".." || s == "." || s.is_empty()), "{p}");
                }
                let joined = parts.join("/");
                if is_dir {
                    prop_assert_eq!(paths, vec!["course.xml".to_owned()]);
                } else if parts[0] == "static" && parts.len() > 1 {
                    prop_assert!(files.statics.iter().any(|s| s.path == parts[1..].join("/")), "{name:?}");
                } else if parts.len() > 2 && parts[1] == "static" {
                    // Guessed static (a root one folder down), but the root is the top:
                    // not a course file, dropped.
                    prop_assert_eq!(paths, vec!["course.xml".to_owned()]);
                } else {
                    prop_assert!(files.text.contains_key(&joined), "{name:?}");
                }
            }
            Err(e) => prop_assert_eq!(e.key.0, "lyceum-error-olx-unsafe-path", "{} for {:?}", e, name),
        }
    }
}
