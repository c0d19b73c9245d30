//! Open responses for learners, in HTML that works without JavaScript: the block on the
//! unit page (prompt, rubric, steps, the writing form, self review, results), its form
//! actions and file uploads, the peer-review page, and downloading attached files.
//!
//! Every operation is a use case of `lyceum_app::open_responses` (the same the JSON API
//! calls); this module shows its answers and turns forms into its calls. Response text is stored as typed and shown as plain text: escaped,
//! with its line breaks, web addresses made links (as the JSON API's clients would).

use super::assignment::{self as ors, Assessment, Assignment, LearnerState, Version, released};
use super::files;
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head, render_unit};
use crate::handlers::{html_response, see_other, with_notice};
use crate::kinds::BlockCtx;
use crate::page::{Cx, Html, Page, Piece, escape};
use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Request};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::open_responses as uc;
use lyceum_core::blocks::open_response::{
    AssessmentInput, OpenResponseContent, Requirement, Step, is_image,
};
use lyceum_core::clock::from_millis;
use lyceum_core::open_response::{Stage, StepState};
use lyceum_core::{BlockId, DomainError, UserId};
use lyceum_store::repo::open_responses as repo;
use std::collections::HashMap;
use std::sync::Arc;

pub use super::files::UPLOAD_BODY_LIMIT;

// --- State on the unit page -------------------------------------------------------------

/// A learner's state on one open-response block, shared by the unit page's blocks.
#[derive(Clone)]
pub struct OrState(pub Arc<LearnerState>);

impl std::fmt::Debug for OrState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrState")
            .field("versions", &self.0.versions.len())
            .field("can_write", &self.0.can_write)
            .finish()
    }
}

/// What was just posted and refused, for one block: kept and shown with why.
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    pub text: Option<String>,
    pub message: Option<Html>,
    pub review: Option<AssessmentInput>,
}

/// The learner's state on the open-response blocks of a unit: one `learner_state` per
/// open-response block, nothing for other blocks.
pub async fn states_in_unit(
    app: &crate::state::App,
    course: &CourseCx,
    unit: usize,
    user: UserId,
) -> AppResult<HashMap<BlockId, OrState>> {
    let env = app.env();
    let mut out = HashMap::new();
    for &leaf in course.tree().children(unit) {
        if let Some(a) = ors::course_ref(course).assignment(leaf) {
            let st = lyceum_app::open_responses::learner_state(&env, &a, user).await?;
            out.insert(a.block, OrState(Arc::new(st)));
        }
    }
    Ok(out)
}

// --- Views ------------------------------------------------------------------------------

pub struct OptionView {
    pub name: String,
    pub label: String,
    /// The label is a preset's, in the reader's language (not the course's).
    pub ui: bool,
    pub points: String,
    pub explanation: String,
    pub checked: bool,
}

pub struct CriterionView {
    pub name: String,
    pub label: String,
    pub prompt: String,
    pub feedback_asked: bool,
    pub feedback_required: bool,
    pub feedback: String,
    pub options: Vec<OptionView>,
}

/// The rubric as a form (self and peer review) or as a reference (while writing).
pub struct RubricForm {
    pub criteria: Vec<CriterionView>,
    pub overall_asked: bool,
    pub overall_required: bool,
    pub overall_prompt: String,
    pub overall: String,
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub alt: String,
    pub url: String,
    pub size: String,
}

pub struct FilesForm {
    pub rules: Html,
    pub accept: String,
    pub upload_url: String,
    pub alt_required: bool,
    pub can_add: bool,
    pub files: Vec<FileView>,
}

pub struct WriteForm {
    pub text: String,
    pub text_asked: bool,
    pub text_required: bool,
    pub saved_at: Option<Timestamp>,
    pub warning: Html,
    pub files: Option<FilesForm>,
    /// A revision after a result: the form waits behind "Revise and resubmit".
    pub collapsed: bool,
}

pub struct StepLine {
    pub label: Html,
    pub state: Html,
    pub class: &'static str,
}

pub struct CriterionResult {
    pub label: String,
    pub option: String,
    pub ui: bool,
    pub points: Html,
    pub feedback: String,
}

pub struct AssessmentView {
    pub who: Html,
    pub criteria: Vec<CriterionResult>,
    pub overall: Html,
}

