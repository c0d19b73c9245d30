//! The author's settings of an open-response assignment: prompt, what the response may
//! contain, the assessment steps and their rules (peer numbers, the fallback that keeps
//! small courses moving, median or mean), resubmission, weight, and the rubric — written
//! by hand, the WikiLearn scale per criterion, or copied from another open response of the
//! course. Every save goes through the block kind's validation and is a new revision.

use crate::courses::{CourseCx, decide};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{NavLink, load, nav};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page, escape};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use lyceum_app::open_responses as uc;
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::open_response::{
    Aggregate, Criterion, FallbackAction, FileRules, OpenResponse, OpenResponseContent,
    PeerFallback, Requirement, RubricOption, Step, WIKILEARN_SCALE, wikilearn_scale,
};
use lyceum_core::limits::{self, range};
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::{BlockId, DomainError};
use std::collections::HashMap;

/// The step orders an author can choose (staff, when present, is always last).
const STEP_CHOICES: [&str; 9] = [
    "staff",
    "peer,staff",
    "self,staff",
    "peer,self,staff",
    "self,peer,staff",
    "peer",
    "self",
    "peer,self",
    "self,peer",
];

pub struct CriterionRow {
    pub i: usize,
    pub name: String,
    pub label: String,
    pub prompt: String,
    pub feedback: &'static str,
    pub wikilearn: bool,
    /// One option per line: `points | label | explanation`.
    pub options: String,
}

pub struct OtherAssignment {
    pub id: i64,
    pub title: String,
}

#[derive(Template)]
#[template(path = "instructor/open_response_settings.html")]
struct SettingsView {
    p: Page,
    title: String,
    /// The page heading, the assignment's title isolated in the course's language.
    heading: Html,
    head: CourseHead,
    nav: Vec<NavLink>,
    can_edit: bool,
    error: Option<Html>,
    form_url: String,
    copy_url: String,
    queue_url: String,
    /// The block editor, where authors edit the assignment with its unit's other blocks.
    editor_url: String,
    block_title: String,
    prompts: Vec<String>,
    expected_minutes: String,
    show_rubric: bool,
    text: &'static str,
    files: &'static str,
    files_allowed: String,
    files_max_mb: String,
    files_max_count: String,
    steps: String,
    step_choices: Vec<(&'static str, String)>,
    must_grade: String,
    graded_by: String,
    fallback_days: String,
    fallback_action: &'static str,
    aggregate: &'static str,
    allow_resubmission: bool,
    weight: String,
    overall_feedback: &'static str,
    feedback_prompt: String,
    criteria: Vec<CriterionRow>,
    others: Vec<OtherAssignment>,
    assessed: i64,
    requirements: [(&'static str, &'static str); 3],
}

/// The assignment at `block` of a course the viewer grades, or 404.
fn assignment(course: &CourseCx, block: i64) -> AppResult<(usize, OpenResponseContent)> {
    let a = super::assignment::course_ref(course)
        .assignment_of(BlockId(block))
        .ok_or(AppError::NotFound)?;
    Ok((a.idx, a.content().clone()))
}

fn uc_assignment(course: &CourseCx, idx: usize) -> AppResult<uc::Assignment<'_>> {
    super::assignment::course_ref(course)
        .assignment(idx)
        .ok_or(AppError::NotFound)
}

/// Requirement values and their labels, in the order the selects show them.
pub const REQUIREMENTS: [(&str, &str); 3] = [
    ("required", "lyceum-or-settings-req-required"),
    ("optional", "lyceum-or-settings-req-optional"),
    ("none", "lyceum-or-settings-req-none"),
];

fn step_key(step: &str) -> &'static str {
    match step {
        "peer" => "lyceum-or-settings-step-peer",
        "self" => "lyceum-or-settings-step-self",
        _ => "lyceum-or-settings-step-staff",
    }
}

