//! The course team's survey reports: the list of a course's surveys, one survey's report
//! (server-rendered SVG bar charts that read without script and mirror in right-to-left
//! languages, free-text answers, the response rate, the before/after figure) and its CSV.

use super::{course_ref, title_at, unit_url};
use crate::charts::{self, Bar, BarKind};
use crate::courses::CourseCx;
use crate::csv::Csv;
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::html_response;
use crate::handlers::instructor::{NavLink, load, nav};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use lyceum_app::surveys::{self, SurveyReport};
use lyceum_core::BlockId;
use lyceum_core::blocks::survey::report::{Label, MIN_GROUP, Paired, QuestionReport};

pub struct SurveyLine {
    title: String,
    location: String,
    report_url: String,
    unit_url: String,
    anonymous: bool,
    questions: usize,
    before: Option<String>,
}

#[derive(Template)]
#[template(path = "instructor/surveys.html")]
struct ListView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    surveys: Vec<SurveyLine>,
}

/// Where a block sits: its section and subsection.
fn location(course: &CourseCx, idx: usize) -> String {
    let tree = course.tree();
    let mut names: Vec<String> = tree
        .ancestors(idx)
        .into_iter()
        .filter(|&i| i != idx)
        .map(|i| tree.node(i).title.clone())
        .filter(|t| !t.trim().is_empty())
        .collect();
    names.reverse();
    names.join(" › ")
}

/// `GET /courses/{key}/instructor/surveys`: the course's surveys.
pub async fn list(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let cref = course_ref(&cx, &course);
    let surveys = surveys::surveys_in(&cref)
        .into_iter()
        .map(|s| SurveyLine {
            title: title_at(&course, s.idx),
            location: location(&course, s.idx),
            report_url: course.url(&format!("instructor/surveys/{}", s.block.0)),
            unit_url: unit_url(&course, s.idx),
            anonymous: s.content.anonymous,
            questions: s.content.questions.len(),
            before: s
                .content
                .before
                .as_deref()
                .and_then(|b| surveys::before_of(course.tree(), b))
                .map(|(i, _)| title_at(&course, i)),
        })
        .collect();
    let view = ListView {
        title: cx.page.text("lyceum-survey-staff-title"),
        head: head(&cx, &course, "instructor"),
        nav: nav(&course, "surveys"),
        surveys,
        p: cx.page,
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

pub struct RowView {
    label: String,
    ui: bool,
    count: String,
    percent: String,
}

pub struct PairedView {
    summary: Html,
    means: Html,
    chart: Option<Html>,
}

pub struct QuestionView {
    text: String,
    answered: Html,
    suppressed: bool,
    chart: Option<Html>,
    rows: Vec<RowView>,
    mean: Option<Html>,
    texts: Vec<(Option<String>, String)>,
    paired: Option<PairedView>,
}

#[derive(Template)]
#[template(path = "instructor/survey_report.html")]
struct ReportView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    rate: Html,
    anonymous: bool,
    min_group: usize,
    before: Option<String>,
    csv_url: String,
    unit_url: String,
    questions: Vec<QuestionView>,
    content_lang: String,
    content_dir: &'static str,
}

/// An option's label for a reader, and whether it is the interface's (a Likert point).
pub fn label_text(p: &Page, label: &Label) -> (String, bool) {
    match label {
        Label::Text(t) => (t.clone(), false),
        Label::Message(key) => (p.text(key), true),
        Label::Number(n) => (crate::format::number(p, *n as f64), false),
    }
}

fn percent_text(p: &Page, x: Option<f64>) -> String {
    x.map(|v| p.text1("lyceum-survey-percent", crate::format::number(p, v)))
        .unwrap_or_default()
}

fn paired_view(p: &Page, q: &QuestionReport, pr: &Paired, id: &str) -> PairedView {
    let n = pr.learners;
    let share = |x: Option<usize>| x.map(|v| if n > 0 { v as f64 / n as f64 } else { 0.0 });
    let pct = |x: Option<usize>| percent_text(p, share(x).map(|s| (s * 1000.0).round() / 10.0));
    if pr.suppressed {
        return PairedView {
            summary: p.t1("lyceum-survey-paired-suppressed", MIN_GROUP as i64),
            means: Html(String::new()),
            chart: None,
        };
    }
    let rows = [
        ("lyceum-survey-paired-improved", pr.improved),
        ("lyceum-survey-paired-same", pr.same),
        ("lyceum-survey-paired-declined", pr.declined),
    ]
    .into_iter()
    .map(|(key, v)| Bar {
        label: p.text(key),
        title: p.text(key),
        value: share(v).unwrap_or(0.0),
        value_text: format!(
            "{} · {}",
            crate::format::number(p, v.unwrap_or(0) as f64),
            pct(v)
        ),
        kind: BarKind::Score,
    })
    .collect::<Vec<_>>();
    let caption = p.text1("lyceum-survey-paired-caption", q.text.clone());
    PairedView {
        summary: p.t2("lyceum-survey-paired-summary", n as i64, pct(pr.improved)),
        means: p.t2(
            "lyceum-survey-paired-means",
            crate::format::number(p, pr.mean_before.unwrap_or(0.0)),
            crate::format::number(p, pr.mean_after.unwrap_or(0.0)),
        ),
        chart: (n > 0).then(|| charts::bars(id, &caption, &rows, &[], p.rtl, &p.bcp47)),
    }
}

fn question_view(p: &Page, q: &QuestionReport, i: usize, content_lang: &str) -> QuestionView {
    let rows: Vec<RowView> = q
        .options
        .iter()
        .map(|o| {
            let (label, ui) = label_text(p, &o.label);
            RowView {
                label,
                ui,
                count: o
                    .count
                    .map(|c| crate::format::number(p, c as f64))
                    .unwrap_or_default(),
                percent: percent_text(p, o.percent),
            }
        })
        .collect();
    let chart = (!q.suppressed && !q.options.is_empty() && q.answered > 0).then(|| {
        let bars: Vec<Bar> = q
            .options
            .iter()
            .zip(&rows)
            .map(|(o, r)| Bar {
                label: r.label.clone(),
                title: r.label.clone(),
                value: o.percent.unwrap_or(0.0) / 100.0,
                value_text: format!("{} · {}", r.count, r.percent),
                kind: BarKind::Score,
            })
            .collect();
        // Choice labels are the course's; scale labels the interface's.
        let lang = if q.kind.is_choice() {
            content_lang
        } else {
            p.bcp47.as_str()
        };
        charts::bars(&format!("survey-q{i}"), &q.text, &bars, &[], p.rtl, lang)
    });
    QuestionView {
        text: q.text.clone(),
        answered: p.t1("lyceum-survey-answered", q.answered as i64),
        suppressed: q.suppressed,
        chart,
        rows,
        mean: q
            .mean
            .map(|m| p.t1("lyceum-survey-mean", crate::format::number(p, m))),
        texts: q
            .texts
            .iter()
            .map(|t| (t.name.clone(), t.text.clone()))
            .collect(),
        paired: q
            .paired
            .as_ref()
            .map(|pr| paired_view(p, q, pr, &format!("survey-p{i}"))),
    }
}

async fn report_of<'a>(cx: &Cx, course: &'a CourseCx, block: i64) -> AppResult<SurveyReport<'a>> {
    let cref = course_ref(cx, course);
    Ok(surveys::report(&cx.app.env(), &cref, BlockId(block)).await?)
}

