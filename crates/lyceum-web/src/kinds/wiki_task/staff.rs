//! The course team's view of the cohort's on-wiki work, as WikiEdu's Dashboard shows it
//! but inside the course: cohort totals and a line per learner (with CSV), and one
//! learner's edits and uploads with diff links, per-wiki sums and their task verdicts,
//! with "Confirm credit".

use super::learner::{
    ActivityPart, Figure, TaskLine, activity_part, figures, status_html as task_status, window_text,
};
use super::{course_ref, title_at, unit_url};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{NavLink, load, nav};
use crate::handlers::{html_response, see_other};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use lyceum_app::wiki_tasks::{self, Status};
use lyceum_core::blocks::wiki_task::WikiTask;
use lyceum_core::user::username_key;
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::users;

/// A learner's line on the dashboard.
pub struct LearnerRow {
    name: String,
    username: String,
    wiki_username: Option<String>,
    url: String,
    cells: Vec<String>,
    last_checked: Option<Html>,
}

#[derive(Template)]
#[template(path = "instructor/wiki_activity.html")]
struct DashboardView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    window: Option<Html>,
    total: Vec<Figure>,
    columns: Vec<Html>,
    rows: Vec<LearnerRow>,
    csv_url: String,
}

fn name_of(username: &str, display: &str) -> String {
    if display.trim().is_empty() {
        username.to_owned()
    } else {
        display.to_owned()
    }
}

/// `GET /courses/{key}/instructor/wiki-activity`: the cohort's totals and a line per
/// learner.
pub async fn dashboard(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let a = super::api::cohort(&cx, &course).await?;
    let p = &cx.page;
    let rows = a
        .learners
        .iter()
        .map(|l| {
            let n = |x: i64| crate::format::number(p, x as f64);
            let t = &l.total;
            LearnerRow {
                name: name_of(&l.username, &l.display_name),
                username: l.username.clone(),
                wiki_username: l.wiki_username.clone(),
                url: course.url(&format!(
                    "instructor/wiki-activity/{}",
                    urlencoding_path(&l.username)
                )),
                cells: vec![
                    n(t.edits),
                    n(t.pages_created),
                    n(t.pages_edited),
                    n(t.bytes_added),
                    n(t.refs_added),
                    n(t.uploads),
                ],
                last_checked: l.last_checked.map(|t| p.datetime(t)),
            }
        })
        .collect();
    let view = DashboardView {
        title: p.text("lyceum-wikitask-staff-title"),
        head: head(&cx, &course, "instructor"),
        nav: nav(&course, "wiki-activity"),
        window: window_text(p, a.from, a.until),
        total: figures(p, &a.total),
        columns: figures(p, &a.total).into_iter().map(|f| f.label).collect(),
        rows,
        csv_url: course.url("instructor/wiki-activity.csv"),
        p: cx.page,
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// `GET /courses/{key}/instructor/wiki-activity.csv`: the dashboard as CSV.
pub async fn dashboard_csv(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let a = super::api::cohort(&cx, &course).await?;
    Ok(super::api::csv(&a).into_download(&format!("wiki-activity-{}.csv", course.row.code)))
}

/// A user name in a path segment.
fn urlencoding_path(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[derive(Template)]
#[template(path = "instructor/wiki_learner.html")]
struct LearnerView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    back_url: String,
    act: ActivityPart,
    tasks: Vec<TaskLine>,
    confirm_url: String,
}

/// The learner named in the path, or 404.
async fn learner_named(cx: &Cx, username: &str) -> AppResult<users::UserRow> {
    let mut c = cx.app.store().conn().await?;
    users::find_user_by_key(&mut c, &username_key(username))
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)
}

/// The learner's verdicts on the course's tasks `blocks`, read in one statement: status,
/// and when staff confirmed the credit.
async fn verdicts(
    cx: &Cx,
    learner: UserId,
    blocks: &[BlockId],
) -> AppResult<Vec<(i64, String, Option<i64>)>> {
    let mut c = cx.app.store().conn().await?;
    let rows = lyceum_store::repo::wiki::task_states_in(&mut c, learner, blocks).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.block_id, r.status, r.confirmed_at))
        .collect())
}

