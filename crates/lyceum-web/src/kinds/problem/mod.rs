//! Problems (capa-compatible) on the web: the learner's form with their attempts and
//! score (`view`), the form post `/courses/{key}/problem/{block}` (`actions`), the JSON
//! submit call `/api/v1/problems/{block_id}/submit` (`crate::api::grades`, beside the
//! progress call it documents with), and the course team's problem list with rescoring
//! and answers.csv under `/courses/{key}/instructor/problems` (`staff`). What they do is
//! `lyceum_app::problems`; the rules are `lyceum_core::capa::attempts`.

mod actions;
mod editor;
mod preview;
mod staff;
mod view;

pub use view::{
    LearnerProblem, Overlay, RenderInput, Results, content_at, problem_at, render, seed_for,
};

use super::{
    AddEntry, BlockCtx, BlockState, BoxFuture, EditorCtx, EditorForm, FieldErrors, Own, StaffTool,
    WebKind,
};
use crate::courses::CourseCx;
use crate::error::AppResult;
use crate::page::Cx;
use crate::page::Page;
use crate::state::App;
use axum::Router;
use axum::routing::{get, post};
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::problem::ProblemKind;
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::problems;
use serde_json::Value;

pub struct ProblemBlock;

impl WebKind for ProblemBlock {
    fn kind(&self) -> &'static str {
        ProblemKind::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-problem"
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> askama::Result<String> {
        let empty = LearnerProblem::default();
        let id = ctx.course.tree().node(idx).id;
        Ok(render(
            ctx.p,
            RenderInput {
                course: ctx.course,
                idx,
                learner: state.own::<LearnerProblem>().unwrap_or(&empty),
                tracking: ctx.tracking,
                staff: ctx.staff,
                overlay: ctx.overlay_for::<Overlay>(id).cloned().unwrap_or_default(),
                now: ctx.now,
                preview_url: ctx
                    .preview
                    .then(|| ctx.course.url(&format!("problem/{}/check", id.0))),
            },
        )
        .0)
    }

    /// The learner's work on each problem of the unit (one read), or a fresh draw.
    fn unit_state<'a>(
        &'a self,
        cx: &'a Cx,
        course: &'a CourseCx,
        user: UserId,
        unit: usize,
    ) -> BoxFuture<'a, AppResult<Vec<(BlockId, Own)>>> {
        Box::pin(async move {
            let tree = course.tree();
            let mut c = cx.app.store().conn().await?;
            let rows = problems::states_in_unit(&mut c, user, tree.node(unit).id).await?;
            drop(c);
            let mut out: Vec<(BlockId, Own)> = Vec::new();
            for &leaf in tree.children(unit) {
                let node = tree.node(leaf);
                let Some(content) = node.content_of::<ProblemKind>() else {
                    continue;
                };
                let learner = match rows.iter().find(|s| s.block_id == node.id.0) {
                    Some(row) => LearnerProblem::from_row(row),
                    None => LearnerProblem {
                        seed: seed_for(content, Some(user), node.id),
                        ..Default::default()
                    },
                };
                out.push((node.id, Box::new(learner)));
            }
            Ok(out)
        })
    }

    fn routes(&self) -> Router<App> {
        Router::new()
            .route("/courses/{key}/problem/{block}", post(actions::form))
            .route(
                "/api/v1/problems/{block_id}/submit",
                post(crate::api::grades::submit),
            )
            .route("/courses/{key}/instructor/problems", get(staff::list))
            .route(
                "/courses/{key}/instructor/problems/{block}/rescore",
                post(staff::rescore),
            )
            .route(
                "/courses/{key}/instructor/answers.csv",
                get(staff::answers_csv),
            )
            .route("/courses/{key}/problem/{block}/check", post(preview::check))
    }

    fn add_entries(&self) -> &'static [AddEntry] {
        &[
            AddEntry {
                variant: "multiple_choice",
                label_key: "lyceum-editor-problem-multiple-choice",
                icon: "Check",
            },
            AddEntry {
                variant: "checkboxes",
                label_key: "lyceum-editor-problem-checkboxes",
                icon: "CheckAll",
            },
            AddEntry {
                variant: "dropdown",
                label_key: "lyceum-editor-problem-dropdown",
                icon: "Expand",
            },
            AddEntry {
                variant: "text_input",
                label_key: "lyceum-editor-problem-text-input",
                icon: "TextFlow",
            },
            AddEntry {
                variant: "numerical",
                label_key: "lyceum-editor-problem-numerical",
                icon: "Function",
            },
        ]
    }

    fn new_content(&self, p: &Page, variant: &str) -> Option<Value> {
        editor::template(p, variant)
    }

    fn editor_fields(&self, content: &Value) -> EditorForm {
        editor::fields(content)
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        editor::render(cx, form)
    }

    fn read_editor(&self, form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
        editor::read(form, old)
    }

    fn editor_step(&self, _p: &Page, form: EditorForm, action: &str) -> (EditorForm, FieldErrors) {
        editor::step(form, action)
    }

    fn editor_text(&self, content: &Value) -> String {
        content
            .get("olx")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    }

    fn autosaves(&self) -> bool {
        true
    }

    fn staff_tools(&self) -> &'static [StaffTool] {
        &[StaffTool {
            path: "problems",
            label_key: "lyceum-instructor-problems",
        }]
    }

    fn due_label(&self) -> Option<&'static str> {
        Some("lyceum-dates-due-problem")
    }
}
