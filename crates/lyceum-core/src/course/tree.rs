//! A course's content tree — sections → subsections → units → leaf blocks — built once
//! from stored rows and then shared read-only by every page of the course: outline,
//! navigation, release dates and completion all come from here, without further queries.

use crate::blocks::{CompletionRule, Languages, LeafContent};
use crate::error::DomainError;
use crate::ids::BlockId;
use crate::translation::{Apply, Field, Piece, Segment, collect};
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Section,
    Subsection,
    Unit,
    Leaf,
}

impl NodeKind {
    /// Structure kinds are stored in `blocks.kind` under these names; anything else is a leaf.
    pub fn from_stored(kind: &str) -> NodeKind {
        match kind {
            "section" => NodeKind::Section,
            "subsection" => NodeKind::Subsection,
            "unit" => NodeKind::Unit,
            _ => NodeKind::Leaf,
        }
    }

    pub fn stored_name(self) -> Option<&'static str> {
        match self {
            NodeKind::Section => Some("section"),
            NodeKind::Subsection => Some("subsection"),
            NodeKind::Unit => Some("unit"),
            NodeKind::Leaf => None,
        }
    }

    fn parent_kind(self) -> Option<NodeKind> {
        match self {
            NodeKind::Section => None,
            NodeKind::Subsection => Some(NodeKind::Section),
            NodeKind::Unit => Some(NodeKind::Subsection),
            NodeKind::Leaf => Some(NodeKind::Unit),
        }
    }
}

/// One stored block, as the store hands it over.
#[derive(Clone, Debug)]
pub struct NodeRow {
    pub id: BlockId,
    pub parent_id: Option<BlockId>,
    pub position: i64,
    pub kind: String,
    pub url_name: String,
    pub title: String,
    pub release_at: Option<Timestamp>,
    pub content: String,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: BlockId,
    pub kind: NodeKind,
    pub url_name: String,
    pub title: String,
    /// The date set on this node itself.
    pub release_at: Option<Timestamp>,
    /// The latest release date on the path from the section down to this node: a node is
    /// visible only when it and all its ancestors are released.
    pub effective_release: Option<Timestamp>,
    /// Leaves only. `Err`: stored content that no longer decodes; shown as an error block.
    pub content: Option<Result<LeafContent, DomainError>>,
    /// Grading settings of a subsection (`graded`, `format` = assignment type, `due`).
    pub settings: StructureSettings,
    /// Hidden by a moderator, with the reason: this node itself.
    pub hidden_reason: Option<String>,
    /// This node or one above it is hidden: gone for learners, like unreleased content.
    pub hidden: bool,
    parent: Option<usize>,
    children: Vec<usize>,
}

impl Node {
    /// This leaf's content if it is a block of kind `K` whose content decodes: how code
    /// outside a kind's own module reaches its content (`node.content_of::<ProblemKind>()`).
    pub fn content_of<K: crate::blocks::Registered>(&self) -> Option<&K::Content> {
        self.content.as_ref()?.as_ref().ok().and_then(K::of)
    }
}

/// Settings of a section, subsection or unit, stored as its content. Only subsections
/// are graded (as in Open edX); `format` names the assignment type of the grading policy.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StructureSettings {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub graded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
}

/// Who is looking, and when: learners see released content only; staff see everything.
#[derive(Clone, Copy, Debug)]
pub struct Visibility {
    pub now: Timestamp,
    pub course_start: Option<Timestamp>,
    pub see_unreleased: bool,
}

/// Whether a release date means "never, for learners": Open edX's `visible_to_staff_only`
/// is imported as a release in the year 9999, which is no date to announce.
pub fn is_staff_only_release(release: Timestamp) -> bool {
    release.to_zoned(jiff::tz::TimeZone::UTC).year() >= 9000
}

impl Visibility {
    /// When a learner may first open content released at `release` (the later of its own
    /// release and the course start), if that is still to come and is a real date: what
    /// a "not open yet" page announces. `None` once open, or for staff-only content.
    pub fn opens_at(&self, release: Option<Timestamp>) -> Option<Timestamp> {
        let at = match (release, self.course_start) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b)?,
        };
        (at > self.now && !is_staff_only_release(at)).then_some(at)
    }

    pub fn is_released_at(&self, release: Option<Timestamp>) -> bool {
        if self.see_unreleased {
            return true;
        }
        let start_ok = self.course_start.is_none_or(|s| s <= self.now);
        start_ok && release.is_none_or(|r| r <= self.now)
    }
}

