//! Upstream sync in Studio: a fork's page of its source's changes since it last took
//! from it (each with the history page's diff), "Pull selected", and for blocks both
//! sides changed the two versions side by side with the base and three choices — take
//! the source's, keep mine, or save a merged version. The source's page of its forks,
//! and a fork's "What they changed" page: the way improvements flow back. Everything
//! goes through `lyceum_app::upstream`, which checks `can()`.

use super::history::{Diff, kind_label, line_diff, source_text, word_diff};
use super::{StudioHead, StudioTab, form_error, load};
use crate::editors::DiffRow;
use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, see_other};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::upstream::{self, BlockChange, ForkDiff, Resolution, SourceState, Version};
use lyceum_core::clock::from_millis;
use lyceum_core::course::upstream::ChangeKind;
use serde::Deserialize;

/// Texts longer than this many lines are compared line by line (see [`compare`]).
const LONG_TEXT_LINES: usize = 12;

/// Two versions compared: the title's change and the content's.
pub struct Compared {
    pub title: Option<Diff>,
    pub content: Diff,
}

fn compare(kind: &str, old: Option<&Version>, new: Option<&Version>) -> Option<Compared> {
    let (old_text, words) = old.map_or((String::new(), true), |v| source_text(kind, &v.content));
    let (new_text, _) = new.map_or((String::new(), true), |v| source_text(kind, &v.content));
    let title = word_diff(
        old.map_or("", |v| v.title.as_str()),
        new.map_or("", |v| v.title.as_str()),
    );
    // A long text compared word by word would be shown whole: beyond a screenful, line
    // by line with only the context around each change.
    let long = old_text.lines().count().max(new_text.lines().count()) > LONG_TEXT_LINES;
    let content = if words && !long {
        word_diff(&old_text, &new_text)
    } else {
        line_diff(&old_text, &new_text)
    };
    (title.changed || content.changed).then_some(Compared {
        title: title.changed.then_some(title),
        content,
    })
}

/// A course's title (in its language), linked when there is a page to link to.
fn link(url: Option<String>, title: &str, language: &str) -> Html {
    let e = crate::page::escape;
    let dir = super::content_dir(language);
    match url {
        Some(u) => Html(format!(
            "<a href=\"{}\" lang=\"{}\" dir=\"{dir}\">{}</a>",
            e(&u),
            e(language),
            e(title)
        )),
        None => Html(format!(
            "<bdi lang=\"{}\" dir=\"{dir}\">{}</bdi>",
            e(language),
            e(title)
        )),
    }
}

/// One change of the source on the page.
pub struct Item {
    /// What the form sends: the source block's id.
    pub id: i64,
    pub change_label: Html,
    pub kind_label: Html,
    pub title: String,
    pub conflict: bool,
    pub placeable: bool,
    pub moved: bool,
    pub descendants: usize,
    /// The source's change: its last version taken → its published one.
    pub theirs: Option<Compared>,
    /// A conflict: the fork's change (base → mine) and both side by side.
    pub mine: Option<Compared>,
    pub side_by_side: Vec<DiffRow>,
    /// A conflict: what the merge box starts with (mine), and the title.
    pub merge_text: String,
    pub merge_title: String,
    pub resolve_url: String,
}

fn change_key(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Changed => "lyceum-upstream-kind-changed",
        ChangeKind::Added => "lyceum-upstream-kind-added",
        ChangeKind::Removed => "lyceum-upstream-kind-removed",
        ChangeKind::Moved => "lyceum-upstream-kind-moved",
    }
}

