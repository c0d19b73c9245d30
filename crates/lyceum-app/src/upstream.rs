//! Upstream sync: a fork's authors see what its source changed since they last took from
//! it, block by block with the texts for diffs, and take the changes they choose into the
//! fork's draft ([`pull`]) — never straight to learners: the fork's team publishes as
//! usual. Where both sides edited a block they keep theirs or write a merged version
//! ([`resolve`]). The source's team sees its forks ([`forks`]) and what each changed
//! ([`fork_changes`]): the way improvements flow back.
//!
//! Only the source's **published** content counts, never its draft. Pulled revisions are
//! appended to the fork block's history with their authors (comment
//! `lyceum:pulled:<source revision>`), so the history and the attribution keep crediting
//! the source's authors. When the source was deleted, is no longer published, or its
//! licence was changed to "all rights reserved" after the fork, nothing new can be
//! pulled from it: the fork keeps what it took under the licence it took it with, but
//! content published later under the new terms is not free to take (see [`SourceState`]).

use crate::authoring::{self, Draft, comment};
use crate::{Env, Error, ErrorKind, Result};
use lyceum_core::course::upstream::{self as rules, Change, ChangeKind};
use lyceum_core::course::{License, NodeKind};
use lyceum_core::permissions::{Action, Actor, CourseFacts, Resource, can};
use lyceum_core::{BlockId, CourseId, DomainError, UserId};
use lyceum_store::Db;
use lyceum_store::repo::drafts::{self, DraftRow, NewRevision};
use lyceum_store::repo::upstream::{self as repo, ForkListRow, ForkRow, PublishedRow};
use lyceum_store::repo::{audit, courses};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Whether the fork can take anything from its source now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceState {
    /// Published under a free licence: its changes can be pulled.
    Open,
    /// The source course was deleted.
    Deleted,
    /// The source is no longer published (its team unpublished it).
    Unpublished,
    /// The source's licence is now "all rights reserved": what it publishes now is not
    /// free to take.
    Closed,
}

impl SourceState {
    fn of(fork: &ForkRow) -> SourceState {
        match (&fork.now_key, fork.now_published, &fork.now_license) {
            (None, _, _) => SourceState::Deleted,
            (Some(_), Some(false) | None, _) => SourceState::Unpublished,
            (Some(_), _, Some(l))
                if License::parse(l).is_none_or(|l| l == License::AllRightsReserved) =>
            {
                SourceState::Closed
            }
            _ => SourceState::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceState::Open => "open",
            SourceState::Deleted => "deleted",
            SourceState::Unpublished => "unpublished",
            SourceState::Closed => "closed",
        }
    }

    fn refusal(self) -> Option<Error> {
        let key = match self {
            SourceState::Open => return None,
            SourceState::Deleted => "lyceum-upstream-error-source-deleted",
            SourceState::Unpublished => "lyceum-upstream-error-source-unpublished",
            SourceState::Closed => "lyceum-upstream-error-source-closed",
        };
        Some(Error::conflict(key))
    }
}

/// One side of a change: a block's title, content and release date at a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub revision: i64,
    pub title: String,
    /// The stored content (see [`authoring::content_value`] for the author's form).
    pub content: String,
    pub release_at: Option<i64>,
}

/// A change of the source with what a diff needs.
#[derive(Clone, Debug)]
pub struct BlockChange {
    pub change: Change,
    /// The block's kind (`unit`, `text`, …).
    pub kind: String,
    /// The source's version the fork last took (absent for an added block).
    pub base: Option<Version>,
    /// The source's published version (absent for a removed block).
    pub theirs: Option<Version>,
    /// The fork's draft version (absent for an added block).
    pub mine: Option<Version>,
    /// Added: how many blocks come with it.
    pub descendants: usize,
}

impl BlockChange {
    /// The id this change is named by in the API: the source's block.
    pub fn id(&self) -> i64 {
        self.change.source_block
    }

