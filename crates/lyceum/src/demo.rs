//! `lyceum demo`: a new data directory seeded with organisations, courses (embedded in
//! the binary), users with some progress, and a local stand-in for Wikimedia's login.

use crate::DataArgs;
use crate::site::{self, Result};
use lyceum_core::blocks::Registered;
use lyceum_core::blocks::open_response::OpenResponse;
use lyceum_core::blocks::problem::ProblemKind;
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{SystemClock, UserId};
use lyceum_store::repo::{assets, courses, learner, orgs};
use lyceum_store::{Db, MediaStore, Store};
use lyceum_web::{App, AppParts, WikiSite, WikimediaLogin, WikisConfig};
use lyceum_wiki::oauth::Secret;
use lyceum_wiki::standin::{Standin, StandinConfig, StandinUser};
use rand::Rng;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

fn demo_file(path: &str) -> Option<&'static [u8]> {
    DEMO_FILES.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

#[derive(Deserialize)]
struct Organizations {
    organization: Vec<Organization>,
}

#[derive(Deserialize)]
struct Organization {
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
    website: Option<String>,
}

/// The demo's courses in a store, the instructor on their teams; returns course ids by code.
pub async fn seed_content(
    store: &Store,
    media: &MediaStore,
    instructor: Option<UserId>,
    now: i64,
) -> Result<Vec<(String, lyceum_core::CourseId)>> {
    let orgs_text =
        std::str::from_utf8(demo_file("organizations.toml").ok_or("organizations.toml missing")?)
            .map_err(|e| e.to_string())?;
    let list: Organizations =
        toml::from_str(orgs_text).map_err(|e| format!("organizations.toml: {e}"))?;
    // Files join the media store once the courses that refer to them are committed.
    let mut staged = media.stage().map_err(|e| e.to_string())?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    for o in &list.organization {
        orgs::upsert(
            &mut tx,
            &o.slug,
            &o.name,
            &o.description,
            o.website.as_deref(),
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    let mut created = Vec::new();
    for (path, bytes) in DEMO_FILES
        .iter()
        .filter(|(p, _)| p.starts_with("courses/") && p.ends_with(".toml"))
    {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?;
        let spec: CourseSpec = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        let code = spec.code.clone();
        let expanded = expand(spec, &mut |name| {
            demo_file(&format!("media/{name}")).map(<[u8]>::to_vec)
        })
        .map_err(|e| format!("{path}: {e}"))?;
        let org = orgs::find_by_slug(&mut tx, &expanded.course.key.org)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{path}: unknown organisation {}", expanded.course.key.org))?;
        let course = courses::create(&mut tx, lyceum_core::OrgId(org.id), &expanded.course, now)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        courses::insert_blocks(&mut tx, course, None, &expanded.blocks, instructor, now)
            .await
            .map_err(|e| e.to_string())?;
        for a in &expanded.assets {
            let (sha, size) = staged.put(&a.bytes).map_err(|e| e.to_string())?;
            assets::put(
                &mut tx,
                course,
                &a.name,
                &a.content_type,
                size as i64,
                &sha,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        }
        if let Some(i) = instructor {
            courses::set_role(&mut tx, course, i, CourseRole::Instructor, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        created.push((code, course));
    }
    staged
        .committing(&mut tx)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    staged.publish().map_err(|e| e.to_string())?;
    Ok(created)
}

/// Give the demo learner a course in progress and another just started.
async fn seed_progress(
    store: &Store,
    learner_id: UserId,
    courses_by_code: &[(String, lyceum_core::CourseId)],
    now: i64,
) -> Result<()> {
    let mut c = store.conn().await.map_err(|e| e.to_string())?;
    for (code, course) in courses_by_code {
        if code != "PB101" && code != "WD101" && code != "EB101" {
            continue;
        }
        learner::enroll(&mut c, learner_id, *course, now)
            .await
            .map_err(|e| e.to_string())?;
        if code == "PB101" {
            let tree = courses::load_tree(&mut c, *course)
                .await
                .map_err(|e| e.to_string())?;
            // The first three units read, the fourth marked as the place to resume.
            let mut done = Vec::new();
            for &u in tree.units().iter().take(3) {
                done.extend(tree.children(u).iter().map(|&b| tree.node(b).id));
            }
            learner::record_completions(
                &mut c,
                learner_id,
                *course,
                &done,
                learner::CompletionSource::View,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            if let Some(&u) = tree.units().get(3) {
                learner::set_last_unit(&mut c, learner_id, *course, tree.node(u).id)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

/// The demo learner's answers: the first two graded subsections of PB101 (two in three
/// right, one wrong), a practice problem, and the first problem of WD101 — each a few
/// days before its due date, as a learner keeping up would have.
async fn seed_answers(
    app: &App,
    store: &Store,
    learner_id: UserId,
    courses_by_code: &[(String, lyceum_core::CourseId)],
) -> Result<usize> {
    use lyceum_core::capa::{AnswerValue, Widget};
    let now = jiff::Timestamp::now();
    let mut answered = 0;
    for (code, course) in courses_by_code {
        let (graded_subsections, practice) = match code.as_str() {
            "PB101" => (2, 1),
            "WD101" => (1, 0),
            _ => continue,
        };
        let mut c = store.conn().await.map_err(|e| e.to_string())?;
        let tree = courses::load_tree(&mut c, *course)
            .await
            .map_err(|e| e.to_string())?;
        let key = courses::get(&mut c, *course)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("demo course missing")?
            .course_key;
        drop(c);
        let (mut graded_left, mut practice_left) = (graded_subsections, practice);
        for &s in tree.sections() {
            for &ss in tree.children(s) {
                let graded = tree.node(ss).settings.graded;
                let take = if graded {
                    &mut graded_left
                } else {
                    &mut practice_left
                };
                if *take == 0 {
                    continue;
                }
                let mut any = false;
                for &u in tree.children(ss) {
                    for (n, &leaf) in tree.children(u).iter().enumerate() {
                        let node = tree.node(leaf);
                        let Some(p) = node.content_of::<ProblemKind>() else {
                            continue;
                        };
                        let Some(parsed) = &p.parsed else { continue };
                        let mut answers = answers_to_submit(parsed);
                        if n % 3 == 2 {
                            // A wrong answer, so the Progress page has something to improve.
                            for (id, v) in answers.iter_mut() {
                                *v = match parsed.input(id).map(|i| &i.widget) {
                                    Some(Widget::Radio { choices }) => choices
                                        .iter()
                                        .map(|c| AnswerValue::One(c.value.clone()))
                                        .find(|c| c != v)
                                        .unwrap_or_else(|| v.clone()),
                                    // One box ticked that is not the whole right set: an
                                    // empty set would not be graded at all.
                                    Some(Widget::Checkbox { choices }) => choices
                                        .iter()
                                        .map(|c| AnswerValue::Many(vec![c.value.clone()]))
                                        .find(|c| c != v)
                                        .unwrap_or_else(|| v.clone()),
                                    Some(Widget::Select { options }) => options
                                        .iter()
                                        .map(|o| AnswerValue::One(o.clone()))
                                        .find(|o| o != v)
                                        .unwrap_or_else(|| v.clone()),
                                    Some(Widget::Text { numeric: true, .. }) => {
                                        AnswerValue::One("0".to_owned())
                                    }
                                    _ => AnswerValue::One("?".to_owned()),
                                };
                            }
                        }
                        let due = tree.due_of(leaf);
                        let at = due
                            .and_then(|d| d.checked_sub(jiff::SignedDuration::from_hours(72)).ok())
                            .map_or(now, |d| d.min(now));
                        match lyceum_app::problems::submit_as_learner(
                            &app.env(),
                            &key,
                            node.id,
                            learner_id,
                            answers,
                            at,
                        )
                        .await
                        {
                            Ok(_) => {
                                answered += 1;
                                any = true;
                            }
                            // The demo's answers are ours: one refused is a bug to see,
                            // not a warning to scroll past.
                            Err(e) => {
                                return Err(format!(
                                    "the demo answer to {} was not recorded: {}",
                                    node.url_name,
                                    lyceum_web::describe_error(&e.into())
                                ));
                            }
                        }
                    }
                }
                if any {
                    *take -= 1;
                }
            }
        }
    }
    Ok(answered)
}

/// The demo learner's mission statement in PB101, graded by the instructor with the
/// WikiLearn scale and private feedback, so the result page has something to show.
async fn seed_open_response(
    app: &App,
    store: &Store,
    learner_id: UserId,
    instructor: UserId,
    courses_by_code: &[(String, lyceum_core::CourseId)],
) -> Result<()> {
    use lyceum_core::blocks::open_response::AssessmentInput;
    use lyceum_web::open_responses;
    let Some((_, course)) = courses_by_code.iter().find(|(code, _)| code == "PB101") else {
        return Ok(());
    };
    let mut c = store.conn().await.map_err(|e| e.to_string())?;
    let tree = courses::load_tree(&mut c, *course)
        .await
        .map_err(|e| e.to_string())?;
    let key = courses::get(&mut c, *course)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("demo course missing")?
        .course_key;
    drop(c);
    let Some((block, content)) = tree.units().iter().find_map(|&u| {
        tree.children(u).iter().find_map(|&l| {
            let content = tree.node(l).content.as_ref()?.as_ref().ok()?;
            OpenResponse::of(content).map(|o| (tree.node(l).id, o.clone()))
        })
    }) else {
        return Ok(());
    };
    let text = "Our user group and the Riverside Town Library will make the town's local history \
                freely available to everyone: the library opens its photograph collection under a \
                free licence, and our volunteers write and improve Wikipedia articles about the \
                places and people in it, with two public edit-a-thons a year at the library.";
    let submission = open_responses::submit_as(app, &key, block, learner_id, text)
        .await
        .map_err(|e| lyceum_web::describe_error(&e))?;
    // Good on every criterion but the last, which is excellent, with a word on each.
    let mut input = AssessmentInput::default();
    let last = content.rubric.criteria.len().saturating_sub(1);
    for (i, criterion) in content.rubric.criteria.iter().enumerate() {
        let pick = if i == last {
            criterion.options.last()
        } else {
            criterion.options.get(2).or(criterion.options.last())
        };
        if let Some(option) = pick {
            input
                .criteria
                .insert(criterion.name.clone(), option.name.clone());
        }
        if criterion.feedback.asked() {
            input.criterion_feedback.insert(
                criterion.name.clone(),
                match i {
                    0 => "Clear and specific: the library, the collection, the work.",
                    _ if i == last => {
                        "Exactly what a library board wants to read: their collection, their town."
                    }
                    _ => "Say in one more sentence what the library gains.",
                }
                .to_owned(),
            );
        }
    }
    input.overall_feedback = "A strong first version, Lina. Name one person at the library who \
                              agreed to this, and it is ready to send."
        .to_owned();
    open_responses::assess_as(app, &key, block, instructor, submission.id, &input)
        .await
        .map_err(|e| lyceum_web::describe_error(&e))?;
    Ok(())
}

/// Demo learners who took PB101 and answered its confidence surveys (usernames get a
/// number; they have no password and cannot log in: they are there for the reports).
const SURVEY_LEARNERS: [&str; 24] = [
    "Amara Okafor",
    "Bilal Haddad",
    "Camille Dubois",
    "Dilnoza Karimova",
    "Emeka Obi",
    "Fatima Zahra Benali",
    "Gabriel Silva",
    "Hana Sato",
    "Ines Moreau",
    "Jonas Berg",
    "Kavya Iyer",
    "Leila Nasser",
    "Mateo Rojas",
    "Nadia Petrova",
    "Omar Farouk",
    "Priya Raman",
    "Quentin Lefèvre",
    "Rania Khalil",
    "Samuel Mensah",
    "Tamar Cohen",
    "Uchenna Eze",
    "Valeria Gómez",
    "Wanjiru Kamau",
    "Yusuf Demir",
];

/// Studio: the author on Partnership Building's team, the organisation admin of its
/// organisation, and a few revisions by the instructor and the author — two published, one
/// still in the draft — so History and the draft's "unpublished changes" show something.
/// Issue 15: a private conversation between the learner and the instructor of
/// Partnership Building, and an announcement to its learners.
async fn seed_messages(env: &lyceum_app::Env, learner: UserId, instructor: UserId) -> Result<()> {
    let err = |e: lyceum_app::Error| crate::errors::describe(&e);
    let pb = "course-v1:COMMONPLACE+PB101+2026";
    let (lina, ines) = (Actor::user(learner, false), Actor::user(instructor, false));
    lyceum_app::messages::send(
        env,
        &lina,
        "instructor",
        pb,
        "Hello! Is the partnership plan due before the second section, or at the end of the course?",
    )
    .await
    .map_err(err)?;
    lyceum_app::messages::send(
        env,
        &ines,
        "learner",
        pb,
        "At the end of the course, **after** the second section: take your time with the interviews.",
    )
    .await
    .map_err(err)?;
    lyceum_app::announcements::post(
        env,
        &ines,
        pb,
        "Office hours on Thursday",
        "Bring your questions about partnership plans: we meet on Thursday at 15:00 UTC.\n\nThe link is on the *Course info* page.",
        "all",
    )
    .await
    .map_err(err)?;
    Ok(())
}

async fn seed_studio(
    env: &lyceum_app::Env,
    created: &[(String, lyceum_core::CourseId)],
    instructor: UserId,
    author: UserId,
    org_admin: UserId,
    now: i64,
) -> Result<()> {
    use lyceum_app::authoring::{self, BlockPatch};
    let course = created
        .iter()
        .find(|(code, _)| code == "PB101")
        .map(|(_, id)| *id)
        .ok_or("PB101 missing")?;
    let err = |e: lyceum_app::Error| crate::errors::describe(&e);
    {
        let mut tx = env.store.begin().await.map_err(|e| e.to_string())?;
        courses::set_role(&mut tx, course, author, CourseRole::Author, now)
            .await
            .map_err(|e| e.to_string())?;
        let row = courses::get(&mut tx, course)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("PB101 missing")?;
        orgs::set_member(
            &mut tx,
            lyceum_core::OrgId(row.org_id),
            org_admin,
            lyceum_core::permissions::OrgRole::Admin,
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
        // A second organisation where the organiser may create courses: where they fork
        // the collective's courses to adapt them (issue 13).
        let rivages = orgs::find_by_slug(&mut tx, "RIVAGES")
            .await
            .map_err(|e| e.to_string())?
            .ok_or("RIVAGES missing")?;
        orgs::set_member(
            &mut tx,
            lyceum_core::OrgId(rivages.id),
            org_admin,
            lyceum_core::permissions::OrgRole::Creator,
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    let ines = Actor::user(instructor, false);
    let arturo = Actor::user(author, false);
    let draft = authoring::draft(env, &ines, course).await.map_err(err)?;
    let text_in = |unit_title: &str| {
        let unit = draft.blocks.iter().find(|b| b.title == unit_title)?;
        draft
            .children(Some(unit.block()))
            .into_iter()
            .find(|b| b.kind == "text")
            .map(|b| (b.block(), b.content.clone()))
    };
    let markdown = |stored: &str| -> Result<String> {
        let v: serde_json::Value = serde_json::from_str(stored).map_err(|e| e.to_string())?;
        Ok(v["source"].as_str().unwrap_or_default().to_owned())
    };
    let edit = |who: Actor, block, md: String, summary: &'static str| async move {
        authoring::update_block(
            env,
            &who,
            block,
            BlockPatch {
                content: Some(serde_json::json!({ "markdown": md })),
                summary: summary.to_owned(),
                ..BlockPatch::default()
            },
        )
        .await
        .map_err(err)
    };
    let (what, source) =
        text_in("What a partnership is, and what it is not").ok_or("PB101 unit missing")?;
    let md = markdown(&source)?.replace(
        "Most of the problems described later",
        "In our 2025 cohort, four partnerships in five that ended early had this mismatch from the start. Most of the problems described later",
    );
    edit(ines, what, md, "Added what the 2025 cohort found").await?;
    let (gains, source) = text_in("What each side gains").ok_or("PB101 unit missing")?;
    let md = markdown(&source)?.replace("### The partner's side", "### What the partner gains");
    edit(arturo, gains, md, "Clearer heading for the partner's side").await?;
    authoring::publish(env, &ines, course, "Autumn 2026 update")
        .await
        .map_err(err)?;
    // Still in the draft: the author's next change, waiting to be published.
    let unit = draft
        .blocks
        .iter()
        .find(|b| b.title == "Your starting point")
        .ok_or("PB101 unit missing")?
        .block();
    authoring::update_block(
        env,
        &arturo,
        unit,
        BlockPatch {
            title: Some("Your starting point: a self-check".into()),
            summary: "A title that says what the unit asks".into(),
            ..BlockPatch::default()
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// What the demo learners found most useful (some leave it blank).
const USEFUL: [&str; 8] = [
    "The partner map: I finally know where to start.",
    "The example first messages, which I adapted for our local archive.",
    "The checklist for a simple agreement.",
    "Thinking about what the institution gains, not only what we want.",
    "The advice on reporting results in the partner's own terms.",
    "Hearing that ending a partnership well is not a failure.",
    "The quizzes made me reread the parts I had skimmed.",
    "Everything about finding the right person to write to.",
];

/// PB101's "before" and "after" confidence surveys, answered by 24 demo learners (21 of
/// them finished the course and answered the after survey too), and the before survey by
/// the demo learner, so the report and its before/after figure show real numbers. The
/// answers follow a fixed pattern: every demo shows the same figures, about seven in ten
/// learners more confident at the end, as in the Learning Days programme.
async fn seed_surveys(
    app: &App,
    store: &Store,
    learner_id: UserId,
    created: &[(String, lyceum_core::CourseId)],
    now: i64,
) -> Result<usize> {
    use lyceum_app::surveys::{self, CourseRef};
    use lyceum_core::permissions::{Actor, CourseFacts};
    use serde_json::{Map, Value, json};
    let Some(&(_, course)) = created.iter().find(|(code, _)| code == "PB101") else {
        return Ok(0);
    };
    let mut c = store.conn().await.map_err(|e| e.to_string())?;
    let tree = courses::load_tree(&mut c, course)
        .await
        .map_err(|e| e.to_string())?;
    let vis = lyceum_core::course::Visibility {
        now: app.now(),
        course_start: None,
        see_unreleased: true,
    };
    let as_learner = |user: UserId| CourseRef {
        id: course,
        tree: &tree,
        vis: &vis,
        facts: CourseFacts {
            published: true,
            enrollment_open: true,
            enrolled: true,
            role: None,
            org_role: None,
            hidden: false,
        },
        actor: Actor::user(user, false),
    };
    let found = surveys::surveys_in(&as_learner(learner_id));
    let [before, after] = found.as_slice() else {
        return Err(format!(
            "PB101 should have two surveys, found {}",
            found.len()
        ));
    };
    let (before, after) = (before.block, after.block);
    let confidence = ["find", "approach", "agreement", "report"];
    let reasons = [
        "skills",
        "project",
        "skills",
        "affiliate",
        "certificate",
        "skills",
        "curious",
    ];
    let env = app.env();
    let save = |user: UserId, block, answers: Map<String, Value>| {
        let env = env.clone();
        let cref = as_learner(user);
        async move {
            surveys::save(&env, &cref, block, &answers)
                .await
                .map(|_| ())
                .map_err(|e| format!("seeding a survey response: {e}"))
        }
    };
    // Each confidence question's share of learners who gain.
    const IMPROVE: [f64; 4] = [0.8, 0.65, 0.7, 0.55];
    let mut draws = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(2021);
    let mut responses = 0;
    for (i, name) in SURVEY_LEARNERS.iter().enumerate() {
        let username = format!("demo-learner-{:02}", i + 1);
        let user =
            lyceum_store::repo::users::create_user(&mut c, &username, &username, name, false, now)
                .await
                .map_err(|e| e.to_string())?;
        learner::enroll(&mut c, user, course, now)
            .await
            .map_err(|e| e.to_string())?;
        let mut b = Map::new();
        let mut a = Map::new();
        for (q, id) in confidence.iter().enumerate() {
            // Low to middling at the start; most improve, each question by its own odds
            // (a fixed draw, the same on every run, so each question's figure differs).
            let start: i64 = draws.random_range(1..=3);
            let roll: f64 = draws.random();
            let delta = match roll {
                r if r < IMPROVE[q % IMPROVE.len()] * 0.4 => 2,
                r if r < IMPROVE[q % IMPROVE.len()] => 1,
                r if r < IMPROVE[q % IMPROVE.len()] + 0.15 => 0,
                _ => -1,
            };
            b.insert((*id).to_owned(), json!(start));
            a.insert((*id).to_owned(), json!((start + delta).clamp(1, 5)));
        }
        save(user, before, b).await?;
        responses += 1;
        // Three learners have not finished the course.
        if i % 8 == 7 {
            continue;
        }
        a.insert("satisfaction".into(), json!(3 + ((i * 2) % 3) as i64));
        a.insert("recommend".into(), json!(6 + ((i * 3) % 5) as i64));
        a.insert("reason".into(), json!(reasons[i % reasons.len()]));
        if i % 3 != 2 {
            a.insert("useful".into(), json!(USEFUL[i % USEFUL.len()]));
        }
        save(user, after, a).await?;
        responses += 1;
    }
    drop(c);
    // The demo learner has just started: the before survey only.
    let mine: Map<String, Value> = confidence
        .iter()
        .map(|id| ((*id).to_owned(), json!(2)))
        .collect();
    save(learner_id, before, mine).await?;
    Ok(responses + 1)
}

/// A problem's own answers in a form that can be submitted: a numerical range answer
/// (`[4, 8]`, shown as is by "Show answer") becomes its midpoint.
/// Partnership Building in French (its title, description and outline; published) and
/// Arabic (its top levels; begun, not published), saved by its author: the
/// per-language table shows both, and learners can switch to French.
async fn seed_translations(
    env: &lyceum_app::Env,
    created: &[(String, lyceum_core::CourseId)],
    author: UserId,
    translator: UserId,
    now: i64,
) -> Result<()> {
    use lyceum_app::translations::{self as uc, StateFilter};
    use std::collections::BTreeMap;
    let path = "translations/PB101.toml";
    let bytes = demo_file(path).ok_or("the demo's translations are missing")?;
    let text = std::str::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?;
    #[derive(Deserialize)]
    struct DemoTranslations {
        published: Vec<String>,
        translations: BTreeMap<String, BTreeMap<String, String>>,
    }
    let file: DemoTranslations = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
    if !created.iter().any(|(code, _)| code == "PB101") {
        return Err("PB101 missing".into());
    }
    let key = "course-v1:COMMONPLACE+PB101+2026";
    let course = created
        .iter()
        .find(|(code, _)| code == "PB101")
        .map(|(_, id)| *id)
        .ok_or("PB101 missing")?;
    // A volunteer translates the course into Arabic (the role of translator: its
    // translation pages, nothing else of its authoring); the author made the French.
    let mut c = env.store.conn().await.map_err(|e| e.to_string())?;
    courses::set_role(&mut c, course, translator, CourseRole::Translator, now)
        .await
        .map_err(|e| e.to_string())?;
    drop(c);
    let err = |e: lyceum_app::Error| crate::errors::describe(&e);
    for (lang, by_source) in &file.translations {
        let who = if lang == "ar" { translator } else { author };
        let actor = Actor::user(who, false);
        let segments = uc::segments(env, &actor, key, lang, StateFilter::All)
            .await
            .map_err(err)?;
        for s in segments {
            if let Some(t) = by_source.get(&s.source) {
                uc::put(env, &actor, key, lang, &s.id, t)
                    .await
                    .map_err(err)?;
            }
        }
        if file.published.contains(lang) {
            uc::publish(env, &actor, key, lang, true)
                .await
                .map_err(err)?;
        }
    }
    Ok(())
}

fn answers_to_submit(parsed: &lyceum_core::capa::Problem) -> lyceum_core::capa::Answers {
    use lyceum_core::capa::{self, AnswerValue, ResponseKind};
    let mut answers = capa::correct_answers(parsed);
    for r in &parsed.responses {
        if let ResponseKind::Numerical { answer, .. } = &r.kind
            && let Some(inner) = answer
                .trim()
                .strip_prefix(['[', '('])
                .and_then(|a| a.strip_suffix([']', ')']))
            && let Some((lo, hi)) = inner.split_once(',')
            && let (Ok(lo), Ok(hi)) = (lo.trim().parse::<f64>(), hi.trim().parse::<f64>())
            && let Some(input) = r.inputs.first()
        {
            answers.insert(
                input.id.clone(),
                AnswerValue::One(((lo + hi) / 2.0).to_string()),
            );
        }
    }
    answers
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn new_temp_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for _ in 0..10 {
        let dir = base.join(format!("lyceum-demo-{:08x}", rand::rng().random::<u32>()));
        if std::fs::create_dir(&dir).is_ok() {
            return Ok(dir);
        }
    }
    Err("cannot create a temporary directory".to_owned())
}

/// The name the demo's wiki tasks use for the wiki given with `--wiki`.
pub const DEMO_WIKI: &str = "localwiki";

/// The demo learner's account on the demo wiki (the one `start-mediawiki.sh` creates).
const DEMO_WIKI_ACCOUNT: &str = "Learner1";

/// Link the demo learner to the demo wiki's account `Learner1`, keyed on its user id
/// there (what a Wikimedia login would give as the central id). A wiki that cannot be
/// read leaves the learner unlinked, with a warning: the demo still runs.
async fn link_demo_wiki_account(app: &App, learner_id: UserId, now: i64) -> Result<Option<String>> {
    let wikis = app.wikis();
    let Some(wiki) = wikis.registry.get(DEMO_WIKI) else {
        return Ok(None);
    };
    let users = match wikis.api.users(&wiki, &[DEMO_WIKI_ACCOUNT]).await {
        Ok(u) => u,
        Err(e) => {
            eprintln!(
                "lyceum demo: warning: the wiki at {} cannot be read ({e}); the demo learner is not linked to {DEMO_WIKI_ACCOUNT}",
                wiki.api
            );
            return Ok(None);
        }
    };
    let Some(id) = users
        .iter()
        .find(|u| u.name == DEMO_WIKI_ACCOUNT)
        .and_then(|u| u.userid)
    else {
        eprintln!(
            "lyceum demo: warning: the wiki has no account {DEMO_WIKI_ACCOUNT}; the demo learner is not linked"
        );
        return Ok(None);
    };
    let mut c = app.store().conn().await.map_err(|e| e.to_string())?;
    lyceum_store::repo::users::insert_wikimedia_account(
        &mut c,
        id,
        learner_id,
        DEMO_WIKI_ACCOUNT,
        None,
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(Some(DEMO_WIKI_ACCOUNT.to_owned()))
}

pub async fn run(
    addr: &str,
    data: Option<PathBuf>,
    database_url: Option<String>,
    standin: bool,
    wiki: Option<String>,
) -> Result<()> {
    let dir = match data {
        Some(d) => {
            if d.exists()
                && std::fs::read_dir(&d)
                    .map_err(|e| format!("{}: {e}", d.display()))?
                    .next()
                    .is_some()
            {
                return Err(format!(
                    "{} is not empty: the demo only seeds a new, empty directory (choose another --data, or run `lyceum serve --data {}`)",
                    d.display(),
                    d.display()
                ));
            }
            d
        }
        None => new_temp_dir()?,
    };
    if let Some(url) = &database_url {
        site::require_empty_postgres(
            url,
            "the demo only seeds a new, empty database (or run `lyceum serve --database-url …`)",
        )
        .await?;
    }
    let site = site::open(&DataArgs {
        data: Some(dir.clone()),
        database_url,
        database_pool: lyceum_store::DEFAULT_PG_POOL,
        media_url: None,
    })
    .await?;
    let (listener, bound) = site::bind(addr).await?;
    let now = jiff::Timestamp::now().as_millisecond();
    let password = std::env::var("LYCEUM_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(random_password);
    let mk = |name: &'static str, display: &'static str, admin: bool| {
        let store = site.store.clone();
        let password = password.clone();
        async move {
            let user = lyceum_app::accounts::NewLocalUser {
                username: name,
                display_name: display,
                password: &password,
                admin,
            };
            lyceum_app::accounts::create_local_user(&store, &user, now)
                .await
                .map_err(|e| crate::errors::describe(&e))
        }
    };
    let learner_id = mk("learner", "Lina Learner", false).await?;
    let instructor = mk("instructor", "Ines Instructor", false).await?;
    let admin = mk("admin", "Ada Admin", true).await?;
    let author = mk("author", "Arturo Author", false).await?;
    let org_admin = mk("orgadmin", "Olu Organiser", false).await?;
    let moderator = mk("moderator", "Mona Moderator", false).await?;
    let translator = mk("translator", "Tariq Translator", false).await?;
    {
        // A site moderator: the moderation queue and its actions.
        let mut c = site.store.conn().await.map_err(|e| e.to_string())?;
        lyceum_store::repo::moderation::set_moderator(&mut c, moderator, true)
            .await
            .map_err(|e| e.to_string())?;
    }
    // The people who author have accepted the code of conduct; the learner has not (the
    // first time they publish, fork or report, the site shows it to them). The learner has
    // been learning here for two months: with the progress and answers seeded below, her
    // track record trusts her account (issue 13), so she may fork a course to adapt it.
    {
        let mut c = site.store.conn().await.map_err(|e| e.to_string())?;
        c.exec(
            lyceum_store::q("UPDATE users SET created_at = $2 WHERE id = $1")
                .bind(learner_id.0)
                .bind(now - 60 * 24 * 3600 * 1000),
        )
        .await
        .map_err(|e| e.to_string())?;
        for u in [instructor, admin, author, org_admin, moderator, translator] {
            lyceum_store::repo::trust::accept_conduct(
                &mut c,
                u,
                lyceum_app::conduct::DEFAULT_VERSION,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    let created = seed_content(&site.store, &site.media, Some(instructor), now).await?;
    seed_progress(&site.store, learner_id, &created, now).await?;

    let mut config = site::load_config(None, &site.dir, bound)?;
    // The demo never reads Wikimedia's production wikis: only the wiki it is given.
    config.wikis = WikisConfig {
        wikimedia: false,
        sites: wiki
            .iter()
            .map(|url| WikiSite {
                name: DEMO_WIKI.to_owned(),
                url: url.trim_end_matches('/').to_owned(),
            })
            .collect(),
    };
    let _standin = if standin && config.wikimedia.is_none() {
        let users = vec![
            StandinUser::new(3, "Learner1"),
            StandinUser::new(4, "Learner2"),
            StandinUser::new(12345678, "Wiki Volunteer"),
        ];
        let s = Standin::start(StandinConfig {
            client_id: "lyceum-demo".into(),
            client_secret: "demo-secret".into(),
            redirect_uri: config.oauth_redirect_uri(),
            users,
        })
        .await
        .map_err(|e| format!("cannot start the Wikimedia login stand-in: {e}"))?;
        config.wikimedia = Some(WikimediaLogin {
            rest_base: s.base.to_string(),
            client_id: "lyceum-demo".into(),
            client_secret: Secret::new("demo-secret"),
            scopes: vec![],
            home_wiki_api: None,
        });
        Some(s)
    } else {
        None
    };
    let app = App::new(AppParts {
        store: site.store.clone(),
        media: site.media,
        config,
        clock: Arc::new(SystemClock),
    })?;
    let answered = seed_answers(&app, &site.store, learner_id, &created).await?;
    seed_open_response(&app, &site.store, learner_id, instructor, &created).await?;
    let survey_responses = seed_surveys(&app, &site.store, learner_id, &created, now).await?;
    seed_studio(&app.env(), &created, instructor, author, org_admin, now).await?;
    seed_translations(&app.env(), &created, author, translator, now).await?;
    seed_messages(&app.env(), learner_id, instructor).await?;
    let linked = link_demo_wiki_account(&app, learner_id, now).await?;
    println!(
        "Lyceum demo: {} courses seeded in {} (the learner has answered {answered} problems; {survey_responses} survey responses)",
        created.len(),
        dir.display()
    );
    println!(
        "Log in as learner, instructor (instructor of the demo courses), author (author of Partnership Building), translator (translates Partnership Building into Arabic), orgadmin (admin of the Commonplace Learning Collective, course creator at Rivages), moderator (site moderator) or admin (site admin), password: {password}"
    );
    match (&wiki, &linked) {
        (Some(url), Some(name)) => println!(
            "The wiki tasks of Editing basics are done on {url} (as \"{DEMO_WIKI}\"); the learner is linked to its account {name}"
        ),
        (Some(url), None) => println!(
            "The wiki tasks of Editing basics are done on {url} (as \"{DEMO_WIKI}\"); the learner is not linked to a wiki account"
        ),
        (None, _) => println!(
            "No --wiki given: the wiki tasks of Editing basics say that their wiki is not available on this site"
        ),
    }
    if let Some(s) = &_standin {
        println!(
            "\"Log in with Wikimedia\" goes to a local stand-in of Wikimedia's login at {}",
            s.base
        );
    }
    println!("Lyceum is listening on http://{bound}/");
    site::run(listener, app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every demo course, exported and imported again: over itself nothing changes, and
    /// as a new course on another site it has everything the original had (outcomes,
    /// About fields, effort, dates, licence, grading, outline and block contents).
    #[tokio::test]
    #[allow(clippy::unwrap_used)]
    async fn demo_courses_survive_export_and_import() {
        use lyceum_store::testing;
        use std::collections::BTreeMap;

        let db = testing::sqlite().await.unwrap();
        let media_dir = tempfile::tempdir().unwrap();
        let media = MediaStore::new(media_dir.path()).unwrap();
        let now = 1_790_000_000_000;
        let seeded = seed_content(&db.store, &media, None, now).await.unwrap();
        assert_eq!(seeded.len(), 5);
        let other = testing::sqlite().await.unwrap();
        let other_dir = tempfile::tempdir().unwrap();
        let other_media = MediaStore::new(other_dir.path()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        // Each site's use cases, at a time of the test's choosing.
        let env_at = |store: &Store, media: &MediaStore, at: i64| lyceum_app::Env {
            store: store.clone(),
            media: media.clone(),
            clock: Arc::new(lyceum_core::FixedClock::new(
                lyceum_core::clock::from_millis(at),
            )),
        };
        let archive_at = |source: &std::path::Path| lyceum_app::courses::Archive {
            source: source.to_path_buf(),
            ..Default::default()
        };

        for (code, id) in seeded {
            let archive = tmp.path().join(format!("{code}.tar.gz"));
            lyceum_app::courses::export(
                &env_at(&db.store, &media, now),
                id,
                std::fs::File::create(&archive).unwrap(),
            )
            .await
            .unwrap();
            let mut c = db.store.conn().await.unwrap();
            let row = courses::get(&mut c, id).await.unwrap().unwrap();
            let outline = courses::load_outline(&mut c, id).await.unwrap();
            drop(c);

            // Block by block, what an import of the export makes of each stored block.
            let here = env_at(&db.store, &media, now + 1);
            let prepared = lyceum_app::courses::prepare(&here, archive_at(&archive))
                .await
                .unwrap();
            fn flat(blocks: &[NewBlock], out: &mut BTreeMap<String, (String, String, String)>) {
                for b in blocks {
                    out.insert(
                        b.url_name.clone(),
                        (b.kind.clone(), b.title.clone(), b.content.clone()),
                    );
                    flat(&b.children, out);
                }
            }
            let (mut stored, mut again) = (BTreeMap::new(), BTreeMap::new());
            flat(&outline, &mut stored);
            flat(&prepared.imported.blocks, &mut again);
            assert_eq!(
                stored.keys().collect::<Vec<_>>(),
                again.keys().collect::<Vec<_>>(),
                "{code}"
            );
            let differ: Vec<String> = stored
                .iter()
                .filter(|(name, s)| again.get(*name) != Some(*s))
                .map(|(name, s)| {
                    let (kind, title, content) = s;
                    let (_, t2, c2) = &again[name];
                    let at = content
                        .char_indices()
                        .zip(c2.chars())
                        .find(|((_, a), b)| a != b)
                        .map_or(content.len().min(c2.len()), |((i, _), _)| i);
                    let around = |c: &str| {
                        c.get(at.saturating_sub(40)..(at + 80).min(c.len()))
                            .unwrap_or_default()
                            .to_owned()
                    };
                    format!(
                        "{name} ({kind}): title {:?}; stored …{}… imported …{}…",
                        (title == t2).then_some("same"),
                        around(content),
                        around(c2)
                    )
                })
                .collect();
            assert!(differ.is_empty(), "{code}: {}", differ.join("\n"));

            // Over itself: nothing added, changed or removed.
            let summary = lyceum_app::courses::store(&here, prepared, None, false)
                .await
                .unwrap();
            assert!(!summary.created);
            assert_eq!(
                (
                    summary.outline.added,
                    summary.outline.changed,
                    summary.outline.removed
                ),
                (0, 0, 0),
                "{code}"
            );
            assert_eq!(summary.outline.unchanged, stored.len(), "{code}");

            // As a new course elsewhere: the same course.
            let elsewhere = env_at(&other.store, &other_media, now + 2);
            let prepared = lyceum_app::courses::prepare(&elsewhere, archive_at(&archive))
                .await
                .unwrap();
            let summary = lyceum_app::courses::store(&elsewhere, prepared, None, row.published)
                .await
                .unwrap();
            assert!(summary.created);
            let mut c = other.store.conn().await.unwrap();
            let copy = courses::get(&mut c, lyceum_core::CourseId(summary.course_id))
                .await
                .unwrap()
                .unwrap();
            let fields = |r: &lyceum_store::repo::courses::CourseRow| {
                (
                    r.course_key.clone(),
                    r.title.clone(),
                    r.short_description.clone(),
                    r.overview_html.clone(),
                    r.outcomes(),
                    r.language.clone(),
                    r.license.clone(),
                    (r.effort_minutes_per_week, r.effort_weeks),
                    (r.start_at, r.end_at),
                    (r.published, r.self_paced),
                    r.grading(),
                )
            };
            assert_eq!(fields(&copy), fields(&row), "{code}");
            if code == "PB101" {
                assert_eq!(
                    copy.outcomes().len(),
                    5,
                    "the Partnership course's outcomes"
                );
            }
            let copy_outline =
                courses::load_outline(&mut c, lyceum_core::CourseId(summary.course_id))
                    .await
                    .unwrap();
            let mut copied = BTreeMap::new();
            flat(&copy_outline, &mut copied);
            assert_eq!(copied, stored, "{code}: the outline and every block");
        }
    }
    use lyceum_core::blocks::ProblemContent;
    use lyceum_core::capa::{self, ResponseKind};
    use lyceum_core::course::StructureSettings;
    use lyceum_core::course::spec::NewBlock;
    use std::collections::BTreeSet;

    fn walk<'a>(b: &'a NewBlock, graded: bool, out: &mut Vec<(&'a NewBlock, bool)>) {
        let graded = graded
            || (b.kind == "subsection"
                && serde_json::from_str::<StructureSettings>(&b.content).is_ok_and(|s| s.graded));
        out.push((b, graded));
        for c in &b.children {
            walk(c, graded, out);
        }
    }

    /// Every demo problem loads, is gradable here, and its own answer scores full marks;
    /// the demo shows every input kind the issue names, graded and ungraded.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn demo_problems_are_gradable_and_cover_every_kind() {
        let mut kinds = BTreeSet::new();
        let (mut graded, mut practice) = (0, 0);
        for (path, bytes) in DEMO_FILES
            .iter()
            .filter(|(p, _)| p.starts_with("courses/") && p.ends_with(".toml"))
        {
            let spec: CourseSpec = toml::from_str(std::str::from_utf8(bytes).unwrap()).unwrap();
            let e = expand(spec, &mut |name| {
                demo_file(&format!("media/{name}")).map(<[u8]>::to_vec)
            })
            .unwrap_or_else(|err| panic!("{path}: {err:?}"));
            let mut all = Vec::new();
            for b in &e.blocks {
                walk(b, false, &mut all);
            }
            for (b, in_graded) in all.into_iter().filter(|(b, _)| b.kind == "problem") {
                let mut p: ProblemContent = serde_json::from_str(&b.content).unwrap();
                p.parse(&b.url_name)
                    .unwrap_or_else(|err| panic!("{path} {}: {err:?}", b.url_name));
                let parsed = p.parsed.clone().unwrap();
                assert!(
                    parsed.unsupported.is_none(),
                    "{path} {}: {:?}",
                    b.url_name,
                    parsed.unsupported
                );
                let g = capa::grade(&parsed, &answers_to_submit(&parsed))
                    .unwrap_or_else(|err| panic!("{path} {}: {err:?}", b.url_name));
                assert!(
                    g.earned >= g.possible && g.possible > 0.0,
                    "{path} {}: its answer scores {}/{}",
                    b.url_name,
                    g.earned,
                    g.possible
                );
                for r in &parsed.responses {
                    kinds.insert(match &r.kind {
                        ResponseKind::MultipleChoice { partial: false } => {
                            "single select".to_owned()
                        }
                        ResponseKind::MultipleChoice { partial: true } => {
                            "single select points".to_owned()
                        }
                        ResponseKind::Checkbox { scheme } => format!("multi select {scheme:?}"),
                        ResponseKind::Option => "dropdown".to_owned(),
                        ResponseKind::String { regexp, .. } => {
                            format!("text{}", if *regexp { " regexp" } else { "" })
                        }
                        ResponseKind::Numerical { .. } => "number".to_owned(),
                        other => format!("{other:?}"),
                    });
                }
                if in_graded {
                    graded += 1;
                } else {
                    practice += 1;
                }
            }
        }
        let want = [
            "single select",
            "single select points",
            "multi select AllOrNothing",
            "multi select Edc",
            "multi select Halves",
            "dropdown",
            "text",
            "text regexp",
            "number",
        ];
        for k in want {
            assert!(kinds.contains(k), "no {k} problem in the demo: {kinds:?}");
        }
        assert!(
            graded >= 20 && practice >= 3,
            "{graded} graded, {practice} practice problems"
        );
    }
}