fn item(p: &Page, key: &str, c: &BlockChange) -> Item {
    let theirs = match c.change.kind {
        ChangeKind::Moved => None,
        _ => compare(&c.kind, c.base.as_ref(), c.theirs.as_ref()),
    };
    let conflict = c.change.conflict && c.change.kind == ChangeKind::Changed;
    let (mine, side_by_side, merge_text) = match (&c.mine, conflict) {
        (Some(m), true) => {
            let (t, _) = c
                .theirs
                .as_ref()
                .map_or((String::new(), true), |v| source_text(&c.kind, &v.content));
            let (y, _) = source_text(&c.kind, &m.content);
            (
                compare(&c.kind, c.base.as_ref(), Some(m)),
                crate::editors::line_diff(&t, &y),
                upstream::editable_text(&c.kind, &m.content),
            )
        }
        _ => (None, Vec::new(), String::new()),
    };
    Item {
        id: c.id(),
        change_label: p.t(change_key(c.change.kind)),
        kind_label: kind_label(p, &c.kind),
        title: c.title().to_owned(),
        conflict: c.change.conflict,
        placeable: c.change.placeable,
        moved: c.change.moved,
        descendants: c.descendants,
        theirs,
        mine,
        side_by_side,
        merge_text,
        merge_title: c.mine.as_ref().map(|m| m.title.clone()).unwrap_or_default(),
        resolve_url: format!("/courses/{key}/studio/upstream/{}/resolve", c.id()),
    }
}

#[derive(Template)]
#[template(path = "studio/upstream.html")]
struct UpstreamView {
    p: Page,
    title: String,
    studio: StudioHead,
    /// The source's title, linked to its About page unless it was deleted.
    source_link: Html,
    state: &'static str,
    synced_version: i64,
    source_version: Option<i64>,
    /// Changes to pull with a checkbox.
    items: Vec<Item>,
    /// Changes both sides made, each with its own choices.
    conflicts: Vec<Item>,
    pull_url: String,
    notice: Option<Html>,
    error: Option<Html>,
    language: String,
    dir: &'static str,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    n: Option<usize>,
}

/// The course a Studio URL names, for a use case that loads it with the actor's rights
/// itself: someone not logged in is asked to log in, a key that cannot be is 404.
async fn course_of(cx: &Cx, key: &str) -> AppResult<lyceum_core::CourseId> {
    if cx.user().is_none() {
        return Err(AppError::LoginRequired {
            return_to: cx.page.path.clone(),
        });
    }
    if key.parse::<lyceum_core::course::CourseKey>().is_err() {
        return Err(AppError::NotFound);
    }
    let mut db = cx.app.store().conn().await?;
    Ok(lyceum_store::repo::courses::find_by_key(&mut db, key)
        .await?
        .ok_or(AppError::NotFound)?
        .id())
}

