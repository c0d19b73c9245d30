//! The Progress tab: the learner's grade and whether they pass, a chart of the grade
//! against the cutoffs and one per assignment type, every subsection's and problem's
//! score, and completion. Course staff see any enrolled learner's (`?learner=ID`).

use super::courseware::{CourseHead, head, load_courseware};
use crate::charts::{Bar, BarKind, Marker, bars};
use crate::courses::{CourseCx, decide};
use crate::error::{AppError, AppResult};
use crate::grades::{self, Report, round2, whole_percent};
use crate::handlers::html_response;
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::UserId;
use lyceum_core::course::tree::percent;
use lyceum_core::grading::learner::LearnerGrade;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_store::repo::{courses as course_repo, users};
use serde::Deserialize;
use std::collections::HashMap;

pub struct ProblemScore {
    pub title: String,
    pub url: String,
    pub earned: f64,
    pub possible: f64,
    pub attempted: bool,
    pub overridden: bool,
}

pub struct SubsectionLine {
    pub title: String,
    pub url: Option<String>,
    /// "Quiz 2" for graded subsections.
    pub label: Option<String>,
    pub due: Option<Timestamp>,
    pub earned: f64,
    pub possible: f64,
    pub percent: i64,
    pub problems: Vec<ProblemScore>,
}

pub struct SectionLine {
    pub title: String,
    pub subsections: Vec<SubsectionLine>,
}

pub struct TypeLine {
    pub name: String,
    pub weight: i64,
    pub percent: i64,
    /// Points of the course grade this type gives (percent × weight).
    pub contribution: f64,
    pub dropped: u32,
    pub chart: Html,
}

#[derive(Template)]
#[template(path = "course/progress.html")]
struct ProgressView {
    p: Page,
    title: String,
    head: CourseHead,
    gradebook_url: Option<String>,
    /// The learner's own work on the wikis, in a course with wiki tasks.
    wiki_url: Option<String>,
    done: usize,
    total: usize,
    completion: u8,
    graded: bool,
    grade: i64,
    letter: Option<String>,
    passed: bool,
    pass_mark: Option<i64>,
    grade_chart: Html,
    types: Vec<TypeLine>,
    sections: Vec<SectionLine>,
}

#[derive(Deserialize, Default)]
pub struct ProgressQuery {
    learner: Option<i64>,
}

