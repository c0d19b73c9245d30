//! Publishing a course's draft, on SQLite: a 2,000-unit course (20 sections × 5
//! subsections × 20 units, each unit a text block and every fifth a problem too: 4,520
//! blocks) whose every block changed — the worst case, a course written in Studio and
//! published for the first time — and the same course with 10 blocks changed, the usual
//! case. Target: ≤ 1 s. Then one publish of the whole course while a learner's reads run
//! beside it, to show learners' pages keep answering: the reads' latencies are printed.
//!
//!   cargo bench -p lyceum-bench --bench publish
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lyceum_core::course::spec::NewBlock;
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::{courses, orgs, users};
use lyceum_store::{Db, MediaStore, Store, q};
use std::time::{Duration, Instant};

const MC: &str = r#"<problem><multiplechoiceresponse><label>Pick B</label><choicegroup type="MultipleChoice"><choice correct="false">A</choice><choice correct="true">B</choice></choicegroup></multiplechoiceresponse></problem>"#;

struct Site {
    _dir: tempfile::TempDir,
    env: lyceum_app::Env,
    course: CourseId,
    author: Actor,
}

fn leaf(kind: &str, name: String, content: serde_json::Value) -> NewBlock {
    NewBlock {
        kind: kind.into(),
        url_name: name,
        title: String::new(),
        release_at: None,
        content: content.to_string(),
        children: Vec::new(),
    }
}

fn outline() -> Vec<NewBlock> {
    let node = |kind: &str, name: String, children: Vec<NewBlock>| NewBlock {
        kind: kind.into(),
        title: name.clone(),
        url_name: name,
        release_at: None,
        content: "{}".into(),
        children,
    };
    (0..20)
        .map(|s| {
            let subsections = (0..5)
                .map(|ss| {
                    let units = (0..20)
                        .map(|u| {
                            let n = format!("{s}-{ss}-{u}");
                            let mut leaves = vec![leaf(
                                "text",
                                format!("t{n}"),
                                serde_json::json!({"format": "markdown", "source": format!("Unit {n}"), "html": format!("<p>Unit {n}</p>")}),
                            )];
                            if u % 5 == 0 {
                                leaves.push(leaf("problem", format!("p{n}"), serde_json::json!({"xml": MC})));
                            }
                            node("unit", format!("u{n}"), leaves)
                        })
                        .collect();
                    node("subsection", format!("ss{s}-{ss}"), units)
                })
                .collect();
            node("section", format!("s{s}"), subsections)
        })
        .collect()
}

fn site(rt: &tokio::runtime::Runtime) -> Site {
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let store = Store::open_sqlite(&dir.path().join("lyceum.sqlite"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let spec: lyceum_core::course::spec::CourseSpec = serde_json::from_value(serde_json::json!({
            "org": "BENCH", "code": "BIG", "run": "2026", "language": "en", "title": "Big", "published": true
        }))
        .unwrap();
        let e = lyceum_core::course::spec::expand(spec, &mut |_| None).unwrap();
        let mut tx = store.begin().await.unwrap();
        let org = orgs::upsert(&mut tx, "BENCH", "Bench", "", None, 0).await.unwrap();
        let course = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
        courses::insert_blocks(&mut tx, course, None, &outline(), None, 0)
            .await
            .unwrap();
        let author = users::create_user(&mut tx, "author", "author", "", false, 0)
            .await
            .unwrap();
        courses::set_role(&mut tx, course, author, CourseRole::Author, 0)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        Site {
            env: lyceum_app::Env {
                store,
                media: MediaStore::new(dir.path().join("media")).unwrap(),
                clock: std::sync::Arc::new(lyceum_core::SystemClock),
            },
            course,
            author: Actor::user(author, false),
            _dir: dir,
        }
    })
}

/// A draft changing `limit` blocks (their titles and revisions), written directly: the
/// setup of each measured publish.
async fn change(site: &Site, limit: i64) {
    let mut tx = site.env.store.begin().await.unwrap();
    tx.exec(
        q("INSERT INTO block_drafts (block_id, course_id, parent_id, position, title, release_at, content, revision, deleted, updated_at)
           SELECT id, course_id, parent_id, position, title || '!', release_at, content, revision + 1, FALSE, 0
           FROM blocks WHERE course_id = $1 AND live ORDER BY id LIMIT $2")
        .bind(site.course.0)
        .bind(limit),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn publish(site: &Site, expect: i64) {
    let p = lyceum_app::authoring::publish(&site.env, &site.author, site.course, "")
        .await
        .unwrap();
    assert_eq!(p.changed, expect);
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = site(&rt);
    let blocks: i64 = rt.block_on(async {
        let mut c = s.env.store.conn().await.unwrap();
        c.scalar(q("SELECT COUNT(*) FROM blocks WHERE course_id = $1").bind(s.course.0))
            .await
            .unwrap()
    });
    let mut g = c.benchmark_group("publish");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function(
        format!("publish a 2,000-unit course, all {blocks} blocks changed"),
        |b| {
            b.iter_batched(
                || rt.block_on(change(&s, i64::MAX)),
                |()| rt.block_on(publish(&s, blocks)),
                BatchSize::PerIteration,
            )
        },
    );
    g.bench_function("publish a 2,000-unit course, 10 blocks changed", |b| {
        b.iter_batched(
            || rt.block_on(change(&s, 10)),
            |()| rt.block_on(publish(&s, 10)),
            BatchSize::PerIteration,
        )
    });
    g.finish();

    // Learners' reads during a whole-course publish: what a unit page reads (the course
    // with the viewer, its content version) in a loop beside the publish.
    rt.block_on(change(&s, i64::MAX));
    let (reads, took) = rt.block_on(async {
        let store = s.env.store.clone();
        let course = s.course;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let reader = tokio::spawn(async move {
            let mut lat = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                let mut c = store.conn().await.unwrap();
                courses::find_for_viewer_by_id(&mut c, course, Some(UserId(1)))
                    .await
                    .unwrap();
                courses::content_version(&mut c, course).await.unwrap();
                lat.push(t.elapsed());
                tokio::task::yield_now().await;
            }
            lat
        });
        let t = Instant::now();
        publish(&s, blocks).await;
        let took = t.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (reader.await.unwrap(), took)
    });
    let mut sorted = reads.clone();
    sorted.sort();
    let pct = |p: f64| sorted[((sorted.len() as f64 - 1.0) * p) as usize];
    println!(
        "reads during a {took:.0?} publish of {blocks} blocks: {} reads, median {:.2?}, p99 {:.2?}, max {:.2?}",
        sorted.len(),
        pct(0.5),
        pct(0.99),
        sorted.last().copied().unwrap_or_default()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
