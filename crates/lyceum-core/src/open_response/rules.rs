//! The open-response rules a use case applies before it writes, and the ones the staff
//! queue reads: when responses are accepted, what a response must contain, whether the
//! learner may write, which files are accepted, how long a grading lock lasts, what a
//! queue filter means and which assessments a learner sees. Pure, so each is a table.

use super::{Stage, Status, StepState};
use crate::DomainError;
use crate::blocks::open_response::{FileRules, OpenResponseContent, Requirement, Step, is_image};
use crate::limits;
use jiff::Timestamp;

/// How long a grader holds a submission after starting to grade it.
pub const LOCK_MINUTES: i64 = 30;

/// When a grading lock taken at `now_ms` runs out.
pub fn lock_expires(now_ms: i64) -> i64 {
    now_ms + LOCK_MINUTES * 60_000
}

/// Longest response text, in characters.
pub const MAX_RESPONSE_CHARS: usize = limits::RESPONSE.max_chars;

/// Responses are accepted at `now`: from the start (when set), until the due date (when
/// set) included.
pub fn submission_open(
    start: Option<Timestamp>,
    due: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), DomainError> {
    if start.is_some_and(|s| now < s) {
        return Err(DomainError::new("lyceum-error-or-not-open"));
    }
    if due.is_some_and(|d| now > d) {
        return Err(DomainError::new("lyceum-error-or-past-due"));
    }
    Ok(())
}

/// The learner may write (a draft, a file, a submission) when nothing is submitted, when
/// the latest version was returned, or after a result when the author allows revising.
pub fn may_write(latest: Option<Stage>, allow_resubmission: bool) -> bool {
    match latest {
        None => true,
        Some(stage) => stage == Stage::Returned || (allow_resubmission && stage == Stage::Done),
    }
}

/// A response's text is not too long.
pub fn check_text(text: &str) -> Result<(), DomainError> {
    if text.chars().count() > MAX_RESPONSE_CHARS {
        return Err(
            DomainError::new("lyceum-error-or-too-long").with_arg(MAX_RESPONSE_CHARS.to_string())
        );
    }
    Ok(())
}

/// A response (its trimmed text and how many files the draft has) meets the author's
/// rules: text required or refused, files required, and never empty.
pub fn check_submission(
    c: &OpenResponseContent,
    text: &str,
    files: usize,
) -> Result<(), DomainError> {
    check_text(text)?;
    if c.text == Requirement::Required && text.is_empty() {
        return Err(DomainError::new("lyceum-error-or-text-required"));
    }
    if c.text == Requirement::None && !text.is_empty() {
        return Err(DomainError::new("lyceum-error-or-no-text"));
    }
    let files_required = c
        .files
        .as_ref()
        .is_some_and(|f| f.requirement == Requirement::Required);
    if files_required && files == 0 {
        return Err(DomainError::new("lyceum-error-or-files-required"));
    }
    if text.is_empty() && files == 0 {
        return Err(DomainError::new("lyceum-error-or-empty"));
    }
    Ok(())
}

/// The author's file rules, when this file (by name and size) passes them. Checked
/// before a byte is stored, from the name and the declared size, and again on the bytes.
pub fn check_file(
    c: &OpenResponseContent,
    file_name: &str,
    size: u64,
) -> Result<FileRules, DomainError> {
    let rules = c
        .files
        .clone()
        .filter(|f| f.requirement.asked())
        .ok_or_else(|| DomainError::new("lyceum-error-or-no-files"))?;
    if rules.allows(file_name).is_none() {
        return Err(
            DomainError::new("lyceum-error-or-file-type").with_arg(rules.allowed.join(", "))
        );
    }
    if size > rules.max_bytes() {
        return Err(
            DomainError::new("lyceum-error-or-file-too-large").with_arg(rules.max_mb.to_string())
        );
    }
    Ok(rules)
}

