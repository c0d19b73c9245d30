//! Open responses as a request sees them: an assignment of a course loaded for this
//! request, who may reach it (through `can`), and the calls into the use cases of
//! `lyceum_app::open_responses`, which the pages and the JSON API share. Nothing here
//! decides a rule or writes a row: it adapts a request to a use case and back (sessions
//! of people who got a notice are refreshed here, in one place).

use crate::courses::{self, CachedCourse, CourseCx};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use lyceum_app::open_responses::{self as app, CourseRef, Told};
use lyceum_core::blocks::open_response::{AssessmentInput, OpenResponseContent, RubricOption};
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::open_responses::SubmissionRow;
use lyceum_store::repo::users::UserRow;
use std::collections::HashMap;
use std::sync::Arc;

pub use app::{
    Assessment, LearnerState, PeerTask, QueueRow, StaffOutcome, Upload, Version, Viewer,
    has_open_responses, released,
};
pub use lyceum_core::open_response::rules::{MAX_RESPONSE_CHARS, QueueFilter};

/// An open-response block of a course, as a request sees it.
pub struct Assignment {
    pub course: CourseCx,
    pub idx: usize,
    pub block: BlockId,
}

/// The course as the use cases take it.
pub fn course_ref(course: &CourseCx) -> CourseRef<'_> {
    CourseRef {
        id: course.id(),
        key: course.key(),
        tree: course.tree(),
    }
}

impl Assignment {
    /// The assignment as the use cases take it.
    pub fn app(&self) -> app::Assignment<'_> {
        app::Assignment {
            course: course_ref(&self.course),
            idx: self.idx,
            block: self.block,
        }
    }

    pub fn content(&self) -> &OpenResponseContent {
        self.app().content()
    }

    pub fn title(&self) -> String {
        self.app().title()
    }

    /// The unit page the block is on, anchored at the block.
    pub fn url(&self) -> String {
        self.app().url()
    }

    pub fn due(&self) -> Option<jiff::Timestamp> {
        self.app().due()
    }
}

/// An assignment's title: its own, else its unit's.
pub fn title_at(course: &CourseCx, idx: usize) -> String {
    course_ref(course)
        .assignment(idx)
        .map(|a| a.title())
        .unwrap_or_default()
}

/// The assignment in `course` with this block id, if the viewer can see its unit.
pub fn at(course: CourseCx, block: BlockId) -> AppResult<Assignment> {
    let tree = course.tree();
    let idx = tree
        .index_of(block)
        .filter(|&i| {
            // The block itself (hidden or unreleased on its own, or by an ancestor),
            // in a unit.
            tree.is_visible(i, &course.vis) && tree.unit_of(i).is_some()
        })
        .filter(|&i| app::content_at(tree, i).is_some())
        .ok_or(AppError::NotFound)?;
    Ok(Assignment { course, idx, block })
}

/// The assignment of a course in which the caller may respond (`Action::Respond`:
/// enrolled, or on the team); not found for anyone else.
pub fn respond_in(cx: &Cx, course: CourseCx, block: BlockId) -> AppResult<Assignment> {
    if !can(
        &cx.actor(),
        Action::Respond,
        Resource::Course(&course.facts),
    )
    .allowed()
    {
        return Err(AppError::NotFound);
    }
    at(course, block)
}

/// The assignment with this block id, for a caller who may respond in its course.
pub async fn for_learner(cx: &Cx, block: BlockId) -> AppResult<Assignment> {
    let course = courses::load_of_block(cx, block).await?;
    respond_in(cx, course, block)
}

/// A rubric option's label for the reader: the author's, or for a preset option (the
/// WikiLearn scale) the platform's message in the reader's language.
pub fn option_label(p: &crate::page::Page, o: &RubricOption) -> String {
    if !o.label.trim().is_empty() {
        return o.label.clone();
    }
    // Spelled out, so the message catalogue check sees every key in use.
    let key = match o.name.as_str() {
        "wikilearn-poor" => "lyceum-or-scale-wikilearn-poor",
        "wikilearn-needs-improvement" => "lyceum-or-scale-wikilearn-needs-improvement",
        "wikilearn-good" => "lyceum-or-scale-wikilearn-good",
        "wikilearn-excellent" => "lyceum-or-scale-wikilearn-excellent",
        _ => return o.name.clone(),
    };
    p.text(key)
}

/// A use case's answer, once the people it notified have their cached sessions (which
/// carry the header's unread count) dropped.
pub fn told<T>(app: &crate::state::App, t: Told<T>) -> T {
    for u in t.told {
        app.sessions().forget_user(u);
    }
    t.value
}

