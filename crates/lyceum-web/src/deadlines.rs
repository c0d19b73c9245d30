//! Due dates as pages, the JSON API and the calendar feed show them: the core rule
//! (`lyceum_core::course::deadlines`) resolved to titles and links of one course.

use crate::page::{Html, Page};
use jiff::{SignedDuration, Timestamp};
use lyceum_core::BlockId;
use lyceum_core::course::deadlines::{self, Deadline, DeadlineKind, DueStatus};
use lyceum_core::course::{CourseTree, NodeKind, Visibility};
use lyceum_store::repo::courses::CourseRow;
use std::collections::HashSet;

/// Missed deadlines stay on the dashboard and in the API this long, marked past due.
pub const GRACE: SignedDuration = SignedDuration::from_hours(7 * 24);

/// One due date, with what it belongs to.
#[derive(Clone, Debug)]
pub struct DueItem {
    pub course_key: String,
    pub course_title: String,
    pub course_language: String,
    pub block: BlockId,
    /// The subsection or leaf in the course tree.
    pub node: usize,
    pub title: String,
    pub kind: DeadlineKind,
    pub due: Timestamp,
    /// Site-relative link to the work.
    pub url: String,
    pub complete: bool,
}

impl DueItem {
    pub fn deadline(&self) -> Deadline {
        Deadline {
            node: self.node,
            kind: self.kind,
            due: self.due,
            complete: self.complete,
        }
    }

    pub fn past_due(&self, now: Timestamp) -> bool {
        self.deadline().past_due(now)
    }

    /// The label naming what is due ("Assignment due", "Problem due"…).
    pub fn label_key(&self) -> &'static str {
        match self.kind {
            DeadlineKind::Subsection => "lyceum-dates-due-subsection",
            DeadlineKind::Block(kind) => crate::kinds::due_label(kind),
        }
    }
}

/// Every due date the viewer has in one course (see the core rule), earliest first.
pub fn of_course(
    course: &CourseRow,
    tree: &CourseTree,
    vis: &Visibility,
    completed: &HashSet<BlockId>,
) -> Vec<DueItem> {
    let base = format!("/courses/{}", course.course_key);
    deadlines::deadlines(tree, vis, completed)
        .into_iter()
        .map(|d| {
            let node = tree.node(d.node);
            let (title, url) = if d.kind == DeadlineKind::Subsection {
                let first = tree
                    .children(d.node)
                    .iter()
                    .copied()
                    .find(|&u| tree.node(u).kind == NodeKind::Unit && tree.is_visible(u, vis));
                let url = first.map_or_else(
                    || format!("{base}/courseware"),
                    |u| format!("{base}/unit/{}", tree.node(u).url_name),
                );
                (node.title.clone(), url)
            } else {
                let unit = tree.unit_of(d.node);
                // Problems are often untitled: name them by their unit then.
                let title = if node.title.trim().is_empty() {
                    unit.map(|u| tree.node(u).title.clone()).unwrap_or_default()
                } else {
                    node.title.clone()
                };
                let url = unit.map_or_else(
                    || format!("{base}/courseware"),
                    |u| format!("{base}/unit/{}#block-{}", tree.node(u).url_name, node.id.0),
                );
                (title, url)
            };
            DueItem {
                course_key: course.course_key.clone(),
                course_title: course.title.clone(),
                course_language: course.language.clone(),
                block: node.id,
                node: d.node,
                title,
                kind: d.kind,
                due: d.due,
                url,
                complete: d.complete,
            }
        })
        .collect()
}

/// The deadlines worth a reminder across courses, earliest first.
pub fn pending(items: impl IntoIterator<Item = DueItem>, now: Timestamp) -> Vec<DueItem> {
    let from = now.saturating_sub(GRACE).unwrap_or(now);
    let mut out: Vec<DueItem> = items
        .into_iter()
        .filter(|i| !i.complete && i.due > from)
        .collect();
    out.sort_by(|a, b| a.due.cmp(&b.due).then(a.course_key.cmp(&b.course_key)));
    out
}

/// "Past due", "Due today", "Due in 3 days", "Completed", in the viewer's zone, with a
/// CSS modifier for its badge.
pub fn status(p: &Page, item: &DueItem) -> (Html, &'static str) {
    match deadlines::status(&item.deadline(), p.app.now(), &p.tz) {
        DueStatus::Complete => (p.t("lyceum-due-status-complete"), "due--complete"),
        DueStatus::PastDue => (p.t("lyceum-due-status-past"), "due--past"),
        DueStatus::Today => (p.t("lyceum-due-status-today"), "due--soon"),
        DueStatus::InDays(n) => (
            p.t1("lyceum-due-status-days", n),
            if (0..=2).contains(&n) {
                "due--soon"
            } else {
                "due--later"
            },
        ),
    }
}

/// A due date ready for a template: the item with its status worked out for the viewer.
pub struct DueLine {
    pub item: DueItem,
    pub status: Html,
    pub class: &'static str,
}

pub fn lines(p: &Page, items: impl IntoIterator<Item = DueItem>) -> Vec<DueLine> {
    items
        .into_iter()
        .map(|item| {
            let (status, class) = status(p, &item);
            DueLine {
                item,
                status,
                class,
            }
        })
        .collect()
}

impl DueLine {
    /// The work's title inside a message of the interface language: isolated, in the
    /// course's language, so an English title reads right in an Arabic sentence.
    pub fn title_html(&self) -> Html {
        Html(format!(
            r#"<bdi lang="{}">{}</bdi>"#,
            crate::page::escape(&self.item.course_language),
            crate::page::escape(&self.item.title)
        ))
    }
}
