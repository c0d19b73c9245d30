//! History: a course's revisions newest first (grouped by author and time, with the
//! publications beside them), one block's revisions with "View", "Compare with previous"
//! and "Restore this version", and the diff between two revisions — word by word for
//! texts, line by line for problem OLX and every other kind's settings. This record is
//! also the attribution CC BY-SA asks for, so every revision names its author (a deleted
//! account shows as "deleted user").

use super::outline::kind_key;
use super::{StudioHead, StudioTab, form_error, load};
use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, see_other};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::authoring::{self, Draft, comment};
use lyceum_core::BlockId;
use lyceum_core::clock::from_millis;
use lyceum_core::course::NodeKind;
use lyceum_store::repo::drafts::{DraftRow, RevisionRow};
use serde::Deserialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// Revisions by the same author this close together read as one editing session.
const GROUP_WINDOW_MS: i64 = 10 * 60 * 1000;

/// One revision in a list.
pub struct RevisionLine {
    pub revision: i64,
    pub title: String,
    pub kind_label: Html,
    pub at: Timestamp,
    pub summary: Option<Html>,
    pub block_url: String,
    pub view_url: String,
    pub compare_url: Option<String>,
    pub restore_url: String,
    /// The version learners see now.
    pub published: bool,
    /// The draft's current version.
    pub current: bool,
}

/// Consecutive revisions by one author within a few minutes of each other.
pub struct Group {
    pub author: Html,
    pub at: Timestamp,
    pub lines: Vec<RevisionLine>,
}

pub struct PublicationLine {
    pub version: i64,
    pub by: Html,
    pub at: Timestamp,
    pub changed: i64,
    pub summary: String,
}

fn author(p: &Page, r: &RevisionRow) -> Html {
    match (&r.author_username, r.author_deleted) {
        (Some(name), None) => Html(crate::page::escape(name)),
        (Some(_), Some(_)) | (None, _) if r.author_id.is_some() => {
            p.t("lyceum-studio-history-deleted-user")
        }
        _ => p.t("lyceum-studio-history-system"),
    }
}

pub(crate) fn kind_label(p: &Page, kind: &str) -> Html {
    match NodeKind::from_stored(kind) {
        // A leaf is named by its kind's registration (`WebKind::name_key`).
        NodeKind::Leaf => p.t(crate::kinds::name_key(kind)),
        k => p.t(kind_key(k)),
    }
}

/// A revision's summary in words: the editor's own comments in the reader's language, an
/// author's summary as they wrote it.
fn summary(p: &Page, key: &str, text: &str) -> Option<Html> {
    let (name, arg) = match text.rsplit_once(':') {
        Some((n, a)) if n.starts_with("lyceum:") => (n, a),
        _ => (text, ""),
    };
    Some(match name {
        "" => return None,
        comment::CREATED => p.t("lyceum-studio-history-created"),
        comment::MOVED => p.t("lyceum-studio-history-moved"),
        comment::DELETED => p.t("lyceum-studio-history-deleted"),
        comment::DUPLICATED => {
            let link = format!(
                "<a href=\"/courses/{}/studio/history/{}\">{}</a>",
                crate::page::escape(key),
                crate::page::escape(arg),
                crate::page::escape(arg)
            );
            p.t1("lyceum-studio-history-duplicated", Html(link))
        }
        comment::RESTORED => p.t1("lyceum-studio-history-restored", arg.to_owned()),
        comment::PULLED => p.t1("lyceum-upstream-history-pulled", arg.to_owned()),
        comment::MERGED => p.t1("lyceum-upstream-history-merged", arg.to_owned()),
        _ if text.starts_with("lyceum:") => p.t("lyceum-studio-history-changed"),
        _ => Html(format!("<bdi>{}</bdi>", crate::page::escape(text))),
    })
}