/// One submission with everything its viewer may see.
pub struct SubmissionView {
    pub assignment: Assignment,
    pub viewer: Viewer,
    pub version: Version,
    /// Every version of the learner (staff and the learner only).
    pub versions: Vec<SubmissionRow>,
    pub learner: Option<UserRow>,
    /// Assessors' names (staff only).
    pub names: HashMap<i64, String>,
    /// Who holds the grading lock now, if someone else does (staff only).
    pub locked_by: Option<String>,
    /// The staff viewer's unsaved assessment, kept from a lock conflict.
    pub grader_draft: Option<AssessmentInput>,
}

/// A submission for its learner, an assigned peer or the course team (`can` on the
/// submission); not found for anyone else.
pub async fn view(cx: &Cx, id: i64) -> AppResult<SubmissionView> {
    let user = cx.require_user()?.id();
    let env = cx.app.env();
    let access = app::submission_access(&env, id, user).await?;
    let block = BlockId(access.submission.block_id);
    let course = courses::load_of_block(cx, block).await?;
    let viewer = access.viewer(&cx.actor(), &course.facts)?;
    let assignment = if viewer == Viewer::Staff {
        // Staff see submissions of blocks not yet released too.
        let idx = course_ref(&course)
            .assignment_of(block)
            .ok_or(AppError::NotFound)?
            .idx;
        Assignment { course, idx, block }
    } else {
        at(course, block)?
    };
    let d = app::details(&env, &assignment.app(), viewer, user, access.submission).await?;
    Ok(SubmissionView {
        viewer,
        version: d.version,
        versions: d.versions,
        learner: d.learner,
        names: d.names,
        locked_by: d.locked_by,
        grader_draft: d.grader_draft,
        assignment,
    })
}

/// Every current submission of a course (or of one assignment) with its status. Reads only.
pub async fn queue(
    app: &crate::state::App,
    course: &CourseCx,
    block: Option<BlockId>,
) -> AppResult<Vec<QueueRow>> {
    Ok(app::queue(&app.env(), course_ref(course), block).await?)
}

/// Waiting work for the course page: (waiting for staff, stuck waiting for peers).
pub async fn waiting_counts(
    app: &crate::state::App,
    course: &CourseCx,
) -> AppResult<(usize, usize)> {
    Ok(app::queue::waiting_counts(&app.env(), course_ref(course)).await?)
}

/// Responses waiting for the teaching team in each of several courses (the dashboard).
pub async fn waiting_in_courses(
    app: &crate::state::App,
    courses: &[(CourseId, Arc<CachedCourse>)],
) -> AppResult<HashMap<CourseId, usize>> {
    let trees: Vec<(CourseId, &lyceum_core::course::CourseTree)> =
        courses.iter().map(|(id, c)| (*id, &c.tree)).collect();
    Ok(app::waiting_in_courses(&app.env(), &trees).await?)
}

// --- Outside a request (the demo, the hourly job) ------------------------------------------

/// Submit a response as `learner` outside a request (the demo's seeding).
pub async fn submit_as(
    app: &crate::state::App,
    course_key: &str,
    block: BlockId,
    learner: UserId,
    text: &str,
) -> AppResult<SubmissionRow> {
    let actor = Actor::user(learner, false);
    let course = courses::load_as(app, course_key, Some(learner), actor).await?;
    let a = at(course, block)?;
    let done = app::submit(&app.env(), &a.app(), learner, text).await?;
    Ok(told(app, done))
}

/// Assess a submission as `staff` outside a request (the demo's seeding).
pub async fn assess_as(
    app: &crate::state::App,
    course_key: &str,
    block: BlockId,
    staff: UserId,
    submission: i64,
    input: &AssessmentInput,
) -> AppResult<StaffOutcome> {
    let actor = Actor::user(staff, false);
    let course = courses::load_as(app, course_key, Some(staff), actor).await?;
    let a = at(course, block)?;
    let done = app::staff_assess(&app.env(), &a.app(), staff, submission, input, false).await?;
    Ok(told(app, done))
}

/// Settle every course's open responses (scores the peer fallback made final with time).
pub async fn settle_all(app: &crate::state::App) -> AppResult<usize> {
    let keys = app::queue::courses_to_settle(&app.env()).await?;
    let mut n = 0;
    for key in keys {
        // As staff would see it: unreleased blocks count too. Not kept in the cache: the
        // job walks every course with open responses.
        let course = courses::load_passing(app, &key, None, Actor::ANONYMOUS).await?;
        n += told(
            app,
            app::settle_course(&app.env(), course_ref(&course)).await?,
        );
    }
    Ok(n)
}
