//! Problem blocks: a capa problem (Open edX's format, kept as its XML so courses move in
//! and out unchanged) with Open edX's problem settings. The parsed problem travels with
//! the content, so pages and submissions never parse it again.

use super::{BlockKind, CompletionRule};
use crate::capa::{self, Problem, ShowAnswer, ShowCorrectness};
use crate::error::DomainError;
use crate::translation::Field;
use crate::translation::html::replace_capa_segments;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How a problem's score is taken from its attempts (Open edX's `grading_method`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradingMethod {
    #[default]
    LastScore,
    FirstScore,
    HighestScore,
    AverageScore,
}

impl GradingMethod {
    /// The score from every attempt's raw earned points, oldest first.
    pub fn pick(self, earned: &[f64]) -> Option<f64> {
        match self {
            GradingMethod::LastScore => earned.last().copied(),
            GradingMethod::FirstScore => earned.first().copied(),
            GradingMethod::HighestScore => earned.iter().copied().reduce(f64::max),
            GradingMethod::AverageScore => {
                (!earned.is_empty()).then(|| earned.iter().sum::<f64>() / earned.len() as f64)
            }
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProblemContent {
    /// The capa source: a `<problem>` element (`olx` when authors send it).
    #[serde(alias = "olx")]
    pub xml: String,
    /// Points the problem is worth; `None` = its raw points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// `None` = unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Open edX's `showanswer` value (`finished` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub showanswer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_before_showanswer_button: Option<u32>,
    /// `always` (default), `never`, `past_due`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_correctness: Option<String>,
    #[serde(default)]
    pub show_reset_button: bool,
    /// `never` (default), `per_student`, `onreset`, `always` — which seed shuffles use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerandomize: Option<String>,
    #[serde(default)]
    pub grading_method: GradingMethod,
    /// Its own due date; otherwise the subsection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// The parsed problem, filled on decode and validation.
    #[serde(skip)]
    pub parsed: Option<Arc<Problem>>,
}

impl ProblemContent {
    pub fn new(xml: impl Into<String>) -> ProblemContent {
        ProblemContent {
            xml: xml.into(),
            weight: None,
            max_attempts: None,
            showanswer: None,
            attempts_before_showanswer_button: None,
            show_correctness: None,
            show_reset_button: false,
            rerandomize: None,
            grading_method: GradingMethod::LastScore,
            due: None,
            parsed: None,
        }
    }

    pub fn show_answer(&self) -> ShowAnswer {
        ShowAnswer::from_olx(
            self.showanswer.as_deref().unwrap_or("finished"),
            self.attempts_before_showanswer_button.unwrap_or(0),
        )
    }

    pub fn show_correctness(&self) -> ShowCorrectness {
        ShowCorrectness::from_olx(self.show_correctness.as_deref().unwrap_or("always"))
    }

    /// Raw points possible, and weighted points possible.
    pub fn possible(&self) -> (f64, f64) {
        let raw = self.parsed.as_deref().map_or(0.0, capa::max_score);
        let (_, weighted) = capa::weighted(0.0, raw, self.weight);
        (raw, weighted)
    }

    /// Whether shuffles use a per-learner seed (else every learner sees the same order,
    /// Open edX's `rerandomize = never` with seed 1).
    pub fn per_learner_seed(&self) -> bool {
        matches!(
            self.rerandomize.as_deref(),
            Some("per_student" | "always" | "onreset" | "true" | "" | "false")
        ) && self.rerandomize.as_deref() != Some("never")
    }

    /// Parse the XML (once) so the content is ready to grade and render.
    pub fn parse(&mut self, url_name: &str) -> Result<(), DomainError> {
        if self.parsed.is_none() {
            self.parsed = Some(Arc::new(capa::parse(url_name, &self.xml)?));
        }
        Ok(())
    }
}

/// Large enough for any real problem; small enough that a hostile one cannot bloat a page.
const MAX_XML_BYTES: usize = 256 * 1024;

pub struct ProblemKind;

impl BlockKind for ProblemKind {
    const KIND: &'static str = "problem";
    type Content = ProblemContent;

    fn validate(mut c: ProblemContent) -> Result<ProblemContent, DomainError> {
        if c.xml.len() > MAX_XML_BYTES {
            return Err(DomainError::new("lyceum-error-capa-too-large"));
        }
        if let Some(w) = c.weight
            && !(w.is_finite() && w >= 0.0)
        {
            return Err(DomainError::new("lyceum-error-problem-weight"));
        }
        if let Some(w) = c.weight
            && w > crate::limits::range::WEIGHT
        {
            return Err(crate::limits::out_of_range(
                &w.to_string(),
                "0",
                &crate::limits::range::WEIGHT.to_string(),
            ));
        }
        if let Some(n) = c.max_attempts
            && n > crate::limits::range::ATTEMPTS
        {
            return Err(crate::limits::out_of_range(
                &n.to_string(),
                "0",
                &crate::limits::range::ATTEMPTS.to_string(),
            ));
        }
        // One form whatever the source: OLX import keeps the root element alone, so space
        // around it (a file's final newline) would differ after an export and import.
        let trimmed = c.xml.trim();
        if trimmed.len() != c.xml.len() {
            c.xml = trimmed.to_owned();
        }
        // The id the problem's inputs are named after is the block's url_name, which the
        // caller attaches on decode; any id parses the same structure for validation.
        c.parsed = None;
        c.parse("problem")?;
        c.parsed = None;
        Ok(c)
    }

    fn completion(_: &ProblemContent) -> Option<CompletionRule> {
        Some(CompletionRule::Submitted)
    }

    /// Only problems this platform can score count (a kept Python-checked one does not).
    fn scoring(p: &ProblemContent) -> Option<super::Scoring> {
        let parsed = p.parsed.as_ref()?;
        parsed.unsupported.is_none().then(|| super::Scoring {
            raw_possible: p.possible().0,
            weight: p.weight,
        })
    }

    fn takes_due_date(_: &ProblemContent) -> bool {
        true
    }

    fn due(p: &ProblemContent) -> Option<Timestamp> {
        p.due
    }

    /// Authors edit the problem's OLX as `olx`, beside its settings.
    fn to_authoring(p: &ProblemContent) -> serde_json::Value {
        let mut v = serde_json::to_value(p).unwrap_or_default();
        if let Some(o) = v.as_object_mut()
            && let Some(xml) = o.remove("xml")
        {
            o.insert("olx".to_owned(), xml);
        }
        v
    }

    /// Parsed once, with the block's url_name (its inputs are named after it).
    fn prepare(mut p: ProblemContent, url_name: &str) -> Result<ProblemContent, DomainError> {
        p.parse(url_name)?;
        Ok(p)
    }

    /// The problem's text, element by element — prompts, labels, choices, hints,
    /// explanations — and never its machine values: choices keep their names and
    /// correctness, a dropdown its options, a text answer what it is checked against, so
    /// an answer given in any language scores exactly as in the source. A translated copy
    /// is parsed again (its inputs keep their ids); a translated text that would break
    /// the problem's XML is left out, and the source's text shows in its place.
    fn translatable(c: &mut ProblemContent, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
        let source = c.xml.clone();
        c.xml = replace_capa_segments(&source, |segment| {
            let mut text = segment.to_owned();
            visit(Field::list("text", true), &mut text);
            let fragment = format!("<x>{text}</x>");
            if text != segment && roxmltree::Document::parse(&fragment).is_err() {
                segment.to_owned()
            } else {
                text
            }
        });
        if c.xml != source
            && let Some(parsed) = &c.parsed
        {
            match capa::parse(&parsed.url_name, &c.xml) {
                Ok(p) => c.parsed = Some(Arc::new(p)),
                Err(_) => c.xml = source,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MC: &str = r#"<problem><multiplechoiceresponse><label>Pick B</label><choicegroup type="MultipleChoice">
        <choice correct="false">A</choice><choice correct="true">B</choice></choicegroup></multiplechoiceresponse></problem>"#;

    #[test]
    fn validates_and_parses() {
        let c = ProblemKind::validate(ProblemContent::new(MC)).unwrap();
        assert!(c.parsed.is_none(), "the parsed form is not stored");
        let mut c = c;
        c.parse("p1").unwrap();
        assert_eq!(c.possible(), (1.0, 1.0));
        c.weight = Some(5.0);
        assert_eq!(c.possible(), (1.0, 5.0));
    }

    #[test]
    fn authors_send_olx_and_settings() {
        let v = serde_json::json!({"olx": MC, "weight": 2.0, "max_attempts": 3});
        let c = ProblemKind::validate(ProblemKind::from_authoring(v).unwrap()).unwrap();
        assert_eq!((c.weight, c.max_attempts), (Some(2.0), Some(3)));
        let back = ProblemKind::to_authoring(&c);
        assert_eq!(back["olx"], serde_json::json!(c.xml));
        assert!(back.get("xml").is_none());
        assert!(ProblemKind::from_authoring(serde_json::json!({"weight": 1})).is_err());
    }

    #[test]
    fn a_translated_problem_scores_as_the_source_does() {
        let mut c = ProblemContent::new(MC);
        c.parse("p1").unwrap();
        let mut texts = Vec::new();
        c.clone().translatable_into(&mut texts);
        assert_eq!(texts, ["Pick B", "A", "B"]);
        let mut fr = c.clone();
        let mut french = ["Choisissez B", "A (fr)", "B (fr)"].into_iter();
        ProblemKind::translatable(&mut fr, &mut |f, t| {
            assert_eq!(f, Field::list("text", true));
            *t = french.next().unwrap().to_owned();
        });
        let (src, tr) = (c.parsed.unwrap(), fr.parsed.unwrap());
        let input = src.inputs().next().unwrap().id.clone();
        assert_eq!(
            tr.inputs().next().unwrap().id,
            input,
            "inputs keep their ids"
        );
        assert_eq!(
            tr.inputs().next().unwrap().label.as_deref(),
            Some("Choisissez B")
        );
        for (choice, earned) in [("choice_0", 0.0), ("choice_1", 1.0)] {
            let answers: capa::Answers =
                [(input.clone(), capa::AnswerValue::One(choice.into()))].into();
            for problem in [&src, &tr] {
                assert_eq!(capa::grade(problem, &answers).unwrap().earned, earned);
            }
        }
        // A translation that would break the XML is left out: the source's text shows.
        let mut broken = ProblemContent::new(MC);
        broken.parse("p1").unwrap();
        ProblemKind::translatable(&mut broken, &mut |_, t| *t = format!("{t} & <oops"));
        assert_eq!(broken.xml, MC);
    }

    impl ProblemContent {
        fn translatable_into(mut self, out: &mut Vec<String>) {
            ProblemKind::translatable(&mut self, &mut |_, t| out.push(t.clone()));
        }
    }

    #[test]
    fn rejects_broken_problems() {
        assert!(ProblemKind::validate(ProblemContent::new("<problem>")).is_err());
        let mut c = ProblemContent::new(MC);
        c.weight = Some(-1.0);
        assert_eq!(
            ProblemKind::validate(c).unwrap_err().key.0,
            "lyceum-error-problem-weight"
        );
    }

    #[test]
    fn grading_methods() {
        let s = [0.5, 1.0, 0.0];
        assert_eq!(GradingMethod::LastScore.pick(&s), Some(0.0));
        assert_eq!(GradingMethod::FirstScore.pick(&s), Some(0.5));
        assert_eq!(GradingMethod::HighestScore.pick(&s), Some(1.0));
        assert_eq!(GradingMethod::AverageScore.pick(&s), Some(0.5));
        assert_eq!(GradingMethod::AverageScore.pick(&[]), None);
    }

    #[test]
    fn seeds() {
        let mut c = ProblemContent::new(MC);
        assert!(!c.per_learner_seed());
        c.rerandomize = Some("per_student".into());
        assert!(c.per_learner_seed());
        c.rerandomize = Some("never".into());
        assert!(!c.per_learner_seed());
    }
}
