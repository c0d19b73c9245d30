//! Authoring: a course's draft, its blocks' revisions, publishing and history.
//!
//! Authors edit a draft; learners see the published course until [`publish`] makes the
//! whole draft live at once (one transaction, one new content version). Blocks keep their
//! ids across edits and publishes, so learners' work stays attached to them. Every save is
//! a revision with its author, time and summary ([`history`], [`restore`]), which is also
//! the record of authorship CC BY-SA attribution needs. See `lyceum_store::repo::drafts`
//! for how a draft is stored.

use crate::{Env, Error, ErrorKind, Result};
use jiff::Timestamp;
use lyceum_core::blocks::LeafContent;
use lyceum_core::course::tree::is_staff_only_release;
use lyceum_core::course::{
    CourseStatus, CourseTree, NodeKind, NodeRow, StatusChange, StructureSettings,
};
use lyceum_core::permissions::{Action, Actor, CourseFacts, Resource, can};
use lyceum_core::{BlockId, CourseId, DomainError, UserId, clock::from_millis, limits};
use lyceum_store::Db;
use lyceum_store::repo::drafts::{self, DraftRow, DraftWrite, LearnerWork, NewRevision};
use lyceum_store::repo::{audit, courses};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Release dates from this year on mean "staff only" (Open edX's `visible_to_staff_only`
/// on import); the outline editor's "Hide from learners" sets this date.
pub fn staff_only_release() -> Timestamp {
    "9999-01-01T00:00:00Z".parse().expect("a valid timestamp")
}

/// Revision comments the editor writes itself (the history shows them in the reader's
/// language); anything else is an author's own summary.
pub mod comment {
    pub const CREATED: &str = "lyceum:created";
    pub const MOVED: &str = "lyceum:moved";
    pub const DELETED: &str = "lyceum:deleted";
    pub const DUPLICATED: &str = "lyceum:duplicated";
    pub const RESTORED: &str = "lyceum:restored";
    /// `lyceum:pulled:<source revision>`: a revision of a fork's source taken into the
    /// fork (its author is the source revision's).
    pub const PULLED: &str = "lyceum:pulled";
    /// `lyceum:merged:<source revision>`: the fork's author merged the source's revision
    /// with their own.
    pub const MERGED: &str = "lyceum:merged";
}

/// A course as an editor works on it: its row, the actor's facts, and its draft.
#[derive(Clone, Debug)]
pub struct Draft {
    pub course: courses::CourseRow,
    pub facts: CourseFacts,
    /// The organisation reviews courses before they are first published.
    pub requires_review: bool,
    /// The draft's blocks, removed ones excepted.
    pub blocks: Vec<DraftRow>,
    /// Blocks the draft removes (learners still see them until the next publish).
    pub removed: Vec<DraftRow>,
    /// How many blocks the draft changes (0: it is the published course).
    pub changes: i64,
}

impl Draft {
    fn new(
        course: courses::CourseRow,
        facts: CourseFacts,
        requires_review: bool,
        rows: Vec<DraftRow>,
    ) -> Draft {
        let changes = rows.iter().filter(|r| r.changed).count() as i64;
        let (removed, blocks) = rows.into_iter().partition(|r| r.deleted);
        Draft {
            course,
            facts,
            requires_review,
            blocks,
            removed,
            changes,
        }
    }

    pub fn status(&self) -> CourseStatus {
        CourseStatus::parse(&self.course.status).unwrap_or(CourseStatus::Draft)
    }

    pub fn get(&self, id: BlockId) -> Option<&DraftRow> {
        self.blocks.iter().find(|b| b.id == id.0)
    }

    /// The children of `parent` (`None`: the sections) in order.
    pub fn children(&self, parent: Option<BlockId>) -> Vec<&DraftRow> {
        let mut list: Vec<&DraftRow> = self
            .blocks
            .iter()
            .filter(|b| b.parent_id == parent.map(|p| p.0))
            .collect();
        list.sort_by_key(|b| (b.position, b.id));
        list
    }

    /// `id` and everything under it, in reading order.
    pub fn subtree(&self, id: BlockId) -> Vec<BlockId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(b) = stack.pop() {
            out.push(b);
            // Children pushed in reverse so the first is visited first.
            for c in self.children(Some(b)).into_iter().rev() {
                stack.push(c.block());
            }
        }
        out
    }

    /// The draft as a course tree: what "Preview as learner" shows.
    pub fn tree(&self) -> CourseTree {
        CourseTree::build(
            self.blocks
                .iter()
                .map(|r| NodeRow {
                    id: r.block(),
                    parent_id: r.parent_id.map(BlockId),
                    position: r.position,
                    kind: r.kind.clone(),
                    url_name: r.url_name.clone(),
                    title: r.title.clone(),
                    release_at: r.release_at.map(from_millis),
                    content: r.content.clone(),
                })
                .collect(),
        )
    }
}

