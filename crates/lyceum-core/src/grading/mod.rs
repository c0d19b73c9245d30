//! The course grade, computed as Open edX does (spec §3): subsection percents, assignment
//! types with drops, the weighted total and its rounding, the letter and pass/fail.

pub mod learner;

use crate::error::DomainError;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// One `GRADER` entry: the subsections whose `format` equals `name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssignmentType {
    pub name: String,
    pub short_label: Option<String>,
    /// Missing subsections up to this count score 0.
    pub min_count: u32,
    /// The lowest scores dropped.
    pub drop_count: u32,
    /// Share of the course grade (0..=1; weights need not sum to 1).
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradingPolicy {
    pub types: Vec<AssignmentType>,
    /// Letter grades and their lowest percent (0..=1), highest first.
    pub cutoffs: Vec<(String, f64)>,
    pub grace_period_secs: u64,
}

impl Default for GradingPolicy {
    /// Lyceum's default: nothing graded yet, pass at 50 %.
    fn default() -> Self {
        GradingPolicy {
            types: Vec::new(),
            cutoffs: vec![("Pass".to_owned(), 0.5)],
            grace_period_secs: 0,
        }
    }
}

const MAX_CUTOFFS: usize = 5;

/// Open edX's `DEFAULT_GRADING_POLICY` GRADER, used when a course's policy has none.
fn edx_default_types() -> Vec<AssignmentType> {
    let t = |name: &str, label: Option<&str>, min_count, drop_count, weight| AssignmentType {
        name: name.to_owned(),
        short_label: label.map(str::to_owned),
        min_count,
        drop_count,
        weight,
    };
    vec![
        t("Homework", Some("HW"), 12, 2, 0.15),
        t("Lab", None, 12, 2, 0.15),
        t("Midterm Exam", Some("Midterm"), 1, 0, 0.3),
        t("Final Exam", Some("Final"), 1, 0, 0.4),
    ]
}