pub struct VersionView {
    pub heading: Html,
    pub submitted: Timestamp,
    pub text: Html,
    pub files: Vec<FileView>,
    pub assessments: Vec<AssessmentView>,
    pub score: Option<Html>,
    pub return_note: Html,
}

#[derive(Template)]
#[template(path = "blocks/open_response.html")]
struct BlockView<'a> {
    p: &'a Page,
    id: i64,
    title: String,
    expected: Option<Html>,
    due: Option<Timestamp>,
    prompts: Vec<Html>,
    rubric: Option<RubricForm>,
    steps: Vec<StepLine>,
    action_url: String,
    message: Option<Html>,
    /// Why the learner cannot respond here (log in, enroll, closed).
    notice: Option<Html>,
    write: Option<WriteForm>,
    self_form: Option<RubricForm>,
    self_prefix: String,
    peer: Option<(String, Html)>,
    waiting: Option<Html>,
    score: Option<Html>,
    current: Option<VersionView>,
    older: Vec<VersionView>,
    staff_url: Option<String>,
}

fn points(p: &Page, n: impl crate::page::ToArg) -> String {
    p.text1("lyceum-or-points", n)
}

fn rubric_form(p: &Page, c: &OpenResponseContent, filled: Option<&AssessmentInput>) -> RubricForm {
    let r = &c.rubric;
    RubricForm {
        criteria: r
            .criteria
            .iter()
            .map(|cr| {
                let chosen = filled.and_then(|f| f.criteria.get(&cr.name));
                CriterionView {
                    name: cr.name.clone(),
                    label: cr.label.clone(),
                    prompt: cr.prompt.clone(),
                    feedback_asked: cr.feedback.asked(),
                    feedback_required: cr.feedback == Requirement::Required,
                    feedback: filled
                        .and_then(|f| f.criterion_feedback.get(&cr.name))
                        .cloned()
                        .unwrap_or_default(),
                    options: cr
                        .options
                        .iter()
                        .map(|o| OptionView {
                            name: o.name.clone(),
                            label: ors::option_label(p, o),
                            ui: o.label.trim().is_empty(),
                            points: points(p, o.points),
                            explanation: o.explanation.clone(),
                            checked: chosen == Some(&o.name),
                        })
                        .collect(),
                }
            })
            .collect(),
        overall_asked: r.overall_feedback.asked(),
        overall_required: r.overall_feedback == Requirement::Required,
        overall_prompt: r.feedback_prompt.clone(),
        overall: filled.map_or_else(
            || r.feedback_default_text.clone(),
            |f| f.overall_feedback.clone(),
        ),
    }
}

/// A rubric form as posted: `criterion.NAME`, `feedback.NAME`, `overall_feedback`.
fn rubric_input(pairs: &[(String, String)]) -> AssessmentInput {
    let mut a = AssessmentInput::default();
    for (k, v) in pairs {
        if let Some(name) = k.strip_prefix("criterion.") {
            a.criteria.insert(name.to_owned(), v.clone());
        } else if let Some(name) = k.strip_prefix("feedback.") {
            if !v.trim().is_empty() {
                a.criterion_feedback.insert(name.to_owned(), v.clone());
            }
        } else if k == "overall_feedback" {
            a.overall_feedback = v.clone();
        }
    }
    a
}

/// Response text as HTML: escaped, paragraphs and line breaks kept, web addresses linked.
pub fn text_html(text: &str) -> Html {
    let mut out = String::new();
    for para in text
        .replace("\r\n", "\n")
        .split("\n\n")
        .filter(|s| !s.trim().is_empty())
    {
        out.push_str("<p>");
        let lines: Vec<String> = para.trim_matches('\n').lines().map(linkify).collect();
        out.push_str(&lines.join("<br>\n"));
        out.push_str("</p>\n");
    }
    Html(out)
}

fn linkify(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let trimmed = word.trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        if (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
            && trimmed.len() > 8
            && url::Url::parse(trimmed).is_ok()
        {
            let e = escape(trimmed);
            out.push_str(&format!(
                r#"<a href="{e}" rel="nofollow noopener">{e}</a>{}"#,
                escape(&word[trimmed.len()..])
            ));
        } else {
            out.push_str(&escape(word));
        }
    }
    out
}

