//! Wiki tasks over JSON: a task as the learner sees it and "Check my work"
//! (`/api/v1/wiki-tasks/{block_id}…`), and the course team's on-wiki activity of the
//! cohort (`/api/v1/courses/{course_id}/wiki-activity`, and as CSV). The field names
//! are the stable interface.

use super::{course_ref, require_participant, task_at, title_at, wiki_link, with_username};
use crate::api::{json, timestamp};
use crate::courses::CourseCx;
use crate::csv::Csv;
use crate::error::AppResult;
use crate::page::Cx;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::wiki_tasks::{self, CheckNote, CohortActivity, TaskView};
use lyceum_core::BlockId;
use lyceum_core::blocks::wiki_task::activity::Activity;
use lyceum_core::blocks::wiki_task::{Criteria, WikiTaskContent};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// The wiki tasks' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(get_task, check, activity, activity_csv),
    components(schemas(TaskJson, EvidenceJson, ActivityJson, LearnerJson, WikiActivityJson, CohortJson)),
    tags((name = "wiki-tasks", description = "Exercises done on the wikis, checked through the Action API, and the cohort's on-wiki work"))
)]
pub struct WikiTaskDoc;

/// One piece of evidence a check found: immutable, but for its flag.
#[derive(Serialize, ToSchema)]
pub struct EvidenceJson {
    /// The wiki's name on this site (a Wikimedia domain, or a configured wiki's name).
    pub wiki: String,
    /// The revision id (for an upload: its log id).
    pub revid: i64,
    pub title: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// Bytes the edit added (negative: removed); 0 for uploads.
    pub sizediff: i64,
    pub tags: Vec<String>,
    /// The diff on the wiki (`index.php?diff=REVID`), when the wiki is one this site reads.
    pub url: Option<String>,
    pub upload: bool,
    /// `reverted` or `deleted` once a re-check saw it so; absent otherwise.
    pub flag: Option<String>,
}

/// A wiki task as the learner sees it.
#[derive(Serialize, ToSchema)]
pub struct TaskJson {
    pub block: i64,
    pub title: String,
    /// What counts: `type` (`edit`, `upload`, `wikidata`), `wiki`, and the criteria's
    /// fields (`title_pattern` with `{username}` replaced once the learner's wiki account
    /// is known; `namespaces`, `page`, `min_bytes`, `must_contain`, `tag`, `min_edits`;
    /// `category`, `licence_template`, `min_uploads`; `property`, `with_reference`).
    #[schema(value_type = Object)]
    pub criteria: serde_json::Value,
    /// `not_started`, `done` or `flagged` (done once, but an edit it rests on was
    /// reverted or deleted since).
    pub status: String,
    pub evidence: Vec<EvidenceJson>,
    /// The last check, by the learner or the background sync (RFC 3339).
    pub last_checked: Option<String>,
    /// Why the last check could not decide: `no_identity` (link a Wikimedia account in
    /// Preferences), `wiki_not_available` (not a wiki this site reads),
    /// `wiki_unavailable` (could not be reached; retried later), `nothing_found_yet`.
    pub note: Option<String>,
    /// The learner's user name on the wiki, if linked.
    pub wiki_username: Option<String>,
    /// Where to do the task on the wiki (pre-filled where the wiki allows).
    pub wiki_url: Option<String>,
    /// When work starts and stops counting for this learner (RFC 3339).
    pub window_from: Option<String>,
    pub window_until: Option<String>,
    pub graded: bool,
    /// When staff confirmed the credit (it is then never withdrawn by a re-check).
    pub confirmed_at: Option<String>,
}

fn note_str(n: &CheckNote) -> &'static str {
    match n {
        CheckNote::NoIdentity => "no_identity",
        CheckNote::WikiNotAvailable => "wiki_not_available",
        CheckNote::WikiUnavailable => "wiki_unavailable",
        CheckNote::NothingFoundYet => "nothing_found_yet",
    }
}

/// The criteria as the learner sees them.
fn criteria_json(c: &WikiTaskContent, username: Option<&str>) -> serde_json::Value {
    let mut criteria = c.criteria.clone();
    if let Criteria::Edit(e) = &mut criteria {
        e.title_pattern = with_username(&e.title_pattern, username);
    }
    let mut v = serde_json::to_value(&criteria).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("wiki".into(), serde_json::Value::String(c.wiki.clone()));
    }
    v
}

