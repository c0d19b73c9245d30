//! Open-response blocks: a written assignment (text and/or files) assessed by people with a
//! rubric, in the steps the author chose — peer, self and staff (Open edX's open response
//! assessment, `<openassessment>`). This module is the block's content; the workflow
//! (where a submission stands, what its score is) is [`crate::open_response`].

use super::{BlockKind, CompletionRule};
use crate::error::DomainError;
use crate::sanitize::try_sanitize_html;
use crate::translation::Field;
use crate::translation::html::visit_paragraphs;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Whether a part of the response (text, files) or of a review (feedback) is asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    #[default]
    Required,
    Optional,
    /// Not asked for at all (Open edX's empty `text_response`, feedback `none`).
    None,
}

impl Requirement {
    pub fn asked(self) -> bool {
        self != Requirement::None
    }
    /// Open edX's attribute value.
    pub fn as_olx(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Optional => "optional",
            Requirement::None => "none",
        }
    }
    pub fn from_olx(v: &str) -> Requirement {
        match v.trim() {
            "required" => Requirement::Required,
            "optional" => Requirement::Optional,
            _ => Requirement::None,
        }
    }
}

/// One assessment step, in the order the author chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Peer,
    #[serde(rename = "self")]
    SelfReview,
    Staff,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Peer => "peer",
            Step::SelfReview => "self",
            Step::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<Step> {
        match s {
            "peer" => Some(Step::Peer),
            "self" => Some(Step::SelfReview),
            "staff" => Some(Step::Staff),
            _ => None,
        }
    }
}

