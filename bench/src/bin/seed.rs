//! Seed a large site for the load test: learners, many small courses, one very large one,
//! enrolments and progress — and one known user (`bench`) enrolled in the large course.
//!
//!   seed [--database-url postgres://…] DIR [LEARNERS] [COURSES] [BIG_UNITS]
//!                                                   (defaults: 10000 500 2000)
//!
//! Without `--database-url` the site is a SQLite file in DIR, every row written through
//! the repository functions. With it (a new, empty PostgreSQL database) the structure and
//! the samples are written the same way — courses from specs, the graded quiz answered
//! through the real submission path, a template answer and open response per kind — and
//! then the bulk rows (learners, enrolments, completions, problem submissions and scores,
//! open responses) are multiplied from those samples with set-based SQL, so a site of
//! 10^6 learners and 10^4 courses seeds in minutes: see [`bulk`]. There every small
//! course also has a graded problem and an open response, so the activity is spread
//! over the courses.
//!
//! Prints the key of the large course and the url_name of a unit in its middle. Also
//! seeds a graded course of 200 problems (`course-v1:BENCH+QUIZ+2026`) in which `bench`
//! and 50 other learners have answered everything, and writes its problems' block ids,
//! input ids and input kinds to DIR/quiz-problems.txt for the submission run.

use lyceum_core::blocks::Registered;
use lyceum_core::blocks::problem::ProblemKind;
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::{courses, learner, orgs, translations, users};
use lyceum_store::{Db, MediaStore, Store};
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::path::PathBuf;

