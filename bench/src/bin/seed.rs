//! Seed a large site for the load test: learners, many small courses, one very large one,
//! enrolments and progress — and one known user (`bench`) enrolled in the large course.
//!
//!   seed DIR [LEARNERS] [COURSES] [BIG_UNITS]      (defaults: 10000 500 2000)
//!
//! With `LYCEUM_DATABASE_URL` set (postgres://…), the site goes into that PostgreSQL
//! database instead of DIR/lyceum.sqlite; DIR still gets the media and the lists.
//!
//! Prints the key of the large course and the url_name of a unit in its middle. Also
//! seeds a graded course of 200 problems (`course-v1:BENCH+QUIZ+2026`) in which `bench`
//! and 50 other learners have answered everything, and writes its problems' block ids,
//! input ids and input kinds to DIR/quiz-problems.txt for the submission run.

use lyceum_core::blocks::Registered;
use lyceum_core::blocks::problem::ProblemKind;
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

/// 20 graded subsections of 10 problems, every input kind in turn.
fn quiz_spec(problems: usize) -> serde_json::Value {
    const XML: [&str; 5] = [
        r#"<problem><multiplechoiceresponse><label>Which licence do Wikipedia's texts use?</label><choicegroup type="MultipleChoice"><choice correct="false">CC0</choice><choice correct="true">CC BY-SA 4.0</choice><choice correct="false">All rights reserved</choice></choicegroup></multiplechoiceresponse><solution><p>CC BY-SA 4.0.</p></solution></problem>"#,
        r#"<problem><choiceresponse partial_credit="EDC"><label>Which are Wikimedia projects?</label><checkboxgroup><choice correct="true">Wikidata</choice><choice correct="false">OpenStreetMap</choice><choice correct="true">Wikisource</choice><choice correct="false">Fandom</choice></checkboxgroup></choiceresponse></problem>"#,
        r#"<problem><optionresponse><label>Wikidata's licence</label><optioninput options="('CC0','CC BY-SA','GFDL')" correct="CC0"/></optionresponse></problem>"#,
        r#"<problem><stringresponse answer="Wikidata" type="ci"><label>The free knowledge base?</label><additional_answer answer="WD"/><textline/></stringresponse></problem>"#,
        r#"<problem><numericalresponse answer="806"><label>Words per article?</label><responseparam type="tolerance" default="5%"/><formulaequationinput/></numericalresponse></problem>"#,
    ];
    let subs: Vec<serde_json::Value> = (0..problems.div_ceil(10))
        .map(|s| {
            let blocks: Vec<serde_json::Value> = (0..10.min(problems - s * 10)).map(|k| json!({"kind": "problem", "xml": XML[k % XML.len()]})).collect();
            json!({"title": format!("Quiz {s}"), "graded": true, "format": "Homework", "units": [{"title": format!("Questions {s}"), "blocks": blocks}]})
        })
        .collect();
    let count = subs.len();
    let sections: Vec<serde_json::Value> = subs
        .chunks(5)
        .enumerate()
        .map(|(i, c)| json!({"title": format!("Part {i}"), "subsections": c}))
        .collect();
    json!({"org": "BENCH", "code": "QUIZ", "run": "2026", "language": "en", "title": "Graded course for the load test",
        "short_description": "200 graded problems.", "overview": "Seeded.", "start": "2026-01-01T00:00:00Z", "published": true,
        "grading": {"types": [{"name": "Homework", "short_label": "HW", "min_count": count, "drop_count": 2, "weight": 1.0}], "cutoffs": {"A": 0.9, "Pass": 0.5}},
        "sections": sections})
}

/// Words of the seeded discussions, in the languages of the movement: what search finds.
const WORDS: [&str; 24] = [
    "partnership",
    "library",
    "museum",
    "archive",
    "volunteers",
    "licence",
    "citation",
    "partenariat",
    "bibliothèque",
    "musée",
    "bénévoles",
    "référence",
    "sources",
    "شراكة",
    "مكتبة",
    "متحف",
    "متطوعون",
    "مرجع",
    "biblioteca",
    "voluntarios",
    "socios",
    "wikidata",
    "commons",
    "edit-a-thon",
];