/// A file may join a draft that already has `attached` files: it passes [`check_file`],
/// an image is described, and the draft has room.
pub fn check_attachment(
    c: &OpenResponseContent,
    file_name: &str,
    size: u64,
    alt: &str,
    attached: usize,
) -> Result<(), DomainError> {
    let rules = check_file(c, file_name, size)?;
    if is_image(file_name) && alt.is_empty() {
        return Err(DomainError::new("lyceum-error-or-alt-required"));
    }
    if attached >= rules.max_files as usize {
        return Err(DomainError::new("lyceum-error-or-too-many-files")
            .with_arg(rules.max_files.to_string()));
    }
    Ok(())
}

/// Filters of the staff queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueFilter {
    /// Waiting for the teaching team (the default).
    #[default]
    Waiting,
    /// Waiting for peer reviews for more than two days.
    PeerStuck,
    /// A revised version (version 2 or later) not yet assessed.
    Resubmitted,
    Returned,
    Done,
    All,
}

impl QueueFilter {
    /// Every filter, in the order the queue shows them.
    pub const ALL: [QueueFilter; 6] = [
        QueueFilter::Waiting,
        QueueFilter::PeerStuck,
        QueueFilter::Resubmitted,
        QueueFilter::Returned,
        QueueFilter::Done,
        QueueFilter::All,
    ];

    /// The filter's name in addresses and the API.
    pub fn name(self) -> &'static str {
        match self {
            QueueFilter::Waiting => "waiting",
            QueueFilter::PeerStuck => "peer_stuck",
            QueueFilter::Resubmitted => "resubmitted",
            QueueFilter::Returned => "returned",
            QueueFilter::Done => "done",
            QueueFilter::All => "all",
        }
    }

    pub fn parse(name: &str) -> Option<QueueFilter> {
        QueueFilter::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether a submission (its version number and status) belongs under this filter.
    pub fn matches(self, version: i64, st: &Status) -> bool {
        match self {
            QueueFilter::Waiting => st.needs_staff,
            QueueFilter::PeerStuck => st.peer_stuck,
            QueueFilter::Resubmitted => {
                version > 1 && st.score.is_none() && st.stage != Stage::Returned
            }
            QueueFilter::Returned => st.stage == Stage::Returned,
            QueueFilter::Done => st.stage == Stage::Done,
            QueueFilter::All => true,
        }
    }
}

