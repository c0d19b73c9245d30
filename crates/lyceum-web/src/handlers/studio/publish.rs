//! Publishing a draft, throwing it away, and previewing it as a learner would see it.
//!
//! The preview renders the draft's tree through the kinds' learner views with no learner
//! state (nothing can be answered, nothing is written): a `CourseCx` like any page's, its
//! content swapped for the draft ([`preview_course`]).

use super::{StudioHead, StudioTab, load};
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, see_other};
use crate::kinds::{self, BlockCtx, BlockState};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use lyceum_app::authoring::{self, Draft};
use lyceum_core::BlockId;
use lyceum_core::course::{CourseStatus, CourseTree, NodeKind};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    summary: String,
}

/// How many changed problems a publish reports learners' scores for.
const RESCORE_REPORT_MAX: usize = 20;

pub async fn publish(
    cx: Cx,
    Path(key): Path<String>,
    Form(f): Form<PublishForm>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let env = cx.app.env();
    let actor = cx.actor();
    // Problems learners have scores on whose draft differs from what they answered: after
    // the publish their scores may change once rescored (Open edX keeps scores until
    // staff rescore).
    let mut affected = Vec::new();
    if draft.status() == CourseStatus::Published {
        for b in draft
            .blocks
            .iter()
            .filter(|b| b.kind == "problem" && b.changed && b.published_revision > 0)
            .take(RESCORE_REPORT_MAX)
        {
            let impact = authoring::impact(&env, &actor, b.block()).await?;
            if impact.work.scored > 0 {
                affected.push(format!("{}:{}", b.id, impact.work.scored));
            }
        }
    }
    let out = authoring::publish(&env, &actor, draft.course.id(), &f.summary).await?;
    let mut qs = url::form_urlencoded::Serializer::new(String::new());
    match out.status {
        CourseStatus::Review => {
            qs.append_pair("done", "review");
        }
        _ if out.changed == 0 && draft.status() == CourseStatus::Published => {
            qs.append_pair("done", "nothing");
        }
        _ => {
            qs.append_pair("done", "published");
            qs.append_pair("version", &out.version.to_string());
            if !affected.is_empty() {
                qs.append_pair("rescore", &affected.join(","));
            }
        }
    }
    Ok(see_other(&format!("/courses/{key}/studio?{}", qs.finish())))
}

/// What the outline says after an action done elsewhere (publish, discard, delete).
#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    /// `BLOCK:LEARNERS,…`: problems whose scores a publish may change.
    #[serde(default)]
    rescore: Option<String>,
}

/// A problem whose learners' scores may change after a publish.
pub struct RescoreLine {
    pub title: String,
    pub learners: i64,
    pub rescore_url: String,
}

/// The notice at the top of the outline after an action.
pub struct DoneNotice {
    pub text: Html,
    pub rescore: Vec<RescoreLine>,
}

pub fn done_notice(p: &Page, draft: &Draft, q: &DoneQuery) -> Option<DoneNotice> {
    let key = &draft.course.course_key;
    let text = match q.done.as_deref()? {
        "published" => p.t1("lyceum-studio-published", q.version.unwrap_or(0)),
        "review" => p.t("lyceum-studio-submitted-review"),
        "nothing" => p.t("lyceum-studio-nothing-to-publish"),
        "discarded" => p.t("lyceum-studio-discarded"),
        "deleted" => p.t("lyceum-studio-deleted"),
        "restored" => p.t("lyceum-studio-restored"),
        _ => return None,
    };
    // Only problems of this course's draft are named; anything else in the address is
    // ignored.
    let rescore = q
        .rescore
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|pair| {
            let (id, n) = pair.split_once(':')?;
            let id: i64 = id.parse().ok()?;
            let n: i64 = n.parse().ok()?;
            let b = draft.get(BlockId(id)).filter(|b| b.kind == "problem")?;
            let title = if b.title.is_empty() {
                b.parent_id
                    .and_then(|u| draft.get(BlockId(u)))
                    .map(|u| u.title.clone())
                    .unwrap_or_default()
            } else {
                b.title.clone()
            };
            Some(RescoreLine {
                title,
                learners: n,
                rescore_url: format!("/courses/{key}/instructor/problems/{id}/rescore"),
            })
        })
        .take(RESCORE_REPORT_MAX)
        .collect();
    Some(DoneNotice { text, rescore })
}

#[derive(Template)]
#[template(path = "studio/discard.html")]
struct DiscardView {
    p: Page,
    title: String,
    studio: StudioHead,
    changes: i64,
    never_published: usize,
    action: String,
    cancel: String,
}

