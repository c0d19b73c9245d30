//! The course team's side of open responses: the grading queue (filters, per-assignment
//! counts), one submission's grading page (the lock, every version and assessment, the
//! rubric form, returning for revision, excusing from the peer step, cancelling a peer
//! review), and downloads of every response (a ZIP) and of the scores (CSV).
//!
//! Every operation is a use case of `lyceum_app::open_responses`; this module shows
//! and collects. A
//! grader's work is never lost: a lock conflict or a mistake re-renders the form as typed.

use super::assignment::{self as service, QueueFilter, QueueRow, StaffOutcome, SubmissionView};
use crate::courses::CourseCx;
use crate::csv::Csv;
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::load;
use crate::handlers::instructor::{NavLink, nav};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page, Piece};
use crate::zipfile::{self, ZipWriter};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use lyceum_app::open_responses as uc;
use lyceum_core::blocks::open_response::{AssessmentInput, OpenResponseContent, Requirement, Step};
use lyceum_core::clock::from_millis;
use lyceum_core::open_response::{Stage, StepState};
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::{BlockId, DomainError, UserId};
use lyceum_store::repo::open_responses as repo;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The filters of the queue: value in the URL, message key.
const FILTERS: [(QueueFilter, &str, &str); 6] = [
    (
        QueueFilter::Waiting,
        "waiting",
        "lyceum-or-staff-filter-waiting",
    ),
    (
        QueueFilter::PeerStuck,
        "peer_stuck",
        "lyceum-or-staff-filter-peer-stuck",
    ),
    (
        QueueFilter::Resubmitted,
        "resubmitted",
        "lyceum-or-staff-filter-resubmitted",
    ),
    (
        QueueFilter::Returned,
        "returned",
        "lyceum-or-staff-filter-returned",
    ),
    (QueueFilter::Done, "done", "lyceum-or-staff-filter-done"),
    (QueueFilter::All, "all", "lyceum-or-staff-filter-all"),
];

/// Notices the pages of this module show after a redirect (`?notice=`).
const NOTICES: [(&str, &str); 6] = [
    ("or-graded", "lyceum-or-staff-notice-graded"),
    ("or-returned", "lyceum-or-staff-notice-returned"),
    ("or-cancelled", "lyceum-or-staff-notice-cancelled"),
    ("or-excused", "lyceum-or-staff-notice-excused"),
    ("or-unexcused", "lyceum-or-staff-notice-unexcused"),
    ("or-released", "lyceum-or-staff-notice-released"),
];

fn page_with_notice(p: &Page, notice: Option<&str>) -> Page {
    let mut p = p.clone();
    if let Some(n) = notice
        && let Some((_, key)) = NOTICES.iter().find(|(k, _)| *k == n)
    {
        p.notice = Some(key);
    }
    p
}

/// The open-response blocks of a course, in course order (unreleased ones too).
fn assignments(course: &CourseCx) -> Vec<(usize, BlockId)> {
    let tree = course.tree();
    (0..tree.len())
        .filter(|&i| uc::content_at(tree, i).is_some())
        .map(|i| (i, tree.node(i).id))
        .collect()
}

fn content_at(course: &CourseCx, idx: usize) -> Option<&OpenResponseContent> {
    uc::content_at(course.tree(), idx)
}

/// Points as people write them: 2, 2.5, 2.33.
fn points(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').to_owned()
    }
}

fn stage_key(s: Stage) -> &'static str {
    match s {
        Stage::PeerReview => "lyceum-or-staff-stage-peer-review",
        Stage::SelfReview => "lyceum-or-staff-stage-self-review",
        Stage::WaitingForPeers => "lyceum-or-staff-stage-waiting-for-peers",
        Stage::WaitingForStaff => "lyceum-or-staff-stage-waiting-for-staff",
        Stage::Done => "lyceum-or-staff-stage-done",
        Stage::Returned => "lyceum-or-staff-stage-returned",
    }
}

fn step_key(s: Step) -> &'static str {
    match s {
        Step::Peer => "lyceum-or-staff-step-peer",
        Step::SelfReview => "lyceum-or-staff-step-self",
        Step::Staff => "lyceum-or-staff-step-staff",
    }
}

fn state_key(s: StepState) -> &'static str {
    match s {
        StepState::Done => "lyceum-or-staff-state-done",
        StepState::Todo => "lyceum-or-staff-state-todo",
        StepState::Waiting => "lyceum-or-staff-state-waiting",
        StepState::Skipped => "lyceum-or-staff-state-skipped",
    }
}