    pub fn title(&self) -> &str {
        self.theirs
            .as_ref()
            .or(self.mine.as_ref())
            .map(|v| v.title.as_str())
            .unwrap_or_default()
    }
}

/// A fork's source and the changes it has not taken.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub draft: Draft,
    pub fork: ForkRow,
    pub state: SourceState,
    pub changes: Vec<BlockChange>,
}

impl Upstream {
    /// The source's key as it is now (or as forked, if it was deleted).
    pub fn source_key(&self) -> &str {
        self.fork
            .now_key
            .as_deref()
            .unwrap_or(&self.fork.source_key)
    }

    pub fn source_title(&self) -> &str {
        self.fork
            .now_title
            .as_deref()
            .unwrap_or(&self.fork.source_title)
    }

    pub fn source_version(&self) -> Option<i64> {
        self.fork.now_version
    }
}

/// A course that is no fork has no upstream: a conflict with a message saying so (only
/// its team gets this far; anyone else was told "not found" before).
fn not_a_fork() -> Error {
    Error::conflict("lyceum-upstream-error-not-fork")
}

/// Everything a comparison needs, read in a fixed number of statements.
struct Loaded {
    draft: Draft,
    fork: ForkRow,
    state: SourceState,
    source: Vec<PublishedRow>,
    links: Vec<repo::LinkRow>,
}

async fn load(db: &mut impl Db, actor: &Actor, course: CourseId) -> Result<Loaded> {
    let draft = authoring::load_draft_in(db, actor, course).await?;
    let fork = repo::fork_of(db, course).await?.ok_or_else(not_a_fork)?;
    let state = SourceState::of(&fork);
    let (source, links) = match (state, fork.source_course_id) {
        (SourceState::Open, Some(src)) => (
            repo::published(db, CourseId(src)).await?,
            repo::links(db, course).await?,
        ),
        _ => (Vec::new(), Vec::new()),
    };
    Ok(Loaded {
        draft,
        fork,
        state,
        source,
        links,
    })
}

fn compare(l: &Loaded) -> Vec<Change> {
    compare_parts(&l.draft, &l.source, &l.links)
}

fn compare_parts(draft: &Draft, source: &[PublishedRow], links: &[repo::LinkRow]) -> Vec<Change> {
    let source: Vec<rules::SourceBlock> = source
        .iter()
        .map(|b| rules::SourceBlock {
            id: b.id,
            parent: b.parent_id,
            position: b.position,
            revision: b.revision,
        })
        .collect();
    let fork: Vec<rules::ForkBlock> = draft
        .blocks
        .iter()
        .map(|b| (b, false))
        .chain(draft.removed.iter().map(|b| (b, true)))
        .map(|(b, removed)| rules::ForkBlock {
            id: b.id,
            parent: b.parent_id,
            position: b.position,
            revision: b.revision,
            removed,
        })
        .collect();
    let links: Vec<rules::Link> = links
        .iter()
        .map(|r| rules::Link {
            fork_block: r.block_id,
            source_block: r.source_block_id,
            source_revision: r.source_revision,
            revision: r.revision,
        })
        .collect();
    rules::changes(&source, &fork, &links)
}

fn mine_of(draft: &Draft, id: i64) -> Option<&DraftRow> {
    draft
        .blocks
        .iter()
        .chain(draft.removed.iter())
        .find(|b| b.id == id)
}

