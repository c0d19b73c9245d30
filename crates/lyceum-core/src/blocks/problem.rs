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
    ///
    /// A dropdown's options are values and text at once: each is also an `option`
    /// segment (after the problem's text, in document order), whose translation becomes
    /// the option's label in the parsed copy only. The XML keeps the source's options, so
    /// what is submitted, graded, stored and exported is the same in every language.
    fn translatable(c: &mut ProblemContent, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
        let options: Vec<Vec<String>> = match &c.parsed {
            Some(p) => dropdown_options(p),
            None => capa::parse("problem", &c.xml)
                .map(|p| dropdown_options(&p))
                .unwrap_or_default(),
        };
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
        let mut labels = options.clone();
        for label in labels.iter_mut().flatten() {
            visit(Field::list("option", false), label);
        }
        if labels != options
            && let Some(parsed) = &mut c.parsed
        {
            let dropdowns = Arc::make_mut(parsed)
                .responses
                .iter_mut()
                .flat_map(|r| r.inputs.iter_mut())
                .filter(|i| matches!(i.widget, capa::Widget::Select { .. }));
            for ((input, labels), options) in dropdowns.zip(labels).zip(&options) {
                if labels != *options {
                    input.option_labels = labels;
                }
            }
        }
    }
}

/// Each dropdown's options, in document order.
fn dropdown_options(p: &Problem) -> Vec<Vec<String>> {
    p.inputs()
        .filter_map(|i| match &i.widget {
            capa::Widget::Select { options } => Some(options.clone()),
            _ => None,
        })
        .collect()
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

    /// Two dropdowns: the attribute form (with an apostrophe between letters and an
    /// escaped quote) and the element form (with a hint and an escaped ampersand).
    const DROPDOWNS: &str = r#"<problem><optionresponse><label>Who decides?</label>
        <optioninput options="('The board','it\'s the chair','nobody hasn't')" correct="it's the chair"/></optionresponse>
        <optionresponse><label>Which form?</label><optioninput>
        <option correct="False">Memo &amp; letter<optionhint>Too <b>informal</b>.</optionhint></option>
        <option correct="True">MoU</option></optioninput></optionresponse></problem>"#;

    fn fields_and_texts(c: &ProblemContent) -> Vec<(String, String)> {
        let mut out = Vec::new();
        ProblemKind::translatable(&mut c.clone(), &mut |f, t| {
            out.push((f.name.to_owned(), t.clone()));
        });
        out
    }

    #[test]
    fn dropdown_options_are_segments_after_the_text_in_order() {
        let mut c = ProblemContent::new(DROPDOWNS);
        let unparsed = fields_and_texts(&c);
        c.parse("p1").unwrap();
        let found = fields_and_texts(&c);
        assert_eq!(found, unparsed, "the same walk, parsed or not");
        let want = [
            ("text", "Who decides?"),
            ("text", "Which form?"),
            ("text", "Too <b>informal</b>."),
            ("option", "The board"),
            ("option", "it's the chair"),
            ("option", "nobody hasn't"),
            ("option", "Memo & letter"),
            ("option", "MoU"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
            .collect();
        assert_eq!(found, want);
        // Every option is one of a list, in plain text.
        ProblemKind::translatable(&mut c.clone(), &mut |f, _| {
            if f.name == "option" {
                assert_eq!(f, Field::list("option", false));
            }
        });
    }

    #[test]
    fn an_edited_option_keeps_its_segment_and_a_new_one_gets_its_own() {
        use crate::translation::{assign_ids, collect};
        let ids = |xml: &str, previous: &[crate::translation::Segment]| {
            let mut pieces = Vec::new();
            ProblemKind::translatable(
                &mut ProblemContent::new(xml),
                &mut collect("p", &mut pieces),
            );
            assign_ids(previous, &pieces)
        };
        let before = ids(DROPDOWNS, &[]);
        let edited = DROPDOWNS
            .replace("nobody hasn't", "nobody has not")
            .replace(
                "<option correct=\"True\">MoU</option>",
                "<option correct=\"True\">MoU</option><option correct=\"False\">Contract</option>",
            );
        let after = ids(&edited, &before);
        let option_ids = |s: &[crate::translation::Segment]| -> Vec<(String, String)> {
            s.iter()
                .filter(|s| s.group() == "p.option")
                .map(|s| (s.id.clone(), s.text.clone()))
                .collect()
        };
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        assert_eq!(
            option_ids(&after),
            pairs(&[
                ("p.option.1", "The board"),
                ("p.option.2", "it's the chair"),
                ("p.option.3", "nobody has not"),
                ("p.option.4", "Memo & letter"),
                ("p.option.5", "MoU"),
                ("p.option.6", "Contract"),
            ])
        );
    }

    fn french(c: &ProblemContent) -> ProblemContent {
        let mut fr = c.clone();
        ProblemKind::translatable(&mut fr, &mut |f, t| {
            *t = match (f.name, t.as_str()) {
                ("text", "Too <b>informal</b>.") => "Trop <b>familier</b>.".into(),
                ("option", "it's the chair") => "c'est la présidente".into(),
                ("option", "Memo & letter") => "Note & lettre".into(),
                ("option", "MoU") => "Protocole d'accord".into(),
                _ => t.clone(),
            };
        });
        fr
    }

    #[test]
    fn a_translated_dropdown_shows_labels_and_keeps_its_values() {
        let mut c = ProblemContent::new(DROPDOWNS);
        c.parse("p1").unwrap();
        let fr = french(&c);
        assert!(fr.xml.contains("Trop <b>familier</b>."));
        assert!(
            fr.xml
                .contains(r#"options="('The board','it\'s the chair','nobody hasn't')""#),
            "the XML keeps its options: {}",
            fr.xml
        );
        let (src, tr) = (c.parsed.unwrap(), fr.parsed.unwrap());
        let inputs: Vec<&capa::Input> = tr.inputs().collect();
        assert_eq!(
            inputs[0].labelled_options(),
            [
                ("The board", "The board"),
                ("it's the chair", "c'est la présidente"),
                ("nobody hasn't", "nobody hasn't")
            ]
        );
        assert_eq!(
            inputs[1].labelled_options(),
            [
                ("Memo & letter", "Note & lettre"),
                ("MoU", "Protocole d'accord")
            ]
        );
        assert_eq!(inputs[1].answer_label("MoU"), "Protocole d'accord");
        assert_eq!(inputs[1].answer_label("other"), "other");
        // The source shows its options as they are, and never carries labels.
        assert!(src.inputs().all(|i| i.option_labels.is_empty()));
        assert_eq!(
            src.inputs().next().unwrap().labelled_options()[1],
            ("it's the chair", "it's the chair")
        );
        assert_eq!(
            tr.inputs().map(|i| &i.widget).collect::<Vec<_>>(),
            src.inputs().map(|i| &i.widget).collect::<Vec<_>>(),
            "the values answers are given as are the source's"
        );
    }

    #[test]
    fn an_answer_from_a_translated_dropdown_scores_as_in_the_source() {
        let mut c = ProblemContent::new(DROPDOWNS);
        c.parse("p1").unwrap();
        let fr = french(&c);
        let (src, tr) = (c.parsed.unwrap(), fr.parsed.unwrap());
        let ids: Vec<String> = src.inputs().map(|i| i.id.clone()).collect();
        let one = |v: &str| capa::AnswerValue::One(v.to_owned());
        for (first, second, earned) in [
            ("it's the chair", "MoU", 2.0),
            ("The board", "MoU", 1.0),
            ("it's the chair", "Memo & letter", 1.0),
            // A label is not a value: it scores nothing, in any language.
            ("c'est la présidente", "Protocole d'accord", 0.0),
        ] {
            let answers: capa::Answers =
                [(ids[0].clone(), one(first)), (ids[1].clone(), one(second))].into();
            let (s, t) = (
                capa::grade(&src, &answers).unwrap(),
                capa::grade(&tr, &answers).unwrap(),
            );
            assert_eq!((s.earned, t.earned), (earned, earned), "{first} / {second}");
        }
        // The option's hint is feedback in the reader's language.
        let answers: capa::Answers = [(ids[1].clone(), one("Memo & letter"))].into();
        let feedback = |p: &capa::Problem| {
            capa::grade(p, &answers).unwrap().inputs[&ids[1]]
                .feedback
                .clone()
        };
        assert_eq!(feedback(&src).as_deref(), Some("Too <b>informal</b>."));
        assert_eq!(feedback(&tr).as_deref(), Some("Trop <b>familier</b>."));
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