/// A block's content as its author edits it: the settings of a section, subsection or
/// unit; the kind's own authoring form for a leaf (see `BlockKind::to_authoring`).
pub fn authoring_content(row: &DraftRow) -> Value {
    content_value(&row.kind, &row.content)
}

/// Stored content of a block of `kind` as its author edits it (see [`authoring_content`]).
pub fn content_value(kind: &str, content: &str) -> Value {
    match NodeKind::from_stored(kind) {
        NodeKind::Leaf => match LeafContent::decode(kind, content) {
            Ok(c) => c.to_authoring(),
            Err(_) => serde_json::from_str(content).unwrap_or(Value::Null),
        },
        _ => serde_json::from_str::<StructureSettings>(content)
            .ok()
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or_else(|| json!({})),
    }
}

/// Whether a block is hidden from learners whatever its dates.
pub fn is_staff_only(row: &DraftRow) -> bool {
    row.release_at
        .map(from_millis)
        .is_some_and(is_staff_only_release)
}

/// Load a course for `action` by the actor, in `db`.
pub(crate) async fn course_for(
    db: &mut impl Db,
    actor: &Actor,
    course: CourseId,
    action: Action,
) -> Result<(courses::CourseRow, CourseFacts, bool)> {
    let (row, viewer) = courses::find_for_viewer_by_id(db, course, actor.user)
        .await?
        .ok_or_else(Error::not_found)?;
    let facts = CourseFacts {
        published: row.published,
        enrollment_open: row.enrollment_open,
        enrolled: viewer.enrolled,
        role: viewer.role,
        org_role: viewer.org_role,
        hidden: row.hidden_at.is_some(),
    };
    // Someone who may not see the unreleased course gets "not found" rather than
    // "forbidden" for its draft: a learner learns nothing about what is being written.
    Error::decide(
        can(actor, Action::ViewUnreleased, Resource::Course(&facts)).max_not_found(),
        "lyceum-error-studio-forbidden",
    )?;
    Error::decide(
        can(actor, action, Resource::Course(&facts)),
        "lyceum-error-studio-forbidden",
    )?;
    let requires_review = row.org_requires_review.unwrap_or(false);
    Ok((row, facts, requires_review))
}

/// The course a block belongs to, as the draft has the block.
async fn block_for(
    db: &mut impl Db,
    actor: &Actor,
    block: BlockId,
    action: Action,
) -> Result<(courses::CourseRow, DraftRow)> {
    let (course, row) = drafts::get(db, block).await?.ok_or_else(Error::not_found)?;
    let (course, _, _) = course_for(db, actor, course, action).await?;
    Ok((course, row))
}

/// The draft of the course `block` belongs to, loaded for `actor` to edit, and the block
/// as the draft has it (a removed one too).
async fn block_in_draft(
    db: &mut impl Db,
    actor: &Actor,
    block: BlockId,
) -> Result<(Draft, DraftRow)> {
    let (course, row) = drafts::get(db, block).await?.ok_or_else(Error::not_found)?;
    let draft = load_draft_in(db, actor, course).await?;
    Ok((draft, row))
}

/// Not in the draft: removed by it, or by an earlier publish.
pub(crate) fn removed(row: &DraftRow) -> bool {
    row.deleted || (!row.live && !row.changed)
}

trait NotFoundUnlessAllowed {
    fn max_not_found(self) -> Self;
}

impl NotFoundUnlessAllowed for lyceum_core::permissions::Decision {
    /// Anything but "allowed" as "not found".
    fn max_not_found(self) -> Self {
        match self {
            lyceum_core::permissions::Decision::Allow => self,
            _ => lyceum_core::permissions::Decision::NotFound,
        }
    }
}

/// A course's draft, for its authors.
pub async fn draft(env: &Env, actor: &Actor, course: CourseId) -> Result<Draft> {
    let mut db = env.store.conn().await?;
    let (row, facts, requires_review) = course_for(&mut db, actor, course, Action::Edit).await?;
    let rows = drafts::load(&mut db, course).await?;
    Ok(Draft::new(row, facts, requires_review, rows))
}