/// `GET /courses/{key}/instructor/wiki-activity/{username}`: one learner's edits and
/// uploads (newest first, with diff links), per-wiki sums, and their task verdicts.
pub async fn learner_page(
    cx: Cx,
    Path((key, username)): Path<(String, String)>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let learner = learner_named(&cx, &username).await?;
    let cref = course_ref(&cx, &course);
    let wikis = cx.app.wikis();
    let a = wiki_tasks::learner_activity(&cx.app.env(), wikis, &cref, learner.id()).await?;
    let p = &cx.page;
    let tree = course.tree();
    let task_idx: Vec<usize> = tree
        .units()
        .iter()
        .flat_map(|&u| tree.children(u).iter().copied())
        .filter(|&i| tree.node(i).content_of::<WikiTask>().is_some())
        .collect();
    let blocks: Vec<BlockId> = task_idx.iter().map(|&i| tree.node(i).id).collect();
    let states = verdicts(&cx, learner.id(), &blocks).await?;
    let tasks = task_idx
        .into_iter()
        .map(|idx| {
            let block = tree.node(idx).id.0;
            let st = states.iter().find(|s| s.0 == block);
            let status = match st.map(|s| s.1.as_str()) {
                Some("done") => Status::Done,
                Some("flagged") => Status::Flagged,
                _ => Status::NotStarted,
            };
            let confirmed_at = st.and_then(|s| s.2);
            let fake = wiki_tasks::TaskView {
                block: BlockId(block),
                status,
                evidence: Vec::new(),
                checked_at: None,
                note: None,
                username: None,
                confirmed: None,
                from: None,
                until: None,
            };
            let (status, status_class) = task_status(p, Some(&fake));
            TaskLine {
                block,
                title: title_at(&course, idx),
                url: unit_url(&course, idx),
                status,
                status_class,
                confirmed: confirmed_at.map(|at| {
                    p.t1(
                        "lyceum-wikitask-confirmed-at",
                        p.date(lyceum_core::clock::from_millis(at)),
                    )
                }),
                is_confirmed: confirmed_at.is_some(),
            }
        })
        .collect();
    let name = name_of(&learner.username, &learner.display_name);
    let view = LearnerView {
        title: p.text1("lyceum-wikitask-learner-title", name),
        head: head(&cx, &course, "instructor"),
        nav: nav(&course, "wiki-activity"),
        back_url: course.url("instructor/wiki-activity"),
        act: activity_part(p, &wikis.registry, &a, false),
        tasks,
        confirm_url: course.url(&format!(
            "instructor/wiki-activity/{}/confirm",
            urlencoding_path(&learner.username)
        )),
        p: cx.page,
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// `POST /courses/{key}/instructor/wiki-activity/{username}/confirm` with `block` and
/// `confirmed` (`1` to confirm the credit, `0` to withdraw the confirmation).
pub async fn confirm(
    cx: Cx,
    Path((key, username)): Path<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let learner = learner_named(&cx, &username).await?;
    let mut block = None;
    let mut confirmed = None;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "block" => block = v.parse::<i64>().ok(),
            "confirmed" => confirmed = Some(v == "1"),
            _ => {}
        }
    }
    let (Some(block), Some(confirmed)) = (block, confirmed) else {
        return Err(AppError::bad_request("lyceum-error-bad-form"));
    };
    super::task_at(&course, BlockId(block))?;
    let cref = course_ref(&cx, &course);
    wiki_tasks::confirm(
        &cx.app.env(),
        &cref,
        learner.id(),
        BlockId(block),
        confirmed,
    )
    .await?;
    Ok(see_other(&format!(
        "{}#task-{block}",
        course.url(&format!(
            "instructor/wiki-activity/{}",
            urlencoding_path(&learner.username)
        ))
    )))
}
