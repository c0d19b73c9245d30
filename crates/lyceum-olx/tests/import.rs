//! Importing the Open edX demo course (`/shared/fixtures/olx/demo-course`, see its README
//! for what it holds and which files were deliberately left out).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lyceum_core::blocks::LeafContent;
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::import::{ImportOptions, import};
use lyceum_olx::{IssueKind, OlxFiles, StaticFile};
use std::collections::BTreeMap;
use std::path::Path;

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/olx/demo-course"
    ))
}

/// The demo course's files, read plainly (the archive layer has its own tests).
fn demo_files() -> OlxFiles {
    let mut files = OlxFiles::default();
    let root = fixture();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&p).unwrap();
            if let Some(s) = rel.strip_prefix("static/") {
                files.statics.push(StaticFile {
                    path: s.to_owned(),
                    sha256: format!("{:064x}", bytes.len()),
                    size: bytes.len() as u64,
                });
                if s.ends_with(".srt") || s.ends_with(".sjson") {
                    files.text.insert(rel, bytes);
                }
            } else {
                files.text.insert(rel, bytes);
            }
        }
    }
    files
}

fn walk<'a>(blocks: &'a [NewBlock], out: &mut Vec<&'a NewBlock>) {
    for b in blocks {
        out.push(b);
        walk(&b.children, out);
    }
}

#[test]
fn imports_the_demo_course() {
    let im = import(&demo_files(), &ImportOptions::default()).unwrap();
    assert_eq!(
        im.course.key.to_string(),
        "course-v1:OpenedX+DemoX+DemoCourse"
    );
    assert_eq!(im.course.title, "Open edX Demo Course");
    assert!(im.course.self_paced);
    assert_eq!(im.course.start.unwrap().to_string(), "2020-01-01T00:00:00Z");
    let mut all = Vec::new();
    walk(&im.blocks, &mut all);
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &all {
        *by_kind.entry(b.kind.as_str()).or_default() += 1;
    }
    assert_eq!(by_kind["section"], 6, "{by_kind:?}");
    assert_eq!(by_kind["subsection"], 17);
    assert_eq!(by_kind["unit"], 58);
    assert_eq!(by_kind["text"], 266);
    assert_eq!(by_kind["video"], 11);
    assert_eq!(by_kind["discussion"], 1);
    // Grading policy and graded subsections.
    let types: Vec<&str> = im
        .course
        .grading
        .types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "Basic Assessment Tools",
            "Intermediate Assessment Tools",
            "Advanced Assessment Tools"
        ]
    );
    let graded = all
        .iter()
        .filter(|b| b.kind == "subsection" && b.content.contains("\"graded\":true"))
        .count();
    assert_eq!(graded, 3);
    // Problems that Lyceum grades, and those kept as OLX.
    let mut kept: BTreeMap<String, usize> = BTreeMap::new();
    for b in &all {
        if let Ok(LeafContent::Olx(o)) = LeafContent::decode(&b.kind, &b.content) {
            *kept.entry(o.tag.clone()).or_default() += 1;
        }
    }
    eprintln!("kinds {by_kind:?}\nkept {kept:?}");
    for i in &im.report.issues {
        eprintln!("{:?} {} {}", i.kind, i.path, i.detail);
    }
    assert_eq!(im.report.count(IssueKind::Renamed), 0);
}