fn size_text(p: &Page, bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        p.text1(
            "lyceum-size-mb",
            ((bytes as f64 / (1024.0 * 1024.0)) * 10.0).round() / 10.0,
        )
    } else {
        p.text1("lyceum-size-kb", (bytes as f64 / 1024.0).ceil() as i64)
    }
}

fn file_views(p: &Page, course: &CourseCx, files: &[repo::AttachmentRow]) -> Vec<FileView> {
    files
        .iter()
        .map(|f| FileView {
            id: f.id,
            name: f.file_name.clone(),
            alt: f.alt.clone(),
            url: course.url(&format!("open-response/files/{}", f.id)),
            size: size_text(p, f.size),
        })
        .collect()
}

fn error_message(p: &Page, e: &DomainError) -> Html {
    let args: Vec<Piece> = e
        .args
        .iter()
        .map(|a| Piece::Arg(lyceum_i18n::Arg::from(a.clone())))
        .collect();
    p.tn(e.key.0, &args)
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::Peer => "lyceum-or-step-peer",
        Step::SelfReview => "lyceum-or-step-self",
        Step::Staff => "lyceum-or-step-staff",
    }
}

fn steps(p: &Page, c: &OpenResponseContent, st: Option<&LearnerState>) -> Vec<StepLine> {
    let current = st.and_then(LearnerState::current);
    c.steps
        .iter()
        .enumerate()
        .map(|(i, &step)| {
            let label = p.t2("lyceum-or-step-line", i + 1, p.text(step_name(step)));
            let state = current.and_then(|v| v.status.steps.iter().find(|s| s.step == step));
            let (state, class) = match (state.map(|s| s.state), step) {
                (None, _) => (p.t("lyceum-or-state-not-started"), "pending"),
                (Some(StepState::Todo), Step::Peer) => (
                    p.t2(
                        "lyceum-or-state-reviews-given",
                        st.map_or(0, |s| s.reviews_given),
                        c.peer.must_grade,
                    ),
                    "todo",
                ),
                (Some(StepState::Todo), _) => (p.t("lyceum-or-state-todo"), "todo"),
                (Some(StepState::Waiting), _) => (p.t("lyceum-or-state-waiting"), "waiting"),
                (Some(StepState::Done), _) => (p.t("lyceum-or-state-done"), "done"),
                (Some(StepState::Skipped), _) => (p.t("lyceum-or-state-skipped"), "skipped"),
            };
            StepLine {
                label,
                state,
                class,
            }
        })
        .collect()
}

fn assessment_views(p: &Page, c: &OpenResponseContent, list: &[Assessment]) -> Vec<AssessmentView> {
    let order = |s: Step| match s {
        Step::Staff => 0,
        Step::Peer => 1,
        Step::SelfReview => 2,
    };
    let mut list: Vec<&Assessment> = list.iter().collect();
    // Staff first, then peers, then the learner's own.
    list.sort_by_key(|a| order(a.step));
    let mut peer = 0;
    let mut out = Vec::new();
    for a in list {
        let who = match a.step {
            Step::Staff => p.t("lyceum-or-by-staff"),
            Step::SelfReview => p.t("lyceum-or-by-self"),
            Step::Peer => {
                peer += 1;
                p.t1("lyceum-or-by-peer", peer)
            }
        };
        let criteria = c
            .rubric
            .criteria
            .iter()
            .filter_map(|cr| {
                let chosen = a.options.get(&cr.name).and_then(|o| cr.option(o));
                let feedback = a
                    .criterion_feedback
                    .get(&cr.name)
                    .cloned()
                    .unwrap_or_default();
                if chosen.is_none() && feedback.is_empty() {
                    return None;
                }
                Some(CriterionResult {
                    label: cr.label.clone(),
                    option: chosen.map(|o| ors::option_label(p, o)).unwrap_or_default(),
                    ui: chosen.is_some_and(|o| o.label.trim().is_empty()),
                    points: chosen
                        .map(|o| p.t2("lyceum-or-points-of", o.points, cr.max_points()))
                        .unwrap_or_default(),
                    feedback,
                })
            })
            .collect();
        out.push(AssessmentView {
            who,
            criteria,
            overall: text_html(&a.row.overall_feedback),
        });
    }
    out
}