/// A JSON object with its members in document order (Python's `json.loads` keeps it, and
/// the order decides ties between equal cutoffs).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut out: Vec<(String, Value)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    match out.iter_mut().find(|(name, _)| *name == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
struct RawPolicy {
    #[serde(rename = "GRADER")]
    grader: Option<Value>,
    #[serde(rename = "GRADE_CUTOFFS")]
    cutoffs: Option<Ordered>,
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A count of subsections: whole, within the platform's range (a count of four billion
/// would have a grade computed over four billion missing subsections).
fn count(v: &Value) -> Option<u32> {
    number(v)
        .filter(|n| {
            *n >= 0.0 && n.fract() == 0.0 && *n <= f64::from(crate::limits::range::ASSIGNMENT_COUNT)
        })
        .map(|n| n as u32)
}

const KNOWN_KEYS: [&str; 10] = [
    "type",
    "min_count",
    "drop_count",
    "weight",
    "short_label",
    "category",
    "section_type",
    "show_only_average",
    "hide_average",
    "starting_index",
];

impl GradingPolicy {
    /// Check a policy edited in Lyceum (the rules of Open edX Studio's grading page).
    pub fn validate(&self) -> Result<(), DomainError> {
        use crate::limits::{self, range};
        for (i, t) in self.types.iter().enumerate() {
            if t.name.trim().is_empty() {
                return Err(DomainError::new("lyceum-error-grading-type-name"));
            }
            limits::check(&t.name, limits::TITLE)?;
            if let Some(l) = &t.short_label {
                limits::check(l, limits::SHORT_LABEL)?;
            }
            for n in [t.min_count, t.drop_count] {
                if n > range::ASSIGNMENT_COUNT {
                    return Err(limits::out_of_range(
                        &n.to_string(),
                        "0",
                        &range::ASSIGNMENT_COUNT.to_string(),
                    ));
                }
            }
            if self.types[..i].iter().any(|o| o.name == t.name) {
                return Err(DomainError::new("lyceum-error-grading-type-duplicate")
                    .with_arg(t.name.clone()));
            }
            if !(0.0..=1.0).contains(&t.weight) {
                return Err(
                    DomainError::new("lyceum-error-grading-weight").with_arg(t.name.clone())
                );
            }
            if t.min_count == 0 {
                return Err(
                    DomainError::new("lyceum-error-grading-min-count").with_arg(t.name.clone())
                );
            }
            if t.drop_count > t.min_count {
                return Err(
                    DomainError::new("lyceum-error-grading-drop-count").with_arg(t.name.clone())
                );
            }
        }
        if self.cutoffs.len() > MAX_CUTOFFS {
            return Err(DomainError::new("lyceum-error-grading-cutoff-count"));
        }
        for (i, (name, value)) in self.cutoffs.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(DomainError::new("lyceum-error-grading-cutoff-name"));
            }
            limits::check(name, limits::SHORT_LABEL)?;
            if self.cutoffs[..i].iter().any(|(o, _)| o == name) {
                return Err(DomainError::new("lyceum-error-grading-cutoff-duplicate")
                    .with_arg(name.clone()));
            }
            if !(*value > 0.0 && *value <= 1.0) {
                return Err(
                    DomainError::new("lyceum-error-grading-cutoff-value").with_arg(name.clone())
                );
            }
        }
        Ok(())
    }

    /// Read an Open edX `grading_policy.json`. Missing or invalid JSON, or a missing
    /// `GRADER`/`GRADE_CUTOFFS`, falls back to Open edX's defaults; entries Open edX would
    /// reject are imported as well as they can be, each with a warning (in English, for
    /// the import log).
    pub fn from_edx_json(grading_policy_json: &str) -> (GradingPolicy, Vec<String>) {
        let mut warnings = Vec::new();
        let raw: RawPolicy = match serde_json::from_str(grading_policy_json) {
            Ok(raw) => raw,
            Err(e) => {
                if !grading_policy_json.trim().is_empty() {
                    warnings.push(format!(
                        "grading policy is not valid JSON ({e}); using the Open edX default"
                    ));
                }
                RawPolicy {
                    grader: None,
                    cutoffs: None,
                }
            }
        };
        let types = match raw.grader {
            None => edx_default_types(),
            Some(Value::Array(entries)) => entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| import_type(i, e, &mut warnings))
                .collect(),
            Some(_) => {
                warnings.push("GRADER is not a list; using the Open edX default".to_owned());
                edx_default_types()
            }
        };
        let mut cutoffs = Vec::new();
        match raw.cutoffs {
            None => cutoffs.push(("Pass".to_owned(), 0.5)),
            Some(Ordered(members)) => {
                for (name, value) in members {
                    match number(&value) {
                        Some(v) => cutoffs.push((name, v)),
                        None => {
                            warnings.push(format!("grade cutoff '{name}' is not a number; ignored"))
                        }
                    }
                }
            }
        }
        // Stable: equal cutoffs keep their order, as Python's sorted(reverse=True) does.
        cutoffs.sort_by(|a, b| b.1.total_cmp(&a.1));
        (
            GradingPolicy {
                types,
                cutoffs,
                grace_period_secs: 0,
            },
            warnings,
        )
    }

    /// The policy as an Open edX `grading_policy.json` (the grace period lives in the
    /// course policy there, not in this file).
    pub fn to_edx_json(&self) -> String {
        let grader: Vec<Value> = self
            .types
            .iter()
            .map(|t| {
                let mut m = Map::new();
                m.insert("type".into(), Value::from(t.name.clone()));
                m.insert("min_count".into(), Value::from(t.min_count));
                m.insert("drop_count".into(), Value::from(t.drop_count));
                if let Some(label) = &t.short_label {
                    m.insert("short_label".into(), Value::from(label.clone()));
                }
                m.insert("weight".into(), Value::from(t.weight));
                Value::Object(m)
            })
            .collect();
        let mut cutoffs = String::from("{");
        for (i, (name, value)) in self.cutoffs.iter().enumerate() {
            if i > 0 {
                cutoffs.push_str(", ");
            }
            cutoffs.push_str(&Value::from(name.clone()).to_string());
            cutoffs.push_str(": ");
            cutoffs.push_str(&Value::from(*value).to_string());
        }
        cutoffs.push('}');
        format!(
            "{{\"GRADER\": {}, \"GRADE_CUTOFFS\": {}}}",
            Value::Array(grader),
            cutoffs
        )
    }
}

