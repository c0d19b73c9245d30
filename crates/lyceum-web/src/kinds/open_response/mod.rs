//! Open responses graded by people: the learner's response form and reviews in the unit,
//! their block pages (`/courses/{key}/open-response/{block}…`) and API
//! (`/api/v1/open-responses/{block_id}…`), and the course team's grading tools.

pub mod api;
pub mod assignment;
mod files;
pub mod learner;
pub mod settings;
pub mod staff;

use super::{
    BlockCtx, BlockState, BoxFuture, EditorCtx, EditorForm, FieldErrors, Own, StaffTool, WebKind,
};
use crate::courses::CourseCx;
use crate::error::{AppError, AppResult};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::open_response::OpenResponse;
use lyceum_core::{BlockId, UserId};

pub struct OpenResponseBlock;

#[derive(Template)]
#[template(path = "blocks/open_response_outline_notice.html")]
struct OutlineNotice<'a> {
    p: &'a Page,
    waiting: usize,
    stuck: usize,
    queue: String,
}

const TOOLS: &[StaffTool] = &[StaffTool {
    path: "open-responses",
    label_key: "lyceum-or-staff-nav",
}];

impl WebKind for OpenResponseBlock {
    fn kind(&self) -> &'static str {
        OpenResponse::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-open-response"
    }

    fn editor_fields(&self, content: &serde_json::Value) -> EditorForm {
        settings::editor::fields(content)
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        settings::editor::render(cx, form)
    }

    fn read_editor(
        &self,
        form: &EditorForm,
        old: &serde_json::Value,
    ) -> Result<serde_json::Value, FieldErrors> {
        settings::editor::read(form, old)
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> askama::Result<String> {
        let node = ctx.course.tree().node(idx);
        let Some(c) = node.content_of::<OpenResponse>() else {
            return Ok(String::new());
        };
        learner::render(ctx, idx, c, state.own::<learner::OrState>())
    }

    fn unit_state<'a>(
        &'a self,
        cx: &'a Cx,
        course: &'a CourseCx,
        user: UserId,
        unit: usize,
    ) -> BoxFuture<'a, AppResult<Vec<(BlockId, Own)>>> {
        Box::pin(async move {
            let states = learner::states_in_unit(&cx.app, course, unit, user).await?;
            Ok(states
                .into_iter()
                .map(|(id, st)| (id, Box::new(st) as Own))
                .collect())
        })
    }

    fn routes(&self) -> Router<App> {
        Router::new()
            .route(
                "/courses/{key}/open-response/{block}",
                post(learner::action),
            )
            .route(
                "/courses/{key}/open-response/{block}/files",
                post(learner::upload).layer(DefaultBodyLimit::max(learner::UPLOAD_BODY_LIMIT)),
            )
            .route(
                "/courses/{key}/open-response/{block}/peer-review",
                get(learner::peer_page).post(learner::peer_submit),
            )
            .route(
                "/courses/{key}/open-response/{block}/peer-review/next",
                post(learner::peer_next),
            )
            .route("/api/v1/open-responses/{block_id}/me", get(api::me))
            .route(
                "/api/v1/open-responses/{block_id}/draft",
                put(api::save_draft),
            )
            .route(
                "/api/v1/open-responses/{block_id}/submit",
                post(api::submit),
            )
            .route(
                "/api/v1/open-responses/{block_id}/attachments",
                post(api::add_attachment).layer(DefaultBodyLimit::max(api::UPLOAD_BODY_LIMIT)),
            )
            .route(
                "/api/v1/open-responses/{block_id}/attachments/{id}",
                delete(api::remove_attachment),
            )
            .route(
                "/api/v1/open-responses/{block_id}/peer-review/next",
                get(api::current_peer).post(api::next_peer),
            )
            .route(
                "/api/v1/open-responses/{block_id}/peer-review",
                post(api::peer_review),
            )
            .route(
                "/api/v1/open-responses/{block_id}/self-review",
                post(api::self_review),
            )
            .route(
                "/api/v1/courses/{course_id}/open-responses/queue",
                get(api::queue),
            )
            .route(
                "/courses/{key}/instructor/open-responses",
                get(staff::queue),
            )
            .route(
                "/courses/{key}/instructor/open-responses/{block}/settings",
                get(settings::page).post(settings::save),
            )
            .route(
                "/courses/{key}/instructor/open-responses/{block}/copy-rubric",
                post(settings::copy_rubric),
            )
            .route(
                "/courses/{key}/instructor/open-responses/{block}/responses.zip",
                get(staff::responses_zip),
            )
            .route(
                "/courses/{key}/instructor/open-responses/{block}/scores.csv",
                get(staff::scores_csv),
            )
            .route(
                "/courses/{key}/instructor/submissions/{id}",
                get(staff::submission),
            )
            .route(
                "/courses/{key}/instructor/submissions/{id}/assess",
                post(staff::assess),
            )
            .route(
                "/courses/{key}/instructor/submissions/{id}/return",
                post(staff::return_for_revision),
            )
            .route(
                "/courses/{key}/instructor/submissions/{id}/excuse",
                post(staff::excuse),
            )
            .route(
                "/courses/{key}/instructor/submissions/{id}/cancel-assessment",
                post(staff::cancel_assessment),
            )
            .route(
                "/courses/{key}/instructor/submissions/{id}/release",
                post(staff::release),
            )
            .route(
                "/courses/{key}/instructor/submissions/{id}/lock",
                post(staff::start),
            )
            .route(
                "/api/v1/open-responses/assessments/{assessment_id}/cancel",
                post(api::cancel_assessment),
            )
            .route("/api/v1/submissions/{submission_id}", get(api::submission))
            .route(
                "/api/v1/submissions/{submission_id}/lock",
                post(api::lock).delete(api::unlock),
            )
            .route(
                "/api/v1/submissions/{submission_id}/staff-assessment",
                post(api::staff_assessment),
            )
            .route(
                "/api/v1/submissions/{submission_id}/return",
                post(api::return_for_revision),
            )
            .route(
                "/api/v1/submissions/{submission_id}/peer-excuse",
                post(api::peer_excuse),
            )
    }

    fn file_routes(&self) -> Router<App> {
        Router::new()
            .route(
                "/courses/{key}/open-response/files/{id}",
                get(learner::file),
            )
            .route(
                "/api/v1/open-responses/attachments/{id}",
                get(api::download),
            )
    }

    fn staff_tools(&self) -> &'static [StaffTool] {
        TOOLS
    }

    /// "N responses wait for grading" (and those stuck in peer review) atop the outline,
    /// for the course team.
    fn outline_notice<'a>(
        &'a self,
        cx: &'a Cx,
        course: &'a CourseCx,
    ) -> BoxFuture<'a, AppResult<Option<Html>>> {
        Box::pin(async move {
            let Some((waiting, stuck, queue)) = staff::course_counts(cx, course)
                .await?
                .filter(|(w, s, _)| w + s > 0)
            else {
                return Ok(None);
            };
            let notice = OutlineNotice {
                p: &cx.page,
                waiting,
                stuck,
                queue,
            };
            Ok(Some(Html(notice.render().map_err(AppError::internal)?)))
        })
    }

    fn due_label(&self) -> Option<&'static str> {
        Some("lyceum-dates-due-open-response")
    }
}