/// "7 / 9 points", and what that is worth in the grade when the block is weighted.
fn score_text(p: &Page, c: &OpenResponseContent, v: &Version) -> Option<Html> {
    let s = v.status.score.as_ref()?;
    let raw = p.t2("lyceum-or-score", s.earned, s.possible);
    match c.weight {
        Some(w) if s.possible > 0.0 && (w - s.possible).abs() > f64::EPSILON => {
            let weighted = crate::grades::round2(s.earned * w / s.possible);
            Some(Html(format!(
                "{} {}",
                raw.0,
                p.t2(
                    "lyceum-or-score-in-grade",
                    weighted,
                    crate::grades::round2(w)
                )
                .0
            )))
        }
        _ => Some(raw),
    }
}

fn version_view(p: &Page, course: &CourseCx, c: &OpenResponseContent, v: &Version) -> VersionView {
    let shown = released(&v.status, v.assessments.clone());
    VersionView {
        heading: p.t1("lyceum-or-version", v.row.version),
        submitted: from_millis(v.row.submitted_at),
        text: text_html(&v.row.text),
        files: file_views(p, course, &v.files),
        assessments: assessment_views(p, c, &shown),
        score: score_text(p, c, v),
        return_note: if v.row.state == repo::RETURNED {
            text_html(&v.row.return_note)
        } else {
            Html::default()
        },
    }
}

fn files_form(
    p: &Page,
    course: &CourseCx,
    c: &OpenResponseContent,
    id: i64,
    st: &LearnerState,
) -> Option<FilesForm> {
    let rules = c.files.as_ref().filter(|f| f.requirement.asked())?;
    let allowed = rules.allowed.join(", ");
    Some(FilesForm {
        rules: p.t3(
            "lyceum-or-files-rules",
            allowed,
            rules.max_mb,
            rules.max_files,
        ),
        accept: rules
            .allowed
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(","),
        upload_url: course.url(&format!("open-response/{id}/files")),
        alt_required: rules.allowed.iter().any(|e| is_image(&format!("x.{e}"))),
        can_add: st.draft_files.len() < rules.max_files as usize,
        files: file_views(p, course, &st.draft_files),
    })
}

/// The writing form: the text (what was refused, else the draft, else the current
/// version's), the files, and whether it waits behind "Revise and resubmit".
fn write_form(
    ctx: &BlockCtx<'_>,
    c: &OpenResponseContent,
    id: i64,
    s: &LearnerState,
    overlay: Option<&Overlay>,
) -> WriteForm {
    let (p, course) = (ctx.p, ctx.course);
    let current = s.current();
    let stage = current.map(|v| v.status.stage);
    let text = overlay
        .and_then(|o| o.text.clone())
        .or_else(|| s.draft.as_ref().map(|d| d.0.clone()))
        .or_else(|| current.map(|v| v.row.text.clone()))
        .unwrap_or_default();
    let warning = if c.allow_resubmission {
        p.t("lyceum-or-submit-warning-resubmit")
    } else {
        p.t("lyceum-or-submit-warning")
    };
    WriteForm {
        text,
        text_asked: c.text.asked(),
        text_required: c.text == Requirement::Required,
        saved_at: s.draft.as_ref().map(|d| from_millis(d.1)),
        warning,
        files: files_form(p, course, c, id, s),
        collapsed: stage == Some(Stage::Done)
            && overlay.is_none()
            && s.draft.is_none()
            && s.draft_files.is_empty(),
    }
}