/// What the source changed since the fork last took from it. Six statements whatever
/// the course's size: the fork and the actor's rights, its draft, its record, the source's
/// published blocks, the links, and the revisions last taken.
pub async fn changes(env: &Env, actor: &Actor, fork: CourseId) -> Result<Upstream> {
    let mut db = env.store.conn().await?;
    let l = load(&mut db, actor, fork).await?;
    let found = compare(&l);
    let bases: HashMap<i64, repo::BaseRow> = if found.is_empty() {
        HashMap::new()
    } else {
        repo::bases(&mut db, fork)
            .await?
            .into_iter()
            .map(|b| (b.block_id, b))
            .collect()
    };
    let source: HashMap<i64, &PublishedRow> = l.source.iter().map(|b| (b.id, b)).collect();
    let changes = found
        .into_iter()
        .map(|c| {
            let theirs = source.get(&c.source_block).map(|b| Version {
                revision: b.revision,
                title: b.title.clone(),
                content: b.content.clone(),
                release_at: b.release_at,
            });
            let mine_row = c.fork_block.and_then(|f| mine_of(&l.draft, f));
            let mine = mine_row.map(|b| Version {
                revision: b.revision,
                title: b.title.clone(),
                content: b.content.clone(),
                release_at: b.release_at,
            });
            let base = bases.get(&c.source_block).map(|b| Version {
                revision: b.revision,
                title: b.title.clone(),
                content: b.content.clone(),
                release_at: b.release_at,
            });
            let kind = source
                .get(&c.source_block)
                .map(|b| b.kind.clone())
                .or_else(|| mine_row.map(|b| b.kind.clone()))
                .unwrap_or_default();
            BlockChange {
                descendants: c.descendants.len(),
                change: c,
                kind,
                base,
                theirs,
                mine,
            }
        })
        .collect();
    Ok(Upstream {
        draft: l.draft,
        fork: l.fork,
        state: l.state,
        changes,
    })
}

/// What Studio's outline links to: a fork's changes not taken, its forks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StudioLinks {
    /// A fork: how many of its source's changes it has not taken (`None`: no fork).
    pub pending: Option<usize>,
    /// How many forks the course has.
    pub forks: i64,
}

/// [`StudioLinks`] for a draft its author loaded: no statement for a course that is no
/// fork (the course row says whether it is one and how many forks it has), three for a
/// fork (its record, the source's published blocks, the links).
pub async fn studio_links(env: &Env, draft: &Draft) -> Result<StudioLinks> {
    let forks = draft.course.fork_count.unwrap_or(0);
    if draft.course.fork_source_key.is_none() {
        return Ok(StudioLinks {
            pending: None,
            forks,
        });
    }
    let mut db = env.store.conn().await?;
    let course = draft.course.id();
    let pending = match repo::fork_of(&mut db, course).await? {
        None => None,
        Some(fork) => Some(match (SourceState::of(&fork), fork.source_course_id) {
            (SourceState::Open, Some(src)) => {
                let source = repo::published(&mut db, CourseId(src)).await?;
                let links = repo::links(&mut db, course).await?;
                compare_parts(draft, &source, &links).len()
            }
            _ => 0,
        }),
    };
    Ok(StudioLinks { pending, forks })
}

/// One change taken into the fork.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pulled {
    pub source_block: BlockId,
    /// The fork's block now carrying it (a new one for an added block).
    pub fork_block: BlockId,
    pub kind: ChangeKind,
    /// The fork block's draft revision after the pull.
    pub revision: i64,
}

