//! Judging wiki tasks (issue 14): the pure work a check and the background sync do per
//! learner, on the worst realistic input. A learner with 5,000 stored edits (a prolific
//! editor's course window) judged against a title-pattern criterion; and the references
//! a revision adds, counted from a 200 KB article with 400 references against its parent
//! (the sync counts this for every edit it stores). Target: both well under a millisecond
//! per learner, so a check's cost is the wiki's answer, not ours.
//!
//!   cargo bench -p lyceum-bench --bench wiki
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{Timestamp, ToSpan};
use lyceum_core::blocks::wiki_task::check::{Bounds, edit_candidates, refs_added};
use lyceum_core::blocks::wiki_task::{EditCriteria, PageRule};
use lyceum_core::wiki::WikiEdit;
use std::hint::black_box;

fn edits(n: i64) -> Vec<WikiEdit> {
    let start: Timestamp = "2026-09-01T00:00:00Z".parse().unwrap();
    (0..n)
        .map(|i| WikiEdit {
            revid: 1_000 + i,
            parentid: if i % 7 == 0 { 0 } else { 999 + i },
            pageid: i % 300,
            ns: [0, 2, 118, 4][(i % 4) as usize],
            title: match i % 4 {
                0 => format!("Article {i}"),
                1 => format!("User:Learner1/Draft {i}"),
                2 => format!("Draft:Topic {i}"),
                _ => format!("Wikipedia:Sandbox {i}"),
            },
            timestamp: start + (i * 10).minutes(),
            size: 2_000 + i,
            sizediff: (i % 500) - 100,
            new: i % 7 == 0,
            tags: if i % 50 == 0 {
                vec!["mw-reverted".into()]
            } else {
                vec!["visualeditor".into()]
            },
        })
        .collect()
}

fn article(refs: usize) -> String {
    let mut s = String::with_capacity(210_000);
    for i in 0..refs {
        s.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris. ");
        s.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris. ");
        s.push_str(&format!(
            "<ref name=\"r{i}\">{{{{cite web |url=https://example.org/{i} |title=Source {i}}}}}</ref>\n"
        ));
        if i % 3 == 0 {
            s.push_str(&format!("<ref name=\"r{i}\" />\n"));
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let all = edits(5_000);
    let criteria = EditCriteria {
        namespaces: vec![2],
        title_pattern: "User:{username}/*".into(),
        page: PageRule::Created,
        min_bytes: 100,
        must_contain: vec!["<ref".into()],
        tag: String::new(),
        min_edits: 1,
    };
    let bounds = Bounds {
        from: "2026-09-15T00:00:00Z".parse().unwrap(),
        until: Some("2026-10-15T00:00:00Z".parse().unwrap()),
    };
    c.bench_function("wiki_task/edit_candidates/5000_edits", |b| {
        b.iter(|| edit_candidates(black_box(&criteria), "Learner1", bounds, black_box(&all)).len())
    });
    let parent = article(390);
    let content = article(400);
    assert!(content.len() > 180_000, "{} bytes", content.len());
    c.bench_function("wiki_task/refs_added/200KB_400_refs", |b| {
        b.iter(|| refs_added(black_box(&content), Some(black_box(&parent))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