/// The block on the unit page.
pub fn render(
    ctx: &BlockCtx<'_>,
    idx: usize,
    c: &OpenResponseContent,
    st: Option<&OrState>,
) -> askama::Result<String> {
    let (p, course) = (ctx.p, ctx.course);
    let tree = course.tree();
    let node = tree.node(idx);
    let id = node.id.0;
    let overlay = ctx.overlay_for::<Overlay>(node.id);
    let st = st.map(|s| s.0.as_ref());
    let current = st.and_then(LearnerState::current);
    let title = if node.title.trim().is_empty() {
        tree.unit_of(idx)
            .map(|u| tree.node(u).title.clone())
            .unwrap_or_default()
    } else {
        node.title.clone()
    };
    let stage = current.map(|v| v.status.stage);
    let mut notice = None;
    let mut write = None;
    match st {
        None if p.viewer.is_none() => notice = Some(p.t("lyceum-or-login-to-respond")),
        None => notice = Some(p.t("lyceum-or-enroll-to-respond")),
        Some(s) if s.can_write => {
            if let Some(closed) = &s.closed {
                notice = Some(error_message(p, closed));
            } else {
                write = Some(write_form(ctx, c, id, s, overlay));
            }
        }
        Some(_) => {}
    }
    let self_form = (stage == Some(Stage::SelfReview))
        .then(|| rubric_form(p, c, overlay.and_then(|o| o.review.as_ref())));
    let peer = match (stage, current) {
        (Some(Stage::PeerReview), Some(v)) => Some((
            course.url(&format!("open-response/{id}/peer-review")),
            p.t1("lyceum-or-peer-todo", v.status.reviews_to_give),
        )),
        _ => None,
    };
    let waiting = match (stage, current) {
        (Some(Stage::WaitingForPeers), Some(v)) => {
            Some(p.t1("lyceum-or-waiting-peers", v.status.reviews_to_receive))
        }
        (Some(Stage::WaitingForStaff), _) => Some(p.t("lyceum-or-waiting-staff")),
        (Some(Stage::Returned), _) => Some(p.t("lyceum-or-returned")),
        _ => None,
    };
    let writing = write.as_ref().is_some_and(|w| !w.collapsed);
    let mut versions: Vec<VersionView> = st
        .map(|s| {
            s.versions
                .iter()
                .rev()
                .map(|v| version_view(p, course, c, v))
                .collect()
        })
        .unwrap_or_default();
    let current_view = if versions.is_empty() {
        None
    } else {
        Some(versions.remove(0))
    };
    BlockView {
        p,
        id,
        title,
        expected: c
            .expected_minutes
            .map(|m| p.t1("lyceum-or-expected-minutes", m)),
        due: tree.due_of(idx),
        prompts: c.prompts.iter().map(|h| course.author_html(p, h)).collect(),
        rubric: (c.show_rubric_while_writing && (current.is_none() || writing))
            .then(|| rubric_form(p, c, None)),
        steps: steps(p, c, st),
        action_url: course.url(&format!("open-response/{id}")),
        message: overlay.and_then(|o| o.message.clone()),
        notice,
        write,
        self_form,
        self_prefix: format!("self-{id}"),
        peer,
        waiting,
        score: current.and_then(|v| score_text(p, c, v)),
        current: current_view,
        older: versions,
        staff_url: ctx
            .staff
            .then(|| course.url(&format!("instructor/open-responses?block={id}"))),
    }
    .render()
}

// --- Form actions -----------------------------------------------------------------------

/// The assignment of a form post: the block in this course, for a caller who may
/// respond there (`can`: enrolled, or on the team); not found for anyone else, as in the
/// JSON API.
async fn posted(cx: &Cx, key: &str, block: i64) -> AppResult<(Assignment, UserId)> {
    let user = cx.require_user()?.id();
    let course = courses::load(cx, key).await?;
    let a = ors::respond_in(cx, course, BlockId(block))?;
    Ok((a, user))
}

/// Show the unit again with what was posted and why it was refused.
async fn again(
    cx: &Cx,
    a: &Assignment,
    overlay: Overlay,
    status: StatusCode,
) -> AppResult<Response> {
    let unit = a.course.tree().unit_of(a.idx).ok_or(AppError::NotFound)?;
    render_unit(
        cx,
        &a.course,
        unit,
        Some(crate::kinds::Overlay::new(a.block, overlay)),
        status,
    )
    .await
}

fn done(a: &Assignment, notice: &str) -> Response {
    see_other(&with_notice(&a.url(), notice))
}

/// Save the text as the draft when it changed (before an upload or a removal), so
/// nothing typed is lost.
async fn keep_text(cx: &Cx, a: &Assignment, user: UserId, text: Option<&str>) -> AppResult<()> {
    let Some(text) = text else { return Ok(()) };
    Ok(uc::learner::keep_draft(&cx.app.env(), &a.app(), user, text).await?)
}