/// A course's draft by course key.
pub async fn draft_by_key(env: &Env, actor: &Actor, key: &str) -> Result<Draft> {
    let id = {
        let mut db = env.store.conn().await?;
        courses::find_by_key(&mut db, key)
            .await?
            .ok_or_else(Error::not_found)?
            .id()
    };
    draft(env, actor, id).await
}

/// A block to add to a draft.
#[derive(Clone, Debug, Default)]
pub struct NewBlockInput {
    /// `None` for a section; the section, subsection or unit it goes into otherwise.
    pub parent: Option<BlockId>,
    /// `section`, `subsection`, `unit`, or a leaf kind (`text`, `problem`, …).
    pub kind: String,
    pub title: String,
    /// The kind's authoring content (see [`authoring_content`]); `None` = the kind's
    /// blank content, where it has one.
    pub content: Option<Value>,
    /// Where among its siblings (0 = first); `None` = last.
    pub position: Option<usize>,
    /// The author's summary for the first revision.
    pub summary: String,
}

/// Changes to a block; `None` leaves a part as it is.
#[derive(Clone, Debug, Default)]
pub struct BlockPatch {
    pub title: Option<String>,
    pub content: Option<Value>,
    /// Move under another parent (`Some(None)`: a section moves among sections).
    pub parent: Option<Option<BlockId>>,
    pub position: Option<usize>,
    /// Set or clear the release date.
    pub release_at: Option<Option<Timestamp>>,
    /// Hide from learners (or show again, with no release date).
    pub staff_only: Option<bool>,
    /// The revision the author started from: a save over a newer revision is refused
    /// with [`ErrorKind::Conflict`] rather than overwriting someone else's work.
    pub base_revision: Option<i64>,
    pub summary: String,
}

/// What a save made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saved {
    pub block: BlockId,
    pub revision: i64,
}

fn expected_parent(kind: NodeKind) -> Option<NodeKind> {
    match kind {
        NodeKind::Section => None,
        NodeKind::Subsection => Some(NodeKind::Section),
        NodeKind::Unit => Some(NodeKind::Subsection),
        NodeKind::Leaf => Some(NodeKind::Unit),
    }
}

/// Check that a block of `kind` may go under `parent` in `draft`.
fn check_placement(draft: &Draft, kind: NodeKind, parent: Option<BlockId>) -> Result<()> {
    let parent_kind = match parent {
        None => None,
        Some(p) => Some(
            draft
                .get(p)
                .map(|r| NodeKind::from_stored(&r.kind))
                .ok_or_else(|| Error::invalid(DomainError::new("lyceum-error-studio-parent")))?,
        ),
    };
    if parent_kind != expected_parent(kind) {
        return Err(Error::invalid(DomainError::new(
            "lyceum-error-studio-placement",
        )));
    }
    Ok(())
}

pub(crate) fn clean_title(kind: NodeKind, title: &str) -> Result<String> {
    let title = limits::clean(title, limits::TITLE).map_err(Error::invalid)?;
    if kind != NodeKind::Leaf && title.trim().is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-error-studio-title-required",
        )));
    }
    Ok(title)
}

/// Stored content for a block of `kind` from its authoring content.
pub(crate) fn stored_content(kind: &str, content: Option<Value>) -> Result<String> {
    match NodeKind::from_stored(kind) {
        NodeKind::Leaf => {
            let value = match content {
                Some(v) => v,
                None => LeafContent::blank(kind).ok_or_else(|| {
                    Error::invalid(
                        DomainError::new("lyceum-error-studio-content-required")
                            .with_arg(kind.to_owned()),
                    )
                })?,
            };
            Ok(LeafContent::from_authoring(kind, value)
                .map_err(Error::invalid)?
                .encode())
        }
        _ => {
            let settings: StructureSettings = match content {
                None | Some(Value::Null) => StructureSettings::default(),
                Some(v) => serde_json::from_value(v).map_err(|e| {
                    Error::invalid(
                        DomainError::new("lyceum-error-block-content").with_arg(e.to_string()),
                    )
                })?,
            };
            if let Some(format) = &settings.format {
                limits::check(format, limits::SHORT_LABEL).map_err(Error::invalid)?;
            }
            Ok(serde_json::to_string(&settings).map_err(Error::internal)?)
        }
    }
}

