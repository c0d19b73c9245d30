//! The grading policy: assignment types and their weights, letter-grade cutoffs, the
//! grace period, and each subsection's type and due date, in one form. The course team
//! sees it; instructors change it.

use super::{NavLink, load, nav, number_text};
use crate::courses::{CourseCx, decide};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page, Piece};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_core::course::{NodeKind, StructureSettings};
use lyceum_core::grading::{AssignmentType, GradingPolicy};
use lyceum_core::limits;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::{BlockId, DomainError};
use lyceum_store::repo::courses as course_repo;
use lyceum_store::repo::problems as problem_repo;

pub struct TypeRow {
    pub i: usize,
    pub name: String,
    pub short_label: String,
    pub weight: String,
    pub min_count: String,
    pub drop_count: String,
}

pub struct CutoffRow {
    pub i: usize,
    pub name: String,
    pub value: String,
}

pub struct SubsectionRow {
    pub id: i64,
    pub location: String,
    pub title: String,
    pub format: String,
    /// `YYYY-MM-DDTHH:MM` in the viewer's time zone, for `datetime-local`.
    pub due: String,
}

#[derive(Template)]
#[template(path = "instructor/grading.html")]
struct GradingView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    can_edit: bool,
    types: Vec<TypeRow>,
    type_names: Vec<String>,
    cutoffs: Vec<CutoffRow>,
    grace_hours: String,
    subsections: Vec<SubsectionRow>,
    error: Option<Html>,
    form_url: String,
}

fn grading_form(
    cx: &Cx,
    course: &CourseCx,
    policy: &GradingPolicy,
    subs: Vec<SubsectionRow>,
    error: Option<Html>,
) -> GradingView {
    let p = &cx.page;
    let mut types: Vec<TypeRow> = policy
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| TypeRow {
            i,
            name: t.name.clone(),
            short_label: t.short_label.clone().unwrap_or_default(),
            weight: number_text(t.weight * 100.0),
            min_count: t.min_count.to_string(),
            drop_count: t.drop_count.to_string(),
        })
        .collect();
    // Two empty rows to add types without script.
    for _ in 0..2 {
        types.push(TypeRow {
            i: types.len(),
            name: String::new(),
            short_label: String::new(),
            weight: String::new(),
            min_count: String::new(),
            drop_count: String::new(),
        });
    }
    let mut cutoffs: Vec<CutoffRow> = policy
        .cutoffs
        .iter()
        .enumerate()
        .map(|(i, (n, v))| CutoffRow {
            i,
            name: n.clone(),
            value: number_text(v * 100.0),
        })
        .collect();
    while cutoffs.len() < 5 {
        cutoffs.push(CutoffRow {
            i: cutoffs.len(),
            name: String::new(),
            value: String::new(),
        });
    }
    GradingView {
        title: p.text("lyceum-instructor-grading"),
        head: head(cx, course, "instructor"),
        nav: nav(course, "grading"),
        can_edit: can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)).allowed(),
        type_names: policy.types.iter().map(|t| t.name.clone()).collect(),
        types,
        cutoffs,
        grace_hours: number_text(policy.grace_period_secs as f64 / 3600.0),
        subsections: subs,
        error,
        form_url: course.url("instructor/grading"),
        p: p.clone(),
    }
}