/// The ids a request named that are no change of the source's: refused whole.
fn unknown_ids(ids: Vec<i64>) -> Error {
    Error::invalid(
        DomainError::new("lyceum-upstream-error-unknown").with_arg(
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    )
}

/// Add the source's revisions `revs` (oldest first) to `block`'s history in the fork,
/// each credited to its author; returns the last revision number written.
async fn append_revisions(
    db: &mut impl Db,
    block: BlockId,
    revs: &[&repo::PulledRevision],
    now: i64,
) -> Result<i64> {
    let mut n = drafts::last_revision(db, block).await?;
    for r in revs {
        n += 1;
        drafts::add_revision(
            db,
            &NewRevision {
                block,
                revision: n,
                author: r.author_id.map(UserId),
                title: &r.title,
                content: &r.content,
                release_at: r.release_at,
                comment: &format!("{}:{}", comment::PULLED, r.revision),
            },
            // The time the source's author wrote it, so the history reads in order of
            // writing; the pull itself is in the audit log.
            r.created_at.min(now),
        )
        .await?;
    }
    Ok(n)
}

/// Take some of the source's changes into the fork's draft (one transaction): changed
/// blocks get the source's published version (a conflicted block too: the fork's text
/// stays in its history), added blocks are created at their place with their history,
/// removed ones are removed from the draft, moved ones moved. `ids` are the ids
/// [`changes`] reports (source block ids) or the fork blocks they map to; an unknown id
/// refuses the whole request (422) and nothing is applied.
pub async fn pull(env: &Env, actor: &Actor, fork: CourseId, ids: &[i64]) -> Result<Vec<Pulled>> {
    if ids.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-upstream-error-none-chosen",
        )));
    }
    if ids.len() > lyceum_core::limits::UPSTREAM_PULL {
        return Err(Error::invalid(
            DomainError::new("lyceum-upstream-error-too-many")
                .with_arg(lyceum_core::limits::UPSTREAM_PULL.to_string()),
        ));
    }
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let mut l = load(&mut tx, actor, fork).await?;
    if let Some(e) = l.state.refusal() {
        return Err(e);
    }
    let found = compare(&l);
    let chosen: Vec<Change> = rules::select(&found, ids)
        .map_err(unknown_ids)?
        .into_iter()
        .cloned()
        .collect();
    if let Some(c) = chosen.iter().find(|c| !c.placeable) {
        return Err(Error::new(
            ErrorKind::Conflict,
            DomainError::new("lyceum-upstream-error-no-place").with_arg(c.source_block.to_string()),
        ));
    }
    let source: HashMap<i64, PublishedRow> = std::mem::take(&mut l.source)
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    // Every source revision to append, in one statement.
    let mut ranges = Vec::new();
    for c in &chosen {
        match c.kind {
            ChangeKind::Changed => {
                ranges.push((BlockId(c.source_block), c.base_revision, c.source_revision))
            }
            ChangeKind::Added => {
                for id in std::iter::once(c.source_block).chain(c.descendants.iter().copied()) {
                    if let Some(b) = source.get(&id) {
                        ranges.push((BlockId(id), 0, b.revision));
                    }
                }
            }
            _ => {}
        }
    }
    let revisions = repo::revisions_between(&mut tx, &ranges).await?;
    let mut by_block: HashMap<i64, Vec<&repo::PulledRevision>> = HashMap::new();
    for r in &revisions {
        by_block.entry(r.block_id).or_default().push(r);
    }
    let mut authors = l.fork.source_authors();
    for r in &revisions {
        if let Some(name) = &r.author_name
            && !authors.contains(name)
        {
            authors.push(name.clone());
        }
    }
    let draft = &mut l.draft;
    let mut out = Vec::new();
    for c in &chosen {
        let empty = Vec::new();
        match c.kind {
            ChangeKind::Changed | ChangeKind::Moved => {
                let fork_block = BlockId(c.fork_block.ok_or_else(Error::not_found)?);
                let mut revision = c.fork_revision.unwrap_or(0);
                if c.kind == ChangeKind::Changed {
                    let theirs = source.get(&c.source_block).ok_or_else(Error::not_found)?;
                    let revs = by_block.get(&c.source_block).unwrap_or(&empty);
                    revision = append_revisions(&mut tx, fork_block, revs, now).await?;
                    if revs.is_empty() {
                        // The revisions were lost (never happens through the editor):
                        // the published version still comes, as the actor's revision.
                        revision += 1;
                        drafts::add_revision(
                            &mut tx,
                            &NewRevision {
                                block: fork_block,
                                revision,
                                author: actor.user,
                                title: &theirs.title,
                                content: &theirs.content,
                                release_at: theirs.release_at,
                                comment: &format!("{}:{}", comment::PULLED, theirs.revision),
                            },
                            now,
                        )
                        .await?;
                    }
                    let row = draft
                        .blocks
                        .iter_mut()
                        .find(|b| b.id == fork_block.0)
                        .ok_or_else(Error::not_found)?;
                    row.title = theirs.title.clone();
                    row.content = theirs.content.clone();
                    row.release_at = theirs.release_at;
                    row.revision = revision;
                    row.changed = true;
                    let row = row.clone();
                    authoring::write_row(&mut tx, fork, &row, now).await?;
                    repo::agree(&mut tx, fork_block, c.source_revision, revision).await?;
                }
                if c.kind == ChangeKind::Moved || c.moved {
                    let parent = c.fork_parent.map(BlockId);
                    let position = authoring::place(
                        &mut tx,
                        draft,
                        fork_block,
                        parent,
                        Some(c.position as usize),
                        now,
                    )
                    .await?;
                    if let Some(row) = draft.blocks.iter_mut().find(|b| b.id == fork_block.0) {
                        row.parent_id = parent.map(|p| p.0);
                        row.position = position;
                        row.changed = true;
                        let row = row.clone();
                        authoring::write_row(&mut tx, fork, &row, now).await?;
                    }
                }
                out.push(Pulled {
                    source_block: BlockId(c.source_block),
                    fork_block,
                    kind: c.kind,
                    revision,
                });
            }
            ChangeKind::Added => {
                let mut copies: HashMap<i64, BlockId> = HashMap::new();
                for id in std::iter::once(c.source_block).chain(c.descendants.iter().copied()) {
                    let b = source.get(&id).ok_or_else(Error::not_found)?;
                    let new = drafts::insert_new(
                        &mut tx,
                        fork,
                        &b.kind,
                        &authoring::new_url_name(),
                        &b.title,
                        &b.content,
                        now,
                    )
                    .await?;
                    let revs = by_block.get(&id).unwrap_or(&empty);
                    let mut revision = append_revisions(&mut tx, new, revs, now).await?;
                    if revs.is_empty() {
                        revision += 1;
                        drafts::add_revision(
                            &mut tx,
                            &NewRevision {
                                block: new,
                                revision,
                                author: actor.user,
                                title: &b.title,
                                content: &b.content,
                                release_at: b.release_at,
                                comment: &format!("{}:{}", comment::PULLED, b.revision),
                            },
                            now,
                        )
                        .await?;
                    }
                    let top = id == c.source_block;
                    let parent = if top {
                        c.fork_parent.map(BlockId)
                    } else {
                        b.parent_id.and_then(|p| copies.get(&p).copied())
                    };
                    let mut row = DraftRow {
                        id: new.0,
                        kind: b.kind.clone(),
                        url_name: String::new(),
                        parent_id: parent.map(|p| p.0),
                        position: if top { i64::MAX } else { b.position },
                        title: b.title.clone(),
                        release_at: b.release_at,
                        content: b.content.clone(),
                        revision,
                        published_revision: 0,
                        live: false,
                        changed: true,
                        deleted: false,
                    };
                    if top {
                        draft.blocks.push(row.clone());
                        row.position = authoring::place(
                            &mut tx,
                            draft,
                            new,
                            parent,
                            Some(c.position as usize),
                            now,
                        )
                        .await?;
                    } else {
                        draft.blocks.push(row.clone());
                    }
                    authoring::write_row(&mut tx, fork, &row, now).await?;
                    repo::link(&mut tx, fork, new, BlockId(id), b.revision, revision).await?;
                    copies.insert(id, new);
                    if top {
                        out.push(Pulled {
                            source_block: BlockId(id),
                            fork_block: new,
                            kind: ChangeKind::Added,
                            revision,
                        });
                    }
                }
            }
            ChangeKind::Removed => {
                let fork_block = BlockId(c.fork_block.ok_or_else(Error::not_found)?);
                let removed = authoring::remove_subtree(
                    &mut tx,
                    draft,
                    fork_block,
                    actor.user,
                    comment::DELETED,
                    now,
                )
                .await?;
                let revision = removed
                    .iter()
                    .find(|(b, _)| *b == fork_block)
                    .map(|(_, r)| *r)
                    .unwrap_or(0);
                out.push(Pulled {
                    source_block: BlockId(c.source_block),
                    fork_block,
                    kind: ChangeKind::Removed,
                    revision,
                });
            }
        }
    }
    repo::synced(
        &mut tx,
        fork,
        l.fork.now_version.unwrap_or(l.fork.synced_version),
        &authors,
    )
    .await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "course.upstream-pull",
            target_type: "course",
            target_id: &draft.course.course_key,
            reason: "",
            details: json!({
                "source": l.fork.now_key,
                "blocks": out.iter().map(|p| json!({
                    "source": p.source_block.0,
                    "block": p.fork_block.0,
                    "kind": p.kind.as_str(),
                })).collect::<Vec<_>>(),
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// How the fork's authors settle a change both sides made.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// Keep the fork's version; the source's change counts as seen.
    KeepMine,
    /// A version merging both, as a new draft revision (the source's revisions are added
    /// to the history first, so their authors stay credited).
    Merged { title: String, content: Value },
}

/// Settle one change without taking the source's version as it is: keep the fork's
/// (a changed block: the change counts as taken; a removed one: the fork keeps it as its
/// own) or save a merged version. Added and moved blocks have nothing to keep or merge:
/// pull them or leave them.
pub async fn resolve(
    env: &Env,
    actor: &Actor,
    fork: CourseId,
    id: i64,
    resolution: Resolution,
) -> Result<Option<i64>> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let l = load(&mut tx, actor, fork).await?;
    if let Some(e) = l.state.refusal() {
        return Err(e);
    }
    let found = compare(&l);
    let c = rules::select(&found, &[id])
        .map_err(unknown_ids)?
        .into_iter()
        .next()
        .cloned()
        .ok_or_else(Error::not_found)?;
    let fork_block = match (c.kind, c.fork_block) {
        (ChangeKind::Changed | ChangeKind::Removed, Some(b)) => BlockId(b),
        _ => {
            return Err(Error::invalid(DomainError::new(
                "lyceum-upstream-error-nothing-to-resolve",
            )));
        }
    };
    let mine = l
        .draft
        .get(fork_block)
        .cloned()
        .ok_or_else(Error::not_found)?;
    let revision = match (&resolution, c.kind) {
        (Resolution::KeepMine, ChangeKind::Changed) => {
            repo::agree(&mut tx, fork_block, c.source_revision, mine.revision).await?;
            None
        }
        (Resolution::KeepMine, _) => {
            // The source removed it; the fork keeps it as a block of its own.
            tx.exec(
                lyceum_store::q("DELETE FROM fork_blocks WHERE block_id = $1").bind(fork_block.0),
            )
            .await?;
            None
        }
        (Resolution::Merged { title, content }, ChangeKind::Changed) => {
            let kind = NodeKind::from_stored(&mine.kind);
            let title = authoring::clean_title(kind, title)?;
            let content = authoring::stored_content(&mine.kind, Some(content.clone()))?;
            authoring::check_dates(
                &l.draft,
                &mine.kind,
                mine.parent_id.map(BlockId),
                mine.release_at,
                &content,
            )?;
            let revs = repo::revisions_between(
                &mut tx,
                &[(BlockId(c.source_block), c.base_revision, c.source_revision)],
            )
            .await?;
            let refs: Vec<&repo::PulledRevision> = revs.iter().collect();
            let mut n = append_revisions(&mut tx, fork_block, &refs, now).await?;
            n += 1;
            let mut row = mine.clone();
            row.title = title;
            row.content = content;
            row.revision = n;
            authoring::revise(
                &mut tx,
                fork_block,
                n,
                &row,
                actor.user,
                &format!("{}:{}", comment::MERGED, c.source_revision),
                now,
            )
            .await?;
            authoring::write_row(&mut tx, fork, &row, now).await?;
            repo::agree(&mut tx, fork_block, c.source_revision, n).await?;
            let mut authors = l.fork.source_authors();
            for r in &revs {
                if let Some(name) = &r.author_name
                    && !authors.contains(name)
                {
                    authors.push(name.clone());
                }
            }
            repo::synced(
                &mut tx,
                fork,
                l.fork.now_version.unwrap_or(l.fork.synced_version),
                &authors,
            )
            .await?;
            Some(n)
        }
        (Resolution::Merged { .. }, _) => {
            return Err(Error::invalid(DomainError::new(
                "lyceum-upstream-error-nothing-to-resolve",
            )));
        }
    };
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "course.upstream-resolve",
            target_type: "course",
            target_id: &l.draft.course.course_key,
            reason: "",
            details: json!({
                "source": l.fork.now_key,
                "block": fork_block.0,
                "resolution": match resolution {
                    Resolution::KeepMine => "keep-mine",
                    Resolution::Merged { .. } => "merged",
                },
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(revision)
}

/// A block's content as text to edit a merged version in: a text's Markdown or HTML,
/// or the kind's authoring content as JSON.
pub fn editable_text(kind: &str, content: &str) -> String {
    let value = authoring::content_value(kind, content);
    match single_text(&value) {
        Some((_, text)) => text.to_owned(),
        None => serde_json::to_string_pretty(&value).unwrap_or_default(),
    }
}

/// The authoring content for `text` edited from [`editable_text`] of `mine`.
pub fn content_from_text(kind: &str, mine: &str, text: &str) -> Result<Value> {
    let value = authoring::content_value(kind, mine);
    match single_text(&value) {
        Some((field, _)) => Ok(json!({ field: text })),
        None => serde_json::from_str(text).map_err(|e| {
            Error::invalid(DomainError::new("lyceum-error-block-content").with_arg(e.to_string()))
        }),
    }
}

fn single_text(value: &Value) -> Option<(&'static str, &str)> {
    let o = value.as_object().filter(|o| o.len() == 1)?;
    ["markdown", "html"]
        .into_iter()
        .find_map(|k| o.get(k).and_then(Value::as_str).map(|t| (k, t)))
}

/// A fork as its source's team sees it.
#[derive(Clone, Debug)]
pub struct ForkLine {
    pub row: ForkListRow,
    /// The viewer may look at it (published, or they are on its team).
    pub visible: bool,
}

/// The forks of a course, for its team (who may see its unreleased content). A fork
/// nobody outside its team may see yet (not published) is listed without its title or
/// key — only that it exists, who forked it and when — unless the viewer is on its team: a volunteer's
/// personal adaptation stays theirs until they publish it. Three statements.
pub async fn forks(
    env: &Env,
    actor: &Actor,
    source: CourseId,
) -> Result<(courses::CourseRow, Vec<ForkLine>)> {
    let mut db = env.store.conn().await?;
    let (row, _, _) = authoring::course_for(&mut db, actor, source, Action::ViewUnreleased).await?;
    let rows = repo::forks_of(&mut db, source, actor.user).await?;
    let lines = rows
        .into_iter()
        .map(|(row, viewer)| {
            let facts = CourseFacts {
                published: row.published,
                enrollment_open: false,
                enrolled: false,
                role: viewer.role,
                org_role: viewer.org_role,
                hidden: row.hidden,
            };
            let visible = (row.published && !row.hidden)
                || can(actor, Action::ViewUnreleased, Resource::Course(&facts)).allowed();
            ForkLine { row, visible }
        })
        .collect();
    Ok((row, lines))
}

/// One difference of a fork's published content from the source version it took.
#[derive(Clone, Debug)]
pub struct ForkDiff {
    /// `changed` (the fork published its own revision), `added` (a block of the fork's
    /// own) or `removed` (a block it took and no longer publishes).
    pub kind: &'static str,
    pub block_kind: String,
    /// The source's version the fork took (absent for a block of the fork's own).
    pub base: Option<Version>,
    /// The fork's published version (absent for a removed block).
    pub fork: Option<Version>,
}

/// What a fork changed: its published content against the source versions it is based
/// on. For the source's team and the fork's; the fork must be published or the viewer
/// on its team (404 otherwise). Five statements.
pub async fn fork_changes(
    env: &Env,
    actor: &Actor,
    fork: CourseId,
) -> Result<(courses::CourseRow, ForkRow, Vec<ForkDiff>)> {
    let mut db = env.store.conn().await?;
    let (row, viewer) = courses::find_for_viewer_by_id(&mut db, fork, actor.user)
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
    let team = can(actor, Action::ViewUnreleased, Resource::Course(&facts)).allowed();
    if !(team || (row.published && !facts.hidden && actor.user.is_some())) {
        return Err(Error::not_found());
    }
    let record = repo::fork_of(&mut db, fork).await?.ok_or_else(not_a_fork)?;
    if !row.published {
        // Nothing published yet: nothing learners see differs from the source.
        return Ok((row, record, Vec::new()));
    }
    let published = repo::published(&mut db, fork).await?;
    let links = repo::links(&mut db, fork).await?;
    let bases: HashMap<i64, repo::BaseRow> = repo::bases(&mut db, fork)
        .await?
        .into_iter()
        .map(|b| (b.block_id, b))
        .collect();
    let by_fork: HashMap<i64, &repo::LinkRow> = links.iter().map(|l| (l.block_id, l)).collect();
    let live: HashMap<i64, &PublishedRow> = published.iter().map(|b| (b.id, b)).collect();
    let version = |b: &PublishedRow| Version {
        revision: b.revision,
        title: b.title.clone(),
        content: b.content.clone(),
        release_at: b.release_at,
    };
    let base_of = |l: &repo::LinkRow| {
        bases.get(&l.source_block_id).map(|b| Version {
            revision: b.revision,
            title: b.title.clone(),
            content: b.content.clone(),
            release_at: b.release_at,
        })
    };
    // The fork's blocks in reading order.
    let tree: Vec<rules::SourceBlock> = published
        .iter()
        .map(|b| rules::SourceBlock {
            id: b.id,
            parent: b.parent_id,
            position: b.position,
            revision: b.revision,
        })
        .collect();
    let order = rules::reading_order(&tree);
    let mut out = Vec::new();
    for id in order {
        let b = live[&id];
        match by_fork.get(&id) {
            Some(l) => {
                let base = base_of(l);
                let differs = base.as_ref().is_none_or(|v| {
                    v.title != b.title || v.content != b.content || v.release_at != b.release_at
                });
                if differs {
                    out.push(ForkDiff {
                        kind: "changed",
                        block_kind: b.kind.clone(),
                        base,
                        fork: Some(version(b)),
                    });
                }
            }
            None => {
                // Only the topmost of the fork's own subtrees.
                if b.parent_id.is_some_and(|p| !by_fork.contains_key(&p)) {
                    continue;
                }
                out.push(ForkDiff {
                    kind: "added",
                    block_kind: b.kind.clone(),
                    base: None,
                    fork: Some(version(b)),
                });
            }
        }
    }
    for l in &links {
        if !live.contains_key(&l.block_id) {
            let base = base_of(l);
            out.push(ForkDiff {
                kind: "removed",
                block_kind: String::new(),
                base,
                fork: None,
            });
        }
    }
    Ok((row, record, out))
}