/// The release date in effect for a block in the draft: its own or its ancestors' latest.
fn effective_release(draft: &Draft, mut at: Option<BlockId>, own: Option<i64>) -> Option<i64> {
    let mut latest = own.filter(|r| !is_staff_only_release(from_millis(*r)));
    let mut guard = 0;
    while let Some(id) = at {
        let Some(row) = draft.get(id) else { break };
        if let Some(r) = row.release_at
            && !is_staff_only_release(from_millis(r))
        {
            latest = Some(latest.map_or(r, |l: i64| l.max(r)));
        }
        at = row.parent_id.map(BlockId);
        guard += 1;
        if guard > 8 {
            break;
        }
    }
    latest
}

/// A subsection's (or problem's) due date must not come before its release date.
pub(crate) fn check_dates(
    draft: &Draft,
    kind: &str,
    parent: Option<BlockId>,
    release: Option<i64>,
    content: &str,
) -> Result<()> {
    let due = match NodeKind::from_stored(kind) {
        NodeKind::Leaf => LeafContent::decode(kind, content)
            .ok()
            .and_then(|c| c.due()),
        _ => serde_json::from_str::<StructureSettings>(content)
            .ok()
            .and_then(|s| s.due),
    };
    if let (Some(due), Some(release)) = (due, effective_release(draft, parent, release))
        && due.as_millisecond() < release
    {
        return Err(Error::invalid(DomainError::new(
            "lyceum-error-studio-due-before-release",
        )));
    }
    Ok(())
}

/// A fresh url_name for a block made in the editor: 32 hex digits, as Open edX names
/// blocks made in Studio.
pub(crate) fn new_url_name() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Put `moving` at `position` among `parent`'s children (removing it from wherever it
/// was), and write the draft rows of every sibling whose position changes.
pub(crate) async fn place(
    db: &mut impl Db,
    draft: &mut Draft,
    moving: BlockId,
    parent: Option<BlockId>,
    position: Option<usize>,
    now: i64,
) -> Result<i64> {
    let old_parent = draft.get(moving).and_then(|r| r.parent_id.map(BlockId));
    let mut siblings: Vec<BlockId> = draft
        .children(parent)
        .into_iter()
        .map(DraftRow::block)
        .filter(|b| *b != moving)
        .collect();
    let at = position.unwrap_or(siblings.len()).min(siblings.len());
    siblings.insert(at, moving);
    let mut lists = vec![(parent, siblings)];
    if old_parent != parent {
        let rest: Vec<BlockId> = draft
            .children(old_parent)
            .into_iter()
            .map(DraftRow::block)
            .filter(|b| *b != moving)
            .collect();
        lists.push((old_parent, rest));
    }
    for (p, list) in lists {
        for (i, id) in list.into_iter().enumerate() {
            let Some(row) = draft.blocks.iter_mut().find(|r| r.id == id.0) else {
                continue;
            };
            let same_parent = row.parent_id == p.map(|p| p.0);
            if same_parent && row.position == i as i64 && id != moving {
                continue;
            }
            row.parent_id = p.map(|p| p.0);
            row.position = i as i64;
            if id == moving {
                // The caller writes the moved block with its other changes.
                continue;
            }
            row.changed = true;
            write_row(db, draft.course.id(), row, now).await?;
        }
    }
    Ok(at as i64)
}

/// Record `row`'s title, content and release date as revision `revision` of `block`.
pub(crate) async fn revise(
    db: &mut impl Db,
    block: BlockId,
    revision: i64,
    row: &DraftRow,
    author: Option<UserId>,
    comment: &str,
    now: i64,
) -> Result<()> {
    drafts::add_revision(
        db,
        &NewRevision {
            block,
            revision,
            author,
            title: &row.title,
            content: &row.content,
            release_at: row.release_at,
            comment,
        },
        now,
    )
    .await?;
    Ok(())
}

pub(crate) async fn write_row(
    db: &mut impl Db,
    course: CourseId,
    row: &DraftRow,
    now: i64,
) -> Result<()> {
    drafts::put(
        db,
        &DraftWrite {
            block: row.block(),
            course,
            parent: row.parent_id.map(BlockId),
            position: row.position,
            title: &row.title,
            release_at: row.release_at,
            content: &row.content,
            revision: row.revision,
            deleted: row.deleted,
        },
        now,
    )
    .await?;
    Ok(())
}

pub(crate) async fn load_draft_in(
    db: &mut impl Db,
    actor: &Actor,
    course: CourseId,
) -> Result<Draft> {
    let (row, facts, requires_review) = course_for(db, actor, course, Action::Edit).await?;
    let rows = drafts::load(db, course).await?;
    Ok(Draft::new(row, facts, requires_review, rows))
}