fn error_html(p: &Page, e: &DomainError) -> Html {
    let args: Vec<Piece> = e
        .args
        .iter()
        .map(|a| Piece::Arg(a.clone().into()))
        .collect();
    p.tn(e.key.0, &args)
}

fn submission_url(course: &CourseCx, id: i64) -> String {
    course.url(&format!("instructor/submissions/{id}"))
}

fn queue_url(course: &CourseCx, block: Option<i64>) -> String {
    match block {
        Some(b) => course.url(&format!("instructor/open-responses?block={b}")),
        None => course.url("instructor/open-responses"),
    }
}

// ---------- The queue ----------

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    filter: Option<String>,
    block: Option<String>,
    notice: Option<String>,
}

pub struct FilterTab {
    pub label_key: &'static str,
    pub count: usize,
    pub url: String,
    pub current: bool,
}

pub struct AssignmentLine {
    pub id: i64,
    pub title: String,
    pub submissions: usize,
    pub waiting: usize,
    pub graded: usize,
    pub selected: bool,
    pub queue_url: String,
    pub zip_url: String,
    pub csv_url: String,
    pub settings_url: String,
}

pub struct QueueLine {
    pub url: String,
    pub learner: String,
    pub assignment: String,
    pub version: i64,
    pub submitted: Timestamp,
    pub stage_key: &'static str,
    /// Peer reviews (received, needed), when the assignment has a peer step.
    pub peer: Option<(usize, u32)>,
    pub locked_by: Option<String>,
}

#[derive(Template)]
#[template(path = "instructor/open_responses.html")]
struct QueueView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    tabs: Vec<FilterTab>,
    filter: &'static str,
    assignments: Vec<AssignmentLine>,
    rows: Vec<QueueLine>,
    any_submission: bool,
    form_url: String,
}

