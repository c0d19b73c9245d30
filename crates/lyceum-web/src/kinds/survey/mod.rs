//! Surveys: the learner's form in the unit and its post (`/courses/{key}/survey/{block}`),
//! the JSON API (`/api/v1/surveys/{block_id}…`), and the course team's reports
//! (`/courses/{key}/instructor/surveys…`, `/api/v1/courses/{course_id}/surveys/…`). Every
//! rule lives in `lyceum_app::surveys` and `lyceum_core::blocks::survey`; this module
//! only turns requests into their calls and answers into pages and JSON.

mod api;
mod editor;
mod learner;
mod staff;

use super::{
    AddEntry, BlockCtx, BlockState, BoxFuture, EditorCtx, EditorForm, FieldErrors, Own, StaffTool,
    WebKind,
};
use crate::courses::CourseCx;
use crate::error::AppResult;
use crate::page::{Cx, Page};
use crate::state::App;
use axum::Router;
use axum::routing::{get, post};
use lyceum_app::surveys::CourseRef;
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::survey::{Question, Survey};
use lyceum_core::{BlockId, UserId};

pub struct SurveyBlock;

const TOOLS: &[StaffTool] = &[StaffTool {
    path: "surveys",
    label_key: "lyceum-survey-staff-nav",
}];

impl WebKind for SurveyBlock {
    fn kind(&self) -> &'static str {
        Survey::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-survey"
    }

    fn add_entries(&self) -> &'static [AddEntry] {
        &[AddEntry {
            variant: "",
            label_key: "lyceum-editor-survey-add",
            icon: "ListBullet",
        }]
    }

    /// A new survey starts with one rating question, in the author's language.
    fn new_content(&self, p: &Page, _variant: &str) -> Option<serde_json::Value> {
        Some(serde_json::json!({"questions": [{
            "id": "q1",
            "type": "rating",
            "text": p.text("lyceum-editor-survey-new-question"),
        }]}))
    }

    fn editor_fields(&self, content: &serde_json::Value) -> EditorForm {
        editor::fields(content)
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        editor::render(cx, form)
    }

    fn read_editor(
        &self,
        form: &EditorForm,
        old: &serde_json::Value,
    ) -> Result<serde_json::Value, FieldErrors> {
        editor::read(form, old)
    }

    fn editor_step(&self, _p: &Page, form: EditorForm, action: &str) -> (EditorForm, FieldErrors) {
        editor::step(form, action)
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> askama::Result<String> {
        learner::render(ctx, idx, state.own::<lyceum_app::surveys::Stored>())
    }

    /// The learner's responses to the unit's surveys, in one read.
    fn unit_state<'a>(
        &'a self,
        cx: &'a Cx,
        course: &'a CourseCx,
        user: UserId,
        unit: usize,
    ) -> BoxFuture<'a, AppResult<Vec<(BlockId, Own)>>> {
        Box::pin(async move {
            let tree = course.tree();
            let blocks: Vec<BlockId> = tree
                .children(unit)
                .iter()
                .map(|&i| tree.node(i))
                .filter(|n| {
                    n.content
                        .as_ref()
                        .is_some_and(|c| c.as_ref().is_ok_and(|c| c.kind() == Survey::KIND))
                })
                .map(|n| n.id)
                .collect();
            let found = lyceum_app::surveys::responses_in(&cx.app.env(), user, &blocks).await?;
            Ok(found
                .into_iter()
                .map(|(id, st)| (id, Box::new(st) as Own))
                .collect())
        })
    }

    fn routes(&self) -> Router<App> {
        Router::new()
            .route("/courses/{key}/survey/{block}", post(learner::answer))
            .route("/api/v1/surveys/{block_id}", get(api::get_survey))
            .route(
                "/api/v1/surveys/{block_id}/response",
                axum::routing::put(api::put_response),
            )
            .route(
                "/api/v1/courses/{course_id}/surveys/{block_id}/report",
                get(api::report),
            )
            .route(
                "/api/v1/courses/{course_id}/surveys/{block_id}/report.csv",
                get(api::report_csv),
            )
            .route("/courses/{key}/instructor/surveys", get(staff::list))
            .route(
                "/courses/{key}/instructor/surveys/{block}",
                get(staff::report_page),
            )
            .route(
                "/courses/{key}/instructor/surveys/{block}/report.csv",
                get(staff::report_csv),
            )
    }

    fn staff_tools(&self) -> &'static [StaffTool] {
        TOOLS
    }
}

/// The course as the survey use cases take it.
fn course_ref<'a>(cx: &Cx, course: &'a CourseCx) -> CourseRef<'a> {
    CourseRef {
        id: course.id(),
        tree: course.tree(),
        vis: &course.vis,
        facts: course.facts,
        actor: cx.actor(),
    }
}

/// The label of a Likert point in the reader's language; a rating is its number.
fn scale_label(p: &Page, q: &Question, value: i64) -> String {
    match q.points.and_then(|n| Question::likert_key(n, value)) {
        Some(key) => p.text(key),
        None => value.to_string(),
    }
}

/// A survey's title: its own, else its unit's.
fn title_at(course: &CourseCx, idx: usize) -> String {
    let tree = course.tree();
    let node = tree.node(idx);
    if node.title.trim().is_empty() {
        tree.unit_of(idx)
            .map(|u| tree.node(u).title.clone())
            .unwrap_or_default()
    } else {
        node.title.clone()
    }
}

/// The unit page a block is on, anchored at the block.
fn unit_url(course: &CourseCx, idx: usize) -> String {
    let tree = course.tree();
    let unit = tree
        .unit_of(idx)
        .map(|u| tree.node(u).url_name.clone())
        .unwrap_or_default();
    format!(
        "{}#block-{}",
        course.url(&format!("unit/{unit}")),
        tree.node(idx).id.0
    )
}
