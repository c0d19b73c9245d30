//! Seed a large site for the load test: learners, many small courses, one very large one,
//! enrolments and progress — and one known user (`bench`) enrolled in the large course.
//!
//!   seed DIR [LEARNERS] [COURSES] [BIG_UNITS]      (defaults: 10000 500 2000)
//!
//! Prints the key of the large course and the url_name of a unit in its middle.

use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::{courses, learner, orgs, users};
use lyceum_store::{MediaStore, Store};
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::path::PathBuf;

fn course_spec(org: &str, code: &str, lang: &str, units: usize) -> serde_json::Value {
    let per_sub = 10;
    let subs: Vec<serde_json::Value> = (0..units.div_ceil(per_sub))
        .map(|s| {
            let n = per_sub.min(units - s * per_sub);
            let units: Vec<serde_json::Value> = (0..n)
                .map(|u| {
                    json!({"title": format!("Unit {s}.{u}: working with partners"), "blocks": [{"kind": "text", "markdown": format!(
                        "### Why this matters\n\nVolunteers who bring organisations into free-knowledge projects achieve more together. \
                         This unit ({s}.{u}) walks through one concrete step, with an example from a library and a museum.\n\n\
                         - Map who is around you\n- Decide whom to approach first\n- Write down what you can offer\n\n\
                         Take a few minutes to note your own answers before moving on."
                    )}]})
                })
                .collect();
            json!({"title": format!("Subsection {s}"), "units": units})
        })
        .collect();
    let sections: Vec<serde_json::Value> = subs
        .chunks(5)
        .enumerate()
        .map(|(i, c)| json!({"title": format!("Section {i}"), "subsections": c}))
        .collect();
    json!({"org": org, "code": code, "run": "2026", "language": lang, "title": format!("Course {code}"),
        "short_description": "A course seeded for the load test.", "overview": "Seeded.", "effort_hours_per_week": 2, "effort_weeks": 4,
        "start": "2026-01-01T00:00:00Z", "published": true, "sections": sections})
}

async fn add_course(store: &Store, spec: serde_json::Value, now: i64) -> Result<CourseId, String> {
    let spec: CourseSpec = serde_json::from_value(spec).map_err(|e| e.to_string())?;
    let e = expand(spec, &mut |_| None).map_err(|e| e.to_string())?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let org = orgs::upsert(
        &mut tx,
        &e.course.key.org,
        &format!("Organisation {}", e.course.key.org),
        "",
        None,
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    let id = courses::create(&mut tx, org, &e.course, now)
        .await
        .map_err(|e| e.to_string())?;
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, now)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(id)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(
        args.get(1)
            .ok_or("usage: seed DIR [LEARNERS] [COURSES] [BIG_UNITS]")?,
    );
    let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (learners, n_courses, big_units) = (num(2, 10_000), num(3, 500), num(4, 2_000));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let store = Store::open_sqlite(&dir.join("lyceum.sqlite"))
        .await
        .map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    MediaStore::new(dir.join("media")).map_err(|e| e.to_string())?;
    let now = jiff::Timestamp::now().as_millisecond();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);

    let big = add_course(&store, course_spec("BIGORG", "BIG", "en", big_units), now).await?;
    let mut course_ids = vec![big];
    let langs = ["en", "fr", "ar", "es", "de", "pt", "hi", "id"];
    for i in 1..n_courses {
        let org = format!("ORG{}", i % 40);
        let units = rng.random_range(8..30);
        course_ids.push(
            add_course(
                &store,
                course_spec(&org, &format!("C{i:03}"), langs[i % langs.len()], units),
                now,
            )
            .await?,
        );
    }
    eprintln!("{} courses", course_ids.len());

    let mut user_ids: Vec<UserId> = Vec::with_capacity(learners);
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    for i in 0..learners {
        let name = format!("learner{i:05}");
        user_ids.push(
            users::create_user(&mut tx, &name, &name, "", false, now)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    eprintln!("{} learners", user_ids.len());

    // Every learner in three courses, a third of them in the large one, with some progress.
    let big_tree = {
        let mut c = store.conn().await.map_err(|e| e.to_string())?;
        courses::load_tree(&mut c, big)
            .await
            .map_err(|e| e.to_string())?
    };
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    for (i, &u) in user_ids.iter().enumerate() {
        let mut mine = vec![
            course_ids[rng.random_range(1..course_ids.len())],
            course_ids[rng.random_range(1..course_ids.len())],
        ];
        if i % 3 == 0 {
            mine.push(big);
        }
        mine.dedup();
        for c in mine {
            learner::enroll(&mut tx, u, c, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        if i % 3 == 0 {
            let done: Vec<_> = big_tree
                .units()
                .iter()
                .take(rng.random_range(0..40))
                .flat_map(|&unit| big_tree.children(unit).iter().map(|&b| big_tree.node(b).id))
                .collect();
            learner::record_completions(
                &mut tx,
                u,
                big,
                &done,
                learner::CompletionSource::View,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;

    // The user the load test logs in as: enrolled in the large course, halfway through.
    let bench = lyceum_web::create_local_user(
        &store,
        "bench",
        "Bench Learner",
        "bench password 123",
        false,
        now,
    )
    .await
    .map_err(|e| lyceum_web::describe_error(&e))?;
    let mut c = store.conn().await.map_err(|e| e.to_string())?;
    learner::enroll(&mut c, bench, big, now)
        .await
        .map_err(|e| e.to_string())?;
    let middle = big_tree.units()[big_tree.units().len() / 2];
    let done: Vec<_> = big_tree.units()[..big_tree.units().len() / 2]
        .iter()
        .flat_map(|&unit| big_tree.children(unit).iter().map(|&b| big_tree.node(b).id))
        .collect();
    learner::record_completions(
        &mut c,
        bench,
        big,
        &done,
        learner::CompletionSource::View,
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    learner::set_last_unit(&mut c, bench, big, big_tree.node(middle).id)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "course-v1:BIGORG+BIG+2026 {}",
        big_tree.node(middle).url_name
    );
    Ok(())
}