fn step_label(p: &Page, steps: &str) -> String {
    steps
        .split(',')
        .map(|s| p.text(step_key(s)))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn options_text(options: &[RubricOption]) -> String {
    options
        .iter()
        .map(|o| {
            let mut line = format!("{} | {}", o.points, o.label);
            if !o.explanation.is_empty() {
                line.push_str(" | ");
                line.push_str(&o.explanation);
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_wikilearn(options: &[RubricOption]) -> bool {
    options.len() == WIKILEARN_SCALE.len()
        && options
            .iter()
            .zip(WIKILEARN_SCALE)
            .all(|(o, n)| o.name == n && o.label.is_empty())
}

/// The rubric as the form's rows, with an empty one to add a criterion without script.
fn criterion_rows(c: &OpenResponseContent) -> Vec<CriterionRow> {
    let mut criteria: Vec<CriterionRow> = c
        .rubric
        .criteria
        .iter()
        .enumerate()
        .map(|(i, cr)| CriterionRow {
            i,
            name: cr.name.clone(),
            label: cr.label.clone(),
            prompt: cr.prompt.clone(),
            feedback: cr.feedback.as_olx(),
            wikilearn: is_wikilearn(&cr.options),
            options: if is_wikilearn(&cr.options) {
                String::new()
            } else {
                options_text(&cr.options)
            },
        })
        .collect();
    // An empty row to add a criterion without script.
    criteria.push(CriterionRow {
        i: criteria.len(),
        name: String::new(),
        label: String::new(),
        prompt: String::new(),
        feedback: "optional",
        wikilearn: true,
        options: String::new(),
    });
    criteria
}

async fn view(
    cx: &Cx,
    course: &CourseCx,
    idx: usize,
    c: &OpenResponseContent,
    error: Option<Html>,
) -> AppResult<SettingsView> {
    let p = &cx.page;
    let tree = course.tree();
    let node = tree.node(idx);
    let criteria = criterion_rows(c);
    let others = tree
        .units()
        .iter()
        .flat_map(|&u| tree.children(u).iter().copied())
        .filter(|&l| l != idx)
        .filter(|&l| uc::content_at(tree, l).is_some())
        .map(|l| OtherAssignment {
            id: tree.node(l).id.0,
            title: super::assignment::title_at(course, l),
        })
        .collect();
    let steps = c
        .steps
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let assessed =
        uc::settings::assessments_made(&cx.app.env(), &uc_assignment(course, idx)?).await?;
    let files = c.files.clone();
    let fallback = c.peer.fallback;
    let mut prompts = c.prompts.clone();
    prompts.push(String::new());
    Ok(SettingsView {
        title: p.text1(
            "lyceum-or-settings-title",
            super::assignment::title_at(course, idx),
        ),
        heading: p.t1(
            "lyceum-or-settings-title",
            Html(format!(
                r#"<bdi lang="{}" dir="{}">{}</bdi>"#,
                escape(&course.row.language),
                crate::handlers::catalog::content_dir(&course.row.language),
                escape(&super::assignment::title_at(course, idx))
            )),
        ),
        head: head(cx, course, "instructor"),
        nav: nav(course, "open-responses"),
        can_edit: can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)).allowed(),
        error,
        form_url: course.url(&format!("instructor/open-responses/{}/settings", node.id.0)),
        copy_url: course.url(&format!(
            "instructor/open-responses/{}/copy-rubric",
            node.id.0
        )),
        queue_url: course.url(&format!("instructor/open-responses?block={}", node.id.0)),
        editor_url: crate::editors::block_url(course, node.id.0),
        block_title: node.title.clone(),
        prompts,
        expected_minutes: c
            .expected_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
        show_rubric: c.show_rubric_while_writing,
        text: c.text.as_olx(),
        files: files.as_ref().map_or("none", |f| f.requirement.as_olx()),
        files_allowed: files
            .as_ref()
            .map(|f| f.allowed.join(", "))
            .unwrap_or_else(|| FileRules::default().allowed.join(", ")),
        files_max_mb: files
            .as_ref()
            .map_or(FileRules::default().max_mb, |f| f.max_mb)
            .to_string(),
        files_max_count: files
            .as_ref()
            .map_or(FileRules::default().max_files, |f| f.max_files)
            .to_string(),
        step_choices: STEP_CHOICES
            .iter()
            .map(|s| (*s, step_label(p, s)))
            .collect(),
        steps,
        must_grade: c.peer.must_grade.to_string(),
        graded_by: c.peer.graded_by.to_string(),
        fallback_days: fallback
            .map(|f| f.after_days.to_string())
            .unwrap_or_default(),
        fallback_action: match fallback.map(|f| f.action) {
            Some(FallbackAction::DropRequirement) => "drop",
            _ => "staff",
        },
        aggregate: match c.aggregate {
            Aggregate::Median => "median",
            Aggregate::Mean => "mean",
        },
        allow_resubmission: c.allow_resubmission,
        weight: c.weight.map(|w| w.to_string()).unwrap_or_default(),
        overall_feedback: c.rubric.overall_feedback.as_olx(),
        feedback_prompt: c.rubric.feedback_prompt.clone(),
        criteria,
        others,
        assessed,
        requirements: REQUIREMENTS,
        p: p.clone(),
    })
}

/// The settings moved to the Studio's block editor, which saves into the draft: people
/// who may edit the course are sent there; the rest of the course team (staff, teaching
/// assistants) still read the settings here.
pub async fn page(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let (idx, c) = assignment(&course, block)?;
    if can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)).allowed() {
        return Ok(see_other(&course.url(&format!("studio/block/{block}"))));
    }
    let v = view(&cx, &course, idx, &c, None).await?;
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

fn requirement(v: &str) -> Requirement {
    Requirement::from_olx(v)
}

/// A whole number field within `min..=max` (docs/LIMITS.md); empty is `None`.
fn number(
    fields: &HashMap<String, String>,
    name: &str,
    min: u32,
    max: u32,
) -> Result<Option<u32>, DomainError> {
    let v = fields.get(name).map_or("", |v| v.trim());
    if v.is_empty() {
        return Ok(None);
    }
    if v.parse::<u64>().is_err() {
        return Err(DomainError::new("lyceum-error-or-settings-number").with_arg(v));
    }
    limits::whole(v, min, max).map(Some)
}

/// Rubric options from lines `points | label | explanation`, keeping the names of the
/// options they replace (by position) so stored assessments keep their meaning.
fn parse_options(
    text: &str,
    old: &[RubricOption],
    criterion: &str,
) -> Result<Vec<RubricOption>, DomainError> {
    let mut out: Vec<RubricOption> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut parts = line.splitn(3, '|').map(str::trim);
        let points = parts.next().unwrap_or("");
        if points.parse::<u64>().is_err() {
            return Err(DomainError::new("lyceum-error-or-settings-option")
                .with_arg(criterion)
                .with_arg(line));
        }
        let points = limits::whole(points, 0, range::OPTION_POINTS)?;
        let label = limits::clean(parts.next().unwrap_or(""), limits::TITLE)?;
        if label.is_empty() {
            return Err(DomainError::new("lyceum-error-or-settings-option")
                .with_arg(criterion)
                .with_arg(line));
        }
        let k = out.len();
        let name = match old.get(k) {
            Some(o) if !out.iter().any(|x| x.name == o.name) => o.name.clone(),
            _ => {
                let mut n = k;
                loop {
                    let candidate = format!("option-{n}");
                    if !out.iter().any(|x| x.name == candidate)
                        && !old.iter().skip(k + 1).any(|x| x.name == candidate)
                    {
                        break candidate;
                    }
                    n += 1;
                }
            }
        };
        out.push(RubricOption {
            name,
            label,
            points,
            explanation: limits::clean(parts.next().unwrap_or(""), limits::RUBRIC_TEXT)?,
        });
    }
    Ok(out)
}

/// The assignment's new content from the form: fields the form does not show (the due
/// date, Open edX attributes) are kept.
fn parse_form(
    fields: &HashMap<String, String>,
    old: &OpenResponseContent,
) -> Result<(String, OpenResponseContent), DomainError> {
    let get = |k: &str| fields.get(k).map_or("", |v| v.as_str());
    let mut c = old.clone();
    c.prompts = (0..)
        .map(|i| fields.get(&format!("prompt_{i}")))
        .take_while(Option::is_some)
        .flatten()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    c.expected_minutes = number(fields, "expected_minutes", 0, range::EXPECTED_MINUTES)?;
    c.show_rubric_while_writing = fields.contains_key("show_rubric");
    c.text = requirement(get("text"));
    c.files = match requirement(get("files")) {
        Requirement::None => None,
        r => Some(FileRules {
            requirement: r,
            allowed: get("files_allowed")
                .split([',', ' '])
                .filter(|e| !e.trim().is_empty())
                .map(|e| e.trim().to_owned())
                .collect(),
            max_mb: number(fields, "files_max_mb", 1, range::FILE_MB)?
                .unwrap_or(FileRules::default().max_mb),
            max_files: number(fields, "files_max_count", 1, range::FILES)?
                .unwrap_or(FileRules::default().max_files),
        }),
    };
    let steps = get("steps");
    if !STEP_CHOICES.contains(&steps) {
        return Err(DomainError::new("lyceum-error-or-content").with_arg("steps"));
    }
    c.steps = steps.split(',').filter_map(Step::parse).collect();
    let peers = range::PEER_REVIEWS;
    c.peer.must_grade = number(fields, "must_grade", 1, peers)?.unwrap_or(c.peer.must_grade);
    c.peer.graded_by = number(fields, "graded_by", 1, peers)?.unwrap_or(c.peer.graded_by);
    let days = range::FALLBACK_DAYS;
    c.peer.fallback = number(fields, "fallback_days", 0, days)?.map(|after_days| PeerFallback {
        after_days,
        action: if get("fallback_action") == "drop" {
            FallbackAction::DropRequirement
        } else {
            FallbackAction::ToStaff
        },
    });
    c.aggregate = if get("aggregate") == "mean" {
        Aggregate::Mean
    } else {
        Aggregate::Median
    };
    c.allow_resubmission = fields.contains_key("allow_resubmission");
    let weight = get("weight").trim();
    c.weight = if weight.is_empty() {
        None
    } else {
        if weight.replace(',', ".").parse::<f64>().is_err() {
            return Err(DomainError::new("lyceum-error-problem-weight"));
        }
        Some(limits::decimal(weight, 0.0, range::WEIGHT)?)
    };
    c.rubric.overall_feedback = requirement(get("overall_feedback"));
    c.rubric.feedback_prompt = limits::clean(get("feedback_prompt"), limits::RUBRIC_TEXT)?
        .trim()
        .to_owned();
    c.rubric.criteria = parse_criteria(fields, old)?;
    let c = OpenResponse::validate(c)?;
    Ok((limits::clean(get("title"), limits::TITLE)?, c))
}

/// The rubric's criteria as posted (`c{i}_label`, `_name`, `_prompt`, `_feedback`,
/// `_scale`, `_options`, `_remove`): a criterion keeps its name (and so its stored
/// assessments) across edits, a new one gets the first free `criterion-N`.
fn parse_criteria(
    fields: &HashMap<String, String>,
    old: &OpenResponseContent,
) -> Result<Vec<Criterion>, DomainError> {
    let get = |k: &str| fields.get(k).map_or("", |v| v.as_str());
    let mut criteria = Vec::new();
    for i in 0.. {
        let Some(label) = fields.get(&format!("c{i}_label")) else {
            break;
        };
        let label = limits::clean(label, limits::TITLE)?;
        let label = label.as_str();
        if label.is_empty() || fields.contains_key(&format!("c{i}_remove")) {
            continue;
        }
        if criteria.len() >= range::CRITERIA {
            return Err(limits::out_of_range(
                &(criteria.len() + 1).to_string(),
                "1",
                &range::CRITERIA.to_string(),
            ));
        }
        let name = fields.get(&format!("c{i}_name")).map_or("", |n| n.trim());
        let existing = old
            .rubric
            .criteria
            .iter()
            .find(|x| !name.is_empty() && x.name == name);
        let name = match existing {
            Some(x) => x.name.clone(),
            None => {
                let mut n = i;
                loop {
                    let candidate = format!("criterion-{n}");
                    if !old.rubric.criteria.iter().any(|x| x.name == candidate) {
                        break candidate;
                    }
                    n += 1;
                }
            }
        };
        let options = if get(&format!("c{i}_scale")) == "wikilearn" {
            wikilearn_scale()
        } else {
            parse_options(
                get(&format!("c{i}_options")),
                existing.map_or(&[][..], |x| &x.options),
                label,
            )?
        };
        criteria.push(Criterion {
            name,
            label: label.to_owned(),
            prompt: limits::clean(get(&format!("c{i}_prompt")), limits::RUBRIC_TEXT)?
                .trim()
                .to_owned(),
            feedback: requirement(get(&format!("c{i}_feedback"))),
            options,
        });
    }
    Ok(criteria)
}

/// Posts from an old copy of this page: nothing is written here any more (that wrote the
/// live block, past the draft); the author is sent to the block editor.
pub async fn save(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    assignment(&course, block)?;
    Ok(see_other(&course.url(&format!("studio/block/{block}"))))
}

#[derive(serde::Deserialize)]
pub struct CopyForm {
    from: i64,
}

/// Replace the rubric with another open response's (same course).
pub async fn copy_rubric(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    axum::Form(f): axum::Form<CopyForm>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    decide(
        can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)),
        &cx,
        "lyceum-error-forbidden",
    )?;
    let staff = cx.require_user()?.id();
    let (idx, _) = assignment(&course, block)?;
    let a = uc_assignment(&course, idx)?;
    let from = BlockId(f.from);
    uc::copy_rubric(
        &cx.app.env(),
        super::assignment::course_ref(&course),
        &a,
        from,
        staff,
    )
    .await?;
    Ok(see_other(&with_notice(
        &course.url(&format!("instructor/open-responses/{block}/settings")),
        "rubric-copied",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> OpenResponseContent {
        OpenResponseContent::staff_graded("<p>Write</p>", "Clarity")
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn options_keep_their_names_by_position() {
        let old = vec![
            RubricOption {
                name: "a".into(),
                label: "A".into(),
                points: 0,
                explanation: String::new(),
            },
            RubricOption {
                name: "b".into(),
                label: "B".into(),
                points: 1,
                explanation: String::new(),
            },
        ];
        let o = parse_options("0 | Weak\n2 | Strong | well argued\n3 | Superb", &old, "C").unwrap();
        let names: Vec<&str> = o.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "option-2"]);
        assert_eq!(
            (o[1].points, o[1].label.as_str(), o[1].explanation.as_str()),
            (2, "Strong", "well argued")
        );
        assert_eq!(
            parse_options("x | Bad", &old, "C").unwrap_err().key.0,
            "lyceum-error-or-settings-option"
        );
        assert_eq!(
            parse_options("1 |", &old, "C").unwrap_err().key.0,
            "lyceum-error-or-settings-option"
        );
    }

    #[test]
    fn the_form_builds_valid_content() {
        let old = content();
        let f = form(&[
            ("title", "Mission"),
            ("prompt_0", "<p>Write a mission</p>"),
            ("prompt_1", ""),
            ("expected_minutes", "30"),
            ("show_rubric", "on"),
            ("text", "required"),
            ("files", "optional"),
            ("files_allowed", "pdf, png"),
            ("files_max_mb", "5"),
            ("files_max_count", "2"),
            ("steps", "peer,self,staff"),
            ("must_grade", "2"),
            ("graded_by", "1"),
            ("fallback_days", "5"),
            ("fallback_action", "drop"),
            ("aggregate", "mean"),
            ("allow_resubmission", "on"),
            ("weight", "10"),
            ("overall_feedback", "required"),
            ("c0_name", "quality"),
            ("c0_label", "Clarity"),
            ("c0_feedback", "optional"),
            ("c0_scale", "wikilearn"),
            ("c1_name", ""),
            ("c1_label", "Sources"),
            ("c1_feedback", "none"),
            ("c1_scale", "custom"),
            ("c1_options", "0 | None\n2 | Some"),
        ]);
        let (title, c) = parse_form(&f, &old).unwrap();
        assert_eq!(title, "Mission");
        assert_eq!(c.prompts, ["<p>Write a mission</p>"]);
        assert_eq!(c.steps, [Step::Peer, Step::SelfReview, Step::Staff]);
        assert_eq!(
            c.peer.fallback,
            Some(PeerFallback {
                after_days: 5,
                action: FallbackAction::DropRequirement
            })
        );
        assert_eq!(c.aggregate, Aggregate::Mean);
        assert_eq!(c.weight, Some(10.0));
        assert_eq!(c.rubric.criteria.len(), 2);
        assert_eq!(c.rubric.criteria[0].name, "quality");
        assert!(is_wikilearn(&c.rubric.criteria[0].options));
        assert_eq!(c.rubric.criteria[1].name, "criterion-1");
        assert_eq!(c.rubric.max_points(), 5);
        assert_eq!(c.files.as_ref().unwrap().allowed, ["pdf", "png"]);
        // A step order that is not offered is refused.
        let mut bad = f.clone();
        bad.insert("steps".into(), "staff,peer".into());
        assert!(parse_form(&bad, &old).is_err());
        // A rubric with no criterion left is refused by the block's validation.
        let mut bad = f;
        bad.insert("c0_remove".into(), "on".into());
        bad.insert("c1_label".into(), String::new());
        assert!(parse_form(&bad, &old).is_err());
    }
}

/// The assignment's settings as the block editor's form: the same fields as this page,
/// inside the Studio's block editor (`WebKind::editor`).
pub mod editor {
    use super::*;
    use crate::kinds::{EditorCtx, EditorForm, FieldError, FieldErrors};
    use serde_json::Value;

    #[derive(Template)]
    #[template(path = "editors/kinds/open_response.html")]
    struct OpenResponseEditor<'a> {
        cx: &'a EditorCtx<'a>,
        prompts: Vec<String>,
        expected_minutes: &'a str,
        show_rubric: bool,
        text: &'a str,
        files: &'a str,
        files_allowed: &'a str,
        files_max_mb: &'a str,
        files_max_count: &'a str,
        steps: &'a str,
        step_choices: Vec<(&'static str, String)>,
        must_grade: &'a str,
        graded_by: &'a str,
        fallback_days: &'a str,
        fallback_action: &'a str,
        aggregate: &'a str,
        allow_resubmission: bool,
        weight: &'a str,
        overall_feedback: &'a str,
        feedback_prompt: &'a str,
        criteria: Vec<CriterionRow>,
        requirements: [(&'static str, &'static str); 3],
    }

    fn on(f: &mut EditorForm, name: &str, yes: bool) {
        if yes {
            f.set(name, "on");
        }
    }

    pub fn fields(content: &Value) -> EditorForm {
        let mut f = EditorForm::default();
        let Ok(c) = serde_json::from_value::<OpenResponseContent>(content.clone()) else {
            return f;
        };
        for (i, p) in c.prompts.iter().enumerate() {
            f.set(&format!("prompt_{i}"), p);
        }
        f.set(
            "expected_minutes",
            &c.expected_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
        );
        on(&mut f, "show_rubric", c.show_rubric_while_writing);
        f.set("text", c.text.as_olx());
        let rules = c.files.clone();
        f.set(
            "files",
            rules.as_ref().map_or("none", |r| r.requirement.as_olx()),
        );
        let defaults = FileRules::default();
        let r = rules.unwrap_or(defaults);
        f.set("files_allowed", &r.allowed.join(", "));
        f.set("files_max_mb", &r.max_mb.to_string());
        f.set("files_max_count", &r.max_files.to_string());
        f.set(
            "steps",
            &c.steps
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
        f.set("must_grade", &c.peer.must_grade.to_string());
        f.set("graded_by", &c.peer.graded_by.to_string());
        f.set(
            "fallback_days",
            &c.peer
                .fallback
                .map(|x| x.after_days.to_string())
                .unwrap_or_default(),
        );
        f.set(
            "fallback_action",
            match c.peer.fallback.map(|x| x.action) {
                Some(FallbackAction::DropRequirement) => "drop",
                _ => "staff",
            },
        );
        f.set(
            "aggregate",
            match c.aggregate {
                Aggregate::Median => "median",
                Aggregate::Mean => "mean",
            },
        );
        on(&mut f, "allow_resubmission", c.allow_resubmission);
        f.set(
            "weight",
            &c.weight.map(|w| w.to_string()).unwrap_or_default(),
        );
        f.set("overall_feedback", c.rubric.overall_feedback.as_olx());
        f.set("feedback_prompt", &c.rubric.feedback_prompt);
        for row in criterion_rows(&c)
            .into_iter()
            .filter(|r| !r.label.is_empty())
        {
            let i = row.i;
            f.set(&format!("c{i}_name"), &row.name);
            f.set(&format!("c{i}_label"), &row.label);
            f.set(&format!("c{i}_prompt"), &row.prompt);
            f.set(&format!("c{i}_feedback"), row.feedback);
            f.set(
                &format!("c{i}_scale"),
                if row.wikilearn { "wikilearn" } else { "custom" },
            );
            f.set(&format!("c{i}_options"), &row.options);
        }
        f
    }

    fn requirement_of(v: &str) -> &'static str {
        REQUIREMENTS
            .iter()
            .map(|(k, _)| *k)
            .find(|k| *k == v)
            .unwrap_or("optional")
    }

    pub fn render(cx: &EditorCtx<'_>, f: &EditorForm) -> askama::Result<String> {
        let mut prompts: Vec<String> = (0..)
            .map_while(|i| {
                f.has(&format!("prompt_{i}"))
                    .then(|| f.get(&format!("prompt_{i}")).to_owned())
            })
            .collect();
        prompts.push(String::new());
        let mut criteria: Vec<CriterionRow> = (0..)
            .take_while(|i| f.has(&format!("c{i}_label")))
            .map(|i| CriterionRow {
                i,
                name: f.get(&format!("c{i}_name")).to_owned(),
                label: f.get(&format!("c{i}_label")).to_owned(),
                prompt: f.get(&format!("c{i}_prompt")).to_owned(),
                feedback: requirement_of(f.get(&format!("c{i}_feedback"))),
                wikilearn: f.get(&format!("c{i}_scale")) == "wikilearn",
                options: f.get(&format!("c{i}_options")).to_owned(),
            })
            .collect();
        criteria.push(CriterionRow {
            i: criteria.len(),
            name: String::new(),
            label: String::new(),
            prompt: String::new(),
            feedback: "optional",
            wikilearn: true,
            options: String::new(),
        });
        OpenResponseEditor {
            cx,
            prompts,
            expected_minutes: f.get("expected_minutes"),
            show_rubric: f.checked("show_rubric"),
            text: f.get("text"),
            files: f.get("files"),
            files_allowed: f.get("files_allowed"),
            files_max_mb: f.get("files_max_mb"),
            files_max_count: f.get("files_max_count"),
            steps: f.get("steps"),
            step_choices: STEP_CHOICES
                .iter()
                .map(|s| (*s, step_label(cx.p, s)))
                .collect(),
            must_grade: f.get("must_grade"),
            graded_by: f.get("graded_by"),
            fallback_days: f.get("fallback_days"),
            fallback_action: f.get("fallback_action"),
            aggregate: f.get("aggregate"),
            allow_resubmission: f.checked("allow_resubmission"),
            weight: f.get("weight"),
            overall_feedback: f.get("overall_feedback"),
            feedback_prompt: f.get("feedback_prompt"),
            criteria,
            requirements: REQUIREMENTS,
        }
        .render()
    }

    /// The settings from the form, through the same rules as the settings page (the
    /// prompt is sanitised HTML; the block's validation runs on save).
    pub fn read(form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
        let old: OpenResponseContent = serde_json::from_value(old.clone()).map_err(|e| {
            vec![FieldError::at(
                "",
                DomainError::new("lyceum-error-block-content").with_arg(e.to_string()),
                None,
            )]
        })?;
        let (_, c) =
            parse_form(&form.to_map(), &old).map_err(|e| vec![FieldError::at("", e, None)])?;
        serde_json::to_value(&c).map_err(|e| {
            vec![FieldError::at(
                "",
                DomainError::new("lyceum-error-block-content").with_arg(e.to_string()),
                None,
            )]
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_settings_round_trip_through_the_editor_fields() {
            let mut c = OpenResponseContent::staff_graded("<p>Write</p>", "Clarity");
            c.weight = Some(5.0);
            let content = serde_json::to_value(&c).unwrap();
            let f = fields(&content);
            let back = read(&f, &content).unwrap();
            let back: OpenResponseContent = serde_json::from_value(back).unwrap();
            assert_eq!(back.prompts, c.prompts);
            assert_eq!(back.weight, Some(5.0));
            assert_eq!(back.rubric.criteria.len(), 1);
            assert_eq!(back.rubric.criteria[0].name, c.rubric.criteria[0].name);
            assert_eq!(back.steps, c.steps);
        }
    }
}