fn summary(text: &str) -> Result<String> {
    limits::clean(text, limits::REASON).map_err(Error::invalid)
}

/// Add a block to a course's draft. Its id is final: it stays the same through edits
/// and publishes.
pub async fn add_block(
    env: &Env,
    actor: &Actor,
    course: CourseId,
    input: NewBlockInput,
) -> Result<Saved> {
    let now = env.now_ms();
    let kind_name = input.kind.trim().to_owned();
    let kind = NodeKind::from_stored(&kind_name);
    if kind == NodeKind::Leaf && !LeafContent::KINDS.contains(&kind_name.as_str()) {
        return Err(Error::invalid(
            DomainError::new("lyceum-error-block-kind-unknown").with_arg(kind_name),
        ));
    }
    let title = clean_title(kind, &input.title)?;
    let comment = match summary(&input.summary)? {
        s if s.is_empty() => comment::CREATED.to_owned(),
        s => s,
    };
    let mut tx = env.store.begin().await?;
    let actor = &crate::trust::effective(&mut tx, now, actor).await?;
    let content = crate::trust::with_links_of(actor, || stored_content(&kind_name, input.content))?;
    let mut draft = load_draft_in(&mut tx, actor, course).await?;
    crate::trust::check_rate(&mut tx, now, actor, crate::trust::Creation::Block).await?;
    check_placement(&draft, kind, input.parent)?;
    check_dates(&draft, &kind_name, input.parent, None, &content)?;
    let id = drafts::insert_new(
        &mut tx,
        course,
        &kind_name,
        &new_url_name(),
        &title,
        &content,
        now,
    )
    .await?;
    let mut row = DraftRow {
        id: id.0,
        kind: kind_name,
        url_name: String::new(),
        parent_id: None,
        position: i64::MAX,
        title,
        release_at: None,
        content,
        revision: 1,
        published_revision: 0,
        live: false,
        changed: true,
        deleted: false,
    };
    draft.blocks.push(row.clone());
    row.position = place(&mut tx, &mut draft, id, input.parent, input.position, now).await?;
    row.parent_id = input.parent.map(|p| p.0);
    write_row(&mut tx, course, &row, now).await?;
    revise(&mut tx, id, 1, &row, actor.user, &comment, now).await?;
    tx.commit().await?;
    Ok(Saved {
        block: id,
        revision: 1,
    })
}

/// Change a block in the draft: its title, content, dates, place. A change to its title,
/// content or dates is a new revision; moving it is not (it is no edit of its text, and
/// must not make an author's open editor stale).
pub async fn update_block(
    env: &Env,
    actor: &Actor,
    block: BlockId,
    patch: BlockPatch,
) -> Result<Saved> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let (mut draft, current) = block_in_draft(&mut tx, actor, block).await?;
    let course = draft.course.id();
    if removed(&current) {
        return Err(Error::not_found());
    }
    if let Some(base) = patch.base_revision
        && base != current.revision
    {
        return Err(Error::new(
            ErrorKind::Conflict,
            DomainError::new("lyceum-error-studio-stale").with_arg(current.revision.to_string()),
        ));
    }
    let kind = NodeKind::from_stored(&current.kind);
    let mut row = current.clone();
    if let Some(title) = &patch.title {
        row.title = clean_title(kind, title)?;
    }
    if let Some(content) = patch.content {
        let actor = crate::trust::effective(&mut tx, now, actor).await?;
        row.content =
            crate::trust::with_links_of(&actor, || stored_content(&row.kind, Some(content)))?;
    }
    if let Some(release) = patch.release_at {
        row.release_at = release.map(|t| t.as_millisecond());
    }
    match patch.staff_only {
        Some(true) => row.release_at = Some(staff_only_release().as_millisecond()),
        Some(false) if is_staff_only(&row) => row.release_at = None,
        _ => {}
    }
    let parent = match patch.parent {
        Some(p) => p,
        None => row.parent_id.map(BlockId),
    };
    if patch.parent.is_some() {
        check_placement(&draft, kind, parent)?;
        if parent.is_some_and(|p| draft.subtree(block).contains(&p)) {
            return Err(Error::invalid(DomainError::new(
                "lyceum-error-studio-placement",
            )));
        }
    }
    check_dates(&draft, &row.kind, parent, row.release_at, &row.content)?;
    let edited = row.title != current.title
        || row.content != current.content
        || row.release_at != current.release_at;
    if patch.parent.is_some() || patch.position.is_some() {
        row.position = place(&mut tx, &mut draft, block, parent, patch.position, now).await?;
        row.parent_id = parent.map(|p| p.0);
    }
    if edited {
        row.revision = drafts::last_revision(&mut tx, block).await? + 1;
        let comment = summary(&patch.summary)?;
        revise(
            &mut tx,
            block,
            row.revision,
            &row,
            actor.user,
            &comment,
            now,
        )
        .await?;
    }
    let moved = row.parent_id != current.parent_id || row.position != current.position;
    if edited || moved {
        write_row(&mut tx, course, &row, now).await?;
    }
    tx.commit().await?;
    Ok(Saved {
        block,
        revision: row.revision,
    })
}