/// A course of `units` text units in subsections of ten; with `activity`, its first unit
/// also holds a graded problem and its second an open response (staff-assessed).
fn course_spec(
    org: &str,
    code: &str,
    lang: &str,
    units: usize,
    activity: bool,
) -> serde_json::Value {
    let per_sub = 10;
    let subs: Vec<serde_json::Value> = (0..units.div_ceil(per_sub))
        .map(|s| {
            let n = per_sub.min(units - s * per_sub);
            let units: Vec<serde_json::Value> = (0..n)
                .map(|u| {
                    let mut blocks = vec![json!({"kind": "text", "markdown": format!(
                        "### Why this matters\n\nVolunteers who bring organisations into free-knowledge projects achieve more together. \
                         This unit ({s}.{u}) walks through one concrete step, with an example from a library and a museum.\n\n\
                         - Map who is around you\n- Decide whom to approach first\n- Write down what you can offer\n\n\
                         Take a few minutes to note your own answers before moving on."
                    )})];
                    if activity && s == 0 && u == 0 {
                        blocks.push(json!({"kind": "problem", "xml": QUIZ_XML[0]}));
                    }
                    if activity && s == 0 && u == 1 {
                        blocks.push(json!({"kind": "open_response", "prompts": ["Describe a partner you would approach, and why."],
                            "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]}));
                    }
                    json!({"title": format!("Unit {s}.{u}: working with partners"), "blocks": blocks})
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

/// The quiz's problems: every input kind in turn.
const QUIZ_XML: [&str; 5] = [
    r#"<problem><multiplechoiceresponse><label>Which licence do Wikipedia's texts use?</label><choicegroup type="MultipleChoice"><choice correct="false">CC0</choice><choice correct="true">CC BY-SA 4.0</choice><choice correct="false">All rights reserved</choice></choicegroup></multiplechoiceresponse><solution><p>CC BY-SA 4.0.</p></solution></problem>"#,
    r#"<problem><choiceresponse partial_credit="EDC"><label>Which are Wikimedia projects?</label><checkboxgroup><choice correct="true">Wikidata</choice><choice correct="false">OpenStreetMap</choice><choice correct="true">Wikisource</choice><choice correct="false">Fandom</choice></checkboxgroup></choiceresponse></problem>"#,
    r#"<problem><optionresponse><label>Wikidata's licence</label><optioninput options="('CC0','CC BY-SA','GFDL')" correct="CC0"/></optionresponse></problem>"#,
    r#"<problem><stringresponse answer="Wikidata" type="ci"><label>The free knowledge base?</label><additional_answer answer="WD"/><textline/></stringresponse></problem>"#,
    r#"<problem><numericalresponse answer="806"><label>Words per article?</label><responseparam type="tolerance" default="5%"/><formulaequationinput/></numericalresponse></problem>"#,
];

/// 20 graded subsections of 10 problems, every input kind in turn.
fn quiz_spec(problems: usize) -> serde_json::Value {
    const XML: [&str; 5] = QUIZ_XML;
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

/// `Result` with the error as text, for the `?`s of a command-line tool.
fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Elapsed seconds since `t0`, for the phase timings on stderr.
fn secs(t0: std::time::Instant) -> String {
    format!("{:.1} s", t0.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let database_url = match args.iter().position(|a| a == "--database-url") {
        Some(i) if i + 1 < args.len() => {
            let url = args.remove(i + 1);
            args.remove(i);
            Some(url)
        }
        Some(_) => return Err("--database-url needs a URL".into()),
        None => None,
    };
    const USAGE: &str = "usage: seed [--database-url URL] DIR [LEARNERS] [COURSES] [BIG_UNITS]";
    let dir = PathBuf::from(args.first().ok_or(USAGE)?);
    let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (learners, n_courses, big_units) = (num(1, 10_000), num(2, 500), num(3, 2_000));
    std::fs::create_dir_all(&dir).map_err(err)?;
    let started = std::time::Instant::now();
    let store = match &database_url {
        // Enough connections for the courses written side by side.
        Some(url) => {
            let opts = url.parse().map_err(err)?;
            Store::open_postgres_with(opts, 8).await.map_err(err)?
        }
        None => Store::open_sqlite(&dir.join("lyceum.sqlite"))
            .await
            .map_err(err)?,
    };
    let bulk = database_url.is_some();
    if bulk {
        let mut c = store.conn().await.map_err(err)?;
        let (tables,): (i64,) = c
            .one(lyceum_store::q(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            ))
            .await
            .map_err(err)?;
        if tables > 0 {
            return Err("the PostgreSQL database is not empty: seed a new one".into());
        }
    }
    store.migrate().await.map_err(err)?;
    MediaStore::new(dir.join("media")).map_err(err)?;
    let now = jiff::Timestamp::now().as_millisecond();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);

    let t0 = std::time::Instant::now();
    let big = add_course(
        &store,
        course_spec("BIGORG", "BIG", "en", big_units, false),
        now,
    )
    .await?;
    let mut course_ids = vec![big];
    let langs = ["en", "fr", "ar", "es", "de", "pt", "hi", "id"];
    let specs: Vec<serde_json::Value> = (1..n_courses)
        .map(|i| {
            let org = format!("ORG{}", i % 40);
            let units = rng.random_range(8..30);
            course_spec(
                &org,
                &format!("C{i:03}"),
                langs[i % langs.len()],
                units,
                bulk,
            )
        })
        .collect();
    if bulk {
        // Side by side: each course is a few dozen round trips to the server.
        let mut made = vec![CourseId(0); specs.len()];
        let mut tasks = tokio::task::JoinSet::new();
        let mut specs = specs.into_iter().enumerate();
        loop {
            while tasks.len() < 6
                && let Some((i, spec)) = specs.next()
            {
                let store = store.clone();
                tasks.spawn(async move { add_course(&store, spec, now).await.map(|id| (i, id)) });
            }
            let Some(done) = tasks.join_next().await else {
                break;
            };
            let (i, id) = done.map_err(err)??;
            made[i] = id;
        }
        course_ids.extend(made);
    } else {
        for spec in specs {
            course_ids.push(add_course(&store, spec, now).await?);
        }
    }
    eprintln!("{} courses in {}", course_ids.len(), secs(t0));

    let t0 = std::time::Instant::now();
    let user_ids: Vec<UserId> = if bulk {
        bulk::learners(&store, learners, now).await?
    } else {
        let mut ids = Vec::with_capacity(learners);
        let mut tx = store.begin().await.map_err(err)?;
        for i in 0..learners {
            let name = format!("learner{i:05}");
            ids.push(
                users::create_user(&mut tx, &name, &name, "", false, now)
                    .await
                    .map_err(err)?,
            );
        }
        tx.commit().await.map_err(err)?;
        ids
    };
    eprintln!("{} learners in {}", user_ids.len(), secs(t0));

    // Every learner in three courses, a third of them in the large one, with some progress.
    let t0 = std::time::Instant::now();
    let big_tree = {
        let mut c = store.conn().await.map_err(err)?;
        courses::load_tree(&mut c, big).await.map_err(err)?
    };
    if bulk {
        bulk::enrolments(&store, &course_ids, &big_tree, now).await?;
    } else {
        let mut tx = store.begin().await.map_err(err)?;
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
                learner::enroll(&mut tx, u, c, now).await.map_err(err)?;
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
                .map_err(err)?;
            }
        }
        tx.commit().await.map_err(err)?;
    }
    eprintln!("enrolments and completions in {}", secs(t0));

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
    let mut c = store.conn().await.map_err(err)?;
    learner::enroll(&mut c, bench, big, now)
        .await
        .map_err(err)?;
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
    .map_err(err)?;
    learner::set_last_unit(&mut c, bench, big, big_tree.node(middle).id)
        .await
        .map_err(err)?;
    drop(c);

    // The large course in French too, every segment translated and the language
    // published (issue 17): the run compares its unit page in French with the source's.
    let t0 = std::time::Instant::now();
    let mut tx = store.begin().await.map_err(err)?;
    let row = courses::get(&mut tx, big)
        .await
        .map_err(err)?
        .ok_or("the large course is missing")?;
    let segments = lyceum_app::translations::current_segments(&mut tx, &row, now)
        .await
        .map_err(|e| format!("{e:?}"))?;
    translations::add_language(&mut tx, big, "fr", now)
        .await
        .map_err(err)?;
    for s in &segments {
        translations::put(
            &mut tx,
            big,
            "fr",
            &s.id,
            &format!("(fr) {}", s.text),
            &s.text,
            bench,
            now,
        )
        .await
        .map_err(err)?;
    }
    translations::set_published(&mut tx, big, "fr", true, now)
        .await
        .map_err(err)?;
    tx.commit().await.map_err(err)?;
    eprintln!(
        "{} segments of the large course translated into French in {}",
        segments.len(),
        secs(t0)
    );

    // The graded course: bench and 50 learners answer every problem, through the same
    // submission path as the site.
    let t0 = std::time::Instant::now();
    let quiz = add_course(&store, quiz_spec(200), now).await?;
    let quiz_tree = {
        let mut c = store.conn().await.map_err(err)?;
        courses::load_tree(&mut c, quiz).await.map_err(err)?
    };
    let app = lyceum_web::App::new(lyceum_web::AppParts {
        store: store.clone(),
        media: MediaStore::new(dir.join("media")).map_err(err)?,
        config: lyceum_web::WebConfig::new("http://localhost"),
        clock: std::sync::Arc::new(lyceum_core::SystemClock),
    })
    .map_err(err)?;
    let mut problems = Vec::new();
    for &unit in quiz_tree.units() {
        for &leaf in quiz_tree.children(unit) {
            if let Some((input, kind, right)) = problem_of(&quiz_tree, leaf) {
                problems.push((quiz_tree.node(leaf).id, format!("{input} {kind}"), right));
            }
        }
    }
    let mut quiz_learners = vec![bench];
    quiz_learners.extend(user_ids.iter().take(50));
    // Learners side by side (each one's answers in order), as many learners would.
    let problems = std::sync::Arc::new(problems);
    let mut tasks = tokio::task::JoinSet::new();
    let mut todo = quiz_learners.iter().copied().enumerate();
    loop {
        while tasks.len() < 6
            && let Some((i, u)) = todo.next()
        {
            let (env, store, problems) = (app.env(), store.clone(), problems.clone());
            tasks.spawn(async move {
                let mut c = store.conn().await.map_err(err)?;
                learner::enroll(&mut c, u, quiz, now).await.map_err(err)?;
                drop(c);
                for (k, (block, _, answers)) in problems.iter().enumerate() {
                    // Most right, some wrong: every learner gets a different grade.
                    let answers = if (k + i) % 7 == 0 {
                        wrong(answers)
                    } else {
                        answers.clone()
                    };
                    lyceum_app::problems::submit_as_learner(
                        &env,
                        "course-v1:BENCH+QUIZ+2026",
                        *block,
                        u,
                        answers,
                        jiff::Timestamp::now(),
                    )
                    .await
                    .map_err(|e| lyceum_web::describe_error(&e.into()))?;
                }
                Ok::<(), String>(())
            });
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        done.map_err(err)??;
    }
    let list: String = problems
        .iter()
        .map(|(b, input, _)| format!("{} {input}\n", b.0))
        .collect();
    std::fs::write(dir.join("quiz-problems.txt"), list).map_err(err)?;
    eprintln!(
        "graded course: {} problems answered by {} learners in {}",
        problems.len(),
        quiz_learners.len(),
        secs(t0)
    );

    if bulk {
        let t0 = std::time::Instant::now();
        // One learner in a hundred has done the graded course too, as the first 50 did.
        let more = (learners / 100).saturating_sub(50);
        bulk::quiz_answers(&store, quiz, &user_ids[..50], &user_ids[50..50 + more]).await?;
        eprintln!(
            "graded course: answers copied for {more} more learners in {}",
            secs(t0)
        );
        let t0 = std::time::Instant::now();
        bulk::activity(&store, &app.env(), &course_ids[1..], &user_ids[..2], now).await?;
        eprintln!(
            "problem submissions and open responses in the small courses in {}",
            secs(t0)
        );
    }

    // Discussions: 100,000 posts in the large course, and 1,000 posters for the run.
    let t0 = std::time::Instant::now();
    // Authors among the large course's learners: every third (bulk: every id divisible by 3).
    let big_learners: Vec<UserId> = if bulk {
        user_ids
            .iter()
            .filter(|u| u.0 % 3 == 0)
            .take(100_000)
            .copied()
            .collect()
    } else {
        user_ids.iter().step_by(3).copied().collect()
    };
    seed_discussions(&store, &dir, big, &big_learners, (10_000, 10, 1_000), now).await?;
    eprintln!("discussions in {}", secs(t0));

    if bulk {
        let t0 = std::time::Instant::now();
        let mut c = store.conn().await.map_err(err)?;
        c.exec(lyceum_store::q("ANALYZE")).await.map_err(err)?;
        eprintln!("ANALYZE in {}", secs(t0));
        bulk::report(&store).await?;
    }
    eprintln!("seeded in {}", secs(started));

    println!(
        "course-v1:BIGORG+BIG+2026 {}",
        big_tree.node(middle).url_name
    );
    Ok(())
}

/// The problem at `leaf`: its first input's id and kind, and the answers that score full.
fn problem_of(
    tree: &lyceum_core::course::CourseTree,
    leaf: usize,
) -> Option<(String, &'static str, lyceum_core::capa::Answers)> {
    let n = tree.node(leaf);
    let Some(Ok(content)) = &n.content else {
        return None;
    };
    let parsed = <ProblemKind as Registered>::of(content)?.parsed.as_ref()?;
    let input = parsed.inputs().next()?;
    let kind = match input.widget {
        lyceum_core::capa::Widget::Radio { .. } => "radio",
        lyceum_core::capa::Widget::Checkbox { .. } => "checkbox",
        lyceum_core::capa::Widget::Select { .. } => "select",
        lyceum_core::capa::Widget::Text { numeric: true, .. } => "number",
        _ => "text",
    };
    Some((
        input.id.clone(),
        kind,
        lyceum_core::capa::correct_answers(parsed),
    ))
}

/// PostgreSQL only: the bulk of a large site, multiplied from rows the repository and the
/// submission path wrote, with set-based SQL (`INSERT … SELECT`). Every row is one the
/// repository could have written: the same columns, JSON copied from real rows, keys
/// unique (`ON CONFLICT DO NOTHING` where a sample row is already there).
mod bulk {
    use super::{err, problem_of, wrong};
    use lyceum_core::course::CourseTree;
    use lyceum_core::{CourseId, UserId};
    use lyceum_store::repo::{courses, learner, open_responses};
    use lyceum_store::{Db, Store, q, q_built};

    const DAY: i64 = 86_400_000;

    /// `n` learners named learner0000000…, joined over the last two years; ids in order,
    /// so learner i is `first + i`.
    pub async fn learners(store: &Store, n: usize, now: i64) -> Result<Vec<UserId>, String> {
        let mut tx = store.begin().await.map_err(err)?;
        let first: i64 = tx
            .scalar(q("SELECT COALESCE(MAX(id), 0) + 1 FROM users"))
            .await
            .map_err(err)?;
        tx.exec(q_built(format!(
            "INSERT INTO users (id, username, username_key, display_name, is_admin, created_at)
             SELECT {first} + g, 'learner' || lpad(g::text, 7, '0'), 'learner' || lpad(g::text, 7, '0'), '', FALSE,
                    {now} - (g % 730) * {DAY} - (g % 86400) * 1000
             FROM generate_series(0::BIGINT, {last}) AS g",
            last = n as i64 - 1
        )))
        .await
        .map_err(err)?;
        // The identity goes on after the ids given here, as if the rows had taken them.
        tx.exec(q(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users))",
        ))
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok((0..n as i64).map(|i| UserId(first + i)).collect())
    }

    /// The small courses (all but the first of `courses`) as a temporary table `seed_small(k, id)`.
    async fn small_courses(tx: &mut impl Db, courses: &[CourseId]) -> Result<(), String> {
        tx.exec(q(
            "CREATE TEMP TABLE seed_small (k BIGINT PRIMARY KEY, id BIGINT NOT NULL UNIQUE) ON COMMIT DROP",
        ))
        .await
        .map_err(err)?;
        let values: Vec<String> = courses[1..]
            .iter()
            .enumerate()
            .map(|(k, c)| format!("({k}, {})", c.0))
            .collect();
        tx.exec(q_built(format!(
            "INSERT INTO seed_small (k, id) VALUES {}",
            values.join(", ")
        )))
        .await
        .map_err(err)?;
        Ok(())
    }

    /// Three enrolments a learner (two small courses and, for one in three, the large one,
    /// else a third small one), and progress: the large course's learners have seen its
    /// first 0–19 units, the small courses' their first 0–2.
    pub async fn enrolments(
        store: &Store,
        courses: &[CourseId],
        big_tree: &CourseTree,
        now: i64,
    ) -> Result<(), String> {
        let big = courses[0].0;
        let m = courses.len() as i64 - 1;
        let mut tx = store.begin().await.map_err(err)?;
        small_courses(&mut tx, courses).await?;
        let n = tx
            .exec(q_built(format!(
                "INSERT INTO enrollments (user_id, course_id, active, created_at, updated_at)
                 SELECT u.id, CASE WHEN j = 3 AND u.id % 3 = 0 THEN {big} ELSE c.id END, TRUE,
                        LEAST({now}, u.created_at + j * {DAY}), LEAST({now}, u.created_at + j * {DAY})
                 FROM users u CROSS JOIN generate_series(1::BIGINT, 3) AS j
                 JOIN seed_small c ON c.k = (u.id * (CASE j WHEN 1 THEN 7919 WHEN 2 THEN 104729 ELSE 1299709 END) + j) % {m}
                 WHERE u.username LIKE 'learner%'
                 ON CONFLICT DO NOTHING"
            )))
            .await
            .map_err(err)?;
        eprintln!("  {n} enrolments");
        // The large course's first 40 units' blocks, in order.
        tx.exec(q(
            "CREATE TEMP TABLE seed_big_leaves (ord BIGINT NOT NULL, block_id BIGINT NOT NULL) ON COMMIT DROP",
        ))
        .await
        .map_err(err)?;
        let values: Vec<String> = big_tree
            .units()
            .iter()
            .take(40)
            .enumerate()
            .flat_map(|(ord, &unit)| {
                big_tree
                    .children(unit)
                    .iter()
                    .map(move |&b| format!("({ord}, {})", big_tree.node(b).id.0))
            })
            .collect();
        tx.exec(q_built(format!(
            "INSERT INTO seed_big_leaves (ord, block_id) VALUES {}",
            values.join(", ")
        )))
        .await
        .map_err(err)?;
        let n = tx
            .exec(q_built(format!(
                "INSERT INTO completions (user_id, block_id, course_id, source, completed_at)
                 SELECT e.user_id, b.block_id, {big}, 'view', e.created_at + b.ord * 600000
                 FROM enrollments e JOIN seed_big_leaves b ON b.ord < (e.user_id * 31) % 20
                 WHERE e.course_id = {big}
                 ON CONFLICT DO NOTHING"
            )))
            .await
            .map_err(err)?;
        eprintln!("  {n} completions in the large course");
        let n = tx
            .exec(q(
                "INSERT INTO completions (user_id, block_id, course_id, source, completed_at)
                 SELECT e.user_id, b.id, e.course_id, 'view', e.created_at + v.ord * 600000
                 FROM enrollments e JOIN seed_small c ON c.id = e.course_id
                 CROSS JOIN (VALUES (0, 's1-1-1-1'), (1, 's1-1-2-1'), (2, 's1-1-3-1')) AS v(ord, url_name)
                 JOIN blocks b ON b.course_id = e.course_id AND b.url_name = v.url_name
                 WHERE v.ord < (e.user_id * 13 + e.course_id) % 3
                 ON CONFLICT DO NOTHING",
            ))
            .await
            .map_err(err)?;
        eprintln!("  {n} completions in the small courses");
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    /// Learners `more` (consecutive ids) do the graded course as the `templates` did
    /// through the submission path: their enrolments, every submission, the problem
    /// states and the completions, copied from template `i % templates.len()`.
    pub async fn quiz_answers(
        store: &Store,
        quiz: CourseId,
        templates: &[UserId],
        more: &[UserId],
    ) -> Result<(), String> {
        let (Some(lo), Some(hi), Some(t0)) = (more.first(), more.last(), templates.first()) else {
            return Ok(());
        };
        let (lo, hi, t0, nt, quiz) = (lo.0, hi.0, t0.0, templates.len(), quiz.0);
        let from = format!(
            "FROM users u JOIN {{table}} s ON s.course_id = {quiz} AND s.user_id = {t0} + (u.id - {lo}) % {nt} WHERE u.id BETWEEN {lo} AND {hi}"
        );
        let mut tx = store.begin().await.map_err(err)?;
        for sql in [
            format!(
                "INSERT INTO enrollments (user_id, course_id, active, created_at, updated_at)
                 SELECT u.id, s.course_id, s.active, s.created_at, s.updated_at {}",
                from.replace("{table}", "enrollments")
            ),
            format!(
                "INSERT INTO problem_submissions (user_id, block_id, course_id, attempt, answers, results, raw_earned, raw_possible, idempotency_key, submitted_at)
                 SELECT u.id, s.block_id, s.course_id, s.attempt, s.answers, s.results, s.raw_earned, s.raw_possible, NULL, s.submitted_at {}",
                from.replace("{table}", "problem_submissions")
            ),
            format!(
                "INSERT INTO problem_states (user_id, block_id, course_id, attempts, answers, results, raw_earned, raw_possible, seed, hints_shown, updated_at)
                 SELECT u.id, s.block_id, s.course_id, s.attempts, s.answers, s.results, s.raw_earned, s.raw_possible, s.seed, s.hints_shown, s.updated_at {}",
                from.replace("{table}", "problem_states")
            ),
            format!(
                "INSERT INTO completions (user_id, block_id, course_id, source, completed_at)
                 SELECT u.id, s.block_id, s.course_id, s.source, s.completed_at {}",
                from.replace("{table}", "completions")
            ),
        ] {
            tx.exec(q_built(sql)).await.map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    /// Activity in the small courses: the first of `learners` answers the problem of the
    /// first small course right and the second wrong, through the submission path, and the
    /// first submits its open response through the repository; then half the enrolments
    /// in every small course get one of those answers and a quarter that response.
    pub async fn activity(
        store: &Store,
        env: &lyceum_app::Env,
        small: &[CourseId],
        learners: &[UserId],
        now: i64,
    ) -> Result<(), String> {
        let course = small[0];
        let mut c = store.conn().await.map_err(err)?;
        let row = courses::get(&mut c, course)
            .await
            .map_err(err)?
            .ok_or("the first small course is missing")?;
        let tree = courses::load_tree(&mut c, course).await.map_err(err)?;
        for &u in learners {
            learner::enroll(&mut c, u, course, now).await.map_err(err)?;
        }
        drop(c);
        let key = row.course_key.clone();
        let leaf = |kind: &str| {
            (0..tree.len())
                .find(|&i| matches!(&tree.node(i).content, Some(Ok(c)) if c.kind() == kind))
                .ok_or(format!("no {kind} in the small courses"))
        };
        let (p, o) = (leaf("problem")?, leaf("open_response")?);
        let (pid, oid) = (tree.node(p).id, tree.node(o).id);
        let (_, _, right) =
            problem_of(&tree, p).ok_or("the small courses' problem has no input")?;
        for (u, answers) in [(learners[0], right.clone()), (learners[1], wrong(&right))] {
            lyceum_app::problems::submit_as_learner(
                env,
                &key,
                pid,
                u,
                answers,
                jiff::Timestamp::now(),
            )
            .await
            .map_err(|e| lyceum_web::describe_error(&e.into()))?;
        }
        let mut tx = store.begin().await.map_err(err)?;
        open_responses::submit(
            &mut tx,
            learners[0],
            oid,
            course,
            1,
            "The city library: it holds the local newspapers, which cite nobody yet.",
            now,
        )
        .await
        .map_err(err)?;
        learner::record_completions(
            &mut tx,
            learners[0],
            course,
            &[oid],
            learner::CompletionSource::Submit,
            now,
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;

        let (pu, ou) = (&tree.node(p).url_name, &tree.node(o).url_name);
        let (good, bad, pid, oid) = (learners[0].0, learners[1].0, pid.0, oid.0);
        // Which enrolments answered, and which template they copy: right or wrong.
        let answered = format!(
            "FROM enrollments e JOIN seed_small c ON c.id = e.course_id
             JOIN blocks b ON b.course_id = e.course_id AND b.url_name = '{pu}'
             JOIN {{table}} t ON t.block_id = {pid} AND t.user_id = CASE WHEN (e.user_id + e.course_id) % 4 = 0 THEN {good} ELSE {bad} END
             WHERE (e.user_id + e.course_id) % 2 = 0
             ON CONFLICT DO NOTHING"
        );
        let responded = format!(
            "FROM enrollments e JOIN seed_small c ON c.id = e.course_id
             JOIN blocks b ON b.course_id = e.course_id AND b.url_name = '{ou}'
             JOIN {{table}} t ON t.block_id = {oid} AND t.user_id = {good}
             WHERE (e.user_id * 3 + e.course_id) % 4 = 1
             ON CONFLICT DO NOTHING"
        );
        let at = "e.created_at + 2 * 3600000";
        let mut tx = store.begin().await.map_err(err)?;
        small_courses(
            &mut tx,
            &[CourseId(0)]
                .iter()
                .chain(small)
                .copied()
                .collect::<Vec<_>>(),
        )
        .await?;
        for (what, sql) in [
            ("problem submissions", format!(
                "INSERT INTO problem_submissions (user_id, block_id, course_id, attempt, answers, results, raw_earned, raw_possible, idempotency_key, submitted_at)
                 SELECT e.user_id, b.id, e.course_id, t.attempt, t.answers, t.results, t.raw_earned, t.raw_possible, NULL, {at} {}",
                answered.replace("{table}", "problem_submissions"))),
            ("problem states", format!(
                "INSERT INTO problem_states (user_id, block_id, course_id, attempts, answers, results, raw_earned, raw_possible, seed, hints_shown, updated_at)
                 SELECT e.user_id, b.id, e.course_id, t.attempts, t.answers, t.results, t.raw_earned, t.raw_possible, t.seed, t.hints_shown, {at} {}",
                answered.replace("{table}", "problem_states"))),
            ("problem completions", format!(
                "INSERT INTO completions (user_id, block_id, course_id, source, completed_at)
                 SELECT e.user_id, b.id, e.course_id, t.source, {at} {}",
                answered.replace("{table}", "completions"))),
            ("open responses", format!(
                "INSERT INTO or_submissions (user_id, block_id, course_id, version, text, state, peer_excused, return_note, submitted_at, updated_at)
                 SELECT e.user_id, b.id, e.course_id, t.version, t.text, t.state, t.peer_excused, t.return_note, {at}, {at} {}",
                responded.replace("{table}", "or_submissions"))),
            ("open response completions", format!(
                "INSERT INTO completions (user_id, block_id, course_id, source, completed_at)
                 SELECT e.user_id, b.id, e.course_id, t.source, {at} {}",
                responded.replace("{table}", "completions"))),
        ] {
            let n = tx.exec(q_built(sql)).await.map_err(err)?;
            eprintln!("  {n} {what}");
        }
        tx.commit().await.map_err(err)?;
        Ok(())
    }

    /// Rows in the tables the bulk wrote, and the database's size, on stderr.
    pub async fn report(store: &Store) -> Result<(), String> {
        let mut c = store.conn().await.map_err(err)?;
        let mut line = Vec::new();
        for t in [
            "users",
            "courses",
            "blocks",
            "enrollments",
            "completions",
            "problem_submissions",
            "problem_states",
            "or_submissions",
            "discussion_posts",
        ] {
            let n: i64 = c
                .scalar(q_built(format!("SELECT COUNT(*) FROM {t}")))
                .await
                .unwrap_or(-1);
            line.push(format!("{t} {n}"));
        }
        let size: String = c
            .scalar(q(
                "SELECT pg_size_pretty(pg_database_size(current_database()))",
            ))
            .await
            .map_err(err)?;
        eprintln!("rows: {}; database {size}", line.join(", "));
        Ok(())
    }
}
