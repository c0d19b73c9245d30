//! The staff report of one survey, from its stored responses: per question the count and
//! share of each option (choices, scale points), the mean of scale questions, the free-text
//! answers (unattributed when the survey is anonymous), the response rate among enrolled
//! learners, and — when the survey has a "before" survey — for each scale question both
//! share, how the learners who answered both moved.
//!
//! Anonymous surveys never show a breakdown of fewer than [`MIN_GROUP`] answers: such
//! counts, means, texts and pairs are withheld and flagged `suppressed`.

use super::answers::{Answer, Answers};
use super::{Question, QuestionType, SurveyContent};
use std::collections::BTreeMap;

/// The smallest group an anonymous survey's report breaks down.
pub const MIN_GROUP: usize = 5;

/// One learner's stored response, as the report reads it.
#[derive(Clone, Debug)]
pub struct ResponseIn {
    pub learner: i64,
    /// The learner's shown name (ignored for anonymous surveys).
    pub name: String,
    pub answers: Answers,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Label {
    /// The author's text (a choice).
    Text(String),
    /// A platform message (a Likert point), shown in the reader's language.
    Message(&'static str),
    /// A number on the rating scale.
    Number(i64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct OptionCount {
    /// The stored value: a choice id or a scale number.
    pub value: String,
    pub label: Label,
    /// `None` when suppressed.
    pub count: Option<usize>,
    /// Share of the question's respondents, 0–100.
    pub percent: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TextAnswer {
    /// `None` in anonymous surveys.
    pub name: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Paired {
    /// Learners who answered the question in both surveys.
    pub learners: usize,
    pub improved: Option<usize>,
    pub same: Option<usize>,
    pub declined: Option<usize>,
    pub mean_before: Option<f64>,
    pub mean_after: Option<f64>,
    pub suppressed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuestionReport {
    pub id: String,
    pub kind: QuestionType,
    pub text: String,
    /// Respondents who answered it.
    pub answered: usize,
    pub suppressed: bool,
    /// Choices or scale points, in order (empty for text questions).
    pub options: Vec<OptionCount>,
    pub mean: Option<f64>,
    pub texts: Vec<TextAnswer>,
    pub paired: Option<Paired>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub anonymous: bool,
    pub responses: usize,
    pub enrolled: usize,
    /// Responses per enrolled learner, 0–100 (`None` with nobody enrolled).
    pub rate: Option<f64>,
    /// Whether a "before" survey was found and compared.
    pub has_before: bool,
    pub questions: Vec<QuestionReport>,
}

fn percent(n: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| round1(n as f64 * 100.0 / of as f64))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn mean_of(xs: impl Iterator<Item = i64>) -> Option<f64> {
    let (sum, n) = xs.fold((0i64, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| round2(sum as f64 / n as f64))
}

/// The options a question's answers are counted under.
fn options_of(q: &Question) -> Vec<(String, Label)> {
    match q.kind {
        QuestionType::SingleChoice | QuestionType::MultipleChoice => q
            .choices
            .iter()
            .map(|c| (c.id.clone(), Label::Text(c.label.clone())))
            .collect(),
        QuestionType::Likert => {
            let points = q.points.unwrap_or(5);
            (1..=i64::from(points))
                .map(|v| {
                    let label =
                        Question::likert_key(points, v).map_or(Label::Number(v), Label::Message);
                    (v.to_string(), label)
                })
                .collect()
        }
        QuestionType::Rating => (super::RATING_MIN..=super::RATING_MAX)
            .map(|v| (v.to_string(), Label::Number(v)))
            .collect(),
        QuestionType::ShortText | QuestionType::LongText => Vec::new(),
    }
}

fn values_of(a: &Answer) -> Vec<String> {
    match a {
        Answer::Number(n) => vec![n.to_string()],
        other => other.chosen().into_iter().map(str::to_owned).collect(),
    }
}

/// The report of `survey` over its `responses` (of enrolled learners), with `enrolled`
/// learners in the course, compared with `before` (that survey and its responses).
pub fn build(
    survey: &SurveyContent,
    responses: &[ResponseIn],
    enrolled: usize,
    before: Option<(&SurveyContent, &[ResponseIn])>,
) -> Report {
    let anonymous = survey.anonymous || before.is_some_and(|(b, _)| b.anonymous);
    let hide = |n: usize| anonymous && n < MIN_GROUP;
    let before_by_learner: BTreeMap<i64, &Answers> = before
        .map(|(_, rs)| rs.iter().map(|r| (r.learner, &r.answers)).collect())
        .unwrap_or_default();
    let questions = survey
        .questions
        .iter()
        .map(|q| {
            let answers: Vec<(&ResponseIn, &Answer)> = responses
                .iter()
                .filter_map(|r| r.answers.get(&q.id).map(|a| (r, a)))
                .collect();
            let answered = answers.len();
            let suppressed = hide(answered);
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for (_, a) in &answers {
                for v in values_of(a) {
                    *counts.entry(v).or_default() += 1;
                }
            }
            let options = options_of(q)
                .into_iter()
                .map(|(value, label)| {
                    let n = counts.get(&value).copied().unwrap_or(0);
                    OptionCount {
                        value,
                        label,
                        count: (!suppressed).then_some(n),
                        percent: if suppressed {
                            None
                        } else {
                            percent(n, answered)
                        },
                    }
                })
                .collect();
            let mean = (q.kind.is_scale() && !suppressed)
                .then(|| mean_of(answers.iter().filter_map(|(_, a)| a.number())))
                .flatten();
            let texts = if q.kind.is_text() && !suppressed {
                answers
                    .iter()
                    .filter_map(|(r, a)| {
                        a.text().map(|t| TextAnswer {
                            name: (!anonymous).then(|| r.name.clone()),
                            text: t.to_owned(),
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let paired = before
                .and_then(|(b, _)| b.question(&q.id))
                .filter(|bq| q.kind.is_scale() && bq.kind == q.kind && bq.points == q.points)
                .map(|_| {
                    let pairs: Vec<(i64, i64)> = answers
                        .iter()
                        .filter_map(|(r, a)| {
                            let after = a.number()?;
                            let before = before_by_learner.get(&r.learner)?.get(&q.id)?.number()?;
                            Some((before, after))
                        })
                        .collect();
                    let learners = pairs.len();
                    let hidden = hide(learners);
                    let count = |f: fn(&(i64, i64)) -> bool| {
                        (!hidden).then(|| pairs.iter().filter(|p| f(p)).count())
                    };
                    Paired {
                        learners,
                        improved: count(|(b, a)| a > b),
                        same: count(|(b, a)| a == b),
                        declined: count(|(b, a)| a < b),
                        mean_before: if hidden {
                            None
                        } else {
                            mean_of(pairs.iter().map(|p| p.0))
                        },
                        mean_after: if hidden {
                            None
                        } else {
                            mean_of(pairs.iter().map(|p| p.1))
                        },
                        suppressed: hidden,
                    }
                });
            QuestionReport {
                id: q.id.clone(),
                kind: q.kind,
                text: q.text.clone(),
                answered,
                suppressed,
                options,
                mean,
                texts,
                paired,
            }
        })
        .collect();
    Report {
        anonymous,
        responses: responses.len(),
        enrolled,
        rate: percent(responses.len(), enrolled),
        has_before: before.is_some(),
        questions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::survey::tests::sample;

    fn resp(learner: i64, pairs: &[(&str, Answer)]) -> ResponseIn {
        ResponseIn {
            learner,
            name: format!("learner{learner}"),
            answers: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        }
    }

    fn n(x: i64) -> Answer {
        Answer::Number(x)
    }

    #[test]
    fn counts_percentages_means_and_texts() {
        let s = sample();
        let rs = vec![
            resp(
                1,
                &[
                    ("role", Answer::Text("lib".into())),
                    ("confident", n(4)),
                    ("tools", Answer::Choices(vec!["va".into(), "cx".into()])),
                    ("useful", Answer::Text("Practice".into())),
                ],
            ),
            resp(
                2,
                &[
                    ("role", Answer::Text("ed".into())),
                    ("confident", n(2)),
                    ("tools", Answer::Choices(vec!["va".into()])),
                ],
            ),
            resp(
                3,
                &[("role", Answer::Text("ed".into())), ("confident", n(5))],
            ),
        ];
        let r = build(&s, &rs, 4, None);
        assert_eq!((r.responses, r.enrolled, r.rate), (3, 4, Some(75.0)));
        let role = &r.questions[0];
        assert_eq!(role.answered, 3);
        assert_eq!(role.options[0].count, Some(1));
        assert_eq!(role.options[0].percent, Some(33.3));
        assert_eq!(role.options[1].count, Some(2));
        let tools = &r.questions[1];
        assert_eq!(tools.answered, 2);
        assert_eq!(
            tools.options.iter().map(|o| o.count).collect::<Vec<_>>(),
            vec![Some(2), Some(0), Some(1)]
        );
        assert_eq!(tools.options[0].percent, Some(100.0));
        let conf = &r.questions[2];
        assert_eq!(conf.options.len(), 5);
        assert_eq!(
            conf.options[0].label,
            Label::Message("lyceum-survey-likert5-1")
        );
        assert_eq!(conf.mean, Some(3.67));
        assert_eq!(r.questions[3].options.len(), 11);
        assert_eq!(r.questions[3].answered, 0);
        assert_eq!(r.questions[3].mean, None);
        let useful = &r.questions[4];
        assert_eq!(
            useful.texts,
            vec![TextAnswer {
                name: Some("learner1".into()),
                text: "Practice".into()
            }]
        );
        assert!(useful.options.is_empty());
        assert!(
            r.questions
                .iter()
                .all(|q| q.paired.is_none() && !q.suppressed)
        );
        assert_eq!(build(&s, &[], 0, None).rate, None);
    }

    #[test]
    fn anonymous_reports_withhold_small_groups_and_names() {
        let mut s = sample();
        s.anonymous = true;
        let five: Vec<ResponseIn> = (1..=5)
            .map(|i| {
                let mut pairs = vec![("confident", n(3))];
                if i <= 4 {
                    pairs.push(("role", Answer::Text("lib".into())));
                    pairs.push(("useful", Answer::Text(format!("t{i}"))));
                }
                resp(i, &pairs)
            })
            .collect();
        let r = build(&s, &five, 10, None);
        let role = &r.questions[0];
        assert!(role.suppressed);
        assert!(
            role.options
                .iter()
                .all(|o| o.count.is_none() && o.percent.is_none())
        );
        assert!(r.questions[4].suppressed && r.questions[4].texts.is_empty());
        let conf = &r.questions[2];
        assert!(!conf.suppressed);
        assert_eq!(conf.options[2].count, Some(5));
        assert_eq!(conf.mean, Some(3.0));
        // Enough answers: texts shown, without names.
        let mut six = five.clone();
        for i in 6..=7 {
            six.push(resp(i, &[("useful", Answer::Text(format!("t{i}")))]));
        }
        six[4]
            .answers
            .insert("useful".into(), Answer::Text("t5".into()));
        let r = build(&s, &six, 10, None);
        assert_eq!(r.questions[4].texts.len(), 7);
        assert!(r.questions[4].texts.iter().all(|t| t.name.is_none()));
    }

    #[test]
    fn before_and_after_pairs_by_learner() {
        let before = sample();
        let after = sample();
        // (learner, before, after): None = did not answer that one.
        let table: [(i64, Option<i64>, Option<i64>); 8] = [
            (1, Some(2), Some(4)),
            (2, Some(3), Some(3)),
            (3, Some(4), Some(2)),
            (4, Some(1), Some(5)),
            (5, Some(2), Some(3)),
            (6, Some(2), None),
            (7, None, Some(5)),
            (8, Some(5), Some(5)),
        ];
        let b: Vec<ResponseIn> = table
            .iter()
            .filter_map(|(l, x, _)| x.map(|x| resp(*l, &[("confident", n(x))])))
            .collect();
        let a: Vec<ResponseIn> = table
            .iter()
            .filter_map(|(l, _, y)| y.map(|y| resp(*l, &[("confident", n(y))])))
            .collect();
        let r = build(&after, &a, 8, Some((&before, &b)));
        assert!(r.has_before);
        let p = r.questions[2].paired.clone().unwrap();
        assert_eq!(
            (p.learners, p.improved, p.same, p.declined),
            (6, Some(3), Some(2), Some(1))
        );
        assert_eq!(p.mean_before, Some(2.83));
        assert_eq!(p.mean_after, Some(3.67));
        assert!(!p.suppressed);
        // Only scale questions are paired; a question of another type or scale is not.
        assert!(r.questions[0].paired.is_none());
        assert!(r.questions[3].paired.is_some());
        let mut seven = after.clone();
        seven.questions[2].points = Some(7);
        assert!(
            build(&seven, &a, 8, Some((&before, &b))).questions[2]
                .paired
                .is_none()
        );
        // Anonymous: fewer than five pairs are withheld.
        let mut anon = after.clone();
        anon.anonymous = true;
        let r = build(&anon, &a[..4], 8, Some((&before, &b)));
        let p = r.questions[2].paired.clone().unwrap();
        assert!(p.suppressed);
        assert_eq!((p.improved, p.mean_before), (None, None));
    }
}
