//! Upstream sync: what a fork's source changed since the fork last took from it, block by
//! block, and whether the fork changed the same blocks too. Pure: the caller reads the
//! source's published blocks, the fork's draft and the links between them
//! (`fork_blocks`), and this decides what changed.
//!
//! - **changed**: the source block's published revision is past the revision last taken;
//! - **added**: a published source block no fork block came from (only the topmost of a
//!   new subtree is listed; its new descendants come with it);
//! - **removed**: a source block the fork took is no longer published (only the topmost);
//! - **moved**: the source has the block under another parent than the fork's draft
//!   (reordering among the same siblings is not reported).
//!
//! A change is a **conflict** when the fork's draft revision of the block is past the
//! revision it had when the two last agreed: both sides edited it.

use std::collections::{HashMap, HashSet};

/// A published block of the source course.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceBlock {
    pub id: i64,
    pub parent: Option<i64>,
    pub position: i64,
    pub revision: i64,
}

/// A block of the fork's draft (removed ones too, marked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkBlock {
    pub id: i64,
    pub parent: Option<i64>,
    pub position: i64,
    /// The draft's revision of the block.
    pub revision: i64,
    /// Removed in the fork's draft.
    pub removed: bool,
}

/// Which source block a fork block came from, and both revisions when they last agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub fork_block: i64,
    pub source_block: i64,
    pub source_revision: i64,
    pub revision: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Changed,
    Added,
    Removed,
    Moved,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Changed => "changed",
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Moved => "moved",
        }
    }
}

/// One change of the source the fork has not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub source_block: i64,
    /// The fork's block it came from (`None` for an added block).
    pub fork_block: Option<i64>,
    /// A changed block the source also placed elsewhere.
    pub moved: bool,
    /// Both sides edited the block since they last agreed.
    pub conflict: bool,
    /// The source's published revision (0 for a removed block).
    pub source_revision: i64,
    /// The source revision the fork last took (0 for an added block).
    pub base_revision: i64,
    /// The fork's draft revision of the block.
    pub fork_revision: Option<i64>,
    /// Added or moved: the fork block it goes under (`None`: among the sections).
    pub fork_parent: Option<i64>,
    /// Added or moved: its place among those siblings, as in the source.
    pub position: i64,
    /// Added or moved: the place exists in the fork's draft (its parent was not removed
    /// there, and is not itself new in the source and still to pull).
    pub placeable: bool,
    /// Added: the new blocks under it, in reading order (source ids), pulled with it.
    pub descendants: Vec<i64>,
}

/// The ids of a course's blocks in reading order (children by position, then id).
pub fn reading_order(blocks: &[SourceBlock]) -> Vec<i64> {
    ordered(blocks).into_iter().map(|b| b.id).collect()
}

fn ordered(source: &[SourceBlock]) -> Vec<&SourceBlock> {
    let mut children: HashMap<Option<i64>, Vec<&SourceBlock>> = HashMap::new();
    for b in source {
        children.entry(b.parent).or_default().push(b);
    }
    for list in children.values_mut() {
        list.sort_by_key(|b| (b.position, b.id));
    }
    let mut out = Vec::with_capacity(source.len());
    let mut stack: Vec<&SourceBlock> = children
        .get(&None)
        .map(|l| l.iter().rev().copied().collect())
        .unwrap_or_default();
    let mut seen = HashSet::new();
    while let Some(b) = stack.pop() {
        if !seen.insert(b.id) {
            continue;
        }
        out.push(b);
        if let Some(list) = children.get(&Some(b.id)) {
            stack.extend(list.iter().rev().copied());
        }
    }
    out
}