/// `POST /courses/{key}/open-response/{block}`: save, submit, self-review, remove-file.
pub async fn action(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let (a, user) = posted(&cx, &key, block).await?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let text = field("text").map(str::to_owned);
    let keep = |message: Html| Overlay {
        text: text.clone(),
        message: Some(message),
        review: None,
    };
    // A file's remove button sits in the writing form: it names the file itself.
    let removing = field("remove_file").or(if field("action") == Some("remove-file") {
        field("file")
    } else {
        None
    });
    let action = if removing.is_some() {
        "remove-file"
    } else {
        field("action").unwrap_or("save")
    };
    let env = cx.app.env();
    let typed = text.as_deref().unwrap_or("");
    let result = match action {
        "save" => uc::save_draft(&env, &a.app(), user, typed)
            .await
            .map(|_| "or-draft-saved")
            .map_err(AppError::from),
        "submit" => uc::submit(&env, &a.app(), user, typed)
            .await
            .map(|done| ors::told(&cx.app, done))
            .map(|_| "or-submitted")
            .map_err(AppError::from),
        "remove-file" => {
            let id: i64 = removing
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| AppError::bad_request("lyceum-error-bad-form"))?;
            match keep_text(&cx, &a, user, text.as_deref()).await {
                Ok(()) => uc::remove_attachment(&env, &a.app(), user, id)
                    .await
                    .map(|()| "or-file-removed")
                    .map_err(AppError::from),
                Err(e) => Err(e),
            }
        }
        "self-review" => {
            let input = rubric_input(&pairs);
            match uc::self_review(&env, &a.app(), user, &input)
                .await
                .map(|done| ors::told(&cx.app, done))
                .map_err(AppError::from)
            {
                Ok(_) => Ok("or-self-reviewed"),
                Err(AppError::Invalid { status, error }) => {
                    let overlay = Overlay {
                        text: None,
                        message: Some(error_message(&cx.page, &error)),
                        review: Some(input),
                    };
                    return again(&cx, &a, overlay, status).await;
                }
                Err(e) => Err(e),
            }
        }
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    match result {
        Ok(notice) => Ok(done(&a, notice)),
        // Refused: the unit again, with what was typed and why.
        Err(AppError::Invalid { status, error }) => {
            let m = error_message(&cx.page, &error);
            again(&cx, &a, keep(m), status).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /courses/{key}/open-response/{block}/files`: attach a file to the draft (the
/// text typed so far comes along and is kept as the draft).
pub async fn upload(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let (a, user) = posted(&cx, &key, block).await?;
    let form = form.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let mut got = files::Received::default();
    let result = match files::receive(&cx, &a, form, &mut got).await {
        Ok(()) => match keep_text(&cx, &a, user, got.text.as_deref()).await {
            Ok(()) => files::store(&cx, &a, user, &got).await.map(|_| ()),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(done(&a, "or-file-added")),
        Err(AppError::Invalid { status, error }) => {
            let overlay = Overlay {
                message: Some(error_message(&cx.page, &error)),
                text: got.text,
                review: None,
            };
            again(&cx, &a, overlay, status).await
        }
        Err(e) => Err(e),
    }
}

// --- Peer review --------------------------------------------------------------------------

pub struct PeerTaskView {
    pub submission: i64,
    pub text: Html,
    pub files: Vec<FileView>,
}

#[derive(Template)]
#[template(path = "blocks/or_peer_review.html")]
struct PeerView {
    p: Page,
    title: String,
    head: CourseHead,
    assignment: String,
    back_url: String,
    action_url: String,
    prompts: Vec<Html>,
    progress: Html,
    /// All required reviews given.
    finished: bool,
    task: Option<PeerTaskView>,
    form: Option<RubricForm>,
    message: Option<Html>,
    /// Where "Review responses" asks for one (a POST).
    next_url: String,
    /// The last ask found nothing to review.
    none_waiting: bool,
}

async fn peer_assignment(cx: &Cx, key: &str, block: i64) -> AppResult<(Assignment, UserId)> {
    let (a, user) = posted(cx, key, block).await?;
    if !a.content().has_step(Step::Peer) {
        return Err(AppError::NotFound);
    }
    Ok((a, user))
}

async fn peer_page_with(
    cx: &Cx,
    a: &Assignment,
    user: UserId,
    refused: Option<(AssessmentInput, Html)>,
    status: StatusCode,
) -> AppResult<Response> {
    peer_page_full(cx, a, user, refused, status, false).await
}

/// The peer-review page. It only reads: the response shown is the one the learner was
/// given; when there is none, a button (a POST) asks for one. `none_waiting` says that
/// the last ask found nothing.
async fn peer_page_full(
    cx: &Cx,
    a: &Assignment,
    user: UserId,
    refused: Option<(AssessmentInput, Html)>,
    status: StatusCode,
    none_waiting: bool,
) -> AppResult<Response> {
    let c = a.content();
    let given = uc::learner::reviews_given(&cx.app.env(), &a.app(), user).await?;
    let required = i64::from(c.peer.must_grade);
    let finished = given >= required && refused.is_none();
    let task = if finished {
        None
    } else {
        uc::current_peer(&cx.app.env(), &a.app(), user).await?
    };
    let p = &cx.page;
    let (filled, message) = match refused {
        Some((input, m)) => (Some(input), Some(m)),
        None => (None, None),
    };
    let task = task.map(|t| PeerTaskView {
        submission: t.submission.id,
        text: text_html(&t.submission.text),
        files: file_views(p, &a.course, &t.files),
    });
    let form = task.as_ref().map(|_| rubric_form(p, c, filled.as_ref()));
    let view = PeerView {
        title: p.text1("lyceum-or-peer-title", a.title()),
        head: head(cx, &a.course, "courseware"),
        assignment: a.title(),
        back_url: a.url(),
        action_url: a
            .course
            .url(&format!("open-response/{}/peer-review", a.block.0)),
        prompts: c
            .prompts
            .iter()
            .map(|h| a.course.author_html(p, h))
            .collect(),
        progress: p.t2(
            "lyceum-or-state-reviews-given",
            given.min(required),
            required,
        ),
        next_url: a
            .course
            .url(&format!("open-response/{}/peer-review/next", a.block.0)),
        none_waiting,
        finished,
        task,
        form,
        message,
        p: p.clone(),
    };
    let mut r = html_response(view.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

/// `POST …/peer-review/next`: be given a response to review, then see it on the page.
pub async fn peer_next(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let (a, user) = peer_assignment(&cx, &key, block).await?;
    let page = a
        .course
        .url(&format!("open-response/{}/peer-review", a.block.0));
    Ok(match uc::next_peer(&cx.app.env(), &a.app(), user).await? {
        Some(_) => see_other(&page),
        None => see_other(&format!("{page}?none=1")),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct PeerQuery {
    none: Option<String>,
}

/// `GET /courses/{key}/open-response/{block}/peer-review`: the response to review.
pub async fn peer_page(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<PeerQuery>,
) -> AppResult<Response> {
    let (a, user) = peer_assignment(&cx, &key, block).await?;
    peer_page_full(&cx, &a, user, None, StatusCode::OK, q.none.is_some()).await
}

/// `POST …/peer-review`: store the review, then show the next one.
pub async fn peer_submit(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let (a, user) = peer_assignment(&cx, &key, block).await?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let submission: i64 = pairs
        .iter()
        .find(|(k, _)| k == "submission")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| AppError::bad_request("lyceum-error-bad-form"))?;
    let input = rubric_input(&pairs);
    let done = uc::peer_review(&cx.app.env(), &a.app(), user, submission, &input).await;
    match done.map(|d| ors::told(&cx.app, d)).map_err(AppError::from) {
        Ok(_) => Ok(see_other(&with_notice(
            &a.course
                .url(&format!("open-response/{}/peer-review", a.block.0)),
            "or-review-saved",
        ))),
        Err(AppError::Invalid { status, error }) => {
            let m = error_message(&cx.page, &error);
            peer_page_with(&cx, &a, user, Some((input, m)), status).await
        }
        Err(e) => Err(e),
    }
}

// --- Files ------------------------------------------------------------------------------

/// `GET /courses/{key}/open-response/files/{id}`: an attached file, for its owner, a peer
/// it was given to, and the course team; 404 for anyone else.
pub async fn file(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    req: Request,
) -> AppResult<Response> {
    let course = courses::load(&cx, &key).await?;
    let f = files::readable(&cx, id).await?;
    // Only files of this course's blocks, under this course's address.
    if course.tree().index_of(BlockId(f.block_id)).is_none() {
        return Err(AppError::NotFound);
    }
    files::serve(&cx, &f, req).await
}