/// Discussions in the large course for the load test: `threads` threads of `per_thread`
/// posts each (the opening post and its replies) by its learners, in one course-wide
/// topic, indexed for search as the site indexes them; and `posters` learners with live
/// sessions (their cookie values written to DIR/posters.txt, one per line) who post
/// through the API during the run, trusted so their hourly quota is the trusted one.
/// Writes the threads the posters reply to (DIR/discussion-threads.txt).
async fn seed_discussions(
    store: &Store,
    dir: &std::path::Path,
    course: CourseId,
    authors: &[UserId],
    (threads, per_thread, posters): (usize, usize, usize),
    now: i64,
) -> Result<(), String> {
    use lyceum_store::repo::discussions::{self, NewPost, NewThread};
    use sha2::{Digest, Sha256};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    // Words as people write them: a vocabulary of 2,000 in a Zipf-like spread (the
    // commonest in nearly every post, most rare), and in about a third of the posts one
    // of the topical words (each then in about 1.4 % of the posts) that the run searches for.
    let text = |rng: &mut rand::rngs::StdRng, n: usize| -> String {
        let mut words: Vec<String> = (0..n)
            .map(|_| {
                let rank = (2000f64.powf(rng.random::<f64>()) as usize).max(1);
                format!("w{rank}")
            })
            .collect();
        if rng.random_range(0..3) == 0 {
            let at = rng.random_range(0..words.len());
            words[at] = WORDS[rng.random_range(0..WORDS.len())].to_owned();
        }
        words.join(" ")
    };
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    discussions::create_topic(&mut tx, course, "general", "General", now)
        .await
        .map_err(|e| e.to_string())?;
    let mut ids = Vec::with_capacity(threads);
    for t in 0..threads {
        let title = format!("Question {t}: {}", text(&mut rng, 5));
        let body = text(&mut rng, 30);
        let html = lyceum_core::sanitize::markdown_to_html(&body);
        let at = now - ((threads - t) as i64) * 60_000;
        let (thread, _) = discussions::create_thread(
            &mut tx,
            &NewThread {
                course,
                topic_key: "general",
                kind: if t % 2 == 0 { "question" } else { "discussion" },
                title: &title,
                author: authors[t % authors.len()],
                anonymous: false,
                body: &body,
                html: &html,
                held: false,
                now: at,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        for r in 1..per_thread {
            let body = text(&mut rng, 25);
            let html = lyceum_core::sanitize::markdown_to_html(&body);
            discussions::reply(
                &mut tx,
                &NewPost {
                    course,
                    thread,
                    parent: None,
                    author: authors[(t * 7 + r) % authors.len()],
                    anonymous: false,
                    body: &body,
                    html: &html,
                    held: false,
                    now: at + r as i64 * 1000,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        }
        ids.push(thread);
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    eprintln!(
        "discussions: {threads} threads, {} posts",
        threads * per_thread
    );

    // Posters: learners with a session each, as a login would leave it.
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let mut cookies = String::new();
    for i in 0..posters {
        let name = format!("poster{i:04}");
        let u = users::create_user(&mut tx, &name, &name, "", false, now)
            .await
            .map_err(|e| e.to_string())?;
        learner::enroll(&mut tx, u, course, now)
            .await
            .map_err(|e| e.to_string())?;
        lyceum_store::repo::trust::stamp(&mut tx, u, "grant", now)
            .await
            .map_err(|e| e.to_string())?;
        // A session id is 43 URL-safe characters, as the site makes them.
        let id = format!("{:0>43}", format!("poster{i}x{}", rng.random::<u64>()));
        let hash = format!("{:x}", Sha256::digest(id.as_bytes()));
        lyceum_store::repo::sessions::create(&mut tx, &hash, Some(u), "{}", now, now + 86_400_000)
            .await
            .map_err(|e| e.to_string())?;
        cookies.push_str(&id);
        cookies.push('\n');
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    std::fs::write(dir.join("posters.txt"), cookies).map_err(|e| e.to_string())?;
    let list: String = ids
        .iter()
        .rev()
        .take(200)
        .map(|t| format!("{t}\n"))
        .collect();
    std::fs::write(dir.join("discussion-threads.txt"), list).map_err(|e| e.to_string())?;
    Ok(())
}

/// Answers of the right shape that score nothing.
fn wrong(right: &lyceum_core::capa::Answers) -> lyceum_core::capa::Answers {
    use lyceum_core::capa::AnswerValue;
    right
        .iter()
        .map(|(id, v)| {
            let w = match v {
                AnswerValue::Many(_) => AnswerValue::Many(vec!["choice_1".into()]),
                AnswerValue::One(s) if s.starts_with("choice_") => {
                    AnswerValue::One("choice_0".into())
                }
                AnswerValue::One(s) if s.parse::<f64>().is_ok() => AnswerValue::One("1".into()),
                AnswerValue::One(_) => AnswerValue::One("GFDL".into()),
            };
            (id.clone(), w)
        })
        .collect()
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
    let store = match std::env::var("LYCEUM_DATABASE_URL") {
        Ok(url) => Store::open_postgres(&url).await,
        Err(_) => Store::open_sqlite(&dir.join("lyceum.sqlite")).await,
    }
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
        "load test password 123",
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
    drop(c);

    // The graded course: bench and 50 learners answer every problem, through the same
    // submission path as the site.
    let quiz = add_course(&store, quiz_spec(200), now).await?;
    let quiz_tree = {
        let mut c = store.conn().await.map_err(|e| e.to_string())?;
        courses::load_tree(&mut c, quiz)
            .await
            .map_err(|e| e.to_string())?
    };
    let app = lyceum_web::App::new(lyceum_web::AppParts {
        store: store.clone(),
        media: MediaStore::new(dir.join("media")).map_err(|e| e.to_string())?,
        config: lyceum_web::WebConfig::new("http://localhost"),
        clock: std::sync::Arc::new(lyceum_core::SystemClock),
    })
    .map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    for &unit in quiz_tree.units() {
        for &leaf in quiz_tree.children(unit) {
            let n = quiz_tree.node(leaf);
            if let Some(Ok(content)) = &n.content
                && let Some(p) = <ProblemKind as Registered>::of(content)
                && let Some(parsed) = &p.parsed
            {
                let Some(input) = parsed.inputs().next() else {
                    continue;
                };
                let kind = match input.widget {
                    lyceum_core::capa::Widget::Radio { .. } => "radio",
                    lyceum_core::capa::Widget::Checkbox { .. } => "checkbox",
                    lyceum_core::capa::Widget::Select { .. } => "select",
                    lyceum_core::capa::Widget::Text { numeric: true, .. } => "number",
                    _ => "text",
                };
                problems.push((
                    n.id,
                    format!("{} {kind}", input.id),
                    lyceum_core::capa::correct_answers(parsed),
                ));
            }
        }
    }
    let mut quiz_learners = vec![bench];
    quiz_learners.extend(user_ids.iter().take(50));
    for (i, &u) in quiz_learners.iter().enumerate() {
        let mut c = store.conn().await.map_err(|e| e.to_string())?;
        learner::enroll(&mut c, u, quiz, now)
            .await
            .map_err(|e| e.to_string())?;
        drop(c);
        for (k, (block, _, answers)) in problems.iter().enumerate() {
            // Most right, some wrong: every learner gets a different grade.
            let answers = if (k + i) % 7 == 0 {
                wrong(answers)
            } else {
                answers.clone()
            };
            lyceum_app::problems::submit_as_learner(
                &app.env(),
                "course-v1:BENCH+QUIZ+2026",
                *block,
                u,
                answers,
                jiff::Timestamp::now(),
            )
            .await
            .map_err(|e| lyceum_web::describe_error(&e.into()))?;
        }
    }
    let list: String = problems
        .iter()
        .map(|(b, input, _)| format!("{} {input}\n", b.0))
        .collect();
    std::fs::write(dir.join("quiz-problems.txt"), list).map_err(|e| e.to_string())?;
    eprintln!(
        "graded course: {} problems answered by {} learners",
        problems.len(),
        quiz_learners.len()
    );

    // Discussions: 100,000 posts in the large course, and 1,000 posters for the run.
    let big_learners: Vec<UserId> = user_ids.iter().step_by(3).copied().collect();
    seed_discussions(&store, &dir, big, &big_learners, (10_000, 10, 1_000), now).await?;

    println!(
        "course-v1:BIGORG+BIG+2026 {}",
        big_tree.node(middle).url_name
    );
    Ok(())
}