/// What removing a block (and everything in it) touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impact {
    /// The block and its descendants in the draft.
    pub blocks: usize,
    /// Learners' work on the published ones.
    pub work: LearnerWork,
}

/// Learners' work on a block and everything in it: what deleting it would take out of
/// their grades, what changing its answer key would rescore.
pub async fn impact(env: &Env, actor: &Actor, block: BlockId) -> Result<Impact> {
    let mut db = env.store.conn().await?;
    let (draft, _) = block_in_draft(&mut db, actor, block).await?;
    let subtree = draft.subtree(block);
    let work = drafts::learner_work(&mut db, &subtree).await?;
    Ok(Impact {
        blocks: subtree.len(),
        work,
    })
}

/// Remove a block and everything in it from the draft. Learners keep seeing it until the
/// next publish; after that their work on it stays stored (restoring the block from its
/// history brings it back) but no longer counts in grades. When learners have work on it,
/// `confirmed` must be set: otherwise the answer is a conflict naming how many.
pub async fn delete_block(
    env: &Env,
    actor: &Actor,
    block: BlockId,
    confirmed: bool,
) -> Result<Impact> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let (mut draft, current) = block_in_draft(&mut tx, actor, block).await?;
    if removed(&current) {
        return Err(Error::not_found());
    }
    let subtree = draft.subtree(block);
    let work = drafts::learner_work(&mut tx, &subtree).await?;
    if work.learners > 0 && !confirmed {
        return Err(Error::new(
            ErrorKind::Conflict,
            DomainError::new("lyceum-error-studio-delete-confirm")
                .with_arg(work.learners.to_string())
                .with_arg(work.scored.to_string()),
        ));
    }
    remove_subtree(
        &mut tx,
        &mut draft,
        block,
        actor.user,
        comment::DELETED,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Impact {
        blocks: subtree.len(),
        work,
    })
}

/// Remove `block` and everything under it from the draft (each with a revision saying
/// so), closing the gap among its siblings. Returns the removed blocks with their new
/// revisions.
pub(crate) async fn remove_subtree(
    db: &mut impl Db,
    draft: &mut Draft,
    block: BlockId,
    author: Option<UserId>,
    comment: &str,
    now: i64,
) -> Result<Vec<(BlockId, i64)>> {
    let course = draft.course.id();
    let subtree = draft.subtree(block);
    let parent = draft.get(block).and_then(|r| r.parent_id.map(BlockId));
    // Close the gap among its siblings first, then mark the subtree removed.
    let rest: Vec<BlockId> = draft
        .children(parent)
        .into_iter()
        .map(DraftRow::block)
        .filter(|b| *b != block)
        .collect();
    for (i, id) in rest.into_iter().enumerate() {
        if let Some(row) = draft.blocks.iter_mut().find(|r| r.id == id.0)
            && row.position != i as i64
        {
            row.position = i as i64;
            write_row(db, course, row, now).await?;
        }
    }
    let mut out = Vec::with_capacity(subtree.len());
    for id in &subtree {
        if let Some(row) = draft.blocks.iter_mut().find(|r| r.id == id.0) {
            row.deleted = true;
            row.revision = drafts::last_revision(db, *id).await? + 1;
            revise(db, *id, row.revision, row, author, comment, now).await?;
            write_row(db, course, row, now).await?;
            out.push((*id, row.revision));
        }
    }
    Ok(out)
}