/// Everything the source changed that the fork has not taken, in the source's reading
/// order, removed blocks last (in the fork's order).
pub fn changes(source: &[SourceBlock], fork: &[ForkBlock], links: &[Link]) -> Vec<Change> {
    let by_source: HashMap<i64, &Link> = links.iter().map(|l| (l.source_block, l)).collect();
    let fork_by_id: HashMap<i64, &ForkBlock> = fork.iter().map(|b| (b.id, b)).collect();
    let live: HashMap<i64, &SourceBlock> = source.iter().map(|b| (b.id, b)).collect();
    let in_draft = |id: i64| fork_by_id.get(&id).is_some_and(|b| !b.removed);
    let mut out: Vec<Change> = Vec::new();
    let order = ordered(source);
    // New source blocks: the topmost of each new subtree is listed, the rest ride along.
    let mut top_of: HashMap<i64, usize> = HashMap::new();
    for b in &order {
        let link = by_source.get(&b.id).copied();
        let fork_block = link
            .map(|l| l.fork_block)
            .filter(|f| fork_by_id.contains_key(f));
        let Some(fork_id) = fork_block else {
            // Added (or its link's block is gone from the fork altogether).
            if let Some(p) = b.parent
                && let Some(&i) = top_of.get(&p)
            {
                out[i].descendants.push(b.id);
                top_of.insert(b.id, i);
                continue;
            }
            let parent = match b.parent {
                None => Some(None),
                Some(p) => by_source
                    .get(&p)
                    .map(|l| l.fork_block)
                    .filter(|f| in_draft(*f))
                    .map(Some),
            };
            top_of.insert(b.id, out.len());
            out.push(Change {
                kind: ChangeKind::Added,
                source_block: b.id,
                fork_block: None,
                moved: false,
                conflict: false,
                source_revision: b.revision,
                base_revision: 0,
                fork_revision: None,
                fork_parent: parent.flatten(),
                position: b.position,
                placeable: parent.is_some(),
                descendants: Vec::new(),
            });
            continue;
        };
        let Some(link) = link else { continue };
        let mine = fork_by_id[&fork_id];
        if mine.removed {
            // The fork removed it: nothing of the source's to show there.
            continue;
        }
        let changed = b.revision > link.source_revision;
        let (expected_parent, placeable) = match b.parent {
            None => (None, true),
            Some(p) => match by_source.get(&p).map(|l| l.fork_block) {
                Some(f) if in_draft(f) => (Some(f), true),
                _ => (None, false),
            },
        };
        let moved = !placeable || expected_parent != mine.parent;
        if !changed && !moved {
            continue;
        }
        out.push(Change {
            kind: if changed {
                ChangeKind::Changed
            } else {
                ChangeKind::Moved
            },
            source_block: b.id,
            fork_block: Some(fork_id),
            moved: changed && moved,
            conflict: changed && mine.revision > link.revision,
            source_revision: b.revision,
            base_revision: link.source_revision,
            fork_revision: Some(mine.revision),
            fork_parent: expected_parent,
            position: b.position,
            placeable,
            descendants: Vec::new(),
        });
    }
    // Removed: linked blocks the source no longer publishes, still in the fork's draft,
    // whose fork parent is not itself removed the same way.
    let gone: HashSet<i64> = links
        .iter()
        .filter(|l| !live.contains_key(&l.source_block) && in_draft(l.fork_block))
        .map(|l| l.fork_block)
        .collect();
    let mut removed: Vec<(&ForkBlock, &Link)> = links
        .iter()
        .filter(|l| gone.contains(&l.fork_block))
        .filter_map(|l| fork_by_id.get(&l.fork_block).map(|b| (*b, l)))
        .filter(|(b, _)| !b.parent.is_some_and(|p| gone.contains(&p)))
        .collect();
    removed.sort_by_key(|(b, _)| (b.parent, b.position, b.id));
    for (b, l) in removed {
        out.push(Change {
            kind: ChangeKind::Removed,
            source_block: l.source_block,
            fork_block: Some(b.id),
            moved: false,
            conflict: b.revision > l.revision,
            source_revision: 0,
            base_revision: l.source_revision,
            fork_revision: Some(b.revision),
            fork_parent: b.parent,
            position: b.position,
            placeable: true,
            descendants: Vec::new(),
        });
    }
    out
}