/// Whether the learner sees an assessment of `step` (that `counts`, i.e. was not
/// cancelled): staff feedback as soon as it is written, others once their step is done
/// or the submission is finished or returned.
pub fn released_to_learner(status: &Status, step: Step, counts: bool) -> bool {
    let finished = matches!(status.stage, Stage::Done | Stage::Returned)
        || status
            .steps
            .iter()
            .any(|s| s.step == step && s.state == StepState::Done);
    counts && (step == Step::Staff || finished)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open_response::{Score, StepStatus};
    use std::collections::BTreeMap;

    /// (start, due, now, the refusal expected).
    type WindowCase = (
        Option<Timestamp>,
        Option<Timestamp>,
        &'static str,
        Option<&'static str>,
    );
    /// (text rule, file rule, text typed, files in the draft, the refusal expected).
    type ContentCase<'a> = (
        Requirement,
        Option<Requirement>,
        &'a str,
        usize,
        Option<&'static str>,
    );
    /// (content, file name, size, alt text, files already attached, the refusal expected).
    type FileCase<'a> = (
        &'a OpenResponseContent,
        &'static str,
        u64,
        &'static str,
        usize,
        Option<&'static str>,
    );

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn submitting_is_open_between_start_and_due() {
        let start = Some(t("2026-03-01T00:00:00Z"));
        let due = Some(t("2026-03-10T00:00:00Z"));
        let cases: [WindowCase; 7] = [
            (None, None, "2026-01-01T00:00:00Z", None),
            (
                start,
                None,
                "2026-02-28T23:59:59Z",
                Some("lyceum-error-or-not-open"),
            ),
            (start, None, "2026-03-01T00:00:00Z", None),
            (None, due, "2026-03-10T00:00:00Z", None),
            (
                None,
                due,
                "2026-03-10T00:00:01Z",
                Some("lyceum-error-or-past-due"),
            ),
            (start, due, "2026-03-05T00:00:00Z", None),
            (
                start,
                due,
                "2026-02-01T00:00:00Z",
                Some("lyceum-error-or-not-open"),
            ),
        ];
        for (start, due, now, want) in cases {
            let got = submission_open(start, due, t(now)).err().map(|e| e.key.0);
            assert_eq!(got, want, "{start:?} {due:?} {now}");
        }
    }

    #[test]
    fn who_may_write() {
        let cases = [
            (None, false, true),
            (Some(Stage::Returned), false, true),
            (Some(Stage::Done), true, true),
            (Some(Stage::Done), false, false),
            (Some(Stage::WaitingForStaff), true, false),
            (Some(Stage::PeerReview), true, false),
            (Some(Stage::SelfReview), true, false),
        ];
        for (stage, resubmit, want) in cases {
            assert_eq!(may_write(stage, resubmit), want, "{stage:?} {resubmit}");
        }
    }

    fn content(text: Requirement, files: Option<Requirement>) -> OpenResponseContent {
        let mut c = OpenResponseContent::staff_graded("<p>Why?</p>", "Clarity");
        c.text = text;
        c.files = files.map(|requirement| FileRules {
            requirement,
            ..FileRules::default()
        });
        c
    }

    #[test]
    fn what_a_submission_must_contain() {
        use Requirement as R;
        let long = "x".repeat(MAX_RESPONSE_CHARS + 1);
        let cases: [ContentCase; 9] = [
            (R::Required, None, "Text", 0, None),
            (
                R::Required,
                None,
                "",
                0,
                Some("lyceum-error-or-text-required"),
            ),
            (R::Optional, None, "", 0, Some("lyceum-error-or-empty")),
            (R::Optional, Some(R::Optional), "", 1, None),
            (
                R::None,
                Some(R::Optional),
                "Text",
                1,
                Some("lyceum-error-or-no-text"),
            ),
            (
                R::None,
                Some(R::Required),
                "",
                0,
                Some("lyceum-error-or-files-required"),
            ),
            (
                R::Optional,
                Some(R::Required),
                "Text",
                0,
                Some("lyceum-error-or-files-required"),
            ),
            (R::Optional, Some(R::Required), "Text", 2, None),
            (
                R::Optional,
                None,
                &long,
                0,
                Some("lyceum-error-or-too-long"),
            ),
        ];
        for (text, files, typed, n, want) in cases {
            let got = check_submission(&content(text, files), typed, n)
                .err()
                .map(|e| e.key.0);
            assert_eq!(got, want, "{text:?} {files:?} {n}");
        }
    }

    #[test]
    fn which_files_a_draft_accepts() {
        let mb = 1024 * 1024;
        let with = content(Requirement::Optional, Some(Requirement::Optional));
        let without = content(Requirement::Optional, None);
        let asked_none = content(Requirement::Optional, Some(Requirement::None));
        let cases: [FileCase; 8] = [
            (&with, "plan.pdf", mb, "", 0, None),
            (&with, "PLAN.PDF", mb, "", 0, None),
            (&with, "photo.png", mb, "A map", 4, None),
            (
                &with,
                "photo.png",
                mb,
                "",
                0,
                Some("lyceum-error-or-alt-required"),
            ),
            (
                &with,
                "plan.exe",
                1,
                "",
                0,
                Some("lyceum-error-or-file-type"),
            ),
            (
                &with,
                "plan.pdf",
                10 * mb + 1,
                "",
                0,
                Some("lyceum-error-or-file-too-large"),
            ),
            (
                &with,
                "plan.pdf",
                1,
                "",
                5,
                Some("lyceum-error-or-too-many-files"),
            ),
            (
                &without,
                "plan.pdf",
                1,
                "",
                0,
                Some("lyceum-error-or-no-files"),
            ),
        ];
        for (c, name, size, alt, n, want) in cases {
            let got = check_attachment(c, name, size, alt, n)
                .err()
                .map(|e| e.key.0);
            assert_eq!(got, want, "{name} {size} {alt:?} {n}");
        }
        assert_eq!(
            check_file(&asked_none, "plan.pdf", 1).unwrap_err().key.0,
            "lyceum-error-or-no-files"
        );
    }

    fn status(stage: Stage, needs_staff: bool, stuck: bool, scored: bool) -> Status {
        Status {
            stage,
            steps: vec![StepStatus {
                step: Step::Peer,
                state: if stage == Stage::SelfReview {
                    StepState::Done
                } else {
                    StepState::Waiting
                },
            }],
            reviews_to_give: 0,
            reviews_to_receive: 0,
            peer_requirement_dropped: false,
            needs_staff,
            peer_stuck: stuck,
            score: scored.then(|| Score {
                source: Step::Staff,
                criteria: BTreeMap::new(),
                earned: 1.0,
                possible: 3.0,
            }),
        }
    }

    #[test]
    fn what_each_queue_filter_holds() {
        use QueueFilter as F;
        // (version, status) → the filters it is under.
        let cases: [(i64, Status, &[F]); 6] = [
            (
                1,
                status(Stage::WaitingForStaff, true, false, false),
                &[F::Waiting, F::All],
            ),
            (
                2,
                status(Stage::WaitingForStaff, true, false, false),
                &[F::Waiting, F::Resubmitted, F::All],
            ),
            (
                1,
                status(Stage::WaitingForPeers, false, true, false),
                &[F::PeerStuck, F::All],
            ),
            (
                2,
                status(Stage::Returned, false, false, false),
                &[F::Returned, F::All],
            ),
            (
                3,
                status(Stage::Done, false, false, true),
                &[F::Done, F::All],
            ),
            (
                2,
                status(Stage::WaitingForPeers, false, false, false),
                &[F::Resubmitted, F::All],
            ),
        ];
        for (version, st, want) in cases {
            let got: Vec<F> = F::ALL
                .into_iter()
                .filter(|f| f.matches(version, &st))
                .collect();
            assert_eq!(got, want, "v{version} {:?}", st.stage);
        }
    }

    #[test]
    fn filters_have_stable_names() {
        for f in QueueFilter::ALL {
            assert_eq!(QueueFilter::parse(f.name()), Some(f));
        }
        assert_eq!(
            QueueFilter::parse("peer_stuck"),
            Some(QueueFilter::PeerStuck)
        );
        assert_eq!(QueueFilter::parse("nonsense"), None);
        assert_eq!(QueueFilter::default(), QueueFilter::Waiting);
    }

    #[test]
    fn which_assessments_a_learner_sees() {
        let waiting = status(Stage::WaitingForPeers, false, false, false);
        let peer_done = status(Stage::SelfReview, false, false, false);
        let done = status(Stage::Done, false, false, true);
        let cases = [
            (&waiting, Step::Staff, true, true),
            (&waiting, Step::Peer, true, false),
            (&waiting, Step::SelfReview, true, false),
            (&peer_done, Step::Peer, true, true),
            (&done, Step::SelfReview, true, true),
            (&done, Step::Peer, false, false),
            (&done, Step::Staff, false, false),
        ];
        for (st, step, counts, want) in cases {
            assert_eq!(
                released_to_learner(st, step, counts),
                want,
                "{:?} {step:?} {counts}",
                st.stage
            );
        }
    }

    #[test]
    fn locks_last_thirty_minutes() {
        assert_eq!(lock_expires(1_000), 1_000 + 30 * 60 * 1000);
    }
}