pub async fn progress(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<ProgressQuery>,
) -> AppResult<Response> {
    let (course, learner, learner_name) = match q.learner {
        // Someone's record: only they and the course team know it exists.
        Some(id) if cx.user_id() != Some(UserId(id)) => {
            let learner = UserId(id);
            let course = crate::courses::load(&cx, &key).await?;
            decide(
                can(
                    &cx.actor(),
                    Action::View,
                    Resource::LearnerRecord {
                        course: &course.facts,
                        learner,
                    },
                ),
                &cx,
                "lyceum-error-forbidden",
            )?;
            let mut c = cx.app.store().conn().await?;
            let enrolled = course_repo::find_for_viewer(&mut c, course.key(), Some(learner))
                .await?
                .is_some_and(|(_, v)| v.enrolled);
            let user = users::get_user(&mut c, learner)
                .await?
                .filter(|_| enrolled)
                .ok_or(AppError::NotFound)?;
            (course, learner, Some(user.shown_name().to_owned()))
        }
        _ => {
            let course = match load_courseware(&cx, &key).await? {
                Ok(c) => c,
                Err(redirect) => return Ok(redirect),
            };
            let me = cx.require_user()?.id();
            (course, me, None)
        }
    };
    let report = grades::report(&cx.app, &course, learner).await?;
    let view = build(&cx, &course, &report, learner_name);
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

fn build(
    cx: &Cx,
    course: &CourseCx,
    report: &Report,
    learner_name: Option<String>,
) -> ProgressView {
    let p = &cx.page;
    let tree = course.tree();
    let policy = course.row.grading();
    let grade: &LearnerGrade = &report.grade;
    let labels = grades::labels(tree, grade, &policy);
    let pct = |share: f64| p.text1("lyceum-percent", whole_percent(share));
    let content_lang = course.row.language.as_str();

    let mut markers: Vec<Marker> = policy
        .cutoffs
        .iter()
        .map(|(name, c)| Marker {
            label: name.clone(),
            value: *c,
        })
        .collect();
    markers.sort_by(|a, b| a.value.total_cmp(&b.value));
    let grade_chart = bars(
        "grade-chart",
        &p.text1(
            "lyceum-progress-grade-chart",
            whole_percent(grade.course.percent),
        ),
        &[Bar {
            label: p.text("lyceum-progress-grade-label"),
            title: p.text("lyceum-progress-grade-label"),
            value: grade.course.percent,
            value_text: pct(grade.course.percent),
            kind: BarKind::Total,
        }],
        &markers,
        p.rtl,
        &p.bcp47,
    );

    let by_key: HashMap<&str, usize> = grade
        .subsections
        .iter()
        .enumerate()
        .map(|(i, s)| (tree.node(s.node).url_name.as_str(), i))
        .collect();
    let types = grade
        .course
        .types
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let mut rows: Vec<Bar> = t
                .scores
                .iter()
                .enumerate()
                .map(|(i, (key, share, dropped))| {
                    let (label, title) = match key.as_deref().and_then(|k| by_key.get(k)) {
                        Some(&si) => {
                            let node = tree.node(grade.subsections[si].node);
                            (
                                labels.get(&node.url_name).cloned().unwrap_or_default(),
                                node.title.clone(),
                            )
                        }
                        // Padding up to the minimum count: not there (yet).
                        None => {
                            let short = t.short_label.clone().unwrap_or_else(|| t.name.clone());
                            (
                                format!("{short} {}", crate::format::number(p, (i + 1) as f64)),
                                p.text1("lyceum-progress-missing", t.name.clone()),
                            )
                        }
                    };
                    let value_text = if *dropped {
                        p.text1("lyceum-progress-dropped", pct(*share))
                    } else {
                        pct(*share)
                    };
                    Bar {
                        label,
                        title,
                        value: *share,
                        value_text,
                        kind: if *dropped {
                            BarKind::Dropped
                        } else {
                            BarKind::Score
                        },
                    }
                })
                .collect();
            rows.push(Bar {
                label: p.text("lyceum-progress-average"),
                title: p.text1("lyceum-progress-type-average", t.name.clone()),
                value: t.percent,
                value_text: pct(t.percent),
                kind: BarKind::Total,
            });
            let dropped = t.scores.iter().filter(|s| s.2).count() as u32;
            TypeLine {
                name: t.name.clone(),
                weight: whole_percent(t.weight),
                percent: whole_percent(t.percent),
                contribution: round2(t.percent * t.weight * 100.0),
                dropped,
                chart: bars(
                    &format!("type-chart-{ti}"),
                    &p.text1("lyceum-progress-type-chart", t.name.clone()),
                    &rows,
                    &[],
                    p.rtl,
                    content_lang,
                ),
            }
        })
        .collect();

    let mut sections: Vec<SectionLine> = Vec::new();
    for s in &grade.subsections {
        // Subsections without problems have no scores to show.
        if s.problems.is_empty() {
            continue;
        }
        let node = tree.node(s.node);
        let Some(section) = tree.parent(s.node) else {
            continue;
        };
        let section_title = &tree.node(section).title;
        if sections.last().is_none_or(|l| l.title != *section_title) {
            sections.push(SectionLine {
                title: section_title.clone(),
                subsections: Vec::new(),
            });
        }
        let first_unit = tree
            .children(s.node)
            .first()
            .map(|&u| course.url(&format!("unit/{}", tree.node(u).url_name)));
        let problems = s
            .problems
            .iter()
            .map(|pg| {
                let pn = tree.node(pg.node);
                let unit = tree.parent(pg.node).map(|u| tree.node(u));
                // An untitled block is known by its unit's title, as on the unit page.
                let title = match unit {
                    Some(u) if pn.title.is_empty() => u.title.clone(),
                    _ => pn.title.clone(),
                };
                ProblemScore {
                    title,
                    url: unit
                        .map(|u| {
                            format!(
                                "{}#block-{}",
                                course.url(&format!("unit/{}", u.url_name)),
                                pn.id.0
                            )
                        })
                        .unwrap_or_default(),
                    earned: round2(pg.earned),
                    possible: round2(pg.possible),
                    attempted: pg.attempts > 0 || pg.overridden,
                    overridden: pg.overridden,
                }
            })
            .collect();
        sections
            .last_mut()
            .expect("pushed above")
            .subsections
            .push(SubsectionLine {
                title: node.title.clone(),
                url: first_unit,
                label: s
                    .graded
                    .then(|| labels.get(&node.url_name).cloned())
                    .flatten(),
                due: tree.due_of(s.node),
                earned: round2(s.earned),
                possible: round2(s.possible),
                percent: whole_percent(s.percent),
                problems,
            });
    }

    let (done, total) = report.completion;
    let on_team = course.on_team(cx);
    ProgressView {
        title: match &learner_name {
            Some(n) => p.text1("lyceum-progress-title-of", n.clone()),
            None => p.text("lyceum-progress-title"),
        },
        head: head(cx, course, "progress"),
        gradebook_url: (on_team && learner_name.is_some())
            .then(|| course.url("instructor/gradebook")),
        wiki_url: (learner_name.is_none() && crate::kinds::wiki_task::course_has_tasks(course))
            .then(|| course.url("wiki-activity")),
        done,
        total,
        completion: percent(done, total),
        graded: !policy.types.is_empty(),
        grade: whole_percent(grade.course.percent),
        letter: grade.course.letter.clone(),
        passed: grade.course.passed,
        pass_mark: grades::pass_mark(&policy).map(whole_percent),
        grade_chart,
        types,
        sections,
        p: p.clone(),
    }
}