async fn page_with(
    cx: &Cx,
    key: &str,
    notice: Option<Html>,
    error: Option<Html>,
    status: StatusCode,
) -> AppResult<Response> {
    let course = course_of(cx, key).await?;
    let up = upstream::changes(&cx.app.env(), &cx.actor(), course).await?;
    let p = &cx.page;
    let (conflicts, items): (Vec<Item>, Vec<Item>) = up
        .changes
        .iter()
        .map(|c| item(p, key, c))
        .partition(|i| i.conflict && i.mine.is_some());
    let mut studio = StudioHead::new(cx, &up.draft, StudioTab::None);
    studio.upstream = Some((format!("/courses/{key}/studio/upstream"), up.changes.len()));
    let v = UpstreamView {
        title: p.text("lyceum-upstream-title"),
        studio,
        source_link: link(
            (up.state != SourceState::Deleted)
                .then(|| format!("/courses/{}/about", up.source_key())),
            up.source_title(),
            &up.draft.course.language,
        ),
        state: up.state.as_str(),
        synced_version: up.fork.synced_version,
        source_version: up.source_version(),
        items,
        conflicts,
        pull_url: format!("/courses/{key}/studio/upstream/pull"),
        notice,
        error,
        language: up.draft.course.language.clone(),
        dir: super::content_dir(&up.draft.course.language),
        p: p.clone(),
    };
    let mut r = html_response(v.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

/// The source's changes since the fork last took from it.
pub async fn page(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let p = &cx.page;
    let notice = match q.done.as_deref() {
        Some("pulled") => Some(p.t1("lyceum-upstream-done-pulled", q.n.unwrap_or(0))),
        Some("kept") => Some(p.t("lyceum-upstream-done-kept")),
        Some("merged") => Some(p.t("lyceum-upstream-done-merged")),
        _ => None,
    };
    page_with(&cx, &key, notice, None, StatusCode::OK).await
}

fn fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn refused_status(e: &lyceum_app::Error) -> StatusCode {
    match e.kind {
        lyceum_app::ErrorKind::Conflict => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// "Pull selected": the ticked changes into the draft.
pub async fn pull(cx: Cx, Path(key): Path<String>, body: axum::body::Bytes) -> AppResult<Response> {
    let course = course_of(&cx, &key).await?;
    let mut ids = Vec::new();
    for (k, v) in fields(&body) {
        if k == "blocks" {
            ids.push(
                v.parse::<i64>()
                    .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?,
            );
        }
    }
    match upstream::pull(&cx.app.env(), &cx.actor(), course, &ids).await {
        Ok(done) => Ok(see_other(&format!(
            "/courses/{key}/studio/upstream?done=pulled&n={}",
            done.len()
        ))),
        Err(e) => {
            let status = refused_status(&e);
            let message = form_error(&cx.page, e)?;
            page_with(&cx, &key, None, Some(message), status).await
        }
    }
}

/// A conflict settled: `choice` = `theirs` (pull), `mine` (keep mine) or `merged` (with
/// `title` and `text`).
pub async fn resolve(
    cx: Cx,
    Path((key, block)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let block: i64 = block.parse().map_err(|_| AppError::NotFound)?;
    let course = course_of(&cx, &key).await?;
    let env = cx.app.env();
    let actor = cx.actor();
    let f = fields(&body);
    let field = |n: &str| {
        f.iter()
            .find(|(k, _)| k == n)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let result = match field("choice").as_str() {
        "theirs" => upstream::pull(&env, &actor, course, &[block])
            .await
            .map(|_| "pulled&n=1"),
        "mine" => upstream::resolve(&env, &actor, course, block, Resolution::KeepMine)
            .await
            .map(|_| "kept"),
        "merged" => {
            let up = upstream::changes(&env, &actor, course).await?;
            let mine = up
                .changes
                .iter()
                .find(|c| c.id() == block)
                .and_then(|c| c.mine.as_ref().map(|m| (c.kind.clone(), m.content.clone())));
            match mine {
                None => Err(lyceum_app::Error::invalid(
                    lyceum_core::DomainError::new("lyceum-upstream-error-unknown")
                        .with_arg(block.to_string()),
                )),
                Some((kind, content)) => {
                    match upstream::content_from_text(&kind, &content, &field("text")) {
                        Err(e) => Err(e),
                        Ok(value) => upstream::resolve(
                            &env,
                            &actor,
                            course,
                            block,
                            Resolution::Merged {
                                title: field("title"),
                                content: value,
                            },
                        )
                        .await
                        .map(|_| "merged"),
                    }
                }
            }
        }
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    match result {
        Ok(done) => Ok(see_other(&format!(
            "/courses/{key}/studio/upstream?done={done}"
        ))),
        Err(e) => {
            let status = refused_status(&e);
            let message = form_error(&cx.page, e)?;
            page_with(&cx, &key, None, Some(message), status).await
        }
    }
}

/// One fork on the source's page of its forks.
pub struct ForkItem {
    /// `None`: the fork is not published and the viewer is not on its team.
    pub title: Option<String>,
    pub key: Option<String>,
    pub changes_url: Option<String>,
    pub about_url: Option<String>,
    pub space: Html,
    pub by: Html,
    pub at: Timestamp,
    pub forked_version: i64,
    pub synced_version: i64,
    pub modified: bool,
    pub published: bool,
}

#[derive(Template)]
#[template(path = "studio/forks.html")]
struct ForksView {
    p: Page,
    title: String,
    studio: StudioHead,
    forks: Vec<ForkItem>,
    version: i64,
}

/// The forks of a course, for its team.
pub async fn forks(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let (course, lines) = upstream::forks(&cx.app.env(), &cx.actor(), draft.course.id()).await?;
    let p = &cx.page;
    let forks = lines
        .iter()
        .map(|l| {
            let r = &l.row;
            ForkItem {
                title: l.visible.then(|| r.title.clone()),
                key: l.visible.then(|| r.course_key.clone()),
                changes_url: (l.visible && r.published)
                    .then(|| format!("/courses/{}/fork-changes", r.course_key)),
                about_url: (l.visible && r.published)
                    .then(|| format!("/courses/{}/about", r.course_key)),
                space: if r.personal {
                    p.t("lyceum-upstream-forks-personal")
                } else {
                    Html(crate::page::escape(&r.org_name))
                },
                by: match &r.forked_by_name {
                    Some(n) => Html(crate::page::escape(n)),
                    None => p.t("lyceum-studio-history-deleted-user"),
                },
                at: from_millis(r.forked_at),
                forked_version: r.forked_version,
                synced_version: r.synced_version,
                modified: r.modified,
                published: r.published,
            }
        })
        .collect();
    let mut studio = StudioHead::new(&cx, &draft, StudioTab::None);
    studio.forks = lines.len();
    let v = ForksView {
        title: p.text("lyceum-upstream-forks-title"),
        studio,
        forks,
        version: course.content_version,
        p: p.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

/// One difference on "What they changed".
pub struct DiffItem {
    pub change_label: Html,
    pub kind_label: Option<Html>,
    pub title: String,
    pub compared: Option<Compared>,
}

#[derive(Template)]
#[template(path = "studio/fork_changes.html")]
struct ForkChangesView {
    p: Page,
    title: String,
    fork_url: String,
    source_link: Html,
    published: bool,
    items: Vec<DiffItem>,
    language: String,
    dir: &'static str,
}

fn diff_item(p: &Page, d: &ForkDiff) -> DiffItem {
    let kind = if d.block_kind.is_empty() {
        None
    } else {
        Some(kind_label(p, &d.block_kind))
    };
    DiffItem {
        change_label: p.t(match d.kind {
            "added" => "lyceum-upstream-kind-added",
            "removed" => "lyceum-upstream-kind-removed",
            _ => "lyceum-upstream-kind-changed",
        }),
        kind_label: kind,
        title: d
            .fork
            .as_ref()
            .or(d.base.as_ref())
            .map(|v| v.title.clone())
            .unwrap_or_default(),
        compared: if d.block_kind.is_empty() {
            None
        } else {
            compare(&d.block_kind, d.base.as_ref(), d.fork.as_ref())
        },
    }
}

/// What a fork changed from the source version it is based on: its published content
/// against the source's revisions it took. For the source's team and the fork's.
pub async fn fork_changes(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let id = course_of(&cx, &key).await?;
    let (course, record, diffs) = upstream::fork_changes(&cx.app.env(), &cx.actor(), id).await?;
    let p = &cx.page;
    let v = ForkChangesView {
        title: p.text1("lyceum-upstream-fork-changes-title", course.title.as_str()),
        fork_url: format!("/courses/{key}/about"),
        source_link: link(
            record
                .now_key
                .as_ref()
                .map(|k| format!("/courses/{k}/about")),
            record.now_title.as_deref().unwrap_or(&record.source_title),
            &course.language,
        ),
        published: course.published,
        items: diffs.iter().map(|d| diff_item(p, d)).collect(),
        language: course.language.clone(),
        dir: super::content_dir(&course.language),
        p: p.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}