#[derive(Clone, Debug, Default)]
pub struct CourseTree {
    nodes: Vec<Node>,
    sections: Vec<usize>,
    /// Every unit in reading order.
    units: Vec<usize>,
    by_id: HashMap<BlockId, usize>,
    by_url_name: HashMap<String, usize>,
    /// Node index → position in `units`, so neighbours are found without a scan.
    unit_position: HashMap<usize, usize>,
    /// Rows that could not be placed (wrong parent kind, missing parent): kept out of the
    /// tree and reported, so one bad row never hides a whole course.
    pub problems: Vec<BlockId>,
}

impl CourseTree {
    pub fn build(mut rows: Vec<NodeRow>) -> CourseTree {
        rows.sort_by_key(|r| (r.position, r.id));
        let mut tree = CourseTree::default();
        let kinds: HashMap<BlockId, NodeKind> = rows
            .iter()
            .map(|r| (r.id, NodeKind::from_stored(&r.kind)))
            .collect();
        let mut children_of: HashMap<Option<BlockId>, Vec<NodeRow>> = HashMap::new();
        for row in rows {
            let kind = NodeKind::from_stored(&row.kind);
            let parent_kind = row.parent_id.and_then(|p| kinds.get(&p).copied());
            if parent_kind != kind.parent_kind() {
                tree.problems.push(row.id);
                continue;
            }
            children_of.entry(row.parent_id).or_default().push(row);
        }
        // Depth-first, so nodes are stored in reading order; with a stack of our own
        // rather than recursion, whatever the stored rows look like.
        let mut stack: Vec<(NodeRow, Option<usize>)> = children_of
            .remove(&None)
            .unwrap_or_default()
            .into_iter()
            .rev()
            .map(|row| (row, None))
            .collect();
        while let Some((row, parent)) = stack.pop() {
            let id = row.id;
            let idx = tree.insert(row, parent);
            match parent {
                Some(p) => tree.nodes[p].children.push(idx),
                None => tree.sections.push(idx),
            }
            if let Some(children) = children_of.remove(&Some(id)) {
                stack.extend(children.into_iter().rev().map(|c| (c, Some(idx))));
            }
        }
        // Rows whose parent was never placed (misplaced itself, or parents in a loop)
        // cannot be reached: reported like the misplaced ones.
        let mut unreachable: Vec<BlockId> = children_of
            .into_values()
            .flatten()
            .map(|row| row.id)
            .collect();
        unreachable.sort();
        tree.problems.extend(unreachable);
        tree
    }