fn line(p: &Page, key: &str, r: &RevisionRow, draft: Option<&Draft>) -> RevisionLine {
    let row = draft.and_then(|d| {
        d.get(BlockId(r.block_id))
            .or_else(|| d.removed.iter().find(|b| b.id == r.block_id))
    });
    let base = format!("/courses/{key}/studio/history/{}", r.block_id);
    RevisionLine {
        revision: r.revision,
        title: r.title.clone(),
        kind_label: kind_label(p, &r.kind),
        at: from_millis(r.created_at),
        summary: summary(p, key, &r.comment),
        view_url: format!("{base}/{}", r.revision),
        compare_url: (r.revision > 1).then(|| format!("{base}/{}?compare=previous", r.revision)),
        restore_url: format!("{base}/{}/restore", r.revision),
        block_url: base,
        published: row.is_some_and(|b| b.published_revision == r.revision && b.live),
        current: row.is_some_and(|b| b.revision == r.revision && !b.deleted),
    }
}

#[derive(Template)]
#[template(path = "studio/history.html")]
struct CourseHistoryView {
    p: Page,
    title: String,
    studio: StudioHead,
    groups: Vec<Group>,
    publications: Vec<PublicationLine>,
    next_url: Option<String>,
    first_url: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    /// `CREATED_AT.BLOCK.REVISION`: where an older page starts.
    #[serde(default)]
    before: Option<String>,
}

fn parse_cursor(s: &str) -> Option<(i64, i64, i64)> {
    let mut it = s.split('.').map(|x| x.parse::<i64>().ok());
    let c = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(c)
}