fn task_json(cx: &Cx, course: &CourseCx, v: &TaskView) -> AppResult<TaskJson> {
    let (idx, c) = task_at(course, v.block)?;
    let wiki = cx.app.wikis().registry.get(&c.wiki);
    let username = v.username.as_deref();
    let note = if wiki.is_none() {
        Some(CheckNote::WikiNotAvailable)
    } else {
        v.note.clone()
    };
    Ok(TaskJson {
        block: v.block.0,
        title: title_at(course, idx),
        criteria: criteria_json(c, username),
        status: v.status.as_str().to_owned(),
        evidence: v
            .evidence
            .iter()
            .map(|e| EvidenceJson {
                wiki: e.wiki.clone(),
                revid: e.revid,
                title: e.title.clone(),
                timestamp: timestamp(e.timestamp),
                sizediff: e.sizediff,
                tags: e.tags.clone(),
                url: e.diff_url.clone(),
                upload: e.is_upload,
                flag: e.flag.clone(),
            })
            .collect(),
        last_checked: v.checked_at.map(timestamp),
        note: note.as_ref().map(|n| note_str(n).to_owned()),
        wiki_username: v.username.clone(),
        wiki_url: wiki.as_ref().map(|w| wiki_link(w, c, username)),
        window_from: v.from.map(timestamp),
        window_until: v.until.map(timestamp),
        graded: c.graded,
        confirmed_at: v.confirmed.as_ref().map(|(at, _)| timestamp(*at)),
    })
}

/// The task `block_id`'s course, for an enrolled learner or the course team (404 to
/// anyone else).
async fn load_task(cx: &Cx, block_id: i64) -> AppResult<CourseCx> {
    let course = crate::courses::load_of_block(cx, BlockId(block_id)).await?;
    require_participant(cx, &course)?;
    task_at(&course, BlockId(block_id))?;
    Ok(course)
}

/// A wiki task: what counts, the caller's status, evidence and last check.
#[utoipa::path(get, path = "/api/v1/wiki-tasks/{block_id}",
    params(("block_id" = i64, Path, description = "The task block's id")),
    responses((status = 200, body = TaskJson),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such task, or the caller is neither enrolled nor on the course team")),
    tag = "wiki-tasks")]
pub async fn get_task(cx: Cx, Path(block_id): Path<i64>) -> AppResult<Response> {
    cx.require_user()?;
    let course = load_task(&cx, block_id).await?;
    let cref = course_ref(&cx, &course);
    let v = wiki_tasks::view(&cx.app.env(), cx.app.wikis(), &cref, BlockId(block_id)).await?;
    Ok(json(StatusCode::OK, task_json(&cx, &course, &v)?))
}

/// "Check my work": read what is new on the wiki for the caller and judge it now. A wiki
/// that cannot be reached is not an error: `note` says so and the sync retries later.
#[utoipa::path(post, path = "/api/v1/wiki-tasks/{block_id}/check",
    params(("block_id" = i64, Path, description = "The task block's id")),
    responses((status = 200, body = TaskJson, description = "The task after the check"),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such task, or the caller is neither enrolled nor on the course team"),
        (status = 429, description = "Checked too recently: `Retry-After` says when to try again")),
    tag = "wiki-tasks")]
pub async fn check(cx: Cx, Path(block_id): Path<i64>) -> AppResult<Response> {
    cx.require_user()?;
    let course = load_task(&cx, block_id).await?;
    let cref = course_ref(&cx, &course);
    let v = wiki_tasks::check(&cx.app.env(), cx.app.wikis(), &cref, BlockId(block_id)).await?;
    Ok(json(StatusCode::OK, task_json(&cx, &course, &v)?))
}

/// Sums of on-wiki work over the course's window.
#[derive(Serialize, ToSchema)]
pub struct ActivityJson {
    pub edits: i64,
    pub pages_created: i64,
    pub pages_edited: i64,
    /// Only what edits added (positive size differences).
    pub bytes_added: i64,
    /// Counted from revision content against its parent.
    pub references_added: i64,
    pub uploads: i64,
}