pub async fn discard_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let v = DiscardView {
        title: cx.page.text("lyceum-studio-discard-title"),
        studio: StudioHead::new(&cx, &draft, StudioTab::None),
        changes: draft.changes,
        never_published: draft
            .blocks
            .iter()
            .filter(|b| b.published_revision == 0)
            .count(),
        action: format!("/courses/{key}/studio/discard"),
        cancel: format!("/courses/{key}/studio"),
        p: cx.page.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

#[derive(Deserialize)]
pub struct DiscardForm {
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn discard(
    cx: Cx,
    Path(key): Path<String>,
    Form(f): Form<DiscardForm>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    if f.confirm.is_none() {
        return Ok(see_other(&format!("/courses/{key}/studio/discard")));
    }
    authoring::discard(&cx.app.env(), &cx.actor(), draft.course.id()).await?;
    Ok(see_other(&format!("/courses/{key}/studio?done=discarded")))
}

/// The course as `cx` sees it, with the draft's tree in place of the published one: the
/// kinds render it as they render any unit. Its assets are the course's (uploads are
/// not drafted); it has no pages of its own (the preview shows units only).
async fn preview_course(cx: &Cx, key: &str, tree: CourseTree) -> AppResult<CourseCx> {
    let mut course = courses::load_as(&cx.app, key, cx.user_id(), cx.actor()).await?;
    // Never a real version: this content is not cached.
    course.content = Arc::new(course.content.showing(-1, tree));
    // An author previews every unit, unreleased ones included (each says when it opens).
    course.vis.see_unreleased = true;
    Ok(course)
}

pub async fn preview_start(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let tree = draft.tree();
    let first = (0..tree.len()).find(|&i| tree.node(i).kind == NodeKind::Unit);
    match first {
        Some(u) => Ok(see_other(&format!(
            "/courses/{key}/studio/preview/unit/{}",
            tree.node(u).url_name
        ))),
        None => {
            let v = PreviewView {
                title: cx.page.text("lyceum-studio-preview-title"),
                studio: StudioHead::new(&cx, &draft, StudioTab::None),
                unit_title: String::new(),
                language: draft.course.language.clone(),
                dir: super::content_dir(&draft.course.language),
                crumbs: Vec::new(),
                blocks: Vec::new(),
                prev_url: None,
                next_url: None,
                units: Vec::new(),
                hidden: false,
                opens: None,
                edit_url: None,
                p: cx.page.clone(),
            };
            Ok(html_response(v.render().map_err(AppError::internal)?))
        }
    }
}

/// An entry of the preview's list of units.
pub struct PreviewUnit {
    pub section: String,
    pub title: String,
    pub url: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "studio/preview.html")]
struct PreviewView {
    p: Page,
    title: String,
    studio: StudioHead,
    unit_title: String,
    language: String,
    dir: &'static str,
    crumbs: Vec<String>,
    blocks: Vec<Html>,
    prev_url: Option<String>,
    next_url: Option<String>,
    units: Vec<PreviewUnit>,
    /// Hidden from learners (staff only).
    hidden: bool,
    /// Opens to learners later, at this time.
    opens: Option<jiff::Timestamp>,
    edit_url: Option<String>,
}

pub async fn preview_unit(
    cx: Cx,
    Path((key, unit)): Path<(String, String)>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let course = preview_course(&cx, &key, draft.tree()).await?;
    let tree = course.tree();
    let idx = tree
        .find_url_name(&unit)
        .filter(|&i| tree.node(i).kind == NodeKind::Unit)
        .ok_or(AppError::NotFound)?;
    let node = tree.node(idx);
    let ctx = BlockCtx {
        p: &cx.page,
        course: &course,
        // No learner state and nothing to answer: a preview writes nothing.
        tracking: false,
        staff: false,
        now: cx.app.now(),
        overlay: None,
        // A problem's answers go to the editor's Check: graded on the draft, not stored.
        preview: true,
    };
    let blank = BlockState::default();
    let blocks = tree
        .children(idx)
        .iter()
        .map(|&leaf| kinds::render(&ctx, leaf, &blank))
        .collect();
    let unit_url = |u: usize| {
        format!(
            "/courses/{key}/studio/preview/unit/{}",
            tree.node(u).url_name
        )
    };
    let (prev, next) = tree.neighbours(idx, &course.vis);
    let units = (0..tree.len())
        .filter(|&i| tree.node(i).kind == NodeKind::Unit)
        .map(|i| PreviewUnit {
            section: tree
                .ancestors(i)
                .first()
                .map(|&s| tree.node(s).title.clone())
                .unwrap_or_default(),
            title: tree.node(i).title.clone(),
            url: unit_url(i),
            current: i == idx,
        })
        .collect();
    let now = cx.app.now();
    let hidden = tree
        .ancestors(idx)
        .iter()
        .chain(std::iter::once(&idx))
        .any(|&a| {
            draft
                .get(tree.node(a).id)
                .is_some_and(authoring::is_staff_only)
        });
    let v = PreviewView {
        title: cx.page.text("lyceum-studio-preview-title"),
        studio: StudioHead::new(&cx, &draft, StudioTab::None),
        unit_title: node.title.clone(),
        language: draft.course.language.clone(),
        dir: super::content_dir(&draft.course.language),
        crumbs: tree
            .ancestors(idx)
            .iter()
            .map(|&a| tree.node(a).title.clone())
            .collect(),
        blocks,
        prev_url: prev.map(unit_url),
        next_url: next.map(unit_url),
        units,
        hidden,
        opens: if hidden {
            None
        } else {
            node.effective_release.filter(|r| *r > now)
        },
        edit_url: Some(format!("/courses/{key}/studio/unit/{}", node.id.0)),
        p: cx.page.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}