/// Copy a block and everything in it, placed right after it. The copies are new blocks
/// (new ids) with the same titles, content and dates.
pub async fn duplicate_block(env: &Env, actor: &Actor, block: BlockId) -> Result<Saved> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let (mut draft, current) = block_in_draft(&mut tx, actor, block).await?;
    let course = draft.course.id();
    if removed(&current) {
        return Err(Error::not_found());
    }
    let comment = format!("{}:{}", comment::DUPLICATED, block.0);
    let mut copies: HashMap<BlockId, BlockId> = HashMap::new();
    let mut top = None;
    for id in draft.subtree(block) {
        let Some(src) = draft.get(id).cloned() else {
            continue;
        };
        let new = drafts::insert_new(
            &mut tx,
            course,
            &src.kind,
            &new_url_name(),
            &src.title,
            &src.content,
            now,
        )
        .await?;
        let parent = if id == block {
            src.parent_id.map(BlockId)
        } else {
            src.parent_id
                .map(BlockId)
                .and_then(|p| copies.get(&p).copied())
        };
        copies.insert(id, new);
        let mut row = DraftRow {
            id: new.0,
            parent_id: parent.map(|p| p.0),
            revision: 1,
            published_revision: 0,
            live: false,
            changed: true,
            deleted: false,
            ..src
        };
        if id == block {
            draft.blocks.push(DraftRow {
                position: i64::MAX,
                ..row.clone()
            });
            row.position = place(
                &mut tx,
                &mut draft,
                new,
                parent,
                Some(current.position as usize + 1),
                now,
            )
            .await?;
            top = Some(new);
        }
        write_row(&mut tx, course, &row, now).await?;
        revise(&mut tx, new, 1, &row, actor.user, &comment, now).await?;
    }
    tx.commit().await?;
    Ok(Saved {
        block: top.ok_or_else(Error::not_found)?,
        revision: 1,
    })
}

/// Bring back a block's earlier revision as its newest (history is never rewritten). A
/// removed block is restored too, at the end of its parent, if its parent is there.
pub async fn restore(env: &Env, actor: &Actor, block: BlockId, revision: i64) -> Result<Saved> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let (mut draft, current) = block_in_draft(&mut tx, actor, block).await?;
    let course = draft.course.id();
    let old = drafts::revision(&mut tx, block, revision)
        .await?
        .ok_or_else(Error::not_found)?;
    let mut row = current.clone();
    let was_removed = removed(&current);
    if was_removed {
        let parent = current.parent_id.map(BlockId);
        if parent.is_some() && draft.get(parent.unwrap_or(BlockId(0))).is_none() {
            return Err(Error::new(
                ErrorKind::Conflict,
                DomainError::new("lyceum-error-studio-restore-parent"),
            ));
        }
        row.deleted = false;
        draft.blocks.push(DraftRow {
            position: i64::MAX,
            deleted: false,
            ..current.clone()
        });
        row.position = place(&mut tx, &mut draft, block, parent, None, now).await?;
    }
    row.title = old.title;
    row.content = old.content;
    row.release_at = old.release_at;
    check_dates(
        &draft,
        &row.kind,
        row.parent_id.map(BlockId),
        row.release_at,
        &row.content,
    )?;
    row.revision = drafts::last_revision(&mut tx, block).await? + 1;
    let comment = format!("{}:{}", comment::RESTORED, revision);
    revise(
        &mut tx,
        block,
        row.revision,
        &row,
        actor.user,
        &comment,
        now,
    )
    .await?;
    write_row(&mut tx, course, &row, now).await?;
    tx.commit().await?;
    Ok(Saved {
        block,
        revision: row.revision,
    })
}

/// What a publish did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publication {
    /// The content version learners see now.
    pub version: i64,
    /// Blocks whose published state changed.
    pub changed: i64,
    /// The course's status after it: `Review` when the organisation reviews courses
    /// before their first publication (nothing went live yet).
    pub status: CourseStatus,
}

/// Make a course's draft live, in the caller's transaction: the draft's blocks become
/// what learners see, the course is published (its status and the learners' flag), and
/// the publication is recorded. Shared by [`publish`] and a reviewer's approval.
pub async fn make_live(
    db: &mut impl Db,
    course: CourseId,
    by: Option<UserId>,
    summary: &str,
    now: i64,
) -> Result<Publication> {
    let (version, changed) = drafts::publish(db, course, by, summary, now).await?;
    // A fork says "changes were made" once its published content differs from its source.
    crate::forks::after_publish(db, course).await?;
    db.exec(
        lyceum_store::q("UPDATE courses SET status = 'published', published = TRUE WHERE id = $1 AND status IN ('draft', 'review')")
            .bind(course.0),
    )
    .await?;
    Ok(Publication {
        version,
        changed,
        status: CourseStatus::Published,
    })
}