impl From<&Activity> for ActivityJson {
    fn from(a: &Activity) -> Self {
        ActivityJson {
            edits: a.edits,
            pages_created: a.pages_created,
            pages_edited: a.pages_edited,
            bytes_added: a.bytes_added,
            references_added: a.refs_added,
            uploads: a.uploads,
        }
    }
}

/// One wiki's sums for a learner.
#[derive(Serialize, ToSchema)]
pub struct WikiActivityJson {
    pub wiki: String,
    #[serde(flatten)]
    pub activity: ActivityJson,
}

/// One learner's on-wiki work.
#[derive(Serialize, ToSchema)]
pub struct LearnerJson {
    pub username: String,
    pub display_name: String,
    /// Their user name on the wikis, if they linked a Wikimedia account.
    pub wiki_username: Option<String>,
    #[serde(flatten)]
    pub activity: ActivityJson,
    pub per_wiki: Vec<WikiActivityJson>,
    pub last_checked: Option<String>,
}

/// The cohort's on-wiki work.
#[derive(Serialize, ToSchema)]
pub struct CohortJson {
    pub course_id: String,
    /// The window summed over (RFC 3339).
    pub from: Option<String>,
    pub until: Option<String>,
    pub total: ActivityJson,
    pub learners: Vec<LearnerJson>,
}

fn cohort_json(course: &CourseCx, a: &CohortActivity) -> CohortJson {
    CohortJson {
        course_id: course.key().to_owned(),
        from: a.from.map(timestamp),
        until: a.until.map(timestamp),
        total: (&a.total).into(),
        learners: a
            .learners
            .iter()
            .map(|l| LearnerJson {
                username: l.username.clone(),
                display_name: l.display_name.clone(),
                wiki_username: l.wiki_username.clone(),
                activity: (&l.total).into(),
                per_wiki: l
                    .per_wiki
                    .iter()
                    .map(|(w, a)| WikiActivityJson {
                        wiki: w.clone(),
                        activity: a.into(),
                    })
                    .collect(),
                last_checked: l.last_checked.map(timestamp),
            })
            .collect(),
    }
}

/// The cohort's activity for the course team (404 to anyone else).
pub(super) async fn cohort(cx: &Cx, course: &CourseCx) -> AppResult<CohortActivity> {
    let cref = course_ref(cx, course);
    Ok(wiki_tasks::activity(&cx.app.env(), &cref).await?)
}

/// The cohort's on-wiki work, per learner and in total, over the course's window.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/wiki-activity",
    params(("course_id" = String, Path, description = "The course key")),
    responses((status = 200, body = CohortJson),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such course, or the caller is not on its team")),
    tag = "wiki-tasks")]
pub async fn activity(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let course = crate::handlers::instructor::load(&cx, &course_id).await?;
    let a = cohort(&cx, &course).await?;
    Ok(json(StatusCode::OK, cohort_json(&course, &a)))
}

/// The cohort's activity as CSV: a header row, one row per learner.
pub(super) fn csv(a: &CohortActivity) -> Csv {
    let mut out = Csv::new();
    out.row([
        "username",
        "display_name",
        "wiki_username",
        "edits",
        "pages_created",
        "pages_edited",
        "bytes_added",
        "references_added",
        "uploads",
        "last_checked",
    ]);
    for l in &a.learners {
        let t = &l.total;
        out.row([
            l.username.clone(),
            l.display_name.clone(),
            l.wiki_username.clone().unwrap_or_default(),
            t.edits.to_string(),
            t.pages_created.to_string(),
            t.pages_edited.to_string(),
            t.bytes_added.to_string(),
            t.refs_added.to_string(),
            t.uploads.to_string(),
            l.last_checked.map(timestamp).unwrap_or_default(),
        ]);
    }
    out
}

/// The same as CSV (cells a spreadsheet would run as a formula are escaped).
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/wiki-activity.csv",
    params(("course_id" = String, Path, description = "The course key")),
    responses((status = 200, content_type = "text/csv", description = "username, display_name, wiki_username, edits, pages_created, pages_edited, bytes_added, references_added, uploads, last_checked"),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such course, or the caller is not on its team")),
    tag = "wiki-tasks")]
pub async fn activity_csv(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let course = crate::handlers::instructor::load(&cx, &course_id).await?;
    let a = cohort(&cx, &course).await?;
    Ok(csv(&a).into_download(&format!("wiki-activity-{}.csv", course.row.code)))
}
