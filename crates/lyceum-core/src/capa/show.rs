//! When a learner may see the correct answer and whether they answered correctly
//! (`ProblemBlock.answer_available`, `closed`, `ShowCorrectness.correctness_available`).

use serde::{Deserialize, Serialize};

/// The `showanswer` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShowAnswer {
    Always,
    /// Once fully correct.
    Answered,
    /// After an attempt or past the due date.
    Attempted,
    AttemptedNoPastDue,
    Closed,
    #[default]
    Finished,
    CorrectOrPastDue,
    PastDue,
    Never,
    /// After this many attempts (`attempts_before_showanswer_button`), capped at the
    /// maximum number of attempts.
    AfterAttempts(u32),
    AfterAllAttempts,
    AfterAllAttemptsOrCorrect,
    /// A value Open edX does not know: staff see the answer, learners never.
    Unknown,
}

impl ShowAnswer {
    /// Read the OLX value; `attempts_before` is the `attempts_before_showanswer_button`
    /// field used by `after_attempts`. An empty value hides the answer even from staff.
    pub fn from_olx(value: &str, attempts_before: u32) -> ShowAnswer {
        match value {
            "always" => ShowAnswer::Always,
            "answered" => ShowAnswer::Answered,
            "attempted" => ShowAnswer::Attempted,
            "attempted_no_past_due" => ShowAnswer::AttemptedNoPastDue,
            "closed" => ShowAnswer::Closed,
            "finished" => ShowAnswer::Finished,
            "correct_or_past_due" => ShowAnswer::CorrectOrPastDue,
            "past_due" => ShowAnswer::PastDue,
            "never" | "" => ShowAnswer::Never,
            "after_attempts" => ShowAnswer::AfterAttempts(attempts_before),
            "after_all_attempts" => ShowAnswer::AfterAllAttempts,
            "after_all_attempts_or_correct" => ShowAnswer::AfterAllAttemptsOrCorrect,
            _ => ShowAnswer::Unknown,
        }
    }

    /// The OLX value (`None` for [`ShowAnswer::Unknown`]).
    pub fn as_olx(self) -> Option<&'static str> {
        Some(match self {
            ShowAnswer::Always => "always",
            ShowAnswer::Answered => "answered",
            ShowAnswer::Attempted => "attempted",
            ShowAnswer::AttemptedNoPastDue => "attempted_no_past_due",
            ShowAnswer::Closed => "closed",
            ShowAnswer::Finished => "finished",
            ShowAnswer::CorrectOrPastDue => "correct_or_past_due",
            ShowAnswer::PastDue => "past_due",
            ShowAnswer::Never => "never",
            ShowAnswer::AfterAttempts(_) => "after_attempts",
            ShowAnswer::AfterAllAttempts => "after_all_attempts",
            ShowAnswer::AfterAllAttemptsOrCorrect => "after_all_attempts_or_correct",
            ShowAnswer::Unknown => return None,
        })
    }
}

/// A learner's state on one problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptState {
    /// Submissions that were graded.
    pub attempts: u32,
    /// `None` = unlimited.
    pub max_attempts: Option<u32>,
    /// Full marks (`raw_earned == raw_possible`; true when nothing is possible).
    pub is_correct: bool,
    /// There is a close date (due or course end, plus grace period) and it has passed.
    pub past_due: bool,
    pub is_staff: bool,
}

fn used_all_attempts(s: &AttemptState) -> bool {
    s.max_attempts.is_some_and(|max| s.attempts >= max)
}

/// No more submissions: all attempts used, or past the close date.
pub fn is_closed(s: &AttemptState) -> bool {
    used_all_attempts(s) || s.past_due
}

/// `answer_available` once correctness is available (check [`may_show_correctness`]
/// first: when correctness is hidden, answers are hidden too). Staff see answers unless
/// the setting is `never`.
pub fn may_show_answer(rule: ShowAnswer, s: &AttemptState) -> bool {
    if rule == ShowAnswer::Never {
        return false;
    }
    if s.is_staff {
        return true;
    }
    match rule {
        ShowAnswer::Never | ShowAnswer::Unknown => false,
        ShowAnswer::Always => true,
        ShowAnswer::Attempted => s.attempts > 0 || s.past_due,
        ShowAnswer::AttemptedNoPastDue => s.attempts > 0,
        ShowAnswer::Answered => s.is_correct,
        ShowAnswer::Closed => is_closed(s),
        ShowAnswer::Finished => is_closed(s) || s.is_correct,
        ShowAnswer::CorrectOrPastDue => s.is_correct || s.past_due,
        ShowAnswer::PastDue => s.past_due,
        ShowAnswer::AfterAttempts(required) => {
            let required = match s.max_attempts {
                Some(max) if max > 0 && required >= max => max,
                _ => required,
            };
            s.attempts >= required
        }
        ShowAnswer::AfterAllAttempts => used_all_attempts(s),
        ShowAnswer::AfterAllAttemptsOrCorrect => used_all_attempts(s) || s.is_correct,
    }
}

/// The `show_correctness` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShowCorrectness {
    #[default]
    Always,
    Never,
    PastDue,
}

impl ShowCorrectness {
    /// Read the OLX value; anything unknown behaves as `always`, as in Open edX.
    pub fn from_olx(value: &str) -> ShowCorrectness {
        match value {
            "never" => ShowCorrectness::Never,
            "past_due" => ShowCorrectness::PastDue,
            _ => ShowCorrectness::Always,
        }
    }
}

/// May the learner see whether the answer was right (and the score)? `has_close_date`:
/// with `past_due` and no close date at all, correctness is shown.
pub fn may_show_correctness(rule: ShowCorrectness, s: &AttemptState, has_close_date: bool) -> bool {
    match rule {
        ShowCorrectness::Always => true,
        ShowCorrectness::Never => false,
        ShowCorrectness::PastDue => s.is_staff || !has_close_date || s.past_due,
    }
}