/// Publish a course's draft: all of it goes live at once, or — for a course not yet
/// published in an organisation that reviews courses — it goes to the reviewers.
pub async fn publish(
    env: &Env,
    actor: &Actor,
    course: CourseId,
    summary_text: &str,
) -> Result<Publication> {
    let now = env.now_ms();
    let summary_text = summary(summary_text)?;
    let mut tx = env.store.begin().await?;
    let (row, _, requires_review) = course_for(&mut tx, actor, course, Action::Publish).await?;
    // Publishing (or sending for review) is for people who accepted the code of conduct.
    crate::conduct::require(&mut tx, actor).await?;
    let status = CourseStatus::parse(&row.status).unwrap_or(CourseStatus::Draft);
    let out = match status.after(StatusChange::Publish, requires_review) {
        Some(CourseStatus::Review) => {
            tx.exec(
                lyceum_store::q(
                    "UPDATE courses SET status = 'review', updated_at = $2 WHERE id = $1",
                )
                .bind(course.0)
                .bind(now),
            )
            .await?;
            tx.exec(
                lyceum_store::q("INSERT INTO course_reviews (course_id, user_id, decision, comment, created_at) VALUES ($1, $2, 'submit', $3, $4)")
                    .bind(course.0)
                    .bind(actor.user.map(|u| u.0))
                    .bind(&summary_text)
                    .bind(now),
            )
            .await?;
            Publication {
                version: row.content_version,
                changed: 0,
                status: CourseStatus::Review,
            }
        }
        Some(_) => {
            if status == CourseStatus::Published
                && drafts::count_changes(&mut tx, course).await? == 0
            {
                // Nothing to publish: learners already see the draft.
                return Ok(Publication {
                    version: row.content_version,
                    changed: 0,
                    status,
                });
            }
            make_live(&mut tx, course, actor.user, &summary_text, now).await?
        }
        None => {
            return Err(Error::conflict(match status {
                CourseStatus::Review => "lyceum-error-studio-in-review",
                _ => "lyceum-error-studio-archived",
            }));
        }
    };
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: if out.status == CourseStatus::Review {
                "course.submit-review"
            } else {
                "course.publish"
            },
            target_type: "course",
            target_id: &row.course_key,
            reason: &summary_text,
            details: json!({ "version": out.version, "changed": out.changed }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Throw the draft away: the published course becomes the draft again. Blocks never
/// published go with it; their revisions too.
pub async fn discard(env: &Env, actor: &Actor, course: CourseId) -> Result<u64> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let (row, _, _) = course_for(&mut tx, actor, course, Action::Publish).await?;
    let n = drafts::discard(&mut tx, course).await?;
    if n > 0 {
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor: actor.user,
                action: "course.discard-draft",
                target_type: "course",
                target_id: &row.course_key,
                reason: "",
                details: json!({ "blocks": n }),
                now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// A page of a course's history: its blocks' revisions, newest first, and its
/// publications.
#[derive(Clone, Debug)]
pub struct History {
    pub revisions: Vec<drafts::RevisionRow>,
    /// Where the next (older) page starts, if there is one.
    pub next: Option<(i64, i64, i64)>,
    pub publications: Vec<drafts::PublicationRow>,
}

pub const HISTORY_PAGE: i64 = 50;

/// A course's history, for the people who may see its unreleased content.
pub async fn history(
    env: &Env,
    actor: &Actor,
    course: CourseId,
    before: Option<(i64, i64, i64)>,
) -> Result<History> {
    let mut db = env.store.conn().await?;
    course_for(&mut db, actor, course, Action::ViewUnreleased).await?;
    let mut revisions = drafts::course_history(&mut db, course, before, HISTORY_PAGE + 1).await?;
    let next = if revisions.len() as i64 > HISTORY_PAGE {
        revisions.truncate(HISTORY_PAGE as usize);
        revisions
            .last()
            .map(|r| (r.created_at, r.block_id, r.revision))
    } else {
        None
    };
    let publications = drafts::publications(&mut db, course, 20).await?;
    Ok(History {
        revisions,
        next,
        publications,
    })
}

/// Every revision of one block, newest first, with the block as the draft has it.
pub async fn block_history(
    env: &Env,
    actor: &Actor,
    block: BlockId,
) -> Result<(courses::CourseRow, DraftRow, Vec<drafts::RevisionRow>)> {
    let mut db = env.store.conn().await?;
    let (course, row) = block_for(&mut db, actor, block, Action::ViewUnreleased).await?;
    let revisions = drafts::block_history(&mut db, block).await?;
    Ok((course, row, revisions))
}