    /// Add one node below `parent` (not yet in the parent's children).
    fn insert(&mut self, row: NodeRow, parent: Option<usize>) -> usize {
        let kind = NodeKind::from_stored(&row.kind);
        let inherited = parent.and_then(|p| self.nodes[p].effective_release);
        let effective_release = match (inherited, row.release_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let content = (kind == NodeKind::Leaf).then(|| {
            LeafContent::decode(&row.kind, &row.content).and_then(|c| c.prepare(&row.url_name))
        });
        let settings = if kind == NodeKind::Leaf {
            StructureSettings::default()
        } else {
            serde_json::from_str(&row.content).unwrap_or_default()
        };
        let idx = self.nodes.len();
        self.nodes.push(Node {
            settings,
            id: row.id,
            kind,
            url_name: row.url_name.clone(),
            title: row.title,
            release_at: row.release_at,
            effective_release,
            content,
            hidden_reason: None,
            hidden: false,
            parent,
            children: Vec::new(),
        });
        self.by_id.insert(row.id, idx);
        self.by_url_name.insert(row.url_name, idx);
        if kind == NodeKind::Unit {
            self.unit_position.insert(idx, self.units.len());
            self.units.push(idx);
        }
        idx
    }

    pub fn node(&self, idx: usize) -> &Node {
        &self.nodes[idx]
    }

    /// Every node in reading order: each section, then its subsections, each followed by
    /// its units and each unit by its blocks.
    pub fn reading_order(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<usize> = self.sections.iter().rev().copied().collect();
        while let Some(idx) = stack.pop() {
            out.push(idx);
            stack.extend(self.nodes[idx].children.iter().rev());
        }
        out
    }

    /// The course's translatable text in reading order (see [`crate::translation`]):
    /// each node's title, then a block's own fields as its kind names them, each piece in
    /// the group `{url_name}.{field}`. Empty fields are not segments; blocks whose content
    /// does not decode have none. `lang`: the course's language (which of a video's
    /// subtitle tracks is the source).
    pub fn translatable_pieces(&self, lang: &str) -> Vec<Piece> {
        let langs = Languages {
            source: lang,
            target: None,
        };
        let mut pieces = Vec::new();
        for idx in self.reading_order() {
            let node = &self.nodes[idx];
            let mut push = collect(&node.url_name, &mut pieces);
            push(Field::text("title"), &mut node.title.clone());
            if let Some(Ok(content)) = &node.content {
                content.clone().translatable_in(langs, &mut push);
            }
        }
        pieces
    }

    /// A copy of the tree, written in `source`, in the language `target`. `segments`
    /// are the ids given to this tree's
    /// [`translatable_pieces`](Self::translatable_pieces) (in the same order, as
    /// [`crate::translation::assign_ids`] returns them); `translate` gives the text to
    /// show for a segment of a block (by url_name), or `None` to keep the source's. A
    /// piece whose segment does not line up (ids given to other content) keeps the
    /// source's text.
    pub fn translated(
        &self,
        source: &str,
        target: &str,
        segments: &[Segment],
        translate: impl FnMut(&str, &Segment) -> Option<String>,
    ) -> CourseTree {
        let langs = Languages {
            source,
            target: Some(target),
        };
        let mut tree = self.clone();
        let mut apply = Apply::new(segments, translate);
        for idx in self.reading_order() {
            let node = &mut tree.nodes[idx];
            apply.visit(&node.url_name, Field::text("title"), &mut node.title);
            if let Some(Ok(content)) = &mut node.content {
                let url_name = node.url_name.clone();
                content.translatable_in(langs, &mut |f, t| apply.visit(&url_name, f, t));
            }
        }
        tree
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn index_of(&self, id: BlockId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    pub fn find_url_name(&self, url_name: &str) -> Option<usize> {
        self.by_url_name.get(url_name).copied()
    }

    pub fn sections(&self) -> &[usize] {
        &self.sections
    }

    pub fn children(&self, idx: usize) -> &[usize] {
        &self.nodes[idx].children
    }

    pub fn parent(&self, idx: usize) -> Option<usize> {
        self.nodes[idx].parent
    }

    /// All units in reading order, released or not.
    pub fn units(&self) -> &[usize] {
        &self.units
    }

    /// The subsection a node belongs to (itself for a subsection).
    pub fn subsection_of(&self, idx: usize) -> Option<usize> {
        let mut cur = Some(idx);
        while let Some(i) = cur {
            if self.nodes[i].kind == NodeKind::Subsection {
                return Some(i);
            }
            cur = self.nodes[i].parent;
        }
        None
    }

    /// A problem's due date: its own, else its subsection's (Open edX inherits `due`).
    pub fn due_of(&self, idx: usize) -> Option<Timestamp> {
        let own = match &self.nodes[idx].content {
            Some(Ok(c)) => c.due(),
            _ => None,
        };
        own.or_else(|| {
            self.subsection_of(idx)
                .and_then(|s| self.nodes[s].settings.due)
        })
    }

    /// The unit a node belongs to (itself for a unit).
    pub fn unit_of(&self, idx: usize) -> Option<usize> {
        let mut cur = Some(idx);
        while let Some(i) = cur {
            if self.nodes[i].kind == NodeKind::Unit {
                return Some(i);
            }
            cur = self.nodes[i].parent;
        }
        None
    }

    /// Section and subsection above a unit, for breadcrumbs.
    pub fn ancestors(&self, idx: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.nodes[idx].parent;
        while let Some(i) = cur {
            out.push(i);
            cur = self.nodes[i].parent;
        }
        out.reverse();
        out
    }

    /// Mark the blocks a moderator hid (with their reasons), and everything below them.
    pub fn hide(&mut self, hidden: &[(BlockId, String)]) {
        for (id, reason) in hidden {
            if let Some(&idx) = self.by_id.get(id) {
                self.nodes[idx].hidden_reason = Some(reason.clone());
            }
        }
        // Nodes are stored parents first (depth-first), so one pass carries it down.
        for i in 0..self.nodes.len() {
            let above = self.nodes[i].parent.is_some_and(|p| self.nodes[p].hidden);
            self.nodes[i].hidden = above || self.nodes[i].hidden_reason.is_some();
        }
    }

    /// Whether the viewer sees a node: released (for learners) and not hidden by a
    /// moderator — the team and moderators (`see_unreleased`) see both.
    pub fn is_visible(&self, idx: usize, vis: &Visibility) -> bool {
        vis.is_released_at(self.nodes[idx].effective_release)
            && (vis.see_unreleased || !self.nodes[idx].hidden)
    }

    pub fn visible_units(&self, vis: &Visibility) -> Vec<usize> {
        self.units
            .iter()
            .copied()
            .filter(|&u| self.is_visible(u, vis))
            .collect()
    }

    /// Previous and next visible units, across subsection and section boundaries.
    pub fn neighbours(&self, unit: usize, vis: &Visibility) -> (Option<usize>, Option<usize>) {
        let Some(&pos) = self.unit_position.get(&unit) else {
            return (None, None);
        };
        let prev = self.units[..pos]
            .iter()
            .rev()
            .copied()
            .find(|&u| self.is_visible(u, vis));
        let next = self.units[pos + 1..]
            .iter()
            .copied()
            .find(|&u| self.is_visible(u, vis));
        (prev, next)
    }

    /// The leaves of a unit that count towards completion, with their rule.
    pub fn completable_leaves(
        &self,
        unit: usize,
    ) -> impl Iterator<Item = (usize, CompletionRule)> + '_ {
        self.nodes[unit]
            .children
            .iter()
            .filter_map(|&c| match &self.nodes[c].content {
                Some(Ok(content)) => content.completion().map(|rule| (c, rule)),
                _ => None,
            })
    }

    /// Whether a learner may mark the unit done by hand: only a reading or video unit. A
    /// unit with something to answer or submit (a problem, an open response) completes
    /// when that is done, so "mark as done" cannot pass a graded quiz by unanswered.
    pub fn may_mark_done(&self, unit: usize) -> bool {
        !self
            .completable_leaves(unit)
            .any(|(_, rule)| rule == CompletionRule::Submitted)
    }

    /// A unit is complete when every leaf in it that counts is complete, or — for a
    /// reading or video unit ([`Self::may_mark_done`]) — when the unit itself is recorded:
    /// marked done by the learner, or viewed when nothing in it counts. A record of the
    /// unit itself never completes a unit with problems or open responses (older
    /// versions let learners mark those done; such records are ignored).
    pub fn is_unit_complete(&self, unit: usize, completed: &HashSet<BlockId>) -> bool {
        if completed.contains(&self.nodes[unit].id) && self.may_mark_done(unit) {
            return true;
        }
        let mut any = false;
        for (leaf, _) in self.completable_leaves(unit) {
            any = true;
            if !completed.contains(&self.nodes[leaf].id) {
                return false;
            }
        }
        any
    }

    /// (completed, total) over the units the viewer can see.
    pub fn progress(&self, vis: &Visibility, completed: &HashSet<BlockId>) -> (usize, usize) {
        let visible = self.visible_units(vis);
        let done = visible
            .iter()
            .filter(|&&u| self.is_unit_complete(u, completed))
            .count();
        (done, visible.len())
    }
}

/// Whole percent, rounded down so 99.6 % never shows as 100 %.
pub fn percent(done: usize, total: usize) -> u8 {
    (done * 100)
        .checked_div(total)
        .map_or(0, |p| p.min(100) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, parent: Option<i64>, pos: i64, kind: &str, release: Option<&str>) -> NodeRow {
        let content = match kind {
            "text" => r#"{"format":"markdown","source":"x","html":"<p>x</p>"}"#.to_string(),
            "video" => {
                r#"{"sources":[{"media":{"asset":"v.webm"},"mime":"video/webm"}]}"#.to_string()
            }
            "problem" => r#"{"xml":"<problem/>"}"#.to_string(),
            _ => "{}".to_string(),
        };
        NodeRow {
            id: BlockId(id),
            parent_id: parent.map(BlockId),
            position: pos,
            kind: kind.to_string(),
            url_name: format!("b{id}"),
            title: format!("Block {id}"),
            release_at: release.map(|r| r.parse().unwrap()),
            content,
        }
    }

    /// Two sections; the second is released in 2030. Rows are deliberately shuffled.
    fn sample() -> CourseTree {
        CourseTree::build(vec![
            row(11, Some(1), 0, "subsection", None),
            row(1, None, 0, "section", None),
            row(2, None, 1, "section", Some("2030-01-01T00:00:00Z")),
            row(111, Some(11), 0, "unit", None),
            row(112, Some(11), 1, "unit", None),
            row(12, Some(1), 1, "subsection", None),
            row(121, Some(12), 0, "unit", None),
            row(21, Some(2), 0, "subsection", None),
            row(211, Some(21), 0, "unit", None),
            row(1111, Some(111), 0, "text", None),
            row(1112, Some(111), 1, "video", None),
            row(1121, Some(112), 0, "text", None),
            row(1211, Some(121), 0, "poll", None),
            row(2111, Some(211), 0, "text", None),
            // Misplaced: a unit directly under a section.
            row(99, Some(1), 5, "unit", None),
        ])
    }

    fn learner_now() -> Visibility {
        Visibility {
            now: "2026-11-21T00:00:00Z".parse().unwrap(),
            course_start: Some("2026-01-01T00:00:00Z".parse().unwrap()),
            see_unreleased: false,
        }
    }

    fn ids(tree: &CourseTree, idxs: &[usize]) -> Vec<i64> {
        idxs.iter().map(|&i| tree.node(i).id.0).collect()
    }

    #[test]
    fn builds_in_reading_order_and_reports_misplaced_rows() {
        let t = sample();
        assert_eq!(ids(&t, t.sections()), vec![1, 2]);
        assert_eq!(ids(&t, t.units()), vec![111, 112, 121, 211]);
        assert_eq!(t.problems, vec![BlockId(99)]);
        let u = t.index_of(BlockId(111)).unwrap();
        assert_eq!(ids(&t, t.children(u)), vec![1111, 1112]);
        assert_eq!(ids(&t, &t.ancestors(u)), vec![1, 11]);
        assert_eq!(t.find_url_name("b121"), t.index_of(BlockId(121)));
    }

    #[test]
    fn rows_that_cannot_be_reached_are_reported() {
        let rows = vec![
            row(1, None, 0, "section", None),
            row(11, Some(1), 0, "subsection", None),
            row(111, Some(11), 0, "unit", None),
            // A subsection under a missing section, and the unit under it.
            row(21, Some(2), 0, "subsection", None),
            row(211, Some(21), 0, "unit", None),
            // Subsections whose parents point at each other: never placed.
            row(31, Some(32), 0, "subsection", None),
            row(32, Some(31), 0, "subsection", None),
        ];
        let t = CourseTree::build(rows);
        assert_eq!(ids(&t, t.units()), vec![111]);
        let mut problems = t.problems.clone();
        problems.sort();
        assert_eq!(
            problems,
            [21, 31, 32, 211].map(BlockId).to_vec(),
            "every row left out is reported"
        );
    }

    #[test]
    fn release_dates_are_inherited_and_hide_content_from_learners() {
        let t = sample();
        let vis = learner_now();
        assert_eq!(ids(&t, &t.visible_units(&vis)), vec![111, 112, 121]);
        let staff = Visibility {
            see_unreleased: true,
            ..vis
        };
        assert_eq!(t.visible_units(&staff).len(), 4);
        let later = Visibility {
            now: "2030-06-01T00:00:00Z".parse().unwrap(),
            ..vis
        };
        assert_eq!(t.visible_units(&later).len(), 4);
        // Before the course starts learners see nothing.
        let early = Visibility {
            now: "2025-06-01T00:00:00Z".parse().unwrap(),
            ..vis
        };
        assert!(t.visible_units(&early).is_empty());
    }

    #[test]
    fn navigation_crosses_boundaries_and_skips_hidden_units() {
        let t = sample();
        let vis = learner_now();
        let u = |id| t.index_of(BlockId(id)).unwrap();
        assert_eq!(t.neighbours(u(111), &vis), (None, Some(u(112))));
        // 112 → 121 crosses a subsection boundary.
        assert_eq!(t.neighbours(u(112), &vis), (Some(u(111)), Some(u(121))));
        // 121 is the last visible unit: 211 is not yet released.
        assert_eq!(t.neighbours(u(121), &vis), (Some(u(112)), None));
        let staff = Visibility {
            see_unreleased: true,
            ..vis
        };
        assert_eq!(t.neighbours(u(121), &staff), (Some(u(112)), Some(u(211))));
    }

    #[test]
    fn completion_rules() {
        let t = sample();
        let u = |id| t.index_of(BlockId(id)).unwrap();
        let mut done = HashSet::new();
        assert!(!t.is_unit_complete(u(111), &done));
        done.insert(BlockId(1111));
        assert!(!t.is_unit_complete(u(111), &done), "video not yet watched");
        done.insert(BlockId(1112));
        assert!(t.is_unit_complete(u(111), &done));
        // A unit whose only block does not count completes when the unit itself is recorded.
        assert!(!t.is_unit_complete(u(121), &done));
        done.insert(BlockId(121));
        assert!(t.is_unit_complete(u(121), &done));
        // Marking a unit done completes it whatever its blocks.
        done.insert(BlockId(112));
        assert_eq!(t.progress(&learner_now(), &done), (3, 3));
        assert_eq!(percent(2, 3), 66);
        assert_eq!(percent(0, 0), 0);
    }

    /// Which units "mark as done" may complete, and what completes each kind of unit.
    #[test]
    fn marking_done_completes_reading_and_video_units_only() {
        let t = CourseTree::build(vec![
            row(1, None, 0, "section", None),
            row(11, Some(1), 0, "subsection", None),
            row(101, Some(11), 0, "unit", None), // reading
            row(1011, Some(101), 0, "text", None),
            row(102, Some(11), 1, "unit", None), // video
            row(1021, Some(102), 0, "video", None),
            row(103, Some(11), 2, "unit", None), // a quiz
            row(1031, Some(103), 0, "text", None),
            row(1032, Some(103), 1, "problem", None),
            row(1033, Some(103), 2, "problem", None),
            row(104, Some(11), 3, "unit", None), // nothing that counts
            row(1041, Some(104), 0, "poll", None),
        ]);
        let u = |id| t.index_of(BlockId(id)).unwrap();
        let set = |ids: &[i64]| ids.iter().map(|&i| BlockId(i)).collect::<HashSet<_>>();
        // (unit, may mark done, completed blocks, complete?)
        let table: &[(i64, bool, &[i64], bool)] = &[
            (101, true, &[], false),
            (101, true, &[101], true),
            (101, true, &[1011], true),
            (102, true, &[], false),
            (102, true, &[102], true),
            (102, true, &[1021], true),
            (103, false, &[], false),
            // Marked done (by an older version) with nothing answered: not complete.
            (103, false, &[103], false),
            (103, false, &[103, 1031], false),
            (103, false, &[1031, 1032], false),
            (103, false, &[1031, 1032, 1033], true),
            (104, true, &[], false),
            (104, true, &[104], true),
        ];
        for &(unit, may, done, complete) in table {
            assert_eq!(
                t.may_mark_done(u(unit)),
                may,
                "unit {unit} may be marked done"
            );
            assert_eq!(
                t.is_unit_complete(u(unit), &set(done)),
                complete,
                "unit {unit} with {done:?} completed"
            );
        }
        // Progress is not overstated by a quiz marked done.
        let vis = learner_now();
        assert_eq!(t.progress(&vis, &set(&[101, 102, 103])), (2, 4));
    }

    #[test]
    fn unit_of_leaf() {
        let t = sample();
        assert_eq!(
            t.unit_of(t.index_of(BlockId(1112)).unwrap()),
            t.index_of(BlockId(111))
        );
        assert_eq!(t.unit_of(t.index_of(BlockId(1)).unwrap()), None);
    }

    #[test]
    fn when_content_opens_to_learners() {
        let at = |t: &str| -> Timestamp { t.parse().unwrap() };
        let now = at("2026-06-01T00:00:00Z");
        let vis = |start: Option<&str>| Visibility {
            now,
            course_start: start.map(at),
            see_unreleased: false,
        };
        /// A case: its name, the course start, the release, the announced opening.
        type Case = (
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            ("open: no dates", None, None, None),
            ("open: released", None, Some("2026-05-01T00:00:00Z"), None),
            (
                "release to come",
                None,
                Some("2026-07-01T00:00:00Z"),
                Some("2026-07-01T00:00:00Z"),
            ),
            (
                "course starts later",
                Some("2026-08-01T00:00:00Z"),
                Some("2026-07-01T00:00:00Z"),
                Some("2026-08-01T00:00:00Z"),
            ),
            (
                "released, course starts later",
                Some("2026-08-01T00:00:00Z"),
                None,
                Some("2026-08-01T00:00:00Z"),
            ),
            (
                "staff only (year 9999)",
                None,
                Some("9999-01-01T00:00:00Z"),
                None,
            ),
            (
                "release at the moment",
                None,
                Some("2026-06-01T00:00:00Z"),
                None,
            ),
        ];
        for (case, start, release, expected) in cases {
            assert_eq!(
                vis(*start).opens_at(release.map(at)),
                expected.map(at),
                "{case}"
            );
        }
        assert!(is_staff_only_release(at("9000-01-01T00:00:00Z")));
        assert!(!is_staff_only_release(at("8999-12-31T23:59:59Z")));
    }

    #[test]
    fn hidden_blocks_are_gone_for_learners_like_unreleased_ones() {
        let mut tree = CourseTree::build(vec![
            row(1, None, 0, "section", None),
            row(2, Some(1), 0, "subsection", None),
            row(3, Some(2), 0, "unit", None),
            row(4, Some(2), 1, "unit", None),
            row(5, Some(2), 2, "unit", None),
        ]);
        tree.hide(&[(BlockId(4), "spam".into())]);
        let learner = Visibility {
            now: "2026-01-01T00:00:00Z".parse().unwrap(),
            course_start: None,
            see_unreleased: false,
        };
        let team = Visibility {
            see_unreleased: true,
            ..learner
        };
        let (u3, u4, u5) = (
            tree.index_of(BlockId(3)).unwrap(),
            tree.index_of(BlockId(4)).unwrap(),
            tree.index_of(BlockId(5)).unwrap(),
        );
        assert_eq!(tree.visible_units(&learner), vec![u3, u5]);
        assert_eq!(tree.neighbours(u3, &learner), (None, Some(u5)));
        assert_eq!(tree.visible_units(&team).len(), 3);
        assert_eq!(tree.node(u4).hidden_reason.as_deref(), Some("spam"));
        // Hiding a section hides everything in it.
        tree.hide(&[(BlockId(1), "copyright".into())]);
        assert!(tree.visible_units(&learner).is_empty());
        assert!(tree.node(u3).hidden && tree.node(u3).hidden_reason.is_none());
    }

    #[test]
    fn translatable_pieces_follow_reading_order_and_name_their_block() {
        let tree = sample();
        let pieces = tree.translatable_pieces("en");
        let groups: Vec<&str> = pieces.iter().map(|p| p.group.as_str()).collect();
        assert_eq!(
            &groups[..6],
            [
                "b1.title",
                "b11.title",
                "b111.title",
                "b1111.title",
                "b1111.p",
                "b1112.title"
            ]
        );
        let para = &pieces[4];
        assert!(para.list && para.html);
        assert_eq!(para.text, "x");
        // Every titled node and every text block's paragraph; the poll (unknown kind)
        // and the video have only their titles.
        assert_eq!(pieces.iter().filter(|p| p.group.ends_with(".p")).count(), 3);
    }

    #[test]
    fn a_translated_copy_shows_what_is_translated_and_the_source_elsewhere() {
        use crate::blocks::text::Text;
        use crate::translation::assign_ids;
        let tree = sample();
        let segments = assign_ids(&[], &tree.translatable_pieces("en"));
        let fr = tree.translated("en", "fr", &segments, |_, s| match s.id.as_str() {
            "b1.title" => Some("Semaine 1".into()),
            "b1111.p.1" => Some("<em>x</em> en français".into()),
            _ => None,
        });
        let first = fr.sections()[0];
        assert_eq!(fr.node(first).title, "Semaine 1");
        let text = fr.index_of(BlockId(1111)).unwrap();
        let html = &fr.node(text).content_of::<Text>().unwrap().html;
        assert_eq!(html, "<p><em>x</em> en français</p>");
        assert_eq!(fr.node(fr.index_of(BlockId(11)).unwrap()).title, "Block 11");
        // The source tree is untouched.
        assert_eq!(tree.node(first).title, "Block 1");
        // Ids given to other content line nothing up: the source shows.
        let stale: Vec<_> = segments
            .iter()
            .map(|s| crate::translation::Segment {
                text: format!("{} (old)", s.text),
                ..s.clone()
            })
            .collect();
        let none = tree.translated("en", "fr", &stale, |_, _| Some("?".into()));
        assert_eq!(none.node(first).title, "Block 1");
    }

    /// A unit of a video (`b1111`, its content `video`) and a text (`b1112`).
    fn video_tree(video: &str) -> CourseTree {
        let mut rows = vec![
            row(1, None, 0, "section", None),
            row(11, Some(1), 0, "subsection", None),
            row(111, Some(11), 0, "unit", None),
            row(1111, Some(111), 0, "video", None),
            row(1112, Some(111), 1, "text", None),
        ];
        rows[3].content = video.to_owned();
        CourseTree::build(rows)
    }

    #[test]
    fn a_videos_cues_join_the_segments_and_leave_the_others_as_they_were() {
        use crate::blocks::text::Text;
        use crate::blocks::video::Video;
        use crate::translation::assign_ids;
        let tracks = r#"{"sources":[{"media":{"asset":"v.webm"},"mime":"video/webm"}],
            "tracks":[{"lang":"fr","media":{"asset":"v.fr.vtt"},"cues":[{"start_ms":0,"end_ms":900,"text":"Bonjour"}]},
                      {"lang":"en","media":{"asset":"v.en.vtt"},"cues":[{"start_ms":0,"end_ms":900,"text":"Hello"},
                                                                      {"start_ms":1000,"end_ms":1900,"text":"Bye"}]}]}"#;
        // Segments taken when a video's cues were not segments yet.
        let plain = row(0, None, 0, "video", None).content;
        let before = assign_ids(&[], &video_tree(&plain).translatable_pieces("en"));
        let tree = video_tree(tracks);
        let pieces = tree.translatable_pieces("en");
        let cues: Vec<&str> = pieces
            .iter()
            .filter(|p| p.group == "b1111.cue")
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(cues, ["Hello", "Bye"], "the track in the course's language");
        let now = assign_ids(&before, &pieces);
        for old in &before {
            assert!(now.contains(old), "{} kept", old.id);
        }
        let translate = |lang: &'static str| {
            move |_: &str, s: &Segment| match s.id.as_str() {
                "b1112.p.1" => Some(format!("x ({lang})")),
                "b1111.cue.2" => Some(format!("Bye ({lang})")),
                _ => None,
            }
        };
        let (video, text) = (
            tree.index_of(BlockId(1111)).unwrap(),
            tree.index_of(BlockId(1112)).unwrap(),
        );
        // A copy made with the old segments still lines up what follows the video.
        let old = tree.translated("en", "de", &before, translate("de"));
        let html = &old.node(text).content_of::<Text>().unwrap().html;
        assert_eq!(html, "<p>x (de)</p>");
        assert_eq!(
            old.node(video).content_of::<Video>().unwrap().tracks.len(),
            2
        );
        // With the new ones the cues are translated: a German track is made…
        let de = tree.translated("en", "de", &now, translate("de"));
        let t = de
            .node(video)
            .content_of::<Video>()
            .unwrap()
            .track("de")
            .unwrap();
        assert!(t.generated);
        assert_eq!(t.cues[0].text, "Hello");
        assert_eq!(t.cues[1].text, "Bye (de)");
        // …but the uploaded French one stays.
        let fr = tree.translated("en", "fr", &now, translate("fr"));
        let v = fr.node(video).content_of::<Video>().unwrap();
        assert_eq!(v, tree.node(video).content_of::<Video>().unwrap());
    }
}
