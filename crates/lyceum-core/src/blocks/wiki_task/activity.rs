//! A learner's on-wiki work summed as WikiEdu's Dashboard shows it: edits, pages created
//! and edited, bytes added, references added, uploads — per wiki, and over a cohort.
//!
//! What is summed is what the caller passes: the use case chooses the edits (one
//! learner's, on one wiki, in the course's window) and this module only counts them, the
//! same way everywhere:
//! - `edits`: every edit given, reverted ones included (the Dashboard counts them too; a
//!   revert is work the learner did, and the evidence of a task flags it separately);
//! - `pages_edited`: distinct pages among those edits (by page id), the pages the learner
//!   created included;
//! - `pages_created`: distinct pages among the edits that created their page;
//! - `bytes_added`: the sum of the positive size differences (removing text adds nothing
//!   and takes nothing away);
//! - `refs_added`: the sum of the references counted for the edits whose text was read
//!   (`check::refs_added`); edits whose text was not read add nothing;
//! - `uploads`: the uploads given.

use crate::wiki::WikiEdit;
use serde::Serialize;
use std::collections::HashSet;

/// Sums over a window. `bytes_added` counts only what edits added (positive size
/// differences); `refs_added` only edits whose text was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub edits: i64,
    pub pages_created: i64,
    pub pages_edited: i64,
    pub bytes_added: i64,
    pub refs_added: i64,
    pub uploads: i64,
}

impl Activity {
    /// The sums of one learner's edits on one wiki (each with the references it added,
    /// `None` when its text was not read) and their number of uploads there.
    pub fn of_edits(edits: &[(WikiEdit, Option<i64>)], uploads: usize) -> Activity {
        let mut pages = HashSet::new();
        let mut created = HashSet::new();
        let mut a = Activity {
            uploads: i64::try_from(uploads).unwrap_or(i64::MAX),
            ..Activity::default()
        };
        for (edit, refs) in edits {
            a.edits += 1;
            pages.insert(edit.pageid);
            if edit.new {
                created.insert(edit.pageid);
            }
            a.bytes_added = a.bytes_added.saturating_add(edit.sizediff.max(0));
            a.refs_added = a.refs_added.saturating_add(refs.unwrap_or(0).max(0));
        }
        a.pages_edited = pages.len() as i64;
        a.pages_created = created.len() as i64;
        a
    }

    /// Nothing was found: no edit and no upload.
    pub fn is_empty(&self) -> bool {
        self.edits == 0 && self.uploads == 0
    }
}

/// This activity and another's together (another wiki's, another learner's). Pages are
/// summed, not merged: two wikis' pages are different pages, and two learners editing one
/// page each edited it.
impl std::ops::Add for Activity {
    type Output = Activity;
    fn add(self, other: Activity) -> Activity {
        Activity {
            edits: self.edits.saturating_add(other.edits),
            pages_created: self.pages_created.saturating_add(other.pages_created),
            pages_edited: self.pages_edited.saturating_add(other.pages_edited),
            bytes_added: self.bytes_added.saturating_add(other.bytes_added),
            refs_added: self.refs_added.saturating_add(other.refs_added),
            uploads: self.uploads.saturating_add(other.uploads),
        }
    }
}

impl std::ops::AddAssign for Activity {
    fn add_assign(&mut self, other: Activity) {
        *self = *self + other;
    }
}

impl std::iter::Sum for Activity {
    fn sum<I: Iterator<Item = Activity>>(iter: I) -> Activity {
        iter.fold(Activity::default(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(revid: i64, pageid: i64, new: bool, sizediff: i64) -> WikiEdit {
        WikiEdit {
            revid,
            parentid: if new { 0 } else { revid - 1 },
            pageid,
            ns: 0,
            title: format!("Page {pageid}"),
            timestamp: "2026-03-01T10:00:00Z".parse().unwrap(),
            size: sizediff.max(0),
            sizediff,
            new,
            tags: Vec::new(),
        }
    }

    #[test]
    fn nothing_sums_to_zero() {
        let a = Activity::of_edits(&[], 0);
        assert_eq!(a, Activity::default());
        assert!(a.is_empty());
        assert!(!Activity::of_edits(&[], 1).is_empty());
    }

    #[test]
    fn edits_pages_bytes_and_references_are_summed_as_the_dashboard_does() {
        let edits = vec![
            // Creates page 1 with two references.
            (edit(10, 1, true, 1_200), Some(2)),
            // Edits page 1 again, removing text: no bytes, no negative references.
            (edit(11, 1, false, -300), Some(0)),
            // Edits page 2 (existing), text not read.
            (edit(12, 2, false, 50), None),
            // Edits page 2 again, adding a reference.
            (edit(13, 2, false, 80), Some(1)),
            // Creates page 3.
            (edit(14, 3, true, 10), Some(0)),
        ];
        let a = Activity::of_edits(&edits, 2);
        assert_eq!(
            a,
            Activity {
                edits: 5,
                pages_created: 2,
                pages_edited: 3,
                bytes_added: 1_340,
                refs_added: 3,
                uploads: 2,
            }
        );
    }

    #[test]
    fn a_negative_reference_count_adds_nothing() {
        let a = Activity::of_edits(&[(edit(1, 1, false, 0), Some(-4))], 0);
        assert_eq!(a.refs_added, 0);
        assert_eq!(a.bytes_added, 0);
        assert_eq!(a.edits, 1);
    }

    #[test]
    fn activities_add_up_across_wikis_and_learners() {
        let one = Activity::of_edits(&[(edit(1, 1, true, 100), Some(1))], 0);
        let two = Activity::of_edits(&[(edit(1, 1, false, 5), None)], 3);
        let total = one + two;
        assert_eq!(total.edits, 2);
        assert_eq!(total.pages_edited, 2, "pages of two wikis are two pages");
        assert_eq!(total.pages_created, 1);
        assert_eq!(total.bytes_added, 105);
        assert_eq!(total.refs_added, 1);
        assert_eq!(total.uploads, 3);
        assert_eq!([one, two].into_iter().sum::<Activity>(), total);
        let mut acc = Activity::default();
        acc += one;
        acc += two;
        assert_eq!(acc, total);
        let big = Activity {
            bytes_added: i64::MAX,
            ..Activity::default()
        };
        assert_eq!((big + big).bytes_added, i64::MAX, "saturates");
    }
}