pub async fn queue(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let p = page_with_notice(&cx.page, q.notice.as_deref());
    let (filter, filter_name, _) = FILTERS
        .iter()
        .copied()
        .find(|(_, name, _)| Some(*name) == q.filter.as_deref())
        .unwrap_or(FILTERS[0]);
    let blocks = assignments(&course);
    let block = q
        .block
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok())
        .filter(|b| blocks.iter().any(|(_, id)| id.0 == *b));
    let all = service::queue(&cx.app, &course, None).await?;
    let assignment_lines = blocks
        .iter()
        .map(|&(idx, id)| {
            let mine = || all.iter().filter(|r| r.submission.block_id == id.0);
            AssignmentLine {
                id: id.0,
                title: service::title_at(&course, idx),
                submissions: mine().count(),
                waiting: mine().filter(|r| r.is(QueueFilter::Waiting)).count(),
                graded: mine().filter(|r| r.is(QueueFilter::Done)).count(),
                selected: block == Some(id.0),
                queue_url: queue_url(&course, Some(id.0)),
                zip_url: course.url(&format!("instructor/open-responses/{}/responses.zip", id.0)),
                csv_url: course.url(&format!("instructor/open-responses/{}/scores.csv", id.0)),
                settings_url: course.url(&format!("instructor/open-responses/{}/settings", id.0)),
            }
        })
        .collect();
    let in_block: Vec<&QueueRow> = all
        .iter()
        .filter(|r| block.is_none_or(|b| r.submission.block_id == b))
        .collect();
    let base = course.url("instructor/open-responses");
    let tabs = FILTERS
        .iter()
        .map(|&(f, name, label_key)| FilterTab {
            label_key,
            count: in_block.iter().filter(|r| r.is(f)).count(),
            url: match block {
                Some(b) => format!("{base}?filter={name}&block={b}"),
                None => format!("{base}?filter={name}"),
            },
            current: f == filter,
        })
        .collect();
    let rows = in_block
        .iter()
        .filter(|r| r.is(filter))
        .map(|r| {
            let content = content_at(&course, r.block_idx);
            QueueLine {
                url: submission_url(&course, r.submission.id),
                learner: r.learner.clone(),
                assignment: service::title_at(&course, r.block_idx),
                version: r.submission.version,
                submitted: from_millis(r.submission.submitted_at),
                stage_key: stage_key(r.status.stage),
                peer: content
                    .filter(|c| c.has_step(Step::Peer))
                    .map(|c| (r.peer_received, c.peer.graded_by)),
                locked_by: r.locked_by.clone(),
            }
        })
        .collect();
    let view = QueueView {
        title: p.text("lyceum-or-staff-queue-title"),
        head: head(&cx, &course, "instructor"),
        nav: nav(&course, "open-responses"),
        tabs,
        filter: filter_name,
        assignments: assignment_lines,
        rows,
        any_submission: !in_block.is_empty(),
        form_url: base,
        p,
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

// ---------- One submission ----------

pub struct VersionLink {
    pub version: i64,
    pub url: String,
    pub at: Timestamp,
    pub this: bool,
}

pub struct FileLink {
    pub name: String,
    pub alt: String,
    pub url: String,
    pub size: String,
}

pub struct StepLine {
    pub step_key: &'static str,
    pub state_key: &'static str,
}

pub struct AssessedLine {
    pub label: String,
    pub option: String,
    pub points: Option<u32>,
    pub feedback: String,
}

pub struct AssessmentBlock {
    pub id: i64,
    pub step_key: &'static str,
    pub by: String,
    pub at: Timestamp,
    pub earned: String,
    pub possible: String,
    pub lines: Vec<AssessedLine>,
    pub overall: String,
    pub cancelled: bool,
    pub cancel_reason: String,
    pub can_cancel: bool,
}

pub struct OptionField {
    pub id: String,
    pub name: String,
    pub label: String,
    pub points: u32,
    pub explanation: String,
    pub checked: bool,
}

pub struct CriterionField {
    pub i: usize,
    pub name: String,
    pub label: String,
    pub prompt: String,
    pub options: Vec<OptionField>,
    pub feedback_asked: bool,
    pub feedback_required: bool,
    pub feedback: String,
}

#[derive(Template)]
#[template(path = "instructor/submission.html")]
struct SubmissionPage {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    back_url: String,
    learner_name: String,
    learner_username: String,
    assignment_title: String,
    assignment_url: String,
    prompts: Vec<Html>,
    version: i64,
    submitted: Timestamp,
    /// The current version's page, when this one is an older one.
    current_url: Option<String>,
    versions: Vec<VersionLink>,
    text: Html,
    files: Vec<FileLink>,
    stage_key: &'static str,
    steps: Vec<StepLine>,
    score: Option<(String, String, &'static str)>,
    has_peer: bool,
    peer: Option<(usize, u32)>,
    peer_excused: bool,
    returned: bool,
    return_note: String,
    assessments: Vec<AssessmentBlock>,
    criteria: Vec<CriterionField>,
    overall_asked: bool,
    overall_required: bool,
    overall_label: String,
    overall: String,
    note: String,
    locked_by: Option<String>,
    holds_lock: bool,
    /// Nobody holds the lock: the page offers "Start grading".
    lock_free: bool,
    start_url: String,
    lock_conflict: Option<Html>,
    error: Option<Html>,
    /// The cancel form with an error (its reason kept).
    cancel_error: Option<(i64, Html, String)>,
    assess_url: String,
    return_url: String,
    excuse_url: String,
    cancel_url: String,
    release_url: String,
    content_lang: String,
    content_dir: &'static str,
}

/// What a re-rendered page keeps: the grader's input, a message.
#[derive(Default)]
struct Kept {
    input: Option<AssessmentInput>,
    note: Option<String>,
    error: Option<Html>,
    lock_conflict: Option<Html>,
    cancel_error: Option<(i64, Html, String)>,
}

/// The submission, for the staff of the course in the URL (404 otherwise).
async fn staff_view(cx: &Cx, course: &CourseCx, id: i64) -> AppResult<SubmissionView> {
    let v = service::view(cx, id).await?;
    if v.viewer != service::Viewer::Staff || v.assignment.course.id() != course.id() {
        return Err(AppError::NotFound);
    }
    Ok(v)
}

use uc::LockState;

/// The submission's assessments as the grading page lists them.
fn assessment_blocks(
    p: &Page,
    c: &OpenResponseContent,
    v: &SubmissionView,
) -> Vec<AssessmentBlock> {
    let criterion_label = |name: &str| {
        c.rubric
            .criterion(name)
            .map_or_else(|| name.to_owned(), |cr| cr.label.clone())
    };
    v.version
        .assessments
        .iter()
        .map(|a| {
            let mut lines: Vec<AssessedLine> = Vec::new();
            let mut names: Vec<&String> = a.options.keys().collect();
            for k in a.criterion_feedback.keys() {
                if !names.contains(&k) {
                    names.push(k);
                }
            }
            // In the rubric's order, then anything it no longer has.
            names.sort_by_key(|n| {
                c.rubric
                    .criteria
                    .iter()
                    .position(|cr| &cr.name == *n)
                    .unwrap_or(usize::MAX)
            });
            for name in names {
                let option = a
                    .options
                    .get(name)
                    .map(|o| {
                        c.rubric
                            .criterion(name)
                            .and_then(|cr| cr.option(o))
                            .map_or_else(|| o.clone(), |opt| service::option_label(p, opt))
                    })
                    .unwrap_or_default();
                lines.push(AssessedLine {
                    label: criterion_label(name),
                    option,
                    points: a.points.get(name).copied(),
                    feedback: a.criterion_feedback.get(name).cloned().unwrap_or_default(),
                });
            }
            let by = a
                .row
                .assessor_id
                .and_then(|id| v.names.get(&id).cloned())
                .unwrap_or_default();
            AssessmentBlock {
                id: a.row.id,
                step_key: step_key(a.step),
                by,
                at: from_millis(a.row.created_at),
                earned: points(a.row.earned),
                possible: points(f64::from(c.rubric.max_points())),
                lines,
                overall: a.row.overall_feedback.clone(),
                cancelled: !a.counts(),
                cancel_reason: a.row.cancel_reason.clone(),
                can_cancel: a.counts() && a.step == Step::Peer,
            }
        })
        .collect()
}

/// What the grading form starts from: this grader's kept draft, else the latest staff
/// assessment, so a regrade starts from the grade the learner has.
fn starting_input(v: &SubmissionView) -> Option<AssessmentInput> {
    v.grader_draft.clone().or_else(|| {
        v.version
            .assessments
            .iter()
            .rfind(|a| a.counts() && a.step == Step::Staff)
            .map(|a| AssessmentInput {
                criteria: a.options.clone(),
                criterion_feedback: a.criterion_feedback.clone(),
                overall_feedback: a.row.overall_feedback.clone(),
            })
    })
}

/// The rubric as the grading form, filled from `input`.
fn grading_form(
    p: &Page,
    c: &OpenResponseContent,
    input: Option<&AssessmentInput>,
) -> Vec<CriterionField> {
    c.rubric
        .criteria
        .iter()
        .enumerate()
        .map(|(i, cr)| {
            let chosen = input.and_then(|x| x.criteria.get(&cr.name));
            CriterionField {
                i,
                name: cr.name.clone(),
                label: cr.label.clone(),
                prompt: cr.prompt.clone(),
                options: cr
                    .options
                    .iter()
                    .enumerate()
                    .map(|(j, o)| OptionField {
                        id: format!("c{i}-o{j}"),
                        name: o.name.clone(),
                        label: service::option_label(p, o),
                        points: o.points,
                        explanation: o.explanation.clone(),
                        checked: chosen == Some(&o.name),
                    })
                    .collect(),
                feedback_asked: cr.feedback.asked(),
                feedback_required: cr.feedback == Requirement::Required,
                feedback: input
                    .and_then(|x| x.criterion_feedback.get(&cr.name).cloned())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

fn build_page(
    cx: &Cx,
    p: Page,
    course: &CourseCx,
    v: &SubmissionView,
    lock: LockState,
    kept: Kept,
) -> SubmissionPage {
    let c = v.assignment.content();
    let s = &v.version.row;
    let status = &v.version.status;
    let me = cx.user_id().map(|u| u.0);
    let learner_name = v
        .learner
        .as_ref()
        .map(|u| {
            if u.display_name.trim().is_empty() {
                u.username.clone()
            } else {
                u.display_name.clone()
            }
        })
        .unwrap_or_default();
    let learner_username = v
        .learner
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let current = s.state != repo::SUPERSEDED;
    let current_url = if current {
        None
    } else {
        v.versions
            .iter()
            .rfind(|x| x.state != repo::SUPERSEDED)
            .map(|x| submission_url(course, x.id))
    };
    let assessments = assessment_blocks(&p, c, v);
    // What was typed (a refused post), else what grading starts from.
    let input = kept.input.or_else(|| starting_input(v));
    let criteria = grading_form(&p, c, input.as_ref());
    let overall = input.as_ref().map_or_else(
        || c.rubric.feedback_default_text.clone(),
        |x| x.overall_feedback.clone(),
    );
    let title = p.text1("lyceum-or-staff-submission-title", &learner_name);
    let url = |what: &str| course.url(&format!("instructor/submissions/{}/{what}", s.id));
    let head = head(cx, course, "instructor");
    SubmissionPage {
        title,
        content_dir: head.dir,
        head,
        nav: nav(course, "open-responses"),
        back_url: queue_url(course, Some(s.block_id)),
        learner_name,
        learner_username,
        assignment_title: v.assignment.title(),
        assignment_url: v.assignment.url(),
        prompts: c.prompts.iter().map(|x| Html(x.clone())).collect(),
        version: s.version,
        submitted: from_millis(s.submitted_at),
        current_url,
        versions: v
            .versions
            .iter()
            .map(|x| VersionLink {
                version: x.version,
                url: submission_url(course, x.id),
                at: from_millis(x.submitted_at),
                this: x.id == s.id,
            })
            .collect(),
        // Shown as the learner sees it on their own page.
        text: super::learner::text_html(&s.text),
        files: v
            .version
            .files
            .iter()
            .map(|f| FileLink {
                name: f.file_name.clone(),
                alt: f.alt.clone(),
                url: course.url(&format!("open-response/files/{}", f.id)),
                size: human_size(f.size),
            })
            .collect(),
        stage_key: stage_key(status.stage),
        steps: status
            .steps
            .iter()
            .map(|x| StepLine {
                step_key: step_key(x.step),
                state_key: state_key(x.state),
            })
            .collect(),
        score: status
            .score
            .as_ref()
            .map(|sc| (points(sc.earned), points(sc.possible), step_key(sc.source))),
        has_peer: c.has_step(Step::Peer),
        peer: c.has_step(Step::Peer).then(|| {
            (
                v.version
                    .assessments
                    .iter()
                    .filter(|a| a.step == Step::Peer && a.counts())
                    .count(),
                c.peer.graded_by,
            )
        }),
        peer_excused: s.peer_excused,
        returned: status.stage == Stage::Returned,
        return_note: s.return_note.clone(),
        assessments,
        criteria,
        overall_asked: c.rubric.overall_feedback.asked(),
        overall_required: c.rubric.overall_feedback == Requirement::Required,
        overall_label: c.rubric.feedback_prompt.clone(),
        overall,
        note: kept.note.unwrap_or_default(),
        holds_lock: current && me.is_some() && matches!(lock, LockState::Mine),
        lock_free: current && me.is_some() && matches!(lock, LockState::Free),
        locked_by: match lock {
            LockState::Other(name) if current => Some(name),
            _ => None,
        },
        start_url: url("lock"),
        lock_conflict: kept.lock_conflict,
        error: kept.error,
        cancel_error: kept.cancel_error,
        assess_url: url("assess"),
        return_url: url("return"),
        excuse_url: url("excuse"),
        cancel_url: url("cancel-assessment"),
        release_url: url("release"),
        content_lang: course.row.language.clone(),
        p,
    }
}

fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{} MB", points(b / (1024.0 * 1024.0)))
    } else if b >= 1024.0 {
        format!("{} kB", (b / 1024.0).round())
    } else {
        format!("{b} B")
    }
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn submission(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let v = staff_view(&cx, &course, id).await?;
    let staff = cx.require_user()?.id();
    // A GET only reads: the lock is taken by "Start grading" or by the first save.
    let lock = lock_state(&cx, id, staff).await?;
    let p = page_with_notice(&cx.page, q.notice.as_deref());
    let page = build_page(&cx, p, &course, &v, lock, Kept::default());
    Ok(html_response(page.render().map_err(AppError::internal)?))
}

/// Who holds the grading lock on a submission, as the page shows it. Reads only.
async fn lock_state(cx: &Cx, id: i64, staff: UserId) -> AppResult<LockState> {
    Ok(uc::lock_state(&cx.app.env(), id, staff).await?)
}

/// `POST …/submissions/{id}/lock`: start grading (take the 30-minute lock) and go to the
/// rubric; when another grader holds it, the page says who.
pub async fn start(cx: Cx, Path((key, id)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, &course, id).await?;
    if v.version.row.state == repo::SUPERSEDED {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-or-superseded",
        )));
    }
    match uc::lock(&cx.app.env(), id, staff).await? {
        Ok(_) => Ok(see_other(&format!("{}#grade", submission_url(&course, id)))),
        Err(name) => {
            let kept = Kept {
                lock_conflict: Some(cx.page.t1("lyceum-or-staff-locked-by", name)),
                ..Kept::default()
            };
            rerender(&cx, &course, id, kept, StatusCode::CONFLICT).await
        }
    }
}

/// Re-render the page after a failed post: the input kept, the status given.
async fn rerender(
    cx: &Cx,
    course: &CourseCx,
    id: i64,
    kept: Kept,
    status: StatusCode,
) -> AppResult<Response> {
    let v = staff_view(cx, course, id).await?;
    let staff = cx.require_user()?.id();
    let lock = lock_state(cx, id, staff).await?;
    let page = build_page(cx, cx.page.clone(), course, &v, lock, kept);
    let mut r = html_response(page.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The rubric form's fields: `o.CRITERION` (the option), `f.CRITERION`, `overall`.
fn assessment_input(fields: &[(String, String)]) -> AssessmentInput {
    let mut input = AssessmentInput::default();
    for (k, v) in fields {
        if let Some(name) = k.strip_prefix("o.") {
            input.criteria.insert(name.to_owned(), v.clone());
        } else if let Some(name) = k.strip_prefix("f.")
            && !v.trim().is_empty()
        {
            input.criterion_feedback.insert(name.to_owned(), v.clone());
        } else if k == "overall" {
            input.overall_feedback = v.clone();
        }
    }
    input
}

/// The next submission waiting for staff on the same assignment, not locked by anyone.
async fn next_waiting(
    cx: &Cx,
    course: &CourseCx,
    block: i64,
    after: i64,
) -> AppResult<Option<i64>> {
    let rows = service::queue(&cx.app, course, Some(BlockId(block))).await?;
    Ok(rows
        .iter()
        .find(|r| r.submission.id != after && r.is(QueueFilter::Waiting) && r.locked_by.is_none())
        .map(|r| r.submission.id))
}

pub async fn assess(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, &course, id).await?;
    let fields = form_fields(&body);
    let input = assessment_input(&fields);
    let as_peer = field(&fields, "as") == "peer";
    let block = v.assignment.block.0;
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::staff_assess(&env, &a, staff, id, &input, as_peer);
    match done
        .await
        .map(|d| service::told(&cx.app, d))
        .map_err(AppError::from)
    {
        Ok(StaffOutcome::Graded(_)) => {
            let to = match next_waiting(&cx, &course, block, id).await? {
                Some(next) => submission_url(&course, next),
                None => queue_url(&course, Some(block)),
            };
            Ok(see_other(&with_notice(&to, "or-graded")))
        }
        Ok(StaffOutcome::Locked(name)) => {
            let msg = cx.page.t1("lyceum-error-or-locked", name);
            let kept = Kept {
                input: Some(input),
                lock_conflict: Some(msg),
                ..Kept::default()
            };
            rerender(&cx, &course, id, kept, StatusCode::CONFLICT).await
        }
        Err(AppError::Invalid { status, error }) => {
            let kept = Kept {
                input: Some(input),
                error: Some(error_html(&cx.page, &error)),
                ..Kept::default()
            };
            rerender(&cx, &course, id, kept, status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn return_for_revision(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, &course, id).await?;
    let fields = form_fields(&body);
    let note = field(&fields, "note").to_owned();
    let keep = |error: Option<Html>, lock_conflict: Option<Html>| Kept {
        note: Some(note.clone()),
        error,
        lock_conflict,
        ..Kept::default()
    };
    // One use case decides: a note is required, and another grader at work on it
    // changes nothing (the note stays in the form).
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::return_for_revision(&env, &a, staff, id, &note);
    match done
        .await
        .map(|d| service::told(&cx.app, d))
        .map_err(AppError::from)
    {
        Ok(Ok(_)) => Ok(see_other(&with_notice(
            &queue_url(&course, Some(v.assignment.block.0)),
            "or-returned",
        ))),
        Ok(Err(name)) => {
            let msg = cx.page.t1("lyceum-or-staff-locked-return", name);
            rerender(
                &cx,
                &course,
                id,
                keep(None, Some(msg)),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(AppError::Invalid { status, error }) => {
            let e = error_html(&cx.page, &error);
            rerender(&cx, &course, id, keep(Some(e), None), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ExcuseForm {
    excused: String,
}

pub async fn excuse(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    axum::Form(f): axum::Form<ExcuseForm>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, &course, id).await?;
    let excused = f.excused == "1";
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::excuse_peer(&env, &a, staff, id, excused).await?;
    service::told(&cx.app, done);
    Ok(see_other(&with_notice(
        &submission_url(&course, id),
        if excused {
            "or-excused"
        } else {
            "or-unexcused"
        },
    )))
}

pub async fn cancel_assessment(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, &course, id).await?;
    let fields = form_fields(&body);
    let assessment: i64 = field(&fields, "assessment")
        .parse()
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let reason = field(&fields, "reason").to_owned();
    if !v.version.assessments.iter().any(|a| a.row.id == assessment) {
        return Err(AppError::NotFound);
    }
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::cancel_assessment(&env, &a, staff, assessment, &reason);
    match done
        .await
        .map(|d| service::told(&cx.app, d))
        .map_err(AppError::from)
    {
        Ok(_) => Ok(see_other(&with_notice(
            &submission_url(&course, id),
            "or-cancelled",
        ))),
        Err(AppError::Invalid { status, error }) => {
            let kept = Kept {
                cancel_error: Some((assessment, error_html(&cx.page, &error), reason)),
                ..Kept::default()
            };
            rerender(&cx, &course, id, kept, status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn release(cx: Cx, Path((key, id)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, &course, id).await?;
    uc::unlock(&cx.app.env(), id, staff).await?;
    Ok(see_other(&with_notice(
        &queue_url(&course, Some(v.assignment.block.0)),
        "or-released",
    )))
}

// ---------- Downloads ----------

/// An open-response block of the course (released or not), or 404.
fn block_of(course: &CourseCx, block: i64) -> AppResult<usize> {
    assignments(course)
        .into_iter()
        .find(|(_, id)| id.0 == block)
        .map(|(i, _)| i)
        .ok_or(AppError::NotFound)
}

fn download_name(course: &CourseCx, idx: usize, ext: &str) -> String {
    let tree = course.tree();
    format!(
        "{}-{}-{}.{ext}",
        course.row.code,
        tree.node(idx).url_name,
        ext_label(ext)
    )
}

fn ext_label(ext: &str) -> &'static str {
    if ext == "zip" { "responses" } else { "scores" }
}

enum Source {
    Text(String),
    /// A file of the media store, by hash.
    File(String),
}

/// Every version of every learner's response, with its files: `USERNAME/v1.txt` and
/// `USERNAME/v1/FILE`.
pub async fn responses_zip(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let idx = block_of(&course, block)?;
    let a = service::course_ref(&course)
        .assignment(idx)
        .ok_or(AppError::NotFound)?;
    let uc::queue::Responses {
        versions,
        files,
        learners,
    } = uc::queue::all_responses(&cx.app.env(), &a).await?;
    let names: HashMap<i64, String> = learners
        .into_iter()
        .map(|(id, u)| (id, zipfile::safe_name(&u.username)))
        .collect();
    let mut by_submission: BTreeMap<i64, Vec<&repo::AttachmentRow>> = BTreeMap::new();
    for f in &files {
        if let Some(s) = f.submission_id {
            by_submission.entry(s).or_default().push(f);
        }
    }
    let mut entries: Vec<(String, Source, (u16, u16))> = Vec::new();
    for v in &versions {
        let folder = names
            .get(&v.user_id)
            .cloned()
            .unwrap_or_else(|| format!("user-{}", v.user_id));
        let when = zipfile::dos_time(from_millis(v.submitted_at));
        if !v.text.is_empty() {
            entries.push((
                format!("{folder}/v{}.txt", v.version),
                Source::Text(v.text.clone()),
                when,
            ));
        }
        let mut taken = HashSet::new();
        for f in by_submission.get(&v.id).into_iter().flatten() {
            let mut name = zipfile::safe_name(&f.file_name);
            let mut n = 2;
            while !taken.insert(name.clone()) {
                let base = zipfile::safe_name(&f.file_name);
                name = match base.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}-{n}.{ext}"),
                    None => format!("{base}-{n}"),
                };
                n += 1;
            }
            entries.push((
                format!("{folder}/v{}/{name}", v.version),
                Source::File(f.sha256.clone()),
                zipfile::dos_time(from_millis(f.created_at)),
            ));
        }
    }
    let media = cx.app.media().clone();
    let bytes = tokio::task::spawn_blocking(move || -> AppResult<Vec<u8>> {
        let mut z = ZipWriter::new();
        for (name, source, when) in entries {
            match source {
                Source::Text(t) => z.add(&name, t.as_bytes(), when),
                Source::File(sha) => match media.read(&sha) {
                    Ok(data) => z.add(&name, &data, when),
                    Err(e) => {
                        tracing::warn!(sha = %sha, error = %e, "response file missing from the media store");
                        continue;
                    }
                },
            }
            .map_err(|_| AppError::invalid(DomainError::new("lyceum-or-staff-error-zip-too-large")))?;
        }
        z.finish()
            .map_err(|_| AppError::invalid(DomainError::new("lyceum-or-staff-error-zip-too-large")))
    })
    .await
    .map_err(AppError::internal)??;
    Ok(crate::handlers::download(
        bytes.into_response(),
        "application/zip",
        &download_name(&course, idx, "zip"),
    ))
}

/// One row per learner's current version: who, which version, where it stands, its
/// points per scored criterion and in all, and which step they came from.
pub async fn scores_csv(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let idx = block_of(&course, block)?;
    let content = content_at(&course, idx).ok_or(AppError::NotFound)?;
    let rows = service::queue(&cx.app, &course, Some(BlockId(block))).await?;
    let people = uc::queue::learners_of(&cx.app.env(), &rows).await?;
    let scored: Vec<&str> = content
        .rubric
        .criteria
        .iter()
        .filter(|cr| !cr.options.is_empty())
        .map(|cr| cr.name.as_str())
        .collect();
    let mut csv = Csv::new();
    let mut header = vec![
        "username".to_owned(),
        "name".to_owned(),
        "version".to_owned(),
        "submitted_at".to_owned(),
        "stage".to_owned(),
    ];
    header.extend(scored.iter().map(|n| (*n).to_owned()));
    header.extend(["total", "possible", "source"].map(String::from));
    csv.row(&header);
    for r in &rows {
        let u = people.get(&r.submission.user_id);
        let mut line = vec![
            u.map(|u| u.username.clone()).unwrap_or_default(),
            u.map(|u| u.display_name.clone()).unwrap_or_default(),
            r.submission.version.to_string(),
            from_millis(r.submission.submitted_at)
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            r.status.stage.as_str().to_owned(),
        ];
        let score = r.status.score.as_ref();
        for n in &scored {
            line.push(
                score
                    .and_then(|s| s.criteria.get(*n))
                    .map(|x| points(*x))
                    .unwrap_or_default(),
            );
        }
        line.push(score.map(|s| points(s.earned)).unwrap_or_default());
        line.push(points(f64::from(content.rubric.max_points())));
        line.push(
            score
                .map(|s| s.source.as_str().to_owned())
                .unwrap_or_default(),
        );
        csv.row(&line);
    }
    Ok(csv.into_download(&download_name(&course, idx, "csv")))
}

// ---------- The course page ----------

/// Waiting work for the course page, for the course team: (waiting for staff, stuck
/// waiting for peers, the queue's URL). `None` for everyone else.
pub async fn course_counts(
    cx: &Cx,
    course: &CourseCx,
) -> AppResult<Option<(usize, usize, String)>> {
    if !can(&cx.actor(), Action::Grade, Resource::Course(&course.facts)).allowed() {
        return Ok(None);
    }
    let (waiting, stuck) = service::waiting_counts(&cx.app, course).await?;
    Ok(Some((
        waiting,
        stuck,
        course.url("instructor/open-responses"),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_make_an_assessment() {
        let f = form_fields(
            b"o.clarity=wikilearn-good&f.clarity=Nice&f.fit=&overall=Well+done&as=peer",
        );
        let a = assessment_input(&f);
        assert_eq!(a.criteria["clarity"], "wikilearn-good");
        assert_eq!(a.criterion_feedback.len(), 1);
        assert_eq!(a.overall_feedback, "Well done");
        assert_eq!(field(&f, "as"), "peer");
    }

    #[test]
    fn points_read_well() {
        assert_eq!(points(2.0), "2");
        assert_eq!(points(2.5), "2.5");
        assert_eq!(points(7.0 / 3.0), "2.33");
    }
}