/// What happens when a submission has waited `after_days` without enough peer reviews.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackAction {
    /// The requirement drops to the reviews received (none: the self or staff score counts).
    DropRequirement,
    /// The submission goes to the staff queue.
    ToStaff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerFallback {
    pub after_days: u32,
    pub action: FallbackAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRules {
    /// Responses each learner reviews (`must_grade`).
    pub must_grade: u32,
    /// Reviews each response needs (`must_be_graded_by`).
    pub graded_by: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<PeerFallback>,
}

impl Default for PeerRules {
    fn default() -> Self {
        PeerRules {
            must_grade: 2,
            graded_by: 2,
            fallback: Some(PeerFallback {
                after_days: 7,
                action: FallbackAction::ToStaff,
            }),
        }
    }
}

/// How peer scores of one criterion are combined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Open edX's rule: the middle score; of two middles, their mean rounded up.
    #[default]
    Median,
    Mean,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileRules {
    pub requirement: Requirement,
    /// Allowed extensions, lower case, without the dot.
    pub allowed: Vec<String>,
    /// Largest file, in MiB.
    pub max_mb: u32,
    pub max_files: u32,
}

impl Default for FileRules {
    fn default() -> Self {
        FileRules {
            requirement: Requirement::Optional,
            allowed: [
                "pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "odt", "docx",
            ]
            .map(String::from)
            .to_vec(),
            max_mb: 10,
            max_files: 5,
        }
    }
}

impl FileRules {
    pub fn max_bytes(&self) -> u64 {
        u64::from(self.max_mb) * 1024 * 1024
    }
    /// The file's extension if it is allowed.
    pub fn allows(&self, file_name: &str) -> Option<String> {
        let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        self.allowed.contains(&ext).then_some(ext)
    }
}

/// Whether a file needs alt text: images are described for people who cannot see them.
pub fn is_image(file_name: &str) -> bool {
    matches!(
        file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .as_deref(),
        Some("png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" | "avif" | "bmp" | "tif" | "tiff")
    )
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RubricOption {
    /// Stable id, the value an assessment picks.
    pub name: String,
    /// Shown to people; empty for a preset option (shown in the reader's language).
    #[serde(default)]
    pub label: String,
    pub points: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prompt: String,
    #[serde(default = "feedback_none")]
    pub feedback: Requirement,
    /// None: a feedback-only criterion (worth no points).
    pub options: Vec<RubricOption>,
}

fn feedback_none() -> Requirement {
    Requirement::None
}

impl Criterion {
    pub fn max_points(&self) -> u32 {
        self.options.iter().map(|o| o.points).max().unwrap_or(0)
    }
    pub fn option(&self, name: &str) -> Option<&RubricOption> {
        self.options.iter().find(|o| o.name == name)
    }
}

/// The names of the WikiLearn scale's options, worst first; their labels are the
/// platform's messages `lyceum-or-scale-NAME`, so every reader sees them in their language.
pub const WIKILEARN_SCALE: [&str; 4] = [
    "wikilearn-poor",
    "wikilearn-needs-improvement",
    "wikilearn-good",
    "wikilearn-excellent",
];

/// The WikiLearn scale's options: poor 0, needs improvement 1, good 2, excellent 3.
pub fn wikilearn_scale() -> Vec<RubricOption> {
    WIKILEARN_SCALE
        .iter()
        .zip(0..)
        .map(|(name, points)| RubricOption {
            name: (*name).to_owned(),
            label: String::new(),
            points,
            explanation: String::new(),
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
    #[serde(default = "feedback_optional")]
    pub overall_feedback: Requirement,
    /// The question above the overall feedback box.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feedback_prompt: String,
    /// Text the overall feedback box starts with.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feedback_default_text: String,
}

fn feedback_optional() -> Requirement {
    Requirement::Optional
}

impl Rubric {
    /// The rubric's total. Saturating: content stored before the ranges were checked can
    /// never wrap the total around (validation keeps it far below `u32::MAX`).
    pub fn max_points(&self) -> u32 {
        self.criteria
            .iter()
            .map(Criterion::max_points)
            .fold(0u32, u32::saturating_add)
    }
    pub fn criterion(&self, name: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.name == name)
    }
}

/// One review with the rubric, as a reviewer fills it in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AssessmentInput {
    /// Criterion name → option name.
    #[serde(default)]
    pub criteria: BTreeMap<String, String>,
    #[serde(default)]
    pub criterion_feedback: BTreeMap<String, String>,
    #[serde(default)]
    pub overall_feedback: String,
}

/// Points per criterion of a checked assessment (feedback-only criteria are absent).
pub type Points = BTreeMap<String, u32>;

/// Longest feedback text, per criterion and overall.
pub const MAX_FEEDBACK_CHARS: usize = crate::limits::FEEDBACK.max_chars;

impl Rubric {
    /// Check a review against the rubric: every scored criterion has one of its options,
    /// required feedback is there, nothing unknown. Returns the points per criterion.
    pub fn check(&self, a: &AssessmentInput) -> Result<Points, DomainError> {
        for name in a.criteria.keys().chain(a.criterion_feedback.keys()) {
            if self.criterion(name).is_none() {
                return Err(DomainError::new("lyceum-error-or-unknown-criterion").with_arg(name));
            }
        }
        let too_long = a
            .criterion_feedback
            .values()
            .chain([&a.overall_feedback])
            .any(|f| f.chars().count() > MAX_FEEDBACK_CHARS);
        if too_long {
            return Err(DomainError::new("lyceum-error-or-feedback-too-long"));
        }
        let mut points = Points::new();
        for c in &self.criteria {
            let feedback = a.criterion_feedback.get(&c.name).map_or("", |f| f.trim());
            if c.feedback == Requirement::Required && feedback.is_empty() {
                return Err(
                    DomainError::new("lyceum-error-or-feedback-required").with_arg(&c.label)
                );
            }
            if c.feedback == Requirement::None && !feedback.is_empty() {
                return Err(DomainError::new("lyceum-error-or-unknown-criterion").with_arg(&c.name));
            }
            if c.options.is_empty() {
                continue;
            }
            let Some(chosen) = a.criteria.get(&c.name) else {
                return Err(
                    DomainError::new("lyceum-error-or-criterion-missing").with_arg(&c.label)
                );
            };
            let Some(option) = c.option(chosen) else {
                return Err(DomainError::new("lyceum-error-or-unknown-option")
                    .with_arg(&c.label)
                    .with_arg(chosen));
            };
            points.insert(c.name.clone(), option.points);
        }
        if self.overall_feedback == Requirement::Required && a.overall_feedback.trim().is_empty() {
            return Err(DomainError::new(
                "lyceum-error-or-overall-feedback-required",
            ));
        }
        Ok(points)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenResponseContent {
    /// The prompt's parts, sanitised HTML.
    pub prompts: Vec<String>,
    #[serde(default)]
    pub text: Requirement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FileRules>,
    pub rubric: Rubric,
    #[serde(default)]
    pub show_rubric_while_writing: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_minutes: Option<u32>,
    /// The steps in order; staff, if present, is last.
    pub steps: Vec<Step>,
    #[serde(default)]
    pub peer: PeerRules,
    #[serde(default)]
    pub aggregate: Aggregate,
    /// Whether the learner may submit a revised response after feedback.
    #[serde(default)]
    pub allow_resubmission: bool,
    /// Points the block is worth in the grade; `None` = the rubric's points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_start: Option<Timestamp>,
    /// After this, responses are refused (its own date, else the subsection's due date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// Open edX attributes with no meaning here, written back on export.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub olx_attrs: BTreeMap<String, String>,
}

impl OpenResponseContent {
    /// A staff-graded assignment with one WikiLearn-scale criterion.
    pub fn staff_graded(prompt_html: &str, criterion_label: &str) -> OpenResponseContent {
        OpenResponseContent {
            prompts: vec![prompt_html.to_owned()],
            text: Requirement::Required,
            files: None,
            rubric: Rubric {
                criteria: vec![Criterion {
                    name: "quality".into(),
                    label: criterion_label.to_owned(),
                    prompt: String::new(),
                    feedback: Requirement::Optional,
                    options: wikilearn_scale(),
                }],
                overall_feedback: Requirement::Optional,
                feedback_prompt: String::new(),
                feedback_default_text: String::new(),
            },
            show_rubric_while_writing: true,
            expected_minutes: None,
            steps: vec![Step::Staff],
            peer: PeerRules::default(),
            aggregate: Aggregate::Median,
            allow_resubmission: true,
            weight: None,
            submission_start: None,
            due: None,
            olx_attrs: BTreeMap::new(),
        }
    }

    pub fn has_step(&self, step: Step) -> bool {
        self.steps.contains(&step)
    }

    /// Raw points possible (the rubric's) and weighted points possible.
    pub fn possible(&self) -> (f64, f64) {
        let raw = f64::from(self.rubric.max_points());
        (raw, self.weight.unwrap_or(raw))
    }
}

const MAX_TEXT_BYTES: usize = 256 * 1024;

pub struct OpenResponse;

/// The numbers and texts staff set, within the platform's ranges (docs/LIMITS.md): the
/// same rules hold for the settings page, the JSON API and imported courses.
fn check_ranges(c: &OpenResponseContent) -> Result<(), DomainError> {
    use crate::limits::{self, range};
    let whole = |v: u32, min: u32, max: u32| {
        if (min..=max).contains(&v) {
            Ok(())
        } else {
            Err(limits::out_of_range(
                &v.to_string(),
                &min.to_string(),
                &max.to_string(),
            ))
        }
    };
    let r = &c.rubric;
    whole(
        u32::try_from(r.criteria.len()).unwrap_or(u32::MAX),
        1,
        range::CRITERIA as u32,
    )?;
    limits::check(&r.feedback_prompt, limits::RUBRIC_TEXT)?;
    limits::check(&r.feedback_default_text, limits::RUBRIC_TEXT)?;
    for cr in &r.criteria {
        limits::check(&cr.label, limits::TITLE)?;
        limits::check(&cr.prompt, limits::RUBRIC_TEXT)?;
        whole(
            u32::try_from(cr.options.len()).unwrap_or(u32::MAX),
            0,
            range::OPTIONS as u32,
        )?;
        for o in &cr.options {
            limits::check(&o.label, limits::TITLE)?;
            limits::check(&o.explanation, limits::RUBRIC_TEXT)?;
            whole(o.points, 0, range::OPTION_POINTS)?;
        }
    }
    if let Some(w) = c.weight
        && !(w.is_finite() && (0.0..=range::WEIGHT).contains(&w))
    {
        return Err(limits::out_of_range(
            &w.to_string(),
            "0",
            &range::WEIGHT.to_string(),
        ));
    }
    if c.has_step(Step::Peer) {
        whole(c.peer.must_grade, 1, range::PEER_REVIEWS)?;
        whole(c.peer.graded_by, 1, range::PEER_REVIEWS)?;
    }
    if let Some(f) = &c.peer.fallback {
        whole(f.after_days, 0, range::FALLBACK_DAYS)?;
    }
    if let Some(m) = c.expected_minutes {
        whole(m, 0, range::EXPECTED_MINUTES)?;
    }
    if let Some(f) = &c.files {
        whole(f.max_mb, 1, range::FILE_MB)?;
        whole(f.max_files, 1, range::FILES)?;
    }
    Ok(())
}

impl BlockKind for OpenResponse {
    const KIND: &'static str = "open_response";
    type Content = OpenResponseContent;

    fn validate(mut c: OpenResponseContent) -> Result<OpenResponseContent, DomainError> {
        let bad = |what: &str| DomainError::new("lyceum-error-or-content").with_arg(what);
        // Space around a prompt means nothing in HTML; without it every source (Markdown,
        // an OLX import) gives the same stored form.
        c.prompts = c
            .prompts
            .iter()
            .map(|p| try_sanitize_html(p).map(|h| h.trim().to_owned()))
            .collect::<Result<_, _>>()?;
        if c.prompts.iter().map(String::len).sum::<usize>() > MAX_TEXT_BYTES {
            return Err(bad("prompts"));
        }
        if c.text == Requirement::None && c.files.as_ref().is_none_or(|f| !f.requirement.asked()) {
            return Err(bad("text or files"));
        }
        if let Some(f) = &mut c.files {
            f.allowed = f
                .allowed
                .iter()
                .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect();
            if f.allowed.is_empty() || f.max_mb == 0 || f.max_files == 0 {
                return Err(bad("files"));
            }
        }
        // Steps: at least one, none twice, staff last.
        let mut seen = HashSet::new();
        if c.steps.is_empty() || !c.steps.iter().all(|s| seen.insert(*s)) {
            return Err(bad("steps"));
        }
        if c.steps
            .iter()
            .position(|s| *s == Step::Staff)
            .is_some_and(|i| i + 1 != c.steps.len())
        {
            return Err(bad("steps"));
        }
        if c.has_step(Step::Peer) && (c.peer.must_grade == 0 || c.peer.graded_by == 0) {
            return Err(bad("peer"));
        }
        // Rubric: at least one criterion, unique names, options unique per criterion,
        // a criterion without options must ask for feedback.
        let r = &c.rubric;
        let mut names = HashSet::new();
        if r.criteria.is_empty() || !r.criteria.iter().all(|x| names.insert(x.name.as_str())) {
            return Err(bad("rubric"));
        }
        for cr in &r.criteria {
            let mut opts = HashSet::new();
            if cr.name.trim().is_empty()
                || !cr
                    .options
                    .iter()
                    .all(|o| !o.name.trim().is_empty() && opts.insert(o.name.as_str()))
                || (cr.options.is_empty() && !cr.feedback.asked())
            {
                return Err(bad("rubric"));
            }
        }
        check_ranges(&c)?;
        if r.max_points() == 0 && c.weight.is_some_and(|w| w > 0.0) {
            return Err(bad("rubric"));
        }
        if let Some(w) = c.weight
            && !(w.is_finite() && w >= 0.0)
        {
            return Err(DomainError::new("lyceum-error-problem-weight"));
        }
        Ok(c)
    }

    fn completion(_: &OpenResponseContent) -> Option<CompletionRule> {
        Some(CompletionRule::Submitted)
    }

    fn scoring(o: &OpenResponseContent) -> Option<super::Scoring> {
        Some(super::Scoring {
            raw_possible: o.possible().0,
            weight: o.weight,
        })
    }

    fn takes_due_date(_: &OpenResponseContent) -> bool {
        true
    }

    fn due(o: &OpenResponseContent) -> Option<Timestamp> {
        o.due
    }

    /// The prompt by paragraph; each rubric criterion's label and prompt, each option's
    /// label and explanation (by name: assessments store names, so they count alike in
    /// every language); the overall feedback's prompt and default text.
    fn translatable(c: &mut OpenResponseContent, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
        for prompt in &mut c.prompts {
            visit_paragraphs(prompt, "prompt", visit);
        }
        for criterion in &mut c.rubric.criteria {
            let name = format!("criterion.{}", criterion.name);
            visit(Field::text(&name), &mut criterion.label);
            visit(
                Field::text(&format!("{name}.prompt")),
                &mut criterion.prompt,
            );
            for option in &mut criterion.options {
                let option_name = format!("{name}.option.{}", option.name);
                visit(Field::text(&option_name), &mut option.label);
                visit(
                    Field::text(&format!("{option_name}.explanation")),
                    &mut option.explanation,
                );
            }
        }
        visit(
            Field::text("feedback_prompt"),
            &mut c.rubric.feedback_prompt,
        );
        visit(
            Field::text("feedback_default_text"),
            &mut c.rubric.feedback_default_text,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OpenResponseContent {
        OpenResponseContent::staff_graded("<p>Write <script>x</script>a mission</p>", "Clarity")
    }

    #[test]
    fn validation_sanitises_and_checks_steps() {
        let c = OpenResponse::validate(sample()).unwrap();
        assert_eq!(c.prompts[0], "<p>Write a mission</p>");
        let mut c = sample();
        c.steps = vec![Step::Staff, Step::Peer];
        assert!(OpenResponse::validate(c).is_err(), "staff must be last");
        let mut c = sample();
        c.steps = vec![Step::Peer, Step::Peer];
        assert!(OpenResponse::validate(c).is_err());
        let mut c = sample();
        c.steps.clear();
        assert!(OpenResponse::validate(c).is_err());
        let mut c = sample();
        c.rubric.criteria.push(c.rubric.criteria[0].clone());
        assert!(
            OpenResponse::validate(c).is_err(),
            "criterion names are unique"
        );
    }

    #[test]
    fn points_and_numbers_stay_in_range() {
        // Four billion points used to wrap the total around to 1.
        let mut c = sample();
        let mut second = c.rubric.criteria[0].clone();
        second.name = "depth".into();
        second.options[0].points = u32::MAX;
        c.rubric.criteria.push(second);
        assert_eq!(c.rubric.max_points(), u32::MAX, "saturates, never wraps");
        let e = OpenResponse::validate(c).unwrap_err();
        assert_eq!(e.key.0, "lyceum-error-number-range");
        assert_eq!(e.args, ["4294967295", "0", "1000"]);
        type Change = Box<dyn Fn(&mut OpenResponseContent)>;
        let table: Vec<(&str, Change)> = vec![
            ("weight", Box::new(|c| c.weight = Some(1e308))),
            (
                "peer",
                Box::new(|c| {
                    c.steps = vec![Step::Peer, Step::Staff];
                    c.peer.must_grade = 21;
                }),
            ),
            (
                "fallback",
                Box::new(|c| {
                    c.peer.fallback = Some(PeerFallback {
                        after_days: 366,
                        action: FallbackAction::ToStaff,
                    });
                }),
            ),
            ("minutes", Box::new(|c| c.expected_minutes = Some(10_001))),
            (
                "label",
                Box::new(|c| c.rubric.criteria[0].label = "x".repeat(201)),
            ),
        ];
        for (what, change) in table {
            let mut c = sample();
            change(&mut c);
            assert!(OpenResponse::validate(c).is_err(), "{what}");
        }
    }

    #[test]
    fn wikilearn_scale_is_worth_three() {
        let c = sample();
        assert_eq!(c.rubric.max_points(), 3);
        assert_eq!(c.possible(), (3.0, 3.0));
        assert_eq!(c.rubric.criteria[0].options[0].name, "wikilearn-poor");
    }

    #[test]
    fn checking_an_assessment() {
        let mut r = sample().rubric;
        r.criteria.push(Criterion {
            name: "notes".into(),
            label: "Notes".into(),
            prompt: String::new(),
            feedback: Requirement::Required,
            options: vec![],
        });
        let mut a = AssessmentInput::default();
        a.criterion_feedback.insert("notes".into(), "fine".into());
        assert_eq!(
            r.check(&a).unwrap_err().key.0,
            "lyceum-error-or-criterion-missing"
        );
        a.criteria.insert("quality".into(), "nope".into());
        assert_eq!(
            r.check(&a).unwrap_err().key.0,
            "lyceum-error-or-unknown-option"
        );
        a.criteria.insert("quality".into(), "wikilearn-good".into());
        assert_eq!(r.check(&a).unwrap(), Points::from([("quality".into(), 2)]));
        a.criterion_feedback.clear();
        assert_eq!(
            r.check(&a).unwrap_err().key.0,
            "lyceum-error-or-feedback-required"
        );
        a.criterion_feedback.insert("notes".into(), "ok".into());
        a.criteria.insert("ghost".into(), "x".into());
        assert_eq!(
            r.check(&a).unwrap_err().key.0,
            "lyceum-error-or-unknown-criterion"
        );
    }

    #[test]
    fn file_rules() {
        let f = FileRules::default();
        assert_eq!(f.allows("Essay.PDF").as_deref(), Some("pdf"));
        assert_eq!(f.allows("run.exe"), None);
        assert_eq!(f.allows("noext"), None);
        assert!(is_image("a.JPG"));
        assert!(!is_image("a.pdf"));
    }
}
