//! Open edX course import and export, end to end on SQLite: the demo course (780 files,
//! 12 MB) read from its directory, converted, its static files hashed into the media
//! store and everything stored in one transaction into a fresh site; and the stored
//! course exported again as a `.tar.gz`. Targets: import ≤ 1 s, export ≤ 0.5 s.
//!
//!   cargo bench -p lyceum-bench --bench olx
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lyceum_olx::Limits;
use lyceum_store::{MediaStore, Store};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/olx/demo-course")
}

struct Site {
    _dir: tempfile::TempDir,
    env: lyceum_app::Env,
}

fn new_site(rt: &tokio::runtime::Runtime) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let (store, media) = rt.block_on(async {
        let store = Store::open_sqlite(&dir.path().join("lyceum.sqlite"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        (store, MediaStore::new(dir.path().join("media")).unwrap())
    });
    Site {
        _dir: dir,
        env: lyceum_app::Env {
            store,
            media,
            clock: std::sync::Arc::new(lyceum_core::SystemClock),
        },
    }
}

async fn import(site: &Site) -> lyceum_app::courses::ImportSummary {
    let archive = lyceum_app::courses::Archive {
        source: fixture(),
        org: None,
        limits: Limits::default(),
    };
    lyceum_app::courses::import(&site.env, archive, None, false)
        .await
        .unwrap()
}

fn olx(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("olx");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("import the demo course into a new site", |b| {
        b.iter_batched(
            || new_site(&rt),
            |site| {
                let s = rt.block_on(import(&site));
                assert_eq!(s.units, 58);
                site
            },
            BatchSize::PerIteration,
        )
    });
    let site = new_site(&rt);
    let summary = rt.block_on(import(&site));
    let course = lyceum_core::CourseId(summary.course_id);
    g.bench_function("re-import the demo course, unchanged", |b| {
        b.iter(|| rt.block_on(import(&site)))
    });
    g.bench_function("export the demo course", |b| {
        b.iter(|| {
            rt.block_on(lyceum_app::courses::export(
                &site.env,
                course,
                std::io::sink(),
            ))
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, olx);
criterion_main!(benches);