pub async fn course(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let before = match q.before.as_deref() {
        None | Some("") => None,
        Some(s) => Some(parse_cursor(s).ok_or(AppError::NotFound)?),
    };
    let h = authoring::history(&cx.app.env(), &cx.actor(), draft.course.id(), before).await?;
    let p = &cx.page;
    let mut groups: Vec<Group> = Vec::new();
    let mut last: Option<(Option<i64>, i64)> = None;
    for r in &h.revisions {
        let same = last
            .is_some_and(|(a, t)| a == r.author_id && (t - r.created_at).abs() <= GROUP_WINDOW_MS);
        if !same {
            groups.push(Group {
                author: author(p, r),
                at: from_millis(r.created_at),
                lines: Vec::new(),
            });
        }
        last = Some((r.author_id, r.created_at));
        if let Some(g) = groups.last_mut() {
            g.lines.push(line(p, &key, r, Some(&draft)));
        }
    }
    let v = CourseHistoryView {
        title: p.text("lyceum-studio-history-title"),
        studio: StudioHead::new(&cx, &draft, StudioTab::History),
        groups,
        publications: if before.is_none() {
            h.publications
                .iter()
                .map(|pb| PublicationLine {
                    version: pb.version,
                    by: match &pb.publisher_username {
                        Some(n) => Html(crate::page::escape(n)),
                        None if pb.published_by.is_some() => {
                            p.t("lyceum-studio-history-deleted-user")
                        }
                        None => p.t("lyceum-studio-history-system"),
                    },
                    at: from_millis(pb.published_at),
                    changed: pb.changed_blocks,
                    summary: pb.summary.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
        next_url: h
            .next
            .map(|(t, b, r)| format!("/courses/{key}/studio/history?before={t}.{b}.{r}")),
        first_url: before.map(|_| format!("/courses/{key}/studio/history")),
        p: p.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

#[derive(Template)]
#[template(path = "studio/block_history.html")]
struct BlockHistoryView {
    p: Page,
    title: String,
    studio: StudioHead,
    block_title: String,
    kind_label: Html,
    removed: bool,
    lines: Vec<RevisionLine>,
    error: Option<Html>,
    notice: Option<Html>,
    unit_url: Option<String>,
}

/// A block of this course (removed ones too), its revisions newest first, and the draft.
async fn block_and_draft(
    cx: &Cx,
    key: &str,
    block: &str,
) -> AppResult<(Draft, DraftRow, Vec<RevisionRow>)> {
    let draft = load(cx, key).await?;
    let id = block.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let (course, row, revisions) =
        authoring::block_history(&cx.app.env(), &cx.actor(), BlockId(id)).await?;
    if course.id != draft.course.id {
        return Err(AppError::NotFound);
    }
    Ok((draft, row, revisions))
}

async fn block_page(
    cx: &Cx,
    key: &str,
    block: &str,
    error: Option<Html>,
    notice: Option<Html>,
    status: StatusCode,
) -> AppResult<Response> {
    let (draft, row, revisions) = block_and_draft(cx, key, block).await?;
    let p = &cx.page;
    let removed = row.deleted || (!row.live && !row.changed);
    let v = BlockHistoryView {
        title: p.text("lyceum-studio-history-block-title"),
        studio: StudioHead::new(cx, &draft, StudioTab::History),
        block_title: row.title.clone(),
        kind_label: kind_label(p, &row.kind),
        removed,
        lines: revisions
            .iter()
            .map(|r| {
                let mut l = line(p, key, r, None);
                l.published = row.live && row.published_revision == r.revision;
                l.current = !removed && row.revision == r.revision;
                l
            })
            .collect(),
        error,
        notice,
        unit_url: (NodeKind::from_stored(&row.kind) == NodeKind::Unit && !removed)
            .then(|| format!("/courses/{key}/studio/unit/{}", row.id)),
        p: p.clone(),
    };
    let mut r = html_response(v.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize, Default)]
pub struct BlockQuery {
    #[serde(default)]
    done: Option<String>,
}

pub async fn block(
    cx: Cx,
    Path((key, block)): Path<(String, String)>,
    Query(q): Query<BlockQuery>,
) -> AppResult<Response> {
    let notice =
        (q.done.as_deref() == Some("restored")).then(|| cx.page.t("lyceum-studio-restored"));
    block_page(&cx, &key, &block, None, notice, StatusCode::OK).await
}

/// One part of a diff.
pub struct Piece {
    /// `ins`, `del` or `eq`; `skip` for a run of unchanged lines left out.
    pub tag: &'static str,
    pub text: String,
}

/// A diff, word by word (`inline`) or line by line.
pub struct Diff {
    pub inline: bool,
    pub pieces: Vec<Piece>,
    pub changed: bool,
}

/// Lines of unchanged context kept around each change in a line diff.
const CONTEXT: usize = 3;

fn tag(t: ChangeTag) -> &'static str {
    match t {
        ChangeTag::Insert => "ins",
        ChangeTag::Delete => "del",
        ChangeTag::Equal => "eq",
    }
}

/// Word by word, neighbouring parts of the same kind joined.
pub fn word_diff(old: &str, new: &str) -> Diff {
    let d = TextDiff::from_words(old, new);
    let mut pieces: Vec<Piece> = Vec::new();
    for c in d.iter_all_changes() {
        let t = tag(c.tag());
        match pieces.last_mut() {
            Some(last) if last.tag == t => last.text.push_str(c.value()),
            _ => pieces.push(Piece {
                tag: t,
                text: c.value().to_owned(),
            }),
        }
    }
    Diff {
        inline: true,
        changed: pieces.iter().any(|p| p.tag != "eq"),
        pieces,
    }
}

/// Line by line, long unchanged runs shortened to their context.
pub fn line_diff(old: &str, new: &str) -> Diff {
    let d = TextDiff::from_lines(old, new);
    let all: Vec<(&'static str, String)> = d
        .iter_all_changes()
        .map(|c| (tag(c.tag()), c.value().trim_end_matches('\n').to_owned()))
        .collect();
    let near_change = |i: usize| {
        let lo = i.saturating_sub(CONTEXT);
        let hi = (i + CONTEXT + 1).min(all.len());
        all[lo..hi].iter().any(|(t, _)| *t != "eq")
    };
    let mut pieces = Vec::new();
    let mut skipped = 0usize;
    for (i, (t, text)) in all.iter().enumerate() {
        if *t == "eq" && !near_change(i) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            pieces.push(Piece {
                tag: "skip",
                text: skipped.to_string(),
            });
            skipped = 0;
        }
        pieces.push(Piece {
            tag: t,
            text: text.clone(),
        });
    }
    if skipped > 0 {
        pieces.push(Piece {
            tag: "skip",
            text: skipped.to_string(),
        });
    }
    Diff {
        inline: false,
        changed: all.iter().any(|(t, _)| *t != "eq"),
        pieces,
    }
}

/// What an author edits of a revision, as text: a text block's Markdown or HTML (`true`:
/// compared word by word), a problem's OLX followed by its settings, or any other
/// kind's settings as JSON.
fn source(r: &RevisionRow) -> (String, bool) {
    source_text(&r.kind, &r.content)
}

/// What an author edits of a block's stored `content`, as text (see [`source`]); also
/// what the upstream pages and API compare.
pub fn source_text(kind: &str, content: &str) -> (String, bool) {
    let mut value = authoring::content_value(kind, content);
    let text_field = ["markdown", "html"]
        .into_iter()
        .find(|k| value.get(k).is_some_and(Value::is_string));
    if let Some(k) = text_field
        && value.as_object().is_some_and(|o| o.len() == 1)
    {
        return (
            value
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            true,
        );
    }
    let mut out = String::new();
    if let Some(olx) = value
        .as_object_mut()
        .and_then(|o| o.remove("olx"))
        .and_then(|v| v.as_str().map(str::to_owned))
    {
        out.push_str(&olx);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    let rest_empty = value.as_object().is_some_and(serde_json::Map::is_empty);
    if !rest_empty && !value.is_null() {
        out.push_str(&serde_json::to_string_pretty(&value).unwrap_or_default());
        out.push('\n');
    }
    (out, false)
}

fn release_text(p: &Page, r: &RevisionRow) -> String {
    match r.release_at {
        None => String::new(),
        Some(ms) if lyceum_core::course::tree::is_staff_only_release(from_millis(ms)) => {
            p.text("lyceum-studio-mark-hidden")
        }
        Some(ms) => crate::format::datetime(p, &from_millis(ms)),
    }
}

#[derive(Template)]
#[template(path = "studio/revision.html")]
struct RevisionView {
    p: Page,
    title: String,
    studio: StudioHead,
    block_title: String,
    kind_label: Html,
    revision: i64,
    author: Html,
    at: Timestamp,
    summary: Option<Html>,
    history_url: String,
    restore_url: String,
    /// The revision compared with, when comparing.
    against: Option<i64>,
    title_diff: Option<Diff>,
    release_diff: Option<Diff>,
    diff: Option<Diff>,
    /// The revision's source, when only viewing it.
    source: String,
    release: String,
    prev_url: Option<String>,
    compare_url: Option<String>,
    language: String,
    dir: &'static str,
}

#[derive(Deserialize, Default)]
pub struct RevisionQuery {
    /// `previous`, or a revision number to compare with.
    #[serde(default)]
    compare: Option<String>,
}

pub async fn revision(
    cx: Cx,
    Path((key, block, revision)): Path<(String, String, String)>,
    Query(q): Query<RevisionQuery>,
) -> AppResult<Response> {
    let (draft, row, revisions) = block_and_draft(&cx, &key, &block).await?;
    let n: i64 = revision.parse().map_err(|_| AppError::NotFound)?;
    let r = revisions
        .iter()
        .find(|r| r.revision == n)
        .ok_or(AppError::NotFound)?;
    let previous = revisions.iter().find(|o| o.revision < n);
    let against = match q.compare.as_deref() {
        None | Some("") => None,
        Some("previous") => Some(previous.ok_or(AppError::NotFound)?),
        Some(s) => {
            let m: i64 = s.parse().map_err(|_| AppError::NotFound)?;
            Some(
                revisions
                    .iter()
                    .find(|o| o.revision == m)
                    .ok_or(AppError::NotFound)?,
            )
        }
    };
    let p = &cx.page;
    let (src, words) = source(r);
    let base = format!("/courses/{key}/studio/history/{}", row.id);
    let (title_diff, release_diff, diff) = match against {
        Some(old) => {
            let (old_src, _) = source(old);
            let td = word_diff(&old.title, &r.title);
            let rd = word_diff(&release_text(p, old), &release_text(p, r));
            let d = if words {
                word_diff(&old_src, &src)
            } else {
                line_diff(&old_src, &src)
            };
            (td.changed.then_some(td), rd.changed.then_some(rd), Some(d))
        }
        None => (None, None, None),
    };
    let v = RevisionView {
        title: match against {
            Some(_) => p.text("lyceum-studio-diff-title"),
            None => p.text("lyceum-studio-revision-title"),
        },
        studio: StudioHead::new(&cx, &draft, StudioTab::History),
        block_title: row.title.clone(),
        kind_label: kind_label(p, &row.kind),
        revision: r.revision,
        author: author(p, r),
        at: from_millis(r.created_at),
        summary: summary(p, &key, &r.comment),
        restore_url: format!("{base}/{}/restore", r.revision),
        against: against.map(|o| o.revision),
        title_diff,
        release_diff,
        diff,
        source: src,
        release: release_text(p, r),
        prev_url: previous.map(|o| format!("{base}/{}", o.revision)),
        compare_url: previous.map(|_| format!("{base}/{}?compare=previous", r.revision)),
        history_url: base,
        language: draft.course.language.clone(),
        dir: super::content_dir(&draft.course.language),
        p: p.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

pub async fn restore(
    cx: Cx,
    Path((key, block, revision)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let (_, row, revisions) = block_and_draft(&cx, &key, &block).await?;
    let n: i64 = revision.parse().map_err(|_| AppError::NotFound)?;
    if !revisions.iter().any(|r| r.revision == n) {
        return Err(AppError::NotFound);
    }
    match authoring::restore(&cx.app.env(), &cx.actor(), row.block(), n).await {
        Ok(_) => Ok(see_other(&format!(
            "/courses/{key}/studio/history/{}?done=restored",
            row.id
        ))),
        Err(e) => {
            let status = match e.kind {
                lyceum_app::ErrorKind::Conflict => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let message = form_error(&cx.page, e)?;
            block_page(&cx, &key, &block, Some(message), None, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(d: &Diff) -> String {
        d.pieces
            .iter()
            .map(|p| match p.tag {
                "ins" => format!("[+{}]", p.text),
                "del" => format!("[-{}]", p.text),
                "skip" => format!("[…{}]", p.text),
                _ => p.text.clone(),
            })
            .collect::<Vec<_>>()
            .join(if d.inline { "" } else { "\n" })
    }

    #[test]
    fn words_are_compared_one_by_one() {
        let d = word_diff("Read **this** now.", "Read **that** now.");
        assert!(d.changed);
        assert_eq!(render(&d), "Read [-**this**][+**that**] now.");
        assert!(!word_diff("same text", "same text").changed);
    }

    #[test]
    fn lines_keep_only_context_around_changes() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let d = line_diff(&old, &new);
        assert!(d.changed);
        let text = render(&d);
        assert!(text.starts_with("[…6]\nline 7\n"), "{text}");
        assert!(text.contains("[-line 10]\n[+line ten]"), "{text}");
        assert!(text.ends_with("line 13\n[…7]"), "{text}");
    }

    #[test]
    fn cursors_need_three_numbers() {
        assert_eq!(parse_cursor("1.2.3"), Some((1, 2, 3)));
        assert_eq!(parse_cursor("1.2"), None);
        assert_eq!(parse_cursor("1.2.3.4"), None);
        assert_eq!(parse_cursor("a.b.c"), None);
    }
}