/// `GET /courses/{key}/instructor/surveys/{block}`: one survey's report.
pub async fn report_page(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let r = report_of(&cx, &course, block).await?;
    let p = &cx.page;
    let content_lang = course.row.language.clone();
    let rep = &r.report;
    let rate = match rep.rate {
        Some(rate) => p.t3(
            "lyceum-survey-rate",
            rep.responses as i64,
            rep.enrolled as i64,
            percent_text(p, Some(rate)),
        ),
        None => p.t("lyceum-survey-rate-none"),
    };
    let questions = rep
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| question_view(p, q, i, &content_lang))
        .collect();
    let view = ReportView {
        title: title_at(&course, r.at.idx),
        head: head(&cx, &course, "instructor"),
        nav: nav(&course, "surveys"),
        rate,
        anonymous: rep.anonymous,
        min_group: MIN_GROUP,
        before: r.before.map(|(_, i)| title_at(&course, i)),
        csv_url: course.url(&format!("instructor/surveys/{block}/report.csv")),
        unit_url: unit_url(&course, r.at.idx),
        questions,
        content_dir: crate::handlers::catalog::content_dir(&content_lang),
        content_lang,
        p: cx.page,
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// The report as CSV: one row per question and option (text answers one row each), then
/// the before/after rows; withheld counts are empty with `suppressed` true.
pub fn csv(p: &Page, r: &SurveyReport<'_>) -> Csv {
    let mut out = Csv::new();
    out.row([
        "question_id",
        "question_type",
        "question",
        "option",
        "label",
        "count",
        "percent",
        "suppressed",
    ]);
    let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for q in &r.report.questions {
        let sup = q.suppressed.to_string();
        for o in &q.options {
            let (label, _) = label_text(p, &o.label);
            out.row([
                q.id.as_str(),
                q.kind.as_str(),
                q.text.as_str(),
                o.value.as_str(),
                label.as_str(),
                &o.count.map(|c| c.to_string()).unwrap_or_default(),
                &num(o.percent),
                &sup,
            ]);
        }
        for t in &q.texts {
            out.row([
                q.id.as_str(),
                q.kind.as_str(),
                q.text.as_str(),
                "text",
                t.text.as_str(),
                t.name.as_deref().unwrap_or(""),
                "",
                &sup,
            ]);
        }
        if let Some(pr) = &q.paired {
            let count = |x: Option<usize>| x.map(|v| v.to_string()).unwrap_or_default();
            for (metric, value) in [
                ("learners", pr.learners.to_string()),
                ("improved", count(pr.improved)),
                ("same", count(pr.same)),
                ("declined", count(pr.declined)),
                ("mean_before", num(pr.mean_before)),
                ("mean_after", num(pr.mean_after)),
            ] {
                out.row([
                    q.id.as_str(),
                    "paired",
                    q.text.as_str(),
                    metric,
                    "",
                    value.as_str(),
                    "",
                    &pr.suppressed.to_string(),
                ]);
            }
        }
    }
    out
}

/// `GET /courses/{key}/instructor/surveys/{block}/report.csv`.
pub async fn report_csv(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let r = report_of(&cx, &course, block).await?;
    Ok(csv(&cx.page, &r).into_download(&format!("survey-{block}-report.csv")))
}

/// For the JSON API: the report of `block` in `course`, for the course team only.
pub async fn report_for_api<'a>(
    cx: &Cx,
    course: &'a CourseCx,
    block: i64,
) -> AppResult<SurveyReport<'a>> {
    report_of(cx, course, block).await
}
