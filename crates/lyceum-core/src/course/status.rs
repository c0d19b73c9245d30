//! A course's status, shown to everyone: draft → in review (organisations that require
//! review) → published → archived, and the rules for moving between them.

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CourseStatus {
    /// Being written: only its team (and its organisation's admins and reviewers) see it.
    Draft,
    /// Submitted to the organisation's reviewers; still hidden from learners.
    Review,
    /// In the catalog, open to learners.
    Published,
    /// Kept readable for the learners who took it, out of the catalog's default list,
    /// closed to new enrolments.
    Archived,
}

/// Something a course team or reviewer does to a course's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// The team publishes the course (its first publish, or after it was sent back).
    Publish,
    /// A reviewer approves a course in review.
    Approve,
    /// A reviewer sends a course in review back to its team.
    SendBack,
    Archive,
    Reopen,
}

impl CourseStatus {
    pub const ALL: [CourseStatus; 4] = [
        CourseStatus::Draft,
        CourseStatus::Review,
        CourseStatus::Published,
        CourseStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CourseStatus::Draft => "draft",
            CourseStatus::Review => "review",
            CourseStatus::Published => "published",
            CourseStatus::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<CourseStatus> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether learners see the course at all (the stored `published` flag).
    pub fn visible_to_learners(self) -> bool {
        matches!(self, CourseStatus::Published | CourseStatus::Archived)
    }

    /// The status after `change`, or `None` when the change does not apply to this
    /// status. `requires_review`: the course's organisation reviews before publication.
    pub fn after(self, change: StatusChange, requires_review: bool) -> Option<CourseStatus> {
        use CourseStatus::*;
        match (self, change) {
            (Draft, StatusChange::Publish) if requires_review => Some(Review),
            (Draft, StatusChange::Publish) => Some(Published),
            // Publishing again is how content edits go live; the status stays.
            (Published, StatusChange::Publish) => Some(Published),
            (Review, StatusChange::Approve) => Some(Published),
            (Review, StatusChange::SendBack) => Some(Draft),
            (Published, StatusChange::Archive) => Some(Archived),
            (Archived, StatusChange::Reopen) => Some(Published),
            _ => None,
        }
    }
}

/// Whether a published course should carry "may be outdated": nobody has reviewed it
/// (or, never reviewed, published it) for longer than `interval`. Zero turns the mark off.
pub fn may_be_outdated(
    status: CourseStatus,
    last_reviewed: Option<Timestamp>,
    last_published: Option<Timestamp>,
    now: Timestamp,
    interval: SignedDuration,
) -> bool {
    if status != CourseStatus::Published || interval.is_zero() {
        return false;
    }
    match last_reviewed.or(last_published) {
        Some(at) => now.duration_since(at) > interval,
        None => true,
    }
}

/// Whether a course takes enrolments now: its team's switch, its status (an archived
/// course takes none) and its enrolment dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnrollmentWindow {
    Open,
    /// Enrolment opens at this time.
    NotYet(Timestamp),
    /// Enrolment closed at this time.
    Ended(Timestamp),
    /// Closed: switched off by the team, or the course is archived.
    Closed,
}

impl EnrollmentWindow {
    pub fn of(
        switched_on: bool,
        status: Option<CourseStatus>,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
        now: Timestamp,
    ) -> EnrollmentWindow {
        if !switched_on || status == Some(CourseStatus::Archived) {
            return EnrollmentWindow::Closed;
        }
        match (start, end) {
            (Some(s), _) if now < s => EnrollmentWindow::NotYet(s),
            (_, Some(e)) if now >= e => EnrollmentWindow::Ended(e),
            _ => EnrollmentWindow::Open,
        }
    }

    pub fn is_open(self) -> bool {
        self == EnrollmentWindow::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CourseStatus::*;
    use StatusChange::*;

    #[test]
    fn transitions() {
        #[rustfmt::skip]
        let table = [
            (Draft, Publish, false, Some(Published)),
            (Draft, Publish, true, Some(Review)),
            (Review, Publish, true, None),
            (Review, Approve, true, Some(Published)),
            (Review, SendBack, true, Some(Draft)),
            (Draft, Approve, true, None),
            (Published, Publish, true, Some(Published)),
            (Published, Archive, false, Some(Archived)),
            (Archived, Reopen, false, Some(Published)),
            (Archived, Publish, false, None),
            (Draft, Archive, false, None),
        ];
        for (from, change, review, want) in table {
            assert_eq!(
                from.after(change, review),
                want,
                "{from:?} {change:?} review={review}"
            );
        }
        for s in CourseStatus::ALL {
            assert_eq!(CourseStatus::parse(s.as_str()), Some(s));
        }
        assert!(Archived.visible_to_learners() && !Review.visible_to_learners());
    }

    #[test]
    fn enrolment_follows_switch_status_and_dates() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let (a, b) = (t("2027-01-01T00:00:00Z"), t("2027-02-01T00:00:00Z"));
        let w = |on, st, now| EnrollmentWindow::of(on, Some(st), Some(a), Some(b), t(now));
        assert_eq!(
            w(true, Published, "2026-12-31T23:59:59Z"),
            EnrollmentWindow::NotYet(a)
        );
        assert_eq!(
            w(true, Published, "2027-01-01T00:00:00Z"),
            EnrollmentWindow::Open
        );
        assert_eq!(
            w(true, Published, "2027-02-01T00:00:00Z"),
            EnrollmentWindow::Ended(b)
        );
        assert_eq!(
            w(false, Published, "2027-01-15T00:00:00Z"),
            EnrollmentWindow::Closed
        );
        assert_eq!(
            w(true, Archived, "2027-01-15T00:00:00Z"),
            EnrollmentWindow::Closed
        );
        assert!(EnrollmentWindow::of(true, None, None, None, t("2027-01-15T00:00:00Z")).is_open());
    }

    #[test]
    fn outdated_after_the_interval() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let year = SignedDuration::from_hours(24 * 365);
        let now = t("2027-06-01T00:00:00Z");
        assert!(!may_be_outdated(
            Published,
            Some(t("2026-07-01T00:00:00Z")),
            None,
            now,
            year
        ));
        assert!(may_be_outdated(
            Published,
            Some(t("2026-05-01T00:00:00Z")),
            None,
            now,
            year
        ));
        // Never reviewed: counted from the last publish.
        assert!(!may_be_outdated(
            Published,
            None,
            Some(t("2027-01-01T00:00:00Z")),
            now,
            year
        ));
        assert!(may_be_outdated(Published, None, None, now, year));
        // Drafts and archived courses are not "outdated"; a zero interval turns it off.
        assert!(!may_be_outdated(Draft, None, None, now, year));
        assert!(!may_be_outdated(Archived, None, None, now, year));
        assert!(!may_be_outdated(
            Published,
            None,
            None,
            now,
            SignedDuration::ZERO
        ));
    }
}