/// The changes a list of ids names: each id is a source block id or the fork block it
/// came from (block ids are unique across courses, so the two cannot be confused).
/// `Err` lists the ids that name no change.
pub fn select<'a>(changes: &'a [Change], ids: &[i64]) -> Result<Vec<&'a Change>, Vec<i64>> {
    let mut unknown = Vec::new();
    let mut chosen: Vec<&Change> = Vec::new();
    for id in ids {
        match changes
            .iter()
            .find(|c| c.source_block == *id || c.fork_block == Some(*id))
        {
            Some(c) => {
                if !chosen.iter().any(|x| x.source_block == c.source_block) {
                    chosen.push(c);
                }
            }
            None => unknown.push(*id),
        }
    }
    if unknown.is_empty() {
        Ok(chosen)
    } else {
        Err(unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: i64, parent: Option<i64>, position: i64, revision: i64) -> SourceBlock {
        SourceBlock {
            id,
            parent,
            position,
            revision,
        }
    }

    fn f(id: i64, parent: Option<i64>, position: i64, revision: i64) -> ForkBlock {
        ForkBlock {
            id,
            parent,
            position,
            revision,
            removed: false,
        }
    }

    fn l(fork_block: i64, source_block: i64, source_revision: i64, revision: i64) -> Link {
        Link {
            fork_block,
            source_block,
            source_revision,
            revision,
        }
    }

    /// Source: section 1 > subsection 2 > units 3, 4. Fork: 101 > 102 > 103, 104, all at
    /// the revisions taken.
    fn base() -> (Vec<SourceBlock>, Vec<ForkBlock>, Vec<Link>) {
        (
            vec![
                s(1, None, 0, 1),
                s(2, Some(1), 0, 1),
                s(3, Some(2), 0, 2),
                s(4, Some(2), 1, 1),
            ],
            vec![
                f(101, None, 0, 1),
                f(102, Some(101), 0, 1),
                f(103, Some(102), 0, 2),
                f(104, Some(102), 1, 1),
            ],
            vec![
                l(101, 1, 1, 1),
                l(102, 2, 1, 1),
                l(103, 3, 2, 2),
                l(104, 4, 1, 1),
            ],
        )
    }

    #[test]
    fn nothing_changed_means_no_changes() {
        let (src, fork, links) = base();
        assert!(changes(&src, &fork, &links).is_empty());
    }

    #[test]
    fn a_new_source_revision_is_a_change_and_a_conflict_only_when_the_fork_edited_too() {
        let (mut src, mut fork, links) = base();
        src[2].revision = 3;
        let c = changes(&src, &fork, &links);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::Changed);
        assert_eq!(
            (c[0].source_block, c[0].fork_block, c[0].base_revision),
            (3, Some(103), 2)
        );
        assert!(!c[0].conflict && !c[0].moved);
        fork[2].revision = 3;
        let c = changes(&src, &fork, &links);
        assert!(c[0].conflict);
        // The fork's edit alone is no change of the source's.
        src[2].revision = 2;
        assert!(changes(&src, &fork, &links).is_empty());
    }

    #[test]
    fn a_new_subtree_is_listed_once_with_its_descendants_under_the_mapped_parent() {
        let (mut src, fork, links) = base();
        src.push(s(5, Some(1), 1, 1)); // a new subsection
        src.push(s(6, Some(5), 0, 1)); // with a unit
        src.push(s(7, Some(6), 0, 1)); // with a text
        src.push(s(8, Some(2), 2, 1)); // and a new unit in the old subsection
        let c = changes(&src, &fork, &links);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].kind, ChangeKind::Added);
        assert_eq!(c[0].source_block, 8, "reading order: subsection 2 first");
        assert_eq!((c[0].fork_parent, c[0].position), (Some(102), 2));
        assert_eq!(c[1].source_block, 5);
        assert_eq!(c[1].fork_parent, Some(101));
        assert_eq!(c[1].descendants, vec![6, 7]);
        assert!(c.iter().all(|c| c.placeable && c.fork_block.is_none()));
    }

    #[test]
    fn an_addition_under_a_block_the_fork_removed_has_no_place() {
        let (mut src, mut fork, links) = base();
        fork[1].removed = true;
        fork[2].removed = true;
        fork[3].removed = true;
        src.push(s(9, Some(2), 2, 1));
        let c = changes(&src, &fork, &links);
        assert_eq!(c.len(), 1);
        assert!(!c[0].placeable);
        // A new section always has a place.
        src.push(s(10, None, 1, 1));
        assert!(changes(&src, &fork, &links)[1].placeable);
    }

    #[test]
    fn removed_blocks_are_listed_topmost_only() {
        let (src, fork, links) = base();
        // The source removed subsection 2 with its units.
        let src: Vec<SourceBlock> = src.into_iter().filter(|b| b.id == 1).collect();
        let c = changes(&src, &fork, &links);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].kind, ChangeKind::Removed);
        assert_eq!((c[0].source_block, c[0].fork_block), (2, Some(102)));
        assert!(!c[0].conflict);
        // Already removed in the fork too: nothing to do.
        let fork: Vec<ForkBlock> = fork
            .into_iter()
            .map(|mut b| {
                b.removed = b.id != 101;
                b
            })
            .collect();
        assert!(changes(&src, &fork, &links).is_empty());
    }

    #[test]
    fn a_removal_of_a_block_the_fork_edited_is_a_conflict() {
        let (mut src, mut fork, links) = base();
        src.retain(|b| b.id != 4);
        fork[3].revision = 2;
        let c = changes(&src, &fork, &links);
        assert_eq!(c.len(), 1);
        assert!(c[0].conflict);
    }

    #[test]
    fn a_block_under_another_parent_is_moved_and_reordering_is_not() {
        let (mut src, fork, links) = base();
        src.push(s(5, None, 1, 1));
        let mut links = links;
        let mut fork = fork;
        fork.push(f(105, None, 1, 1));
        links.push(l(105, 5, 1, 1));
        // Swapped order: not reported.
        src[2].position = 1;
        src[3].position = 0;
        assert!(changes(&src, &fork, &links).is_empty());
        // Subsection 2 moved under section 5.
        src[1].parent = Some(5);
        let c = changes(&src, &fork, &links);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::Moved);
        assert_eq!((c[0].fork_block, c[0].fork_parent), (Some(102), Some(105)));
        assert!(c[0].placeable && !c[0].conflict);
        // And edited: one change, marked moved.
        src[1].revision = 2;
        let c = changes(&src, &fork, &links);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::Changed);
        assert!(c[0].moved);
    }

    #[test]
    fn select_takes_source_or_fork_ids_and_names_unknown_ones() {
        let (mut src, fork, links) = base();
        src[2].revision = 3;
        src.push(s(8, Some(2), 2, 1));
        let c = changes(&src, &fork, &links);
        let picked = select(&c, &[103, 8, 3]).unwrap();
        assert_eq!(
            picked.iter().map(|c| c.source_block).collect::<Vec<_>>(),
            vec![3, 8]
        );
        assert_eq!(select(&c, &[3, 999, 4]).unwrap_err(), vec![999, 4]);
    }
}