fn import_type(index: usize, entry: &Value, warnings: &mut Vec<String>) -> Option<AssignmentType> {
    let Value::Object(m) = entry else {
        warnings.push(format!(
            "GRADER entry {} is not an object; ignored",
            index + 1
        ));
        return None;
    };
    let Some(name) = m.get("type").and_then(Value::as_str).map(str::to_owned) else {
        warnings.push(format!("GRADER entry {} has no type; ignored", index + 1));
        return None;
    };
    for key in m.keys().filter(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        warnings.push(format!("GRADER '{name}': unknown key '{key}' dropped"));
    }
    let min_count = match m.get("min_count") {
        Some(v) => count(v).unwrap_or_else(|| {
            warnings.push(format!(
                "GRADER '{name}': min_count is not a whole number from 0 to 1000; using 1"
            ));
            1
        }),
        None => {
            warnings.push(format!(
                "GRADER '{name}': no min_count (an old single-section entry); imported as min_count 1, drop_count 0"
            ));
            1
        }
    };
    let drop_count = match m.get("drop_count") {
        Some(v) => count(v).unwrap_or_else(|| {
            warnings.push(format!(
                "GRADER '{name}': drop_count is not a whole number from 0 to 1000; using 0"
            ));
            0
        }),
        None => {
            if m.contains_key("min_count") {
                warnings.push(format!("GRADER '{name}': no drop_count; using 0"));
            }
            0
        }
    };
    let weight = match m.get("weight") {
        Some(v) => number(v).unwrap_or_else(|| {
            warnings.push(format!("GRADER '{name}': weight is not a number; using 0"));
            0.0
        }),
        None => 0.0,
    };
    Some(AssignmentType {
        short_label: m
            .get("short_label")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        name,
        min_count,
        drop_count,
        weight,
    })
}

/// A subsection's graded total: sums of the weighted scores of its problems.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubsectionScore {
    pub key: String,
    pub format: Option<String>,
    pub graded: bool,
    pub earned: f64,
    pub possible: f64,
}

/// `compute_percent`: `numpy.around(earned / possible, 2)` (half to even), 0 when nothing
/// is possible.
pub fn subsection_percent(earned: f64, possible: f64) -> f64 {
    if possible > 0.0 {
        ((earned / possible) * 100.0).round_ties_even() / 100.0
    } else {
        0.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypeGrade {
    pub name: String,
    pub short_label: Option<String>,
    pub weight: f64,
    pub percent: f64,
    /// One entry per counted subsection, then padding: (subsection key or `None` for a
    /// missing one, its percent, dropped).
    pub scores: Vec<(Option<String>, f64, bool)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseGrade {
    pub percent: f64,
    pub letter: Option<String>,
    pub passed: bool,
    pub types: Vec<TypeGrade>,
}

/// `round_away_from_zero(x)` of `openedx/core/lib/grade_utils.py`.
fn round_away_from_zero(x: f64) -> f64 {
    if x >= 0.0 {
        (x + 0.5).floor()
    } else {
        (x - 0.5).ceil()
    }
}

/// `_compute_percent`: the weighted total rounded to a whole percent, half away from
/// zero, after adding 0.05 (TNL-6972: totals from x.45 % up round up).
pub fn course_percent(total: f64) -> f64 {
    round_away_from_zero(total * 100.0 + 0.05) / 100.0
}

/// The course grade from the subsections' graded totals, in course order (spec §3).
pub fn course_grade(policy: &GradingPolicy, subsections: &[SubsectionScore]) -> CourseGrade {
    let mut total = 0.0;
    let mut types = Vec::new();
    for t in &policy.types {
        let mut scores: Vec<(Option<String>, f64, bool)> = subsections
            .iter()
            .filter(|s| {
                s.graded && s.possible > 0.0 && s.format.as_deref() == Some(t.name.as_str())
            })
            .map(|s| {
                (
                    Some(s.key.clone()),
                    subsection_percent(s.earned, s.possible),
                    false,
                )
            })
            .collect();
        while scores.len() < t.min_count as usize {
            scores.push((None, 0.0, false));
        }
        // total_with_drops: a stable sort by percent, descending; the last ones drop.
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].1.total_cmp(&scores[a].1));
        let drop = (t.drop_count as usize).min(order.len());
        for &i in &order[order.len() - drop..] {
            scores[i].2 = true;
        }
        let mut sum = 0.0;
        for s in scores.iter().filter(|s| !s.2) {
            sum += s.1;
        }
        let kept = scores.len() as i64 - i64::from(t.drop_count);
        let percent = if kept > 0 { sum / kept as f64 } else { sum };
        total += percent * t.weight;
        types.push(TypeGrade {
            name: t.name.clone(),
            short_label: t.short_label.clone(),
            weight: t.weight,
            percent,
            scores,
        });
    }
    let percent = course_percent(total);
    let mut ordered = policy.cutoffs.clone();
    ordered.sort_by(|a, b| b.1.total_cmp(&a.1));
    let letter = ordered
        .iter()
        .find(|(_, cutoff)| percent >= *cutoff)
        .map(|(name, _)| name.clone());
    let pass_mark = policy
        .cutoffs
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| *c > 0.0)
        .min_by(f64::total_cmp);
    CourseGrade {
        percent,
        letter,
        passed: pass_mark.is_some_and(|m| percent >= m),
        types,
    }
}
