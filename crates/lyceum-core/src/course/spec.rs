//! A course written as data (the demo courses are TOML files in this shape): settings plus
//! an outline of sections, subsections, units and blocks. `expand` validates it and turns
//! it into what the store persists; reading files is left to the caller.

use super::StructureSettings;
use super::{CourseKey, Effort, License};
use crate::blocks::open_response::OpenResponse;
use crate::blocks::open_response::{
    Aggregate, Criterion, FallbackAction, FileRules, OpenResponseContent, PeerFallback, PeerRules,
    Requirement, Rubric, RubricOption, Step, wikilearn_scale,
};
use crate::blocks::problem::ProblemKind;
use crate::blocks::text::Text;
use crate::blocks::video::Video;
use crate::blocks::{
    MediaRef, ProblemContent, Registered, SubtitleTrack, TextContent, VideoContent, VideoSource,
};
use crate::error::DomainError;
use crate::grading::{AssignmentType, GradingPolicy};
use crate::media::{content_type_for, is_valid_asset_name};
use crate::sanitize::try_markdown_to_html;
use crate::subtitles;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseSpec {
    pub org: String,
    pub code: String,
    pub run: String,
    pub language: String,
    pub title: String,
    #[serde(default)]
    pub short_description: String,
    /// Markdown.
    #[serde(default)]
    pub overview: String,
    #[serde(default)]
    pub outcomes: Vec<String>,
    pub effort_hours_per_week: Option<f64>,
    pub effort_weeks: Option<u32>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub license: Option<String>,
    #[serde(default)]
    pub published: bool,
    #[serde(default = "yes")]
    pub self_paced: bool,
    #[serde(default)]
    pub sections: Vec<SectionSpec>,
    /// Assignment types, cutoffs and grace period; Pass at 50 % when absent.
    #[serde(default)]
    pub grading: Option<GradingSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingSpec {
    #[serde(default)]
    pub types: Vec<AssignmentTypeSpec>,
    /// Letter grades and their minimum share, e.g. `{ Pass = 0.6 }`.
    #[serde(default)]
    pub cutoffs: BTreeMap<String, f64>,
    #[serde(default)]
    pub grace_period_hours: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentTypeSpec {
    pub name: String,
    pub short_label: Option<String>,
    pub min_count: u32,
    #[serde(default)]
    pub drop_count: u32,
    pub weight: f64,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    pub title: String,
    pub release: Option<Timestamp>,
    #[serde(default)]
    pub subsections: Vec<SubsectionSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsectionSpec {
    pub title: String,
    pub release: Option<Timestamp>,
    /// Counts towards the grade, as an assignment of type `format`.
    #[serde(default)]
    pub graded: bool,
    pub format: Option<String>,
    pub due: Option<Timestamp>,
    #[serde(default)]
    pub units: Vec<UnitSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitSpec {
    pub title: String,
    #[serde(default)]
    pub blocks: Vec<BlockSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BlockSpec {
    Text {
        #[serde(default)]
        title: String,
        markdown: Option<String>,
        html: Option<String>,
    },
    /// A capa problem, with Open edX's problem settings.
    Problem {
        #[serde(default)]
        title: String,
        xml: String,
        weight: Option<f64>,
        max_attempts: Option<u32>,
        showanswer: Option<String>,
        show_correctness: Option<String>,
        #[serde(default)]
        show_reset_button: bool,
        rerandomize: Option<String>,
        due: Option<Timestamp>,
    },
    Video {
        #[serde(default)]
        title: String,
        /// Base name: `NAME.webm`, `NAME.mp4` and `NAME.jpg` are used when they exist.
        media: String,
        /// Language → subtitle file (WebVTT or SRT).
        #[serde(default)]
        transcripts: BTreeMap<String, String>,
        #[serde(default)]
        duration_secs: Option<f64>,
    },
    /// A written assignment assessed with a rubric (see [`OpenResponseSpec`]).
    #[serde(rename = "open_response")]
    OpenResponse(Box<OpenResponseSpec>),
    /// A survey (see [`SurveySpec`]).
    Survey(Box<SurveySpec>),
    /// An exercise done on a wiki (see [`WikiTaskSpec`]).
    #[serde(rename = "wiki_task")]
    WikiTask(Box<WikiTaskSpec>),
    /// A unit's discussion topic (issue 15): its id (what threads name), category and name.
    Discussion {
        #[serde(default)]
        title: String,
        #[serde(default)]
        discussion_id: String,
        #[serde(default)]
        category: String,
        #[serde(default)]
        target: String,
    },
}

/// A wiki task (`kind = "wiki_task"`): its title and the task's own content, written as
/// the block stores it (`wiki`, `instructions` as HTML, `criteria`, `window`, `prefill`,
/// `graded`).
///
/// ```toml
/// [[sections.subsections.units.blocks]]
/// kind = "wiki_task"
/// title = "A draft with a reference"
/// wiki = "localwiki"
/// graded = true
/// criteria = { type = "edit", title_pattern = "User:{username}/*", must_contain = ["<ref"] }
/// prefill = { title = "User:{username}/Draft", summary = "Course exercise" }
/// ```
#[derive(Clone, Debug, Deserialize)]
pub struct WikiTaskSpec {
    #[serde(default)]
    pub title: String,
    #[serde(flatten)]
    pub content: crate::blocks::wiki_task::WikiTaskContent,
}

/// A survey (`kind = "survey"`): its title and the survey's own content, written as the
/// block stores it (`questions`, `anonymous`, `before`, …).
///
/// ```toml
/// [[sections.subsections.units.blocks]]
/// kind = "survey"
/// title = "Your confidence after the course"
/// before = "s1-1-3-1"  # the url_name of the "before" survey
/// [[sections.subsections.units.blocks.questions]]
/// id = "approach"
/// type = "likert"  # single_choice, multiple_choice, likert, rating, short_text, long_text
/// text = "I feel confident writing to a potential partner."
/// required = true
/// ```
#[derive(Clone, Debug, Deserialize)]
pub struct SurveySpec {
    #[serde(default)]
    pub title: String,
    #[serde(flatten)]
    pub content: crate::blocks::survey::SurveyContent,
}

/// An open response (`kind = "open_response"`): prompts in Markdown, what the learner
/// hands in, the assessment steps and the rubric. The rubric is either the block's own
/// `criteria` or `rubric_from`, the url_name of another open response of the course
/// (before or after this one), whose rubric is copied; `overall_feedback` and
/// `feedback_prompt`, when given, replace the copied ones.
///
/// ```toml
/// [[sections.subsections.units.blocks]]
/// kind = "open_response"
/// title = "Your mission statement"
/// prompts = ["Write a mission statement for a partnership.", "Name its *shared goals*."]
/// steps = ["peer", "staff"]  # "peer", "self", "staff"; default ["staff"]
/// peer = { must_grade = 2, graded_by = 2, fallback_days = 5, fallback = "staff" }  # or "drop", "none"
///
/// [[sections.subsections.units.blocks.criteria]]
/// name = "clarity"
/// label = "Clarity"
/// scale = "wikilearn"
///
/// [[sections.subsections.units.blocks.criteria]]
/// name = "sources"
/// label = "Sources"
/// feedback = "required"
/// options = [{ name = "none", label = "None", points = 0 }, { name = "some", label = "Some", points = 1 }]
///
/// [[sections.subsections.units.blocks]]
/// kind = "open_response"
/// prompts = ["Now write one for a second partner."]
/// rubric_from = "s1-1-1-1"  # the block above, by its url_name
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenResponseSpec {
    #[serde(default)]
    pub title: String,
    /// The prompt's parts, Markdown.
    pub prompts: Vec<String>,
    #[serde(default)]
    pub text: Requirement,
    /// Files the learner may attach; omitted fields take [`FileRules::default`]'s values.
    pub files: Option<FilesSpec>,
    #[serde(default = "yes")]
    pub show_rubric_while_writing: bool,
    pub expected_minutes: Option<u32>,
    /// `"peer"`, `"self"`, `"staff"`, in order; staff only by default.
    #[serde(default = "staff_only")]
    pub steps: Vec<String>,
    /// Omitted fields take [`PeerRules::default`]'s values.
    pub peer: Option<PeerSpec>,
    #[serde(default)]
    pub aggregate: Aggregate,
    #[serde(default = "yes")]
    pub allow_resubmission: bool,
    pub weight: Option<f64>,
    pub due: Option<Timestamp>,
    pub submission_start: Option<Timestamp>,
    pub criteria: Option<Vec<CriterionSpec>>,
    pub rubric_from: Option<String>,
    /// Optional by default.
    pub overall_feedback: Option<Requirement>,
    pub feedback_prompt: Option<String>,
}

fn staff_only() -> Vec<String> {
    vec!["staff".to_owned()]
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesSpec {
    pub requirement: Option<Requirement>,
    /// Extensions, e.g. `["pdf", "png"]`.
    pub allowed: Option<Vec<String>>,
    pub max_mb: Option<u32>,
    pub max_files: Option<u32>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSpec {
    pub must_grade: Option<u32>,
    pub graded_by: Option<u32>,
    /// Days a response waits for its peer reviews before the fallback applies.
    pub fallback_days: Option<u32>,
    pub fallback: Option<FallbackSpec>,
}

/// What happens to a response still short of peer reviews after `fallback_days`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FallbackSpec {
    /// The requirement drops to the reviews received.
    Drop,
    /// The response goes to the staff queue.
    Staff,
    /// No fallback: the response waits for its reviews.
    #[serde(rename = "none")]
    Never,
}

/// A rubric criterion: scored with a preset `scale`, with its own `options`, or, with
/// neither, a feedback-only criterion worth no points.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionSpec {
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub prompt: String,
    #[serde(default = "optional")]
    pub feedback: Requirement,
    pub scale: Option<ScaleSpec>,
    pub options: Option<Vec<OptionSpec>>,
}

fn optional() -> Requirement {
    Requirement::Optional
}

/// A preset scale of options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleSpec {
    /// Poor 0, needs improvement 1, good 2, excellent 3 ([`wikilearn_scale`]).
    Wikilearn,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    pub name: String,
    pub label: String,
    pub points: u32,
    #[serde(default)]
    pub explanation: String,
}

/// Course settings ready to store.
#[derive(Clone, Debug)]
pub struct NewCourse {
    pub key: CourseKey,
    pub grading: GradingPolicy,
    pub title: String,
    pub short_description: String,
    pub overview_source: String,
    pub overview_html: String,
    pub outcomes: Vec<String>,
    pub language: String,
    pub license: License,
    pub effort: Option<Effort>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub published: bool,
    pub self_paced: bool,
}

/// A block ready to store, with its children in order.
#[derive(Clone, Debug)]
pub struct NewBlock {
    pub kind: String,
    pub url_name: String,
    pub title: String,
    pub release_at: Option<Timestamp>,
    pub content: String,
    pub children: Vec<NewBlock>,
}

#[derive(Clone, Debug)]
pub struct NewAsset {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct Expanded {
    pub course: NewCourse,
    pub blocks: Vec<NewBlock>,
    pub assets: Vec<NewAsset>,
}

/// Validate settings and outline. `read_media(name)` returns a media file's bytes, or
/// `None` when there is no such file.
pub fn expand(
    spec: CourseSpec,
    read_media: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Result<Expanded, DomainError> {
    let key = CourseKey::new(&spec.org, &spec.code, &spec.run)?;
    if spec.title.trim().is_empty() {
        return Err(DomainError::new("lyceum-error-title-empty"));
    }
    if !crate::blocks::video::is_language_code(&spec.language) {
        return Err(DomainError::new("lyceum-error-language-code").with_arg(spec.language));
    }
    let license = match &spec.license {
        None => License::default(),
        Some(id) => License::parse(id)
            .ok_or_else(|| DomainError::new("lyceum-error-license").with_arg(id.clone()))?,
    };
    if let (Some(s), Some(e)) = (spec.start, spec.end)
        && e < s
    {
        return Err(DomainError::new("lyceum-error-dates-order"));
    }
    let effort = match (spec.effort_hours_per_week, spec.effort_weeks) {
        (Some(h), Some(w)) if h.is_finite() && h > 0.0 && h <= 168.0 && w > 0 => Some(Effort {
            minutes_per_week: (h * 60.0).round() as u32,
            weeks: w,
        }),
        (None, None) => None,
        _ => return Err(DomainError::new("lyceum-error-effort")),
    };
    let grading = match spec.grading {
        None => GradingPolicy::default(),
        Some(g) => {
            let policy = GradingPolicy {
                types: g
                    .types
                    .into_iter()
                    .map(|t| AssignmentType {
                        name: t.name,
                        short_label: t.short_label,
                        min_count: t.min_count,
                        drop_count: t.drop_count,
                        weight: t.weight,
                    })
                    .collect(),
                cutoffs: {
                    let mut c: Vec<(String, f64)> = g.cutoffs.into_iter().collect();
                    c.sort_by(|a, b| b.1.total_cmp(&a.1));
                    c
                },
                grace_period_secs: g.grace_period_hours * 3600,
            };
            policy.validate()?;
            policy
        }
    };
    let course = NewCourse {
        grading,
        key,
        title: spec.title.trim().to_owned(),
        short_description: spec.short_description.trim().to_owned(),
        overview_html: try_markdown_to_html(&spec.overview)?,
        overview_source: spec.overview,
        outcomes: spec
            .outcomes
            .into_iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
        language: spec.language,
        license,
        effort,
        start: spec.start,
        end: spec.end,
        published: spec.published,
        self_paced: spec.self_paced,
    };

    let grading_types: Vec<String> = course
        .grading
        .types
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let rubrics = rubric_sources(&spec.sections);
    let mut assets: BTreeMap<String, NewAsset> = BTreeMap::new();
    let mut blocks = Vec::new();
    for (si, section) in spec.sections.into_iter().enumerate() {
        let s_name = format!("s{}", si + 1);
        let mut subsections = Vec::new();
        for (ssi, sub) in section.subsections.into_iter().enumerate() {
            let ss_name = format!("{s_name}-{}", ssi + 1);
            let mut units = Vec::new();
            for (ui, unit) in sub.units.into_iter().enumerate() {
                let u_name = format!("{ss_name}-{}", ui + 1);
                let mut leaves = Vec::new();
                for (bi, block) in unit.blocks.into_iter().enumerate() {
                    let b_name = format!("{u_name}-{}", bi + 1);
                    leaves.push(expand_block(
                        block,
                        b_name,
                        read_media,
                        &mut assets,
                        &rubrics,
                    )?);
                }
                units.push(structure("unit", u_name, unit.title, None, leaves));
            }
            if sub.graded
                && sub
                    .format
                    .as_deref()
                    .is_none_or(|f| !grading_types.iter().any(|t| t == f))
            {
                return Err(DomainError::new("lyceum-error-grading-format")
                    .with_arg(sub.format.unwrap_or_default())
                    .with_arg(sub.title));
            }
            let mut node = structure("subsection", ss_name, sub.title, sub.release, units);
            let settings = StructureSettings {
                graded: sub.graded,
                format: sub.format,
                due: sub.due,
            };
            node.content = serde_json::to_string(&settings).unwrap_or_else(|_| "{}".to_owned());
            subsections.push(node);
        }
        blocks.push(structure(
            "section",
            s_name,
            section.title,
            section.release,
            subsections,
        ));
    }
    Ok(Expanded {
        course,
        blocks,
        assets: assets.into_values().collect(),
    })
}

/// A section, subsection or unit block (content `{}`), its title trimmed.
pub fn structure(
    kind: &str,
    url_name: String,
    title: String,
    release_at: Option<Timestamp>,
    children: Vec<NewBlock>,
) -> NewBlock {
    NewBlock {
        kind: kind.to_owned(),
        url_name,
        title: title.trim().to_owned(),
        release_at,
        content: "{}".to_owned(),
        children,
    }
}

/// Where an open response's rubric comes from: the parts of its spec that make the rubric.
#[derive(Clone, Debug)]
struct RubricSource {
    criteria: Option<Vec<CriterionSpec>>,
    rubric_from: Option<String>,
    overall_feedback: Option<Requirement>,
    feedback_prompt: Option<String>,
}

impl RubricSource {
    fn of(o: &OpenResponseSpec) -> RubricSource {
        RubricSource {
            criteria: o.criteria.clone(),
            rubric_from: o.rubric_from.clone(),
            overall_feedback: o.overall_feedback,
            feedback_prompt: o.feedback_prompt.clone(),
        }
    }
}

/// The rubric sources of the outline's open responses by url_name (named as `expand`
/// names blocks), so that `rubric_from` can refer to a block before or after it.
fn rubric_sources(sections: &[SectionSpec]) -> BTreeMap<String, RubricSource> {
    let mut out = BTreeMap::new();
    for (si, section) in sections.iter().enumerate() {
        for (ssi, sub) in section.subsections.iter().enumerate() {
            for (ui, unit) in sub.units.iter().enumerate() {
                for (bi, block) in unit.blocks.iter().enumerate() {
                    if let BlockSpec::OpenResponse(o) = block {
                        let name = format!("s{}-{}-{}-{}", si + 1, ssi + 1, ui + 1, bi + 1);
                        out.insert(name, RubricSource::of(o));
                    }
                }
            }
        }
    }
    out
}

/// The rubric of the open response `url_name`: its own criteria, or those of the block
/// `rubric_from` names (following a chain of `rubric_from`), with the overall feedback
/// settings each block of the chain gives.
fn resolve_rubric(
    url_name: &str,
    own: &RubricSource,
    sources: &BTreeMap<String, RubricSource>,
) -> Result<Rubric, DomainError> {
    // The blocks followed, from this one to the one with the criteria.
    let mut chain = vec![(url_name, own)];
    let criteria = loop {
        let (name, source) = chain[chain.len() - 1];
        match (&source.criteria, &source.rubric_from) {
            (Some(criteria), None) => break criteria,
            (None, Some(from)) => {
                let next = sources
                    .get(from)
                    .filter(|_| chain.iter().all(|(seen, _)| seen != from))
                    .ok_or_else(|| {
                        DomainError::new("lyceum-error-spec-rubric-from")
                            .with_arg(from.clone())
                            .with_arg(url_name.to_owned())
                    })?;
                chain.push((from, next));
            }
            _ => {
                return Err(
                    DomainError::new("lyceum-error-spec-rubric-source").with_arg(name.to_owned())
                );
            }
        }
    };
    let block = chain[chain.len() - 1].0;
    let mut rubric = Rubric {
        criteria: criteria
            .iter()
            .map(|c| criterion(c, block))
            .collect::<Result<_, _>>()?,
        overall_feedback: Requirement::Optional,
        feedback_prompt: String::new(),
        feedback_default_text: String::new(),
    };
    for (_, source) in chain.iter().rev() {
        if let Some(r) = source.overall_feedback {
            rubric.overall_feedback = r;
        }
        if let Some(p) = &source.feedback_prompt {
            p.trim().clone_into(&mut rubric.feedback_prompt);
        }
    }
    Ok(rubric)
}

fn criterion(c: &CriterionSpec, url_name: &str) -> Result<Criterion, DomainError> {
    let options = match (c.scale, &c.options) {
        (Some(ScaleSpec::Wikilearn), None) => wikilearn_scale(),
        (None, Some(options)) => options
            .iter()
            .map(|o| RubricOption {
                name: o.name.trim().to_owned(),
                label: o.label.trim().to_owned(),
                points: o.points,
                explanation: o.explanation.trim().to_owned(),
            })
            .collect(),
        (None, None) => Vec::new(),
        (Some(_), Some(_)) => {
            return Err(DomainError::new("lyceum-error-spec-criterion-scale")
                .with_arg(c.name.clone())
                .with_arg(url_name.to_owned()));
        }
    };
    Ok(Criterion {
        name: c.name.trim().to_owned(),
        label: c.label.trim().to_owned(),
        prompt: c.prompt.trim().to_owned(),
        feedback: c.feedback,
        options,
    })
}

fn open_response(
    o: OpenResponseSpec,
    url_name: &str,
    rubrics: &BTreeMap<String, RubricSource>,
) -> Result<OpenResponseContent, DomainError> {
    let rubric = resolve_rubric(url_name, &RubricSource::of(&o), rubrics)?;
    let steps = o
        .steps
        .iter()
        .map(|s| {
            Step::parse(s.trim()).ok_or_else(|| {
                DomainError::new("lyceum-error-spec-step")
                    .with_arg(s.clone())
                    .with_arg(url_name.to_owned())
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let files = o.files.map(|f| {
        let d = FileRules::default();
        FileRules {
            requirement: f.requirement.unwrap_or(d.requirement),
            allowed: f.allowed.unwrap_or(d.allowed),
            max_mb: f.max_mb.unwrap_or(d.max_mb),
            max_files: f.max_files.unwrap_or(d.max_files),
        }
    });
    let peer = match o.peer {
        None => PeerRules::default(),
        Some(p) => {
            let d = PeerRules::default();
            let days = p.fallback_days;
            let default_days = d.fallback.map_or(7, |f| f.after_days);
            let default_action = d.fallback.map_or(FallbackAction::ToStaff, |f| f.action);
            let fallback = match p.fallback {
                Some(FallbackSpec::Never) if days.is_some() => {
                    return Err(DomainError::new("lyceum-error-or-content").with_arg("peer"));
                }
                Some(FallbackSpec::Never) => None,
                action => Some(PeerFallback {
                    after_days: days.unwrap_or(default_days),
                    action: match action {
                        Some(FallbackSpec::Drop) => FallbackAction::DropRequirement,
                        Some(FallbackSpec::Staff) => FallbackAction::ToStaff,
                        _ => default_action,
                    },
                }),
            };
            PeerRules {
                must_grade: p.must_grade.unwrap_or(d.must_grade),
                graded_by: p.graded_by.unwrap_or(d.graded_by),
                fallback,
            }
        }
    };
    Ok(OpenResponseContent {
        prompts: o
            .prompts
            .iter()
            .map(|p| try_markdown_to_html(p))
            .collect::<Result<_, _>>()?,
        text: o.text,
        files,
        rubric,
        show_rubric_while_writing: o.show_rubric_while_writing,
        expected_minutes: o.expected_minutes,
        steps,
        peer,
        aggregate: o.aggregate,
        allow_resubmission: o.allow_resubmission,
        weight: o.weight,
        submission_start: o.submission_start,
        due: o.due,
        olx_attrs: BTreeMap::new(),
    })
}

fn expand_block(
    block: BlockSpec,
    url_name: String,
    read_media: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    assets: &mut BTreeMap<String, NewAsset>,
    rubrics: &BTreeMap<String, RubricSource>,
) -> Result<NewBlock, DomainError> {
    let (title, content) = match block {
        BlockSpec::Text {
            title,
            markdown,
            html,
        } => {
            let c = match (markdown, html) {
                (Some(md), None) => TextContent::markdown(md),
                (None, Some(h)) => TextContent::html(h),
                _ => return Err(DomainError::new("lyceum-error-text-source").with_arg(url_name)),
            };
            (title, Text::into_leaf(c))
        }
        BlockSpec::Problem {
            title,
            xml,
            weight,
            max_attempts,
            showanswer,
            show_correctness,
            show_reset_button,
            rerandomize,
            due,
        } => {
            let mut p = ProblemContent::new(xml);
            p.weight = weight;
            p.max_attempts = max_attempts;
            p.showanswer = showanswer;
            p.show_correctness = show_correctness;
            p.show_reset_button = show_reset_button;
            p.rerandomize = rerandomize;
            p.due = due;
            (title, ProblemKind::into_leaf(p))
        }
        BlockSpec::Video {
            title,
            media,
            transcripts,
            duration_secs,
        } => {
            let mut add = |name: String, bytes: Vec<u8>| {
                assets.insert(
                    name.clone(),
                    NewAsset {
                        content_type: content_type_for(&name).to_owned(),
                        name,
                        bytes,
                    },
                );
            };
            let mut sources = Vec::new();
            for (ext, mime) in [("webm", "video/webm"), ("mp4", "video/mp4")] {
                let name = format!("{media}.{ext}");
                if let Some(bytes) = read_media(&name) {
                    add(name.clone(), bytes);
                    sources.push(VideoSource {
                        media: MediaRef::Asset(name),
                        mime: mime.to_owned(),
                    });
                }
            }
            if sources.is_empty() {
                return Err(DomainError::new("lyceum-error-media-missing").with_arg(media));
            }
            let poster_name = format!("{media}.jpg");
            let poster = read_media(&poster_name).map(|bytes| {
                add(poster_name.clone(), bytes);
                MediaRef::Asset(poster_name)
            });
            let mut tracks = Vec::new();
            for (lang, file) in transcripts {
                let bytes = read_media(&file).ok_or_else(|| {
                    DomainError::new("lyceum-error-media-missing").with_arg(file.clone())
                })?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    DomainError::new("lyceum-error-subtitles-encoding").with_arg(file.clone())
                })?;
                let cues = subtitles::parse(&text)?;
                // Learners always get WebVTT, whatever the author supplied.
                let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
                let vtt_name = format!("{stem}.vtt");
                if !is_valid_asset_name(&vtt_name) {
                    return Err(DomainError::new("lyceum-error-media-reference").with_arg(vtt_name));
                }
                add(vtt_name.clone(), subtitles::to_vtt(&cues).into_bytes());
                tracks.push(SubtitleTrack {
                    lang,
                    media: MediaRef::Asset(vtt_name),
                    cues: cues.into_iter().map(Into::into).collect(),
                    generated: false,
                });
            }
            let video = VideoContent {
                sources,
                tracks,
                poster,
                download_video: true,
                download_tracks: true,
                duration_secs,
                youtube_id: None,
                edx_video_id: None,
                start_secs: None,
                end_secs: None,
                commons: Default::default(),
            };
            (title, Video::into_leaf(video))
        }
        BlockSpec::OpenResponse(o) => {
            let title = o.title.clone();
            let c = open_response(*o, &url_name, rubrics)?;
            (title, OpenResponse::into_leaf(c))
        }
        BlockSpec::Survey(s) => {
            let SurveySpec { title, content } = *s;
            (title, crate::blocks::survey::Survey::into_leaf(content))
        }
        BlockSpec::WikiTask(w) => {
            let WikiTaskSpec { title, content } = *w;
            (
                title,
                crate::blocks::wiki_task::WikiTask::into_leaf(content),
            )
        }
        BlockSpec::Discussion {
            title,
            discussion_id,
            category,
            target,
        } => (
            title,
            crate::blocks::discussion::Discussion::into_leaf(crate::blocks::DiscussionContent {
                discussion_id,
                category,
                target,
            }),
        ),
    };
    let content = content.validate()?;
    Ok(NewBlock {
        kind: content.kind().to_owned(),
        url_name,
        title: title.trim().to_owned(),
        release_at: None,
        content: content.encode(),
        children: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_json() -> serde_json::Value {
        serde_json::json!({
            "org": "LEARNCO", "code": "PB101", "run": "2026", "language": "en",
            "title": "Partnership Building", "overview": "Why *partners* matter",
            "effort_hours_per_week": 1.5, "effort_weeks": 6,
            "start": "2026-09-01T00:00:00Z", "published": true,
            "sections": [{"title": "Start", "subsections": [{"title": "Welcome", "units": [
                {"title": "Hello", "blocks": [
                    {"kind": "text", "markdown": "Hi"},
                    {"kind": "video", "title": "Intro", "media": "intro", "transcripts": {"en": "intro.en.vtt", "fr": "intro.fr.srt"}}
                ]}
            ]}]}]
        })
    }

    fn media(name: &str) -> Option<Vec<u8>> {
        match name {
            "intro.webm" => Some(b"webm".to_vec()),
            "intro.en.vtt" => Some(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n".to_vec()),
            "intro.fr.srt" => Some(b"1\n00:00:00,000 --> 00:00:01,000\nBonjour\n".to_vec()),
            _ => None,
        }
    }

    #[test]
    fn expands_outline_media_and_converts_srt() {
        let spec: CourseSpec = serde_json::from_value(spec_json()).unwrap();
        let e = expand(spec, &mut media).unwrap();
        assert_eq!(e.course.key.to_string(), "course-v1:LEARNCO+PB101+2026");
        assert_eq!(
            e.course.effort,
            Some(Effort {
                minutes_per_week: 90,
                weeks: 6
            })
        );
        assert_eq!(e.course.license, License::CcBySa40);
        assert!(e.course.overview_html.contains("<em>partners</em>"));
        let unit = &e.blocks[0].children[0].children[0];
        assert_eq!(unit.url_name, "s1-1-1");
        assert_eq!(unit.children.len(), 2);
        assert_eq!(unit.children[1].kind, "video");
        let names: Vec<_> = e.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["intro.en.vtt", "intro.fr.vtt", "intro.webm"]);
        let fr = e.assets.iter().find(|a| a.name == "intro.fr.vtt").unwrap();
        assert!(String::from_utf8_lossy(&fr.bytes).starts_with("WEBVTT"));
        assert_eq!(fr.content_type, "text/vtt; charset=utf-8");
    }

    #[test]
    fn missing_media_and_bad_settings_are_errors() {
        let mut j = spec_json();
        j["sections"][0]["subsections"][0]["units"][0]["blocks"][1]["media"] = "nope".into();
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        assert_eq!(
            expand(spec, &mut media).err().unwrap().key.0,
            "lyceum-error-media-missing"
        );

        let mut j = spec_json();
        j["effort_weeks"] = serde_json::Value::Null;
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        assert_eq!(
            expand(spec, &mut media).err().unwrap().key.0,
            "lyceum-error-effort"
        );

        let mut j = spec_json();
        j["code"] = "PB 101".into();
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        assert_eq!(
            expand(spec, &mut media).err().unwrap().key.0,
            "lyceum-error-course-key"
        );
    }

    /// The sample course with one unit holding `blocks`, expanded.
    fn expand_blocks(blocks: serde_json::Value) -> Result<Expanded, DomainError> {
        let mut j = spec_json();
        j["sections"][0]["subsections"][0]["units"][0]["blocks"] = blocks;
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        expand(spec, &mut media)
    }

    fn open_responses(e: &Expanded) -> Vec<(&str, OpenResponseContent)> {
        e.blocks[0].children[0].children[0]
            .children
            .iter()
            .filter(|b| b.kind == "open_response")
            .map(|b| {
                (
                    b.url_name.as_str(),
                    serde_json::from_str(&b.content).unwrap(),
                )
            })
            .collect()
    }

    fn error_key(blocks: serde_json::Value) -> (&'static str, Vec<String>) {
        let err = expand_blocks(blocks).err().unwrap();
        (err.key.0, err.args)
    }

    fn wikilearn_criterion(name: &str, label: &str) -> Criterion {
        Criterion {
            name: name.into(),
            label: label.into(),
            prompt: String::new(),
            feedback: Requirement::Optional,
            options: wikilearn_scale(),
        }
    }

    #[test]
    fn open_response_with_the_wikilearn_scale_expands() {
        let e = expand_blocks(serde_json::json!([{
            "kind": "open_response", "title": " Mission statement ",
            "prompts": ["Write a *mission statement*.", "Name <script>x</script>your partner."],
            "expected_minutes": 30,
            "weight": 5.0,
            "due": "2026-12-01T00:00:00Z",
            "criteria": [
                {"name": "clarity", "label": "Clarity", "prompt": " Is it clear? ", "scale": "wikilearn"},
                {"name": "fit", "label": "Wikimedia fit", "scale": "wikilearn", "feedback": "required"}
            ],
            "feedback_prompt": "Anything else?"
        }]))
        .unwrap();
        let unit = &e.blocks[0].children[0].children[0];
        assert_eq!(unit.children[0].kind, "open_response");
        assert_eq!(unit.children[0].title, "Mission statement");
        let (name, c) = open_responses(&e).remove(0);
        assert_eq!(name, "s1-1-1-1");
        let mut fit = wikilearn_criterion("fit", "Wikimedia fit");
        fit.feedback = Requirement::Required;
        let mut clarity = wikilearn_criterion("clarity", "Clarity");
        clarity.prompt = "Is it clear?".into();
        let expected = OpenResponseContent {
            prompts: vec![
                "<p>Write a <em>mission statement</em>.</p>".into(),
                "<p>Name your partner.</p>".into(),
            ],
            rubric: Rubric {
                criteria: vec![clarity, fit],
                overall_feedback: Requirement::Optional,
                feedback_prompt: "Anything else?".into(),
                feedback_default_text: String::new(),
            },
            expected_minutes: Some(30),
            weight: Some(5.0),
            due: Some("2026-12-01T00:00:00Z".parse().unwrap()),
            ..OpenResponseContent::staff_graded("", "")
        };
        assert_eq!(c, expected);
        assert_eq!(c.possible(), (6.0, 5.0));
    }

    /// A course spec is author content too: Markdown nested deeper than the sanitiser
    /// accepts is refused, in the overview, a prompt or a text.
    #[test]
    fn deeply_nested_markdown_in_a_spec_is_refused() {
        let deep = format!("{}Why?", "> ".repeat(crate::sanitize::MAX_NESTING + 1));
        let too_deep = ("lyceum-error-content-too-deep", vec!["100".to_owned()]);
        let prompt = serde_json::json!([{
            "kind": "open_response", "prompts": [deep],
            "criteria": [{"name": "ideas", "label": "Ideas"}]
        }]);
        assert_eq!(error_key(prompt), too_deep);
        assert_eq!(
            error_key(serde_json::json!([{"kind": "text", "markdown": deep}])),
            too_deep
        );
        let mut j = spec_json();
        j["overview"] = deep.clone().into();
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        let err = expand(spec, &mut media).err().unwrap();
        assert_eq!((err.key.0, err.args), too_deep);
    }

    #[test]
    fn open_response_peer_settings_and_fallback() {
        let e = expand_blocks(serde_json::json!([
            {
                "kind": "open_response", "prompts": ["Why?"],
                "text": "optional",
                "files": {"requirement": "required", "allowed": [".PDF"]},
                "steps": ["peer", "self", "staff"],
                "peer": {"must_grade": 3, "fallback": "drop"},
                "aggregate": "mean",
                "show_rubric_while_writing": false,
                "allow_resubmission": false,
                "submission_start": "2026-09-15T00:00:00Z",
                "overall_feedback": "required",
                "criteria": [{"name": "ideas", "label": "Ideas", "feedback": "none", "options": [
                    {"name": "weak", "label": "Weak", "points": 0},
                    {"name": "strong", "label": "Strong", "points": 4, "explanation": "Original."}
                ]}, {"name": "notes", "label": "Notes"}]
            },
            {
                "kind": "open_response", "prompts": ["Why?"], "steps": ["peer"],
                "peer": {"graded_by": 1, "fallback_days": 3}, "rubric_from": "s1-1-1-1"
            },
            {
                "kind": "open_response", "prompts": ["Why?"], "steps": ["self", "peer"],
                "peer": {"fallback": "none"}, "rubric_from": "s1-1-1-1"
            }
        ]))
        .unwrap();
        let all = open_responses(&e);
        let c = &all[0].1;
        assert_eq!(c.text, Requirement::Optional);
        assert_eq!(
            c.files,
            Some(FileRules {
                requirement: Requirement::Required,
                allowed: vec!["pdf".into()],
                ..FileRules::default()
            })
        );
        assert_eq!(c.steps, vec![Step::Peer, Step::SelfReview, Step::Staff]);
        assert_eq!(
            c.peer,
            PeerRules {
                must_grade: 3,
                graded_by: 2,
                fallback: Some(PeerFallback {
                    after_days: 7,
                    action: FallbackAction::DropRequirement
                }),
            }
        );
        assert_eq!(c.aggregate, Aggregate::Mean);
        assert!(!c.show_rubric_while_writing && !c.allow_resubmission);
        assert_eq!(
            c.submission_start,
            Some("2026-09-15T00:00:00Z".parse().unwrap())
        );
        assert_eq!(c.rubric.overall_feedback, Requirement::Required);
        let ideas = &c.rubric.criteria[0];
        assert_eq!(ideas.feedback, Requirement::None);
        assert_eq!(ideas.options[1].explanation, "Original.");
        assert_eq!(ideas.max_points(), 4);
        let notes = &c.rubric.criteria[1];
        assert!(notes.options.is_empty() && notes.feedback == Requirement::Optional);
        assert_eq!(c.possible(), (4.0, 4.0));

        assert_eq!(all[1].1.steps, vec![Step::Peer]);
        assert_eq!(
            all[1].1.peer,
            PeerRules {
                must_grade: 2,
                graded_by: 1,
                fallback: Some(PeerFallback {
                    after_days: 3,
                    action: FallbackAction::ToStaff
                }),
            }
        );
        assert_eq!(all[2].1.peer.fallback, None);
        assert_eq!(all[2].1.steps, vec![Step::SelfReview, Step::Peer]);

        // Days with no fallback at all make no sense.
        let (key, args) = error_key(serde_json::json!([{
            "kind": "open_response", "prompts": ["Why?"], "steps": ["peer"],
            "peer": {"fallback": "none", "fallback_days": 2},
            "criteria": [{"name": "a", "label": "A", "scale": "wikilearn"}]
        }]));
        assert_eq!(
            (key, args),
            ("lyceum-error-or-content", vec!["peer".to_owned()])
        );
    }

    #[test]
    fn rubric_from_copies_a_rubric_declared_before_or_after() {
        let e = expand_blocks(serde_json::json!([
            // Refers to a block further down (and via it, to the one after that).
            {"kind": "open_response", "prompts": ["A"], "rubric_from": "s1-1-1-3"},
            {"kind": "text", "markdown": "Between"},
            {"kind": "open_response", "prompts": ["B"], "rubric_from": "s1-1-1-4",
             "feedback_prompt": "What would you change?"},
            {"kind": "open_response", "prompts": ["C"], "overall_feedback": "none",
             "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]},
            // Refers to a block before it, replacing the overall feedback setting.
            {"kind": "open_response", "prompts": ["D"], "rubric_from": "s1-1-1-4",
             "overall_feedback": "required"}
        ]))
        .unwrap();
        let all = open_responses(&e);
        let names: Vec<_> = all.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["s1-1-1-1", "s1-1-1-3", "s1-1-1-4", "s1-1-1-5"]);
        let original = &all[2].1.rubric;
        assert_eq!(
            original.criteria,
            vec![wikilearn_criterion("clarity", "Clarity")]
        );
        assert_eq!(original.overall_feedback, Requirement::None);
        assert_eq!(original.feedback_prompt, "");
        // B copies C's rubric and sets its own feedback prompt; A copies B's.
        for (_, c) in &all[..2] {
            assert_eq!(c.rubric.criteria, original.criteria);
            assert_eq!(c.rubric.overall_feedback, Requirement::None);
            assert_eq!(c.rubric.feedback_prompt, "What would you change?");
        }
        assert_eq!(all[3].1.rubric.criteria, original.criteria);
        assert_eq!(all[3].1.rubric.overall_feedback, Requirement::Required);
        assert_eq!(all[0].1.prompts, ["<p>A</p>"]);
    }

    #[test]
    fn open_response_spec_errors() {
        let own = serde_json::json!([{"name": "a", "label": "A", "scale": "wikilearn"}]);
        let block = |extra: serde_json::Value| {
            let mut b = serde_json::json!({"kind": "open_response", "prompts": ["Why?"]});
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        // Unknown name, a block that is not an open response, itself, a circle.
        assert_eq!(
            error_key(serde_json::json!([block(
                serde_json::json!({"rubric_from": "nope"})
            )])),
            ("lyceum-error-spec-rubric-from", s(&["nope", "s1-1-1-1"]))
        );
        assert_eq!(
            error_key(serde_json::json!([
                {"kind": "text", "markdown": "Hi"},
                block(serde_json::json!({"rubric_from": "s1-1-1-1"}))
            ])),
            (
                "lyceum-error-spec-rubric-from",
                s(&["s1-1-1-1", "s1-1-1-2"])
            )
        );
        assert_eq!(
            error_key(serde_json::json!([block(
                serde_json::json!({"rubric_from": "s1-1-1-1"})
            )])),
            (
                "lyceum-error-spec-rubric-from",
                s(&["s1-1-1-1", "s1-1-1-1"])
            )
        );
        assert_eq!(
            error_key(serde_json::json!([
                block(serde_json::json!({"rubric_from": "s1-1-1-2"})),
                block(serde_json::json!({"rubric_from": "s1-1-1-1"}))
            ]))
            .0,
            "lyceum-error-spec-rubric-from"
        );
        // Both criteria and rubric_from, or neither.
        assert_eq!(
            error_key(serde_json::json!([
                block(serde_json::json!({"criteria": own})),
                block(serde_json::json!({"criteria": own, "rubric_from": "s1-1-1-1"}))
            ])),
            ("lyceum-error-spec-rubric-source", s(&["s1-1-1-2"]))
        );
        assert_eq!(
            error_key(serde_json::json!([block(serde_json::json!({}))])),
            ("lyceum-error-spec-rubric-source", s(&["s1-1-1-1"]))
        );
        // A criterion with both a scale and options.
        assert_eq!(
            error_key(serde_json::json!([block(serde_json::json!({"criteria": [
                {"name": "a", "label": "A", "scale": "wikilearn",
                 "options": [{"name": "x", "label": "X", "points": 1}]}
            ]}))])),
            ("lyceum-error-spec-criterion-scale", s(&["a", "s1-1-1-1"]))
        );
        // Steps: unknown names; known ones in a wrong order fail the kind's validation.
        assert_eq!(
            error_key(serde_json::json!([block(
                serde_json::json!({"criteria": own, "steps": ["peer", "teacher"]})
            )])),
            ("lyceum-error-spec-step", s(&["teacher", "s1-1-1-1"]))
        );
        assert_eq!(
            error_key(serde_json::json!([block(
                serde_json::json!({"criteria": own, "steps": ["staff", "peer"]})
            )])),
            ("lyceum-error-or-content", s(&["steps"]))
        );
        // Closed vocabularies and unknown settings fail when the spec is read.
        for extra in [
            serde_json::json!({"criteria": own, "text": "maybe"}),
            serde_json::json!({"criteria": own, "aggregate": "mode"}),
            serde_json::json!({"criteria": own, "peer": {"fallback": "later"}}),
            serde_json::json!({"criteria": [{"name": "a", "label": "A", "scale": "stars"}]}),
            serde_json::json!({"criteria": own, "colour": "red"}),
        ] {
            let mut j = spec_json();
            j["sections"][0]["subsections"][0]["units"][0]["blocks"] =
                serde_json::json!([block(extra.clone())]);
            assert!(serde_json::from_value::<CourseSpec>(j).is_err(), "{extra}");
        }
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let mut j = spec_json();
        j["colour"] = "red".into();
        assert!(serde_json::from_value::<CourseSpec>(j).is_err());
    }
}