fn subsection_rows(p: &Page, course: &CourseCx) -> Vec<SubsectionRow> {
    let tree = course.tree();
    let mut out = Vec::new();
    for &s in tree.sections() {
        for &ss in tree.children(s) {
            let n = tree.node(ss);
            if n.kind != NodeKind::Subsection {
                continue;
            }
            out.push(SubsectionRow {
                id: n.id.0,
                location: tree.node(s).title.clone(),
                title: n.title.clone(),
                format: if n.settings.graded {
                    n.settings.format.clone().unwrap_or_default()
                } else {
                    String::new()
                },
                due: n
                    .settings
                    .due
                    .map(|d| {
                        d.to_zoned(p.tz.clone())
                            .strftime("%Y-%m-%dT%H:%M")
                            .to_string()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    out
}

pub async fn page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let view = grading_form(
        &cx,
        &course,
        &course.row.grading(),
        subsection_rows(&cx.page, &course),
        None,
    );
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// A number typed by a person: surrounding spaces and a decimal comma are fine.
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The policy and subsection settings from the form, or what is wrong with them.
fn parse_grading_form(
    pairs: &[(String, String)],
    tz: &jiff::tz::TimeZone,
    subs: &[SubsectionRow],
) -> Result<(GradingPolicy, Vec<(i64, StructureSettings)>), DomainError> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut types = Vec::new();
    for i in 0..50 {
        let name = limits::clean(&field(&format!("type_name_{i}")), limits::TITLE)?;
        if name.is_empty() {
            continue;
        }
        let weight = parse_number(&field(&format!("type_weight_{i}"))).ok_or_else(|| {
            DomainError::new("lyceum-error-grading-weight").with_arg(name.clone())
        })?;
        let count = |f: &str, key: &'static str| -> Result<u32, DomainError> {
            let v = field(&format!("{f}_{i}"));
            if v.is_empty() {
                return Ok(0);
            }
            v.parse::<u32>()
                .map_err(|_| DomainError::new(key).with_arg(name.clone()))
        };
        let short = limits::clean(&field(&format!("type_label_{i}")), limits::SHORT_LABEL)?;
        types.push(AssignmentType {
            min_count: count("type_min", "lyceum-error-grading-min-count")?,
            drop_count: count("type_drop", "lyceum-error-grading-drop-count")?,
            weight: weight / 100.0,
            short_label: (!short.is_empty()).then_some(short),
            name,
        });
    }
    let mut cutoffs = Vec::new();
    for i in 0..5 {
        let name = limits::clean(&field(&format!("cutoff_name_{i}")), limits::SHORT_LABEL)?;
        if name.is_empty() {
            continue;
        }
        let v = parse_number(&field(&format!("cutoff_value_{i}"))).ok_or_else(|| {
            DomainError::new("lyceum-error-grading-cutoff-value").with_arg(name.clone())
        })?;
        cutoffs.push((name, v / 100.0));
    }
    cutoffs.sort_by(|a, b| b.1.total_cmp(&a.1));
    let grace = parse_number(&field("grace_hours"))
        .filter(|h| *h >= 0.0 && *h <= limits::range::GRACE_HOURS)
        .ok_or_else(|| DomainError::new("lyceum-error-grading-grace"))?;
    let policy = GradingPolicy {
        types,
        cutoffs,
        grace_period_secs: (grace * 3600.0).round() as u64,
    };
    policy.validate()?;
    let mut settings = Vec::new();
    for s in subs {
        let format = field(&format!("format_{}", s.id));
        if !format.is_empty() && !policy.types.iter().any(|t| t.name == format) {
            return Err(DomainError::new("lyceum-error-grading-format")
                .with_arg(format)
                .with_arg(s.title.clone()));
        }
        let due_text = field(&format!("due_{}", s.id));
        let due = if due_text.is_empty() {
            None
        } else {
            let civil: jiff::civil::DateTime = due_text.parse().map_err(|_| {
                DomainError::new("lyceum-error-grading-due").with_arg(s.title.clone())
            })?;
            Some(
                civil
                    .to_zoned(tz.clone())
                    .map_err(|_| {
                        DomainError::new("lyceum-error-grading-due").with_arg(s.title.clone())
                    })?
                    .timestamp(),
            )
        };
        settings.push((
            s.id,
            StructureSettings {
                graded: !format.is_empty(),
                format: (!format.is_empty()).then_some(format),
                due,
            },
        ));
    }
    Ok((policy, settings))
}

pub async fn save(cx: Cx, Path(key): Path<String>, body: axum::body::Bytes) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    decide(
        can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)),
        &cx,
        "lyceum-error-grading-edit",
    )?;
    let staff = cx.require_user()?.id();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let subs = subsection_rows(&cx.page, &course);
    let (policy, settings) = match parse_grading_form(&pairs, &cx.page.tz, &subs) {
        Ok(x) => x,
        Err(e) => {
            // Show the form as typed, with what is wrong.
            let args: Vec<Piece> = e
                .args
                .iter()
                .map(|a| Piece::Arg(a.clone().into()))
                .collect();
            let msg = cx.page.tn(e.key.0, &args);
            let field = |name: String| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut view = grading_form(&cx, &course, &course.row.grading(), subs, Some(msg));
            for t in &mut view.types {
                t.name = field(format!("type_name_{}", t.i));
                t.short_label = field(format!("type_label_{}", t.i));
                t.weight = field(format!("type_weight_{}", t.i));
                t.min_count = field(format!("type_min_{}", t.i));
                t.drop_count = field(format!("type_drop_{}", t.i));
            }
            for c in &mut view.cutoffs {
                c.name = field(format!("cutoff_name_{}", c.i));
                c.value = field(format!("cutoff_value_{}", c.i));
            }
            view.grace_hours = field("grace_hours".into());
            for s in &mut view.subsections {
                s.format = field(format!("format_{}", s.id));
                s.due = field(format!("due_{}", s.id));
            }
            let mut r = html_response(view.render().map_err(AppError::internal)?);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let tree = course.tree();
    let now = cx.app.now_ms();
    let mut tx = cx.app.store().begin().await?;
    course_repo::set_grading_policy(&mut tx, course.id(), &policy, now).await?;
    let mut changed = false;
    for (id, s) in settings {
        let Some(idx) = tree.index_of(BlockId(id)) else {
            continue;
        };
        let node = tree.node(idx);
        if node.settings != s {
            let content = serde_json::to_string(&s).map_err(AppError::internal)?;
            course_repo::update_block(&mut tx, node.id, &node.title, &content, Some(staff), now)
                .await?;
            changed = true;
        }
    }
    if changed {
        course_repo::bump_content_version(&mut tx, course.id(), now).await?;
    }
    problem_repo::log_action(
        &mut tx,
        &problem_repo::GradeAction {
            course: course.id(),
            user: None,
            block: None,
            staff,
            action: "policy",
            detail: &serde_json::to_string(&policy).map_err(AppError::internal)?,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&with_notice(
        &course.url("instructor/grading"),
        "saved",
    )))
}
