//! Surveys: a learner reads a survey with their response, saves (submits) answers, and the
//! course team reads the report. Each use case checks access through `can`, runs the
//! pure rules of `lyceum_core::blocks::survey`, and stores in one transaction: the
//! response, the completion it makes and the participation credit it earns.
//!
//! Callers hand over the course as they loaded it ([`CourseRef`]: its tree, what the
//! viewer may see of it, and the facts `can` decides on); a survey the actor may not see
//! is `NotFound`, whatever the reason.

use crate::{Error, Result};
use lyceum_core::blocks::survey::answers::{self, Answers};
use lyceum_core::blocks::survey::report::{self, Report, ResponseIn};
use lyceum_core::blocks::survey::{Survey, SurveyContent, Window};
use lyceum_core::course::{CourseTree, Visibility};
use lyceum_core::permissions::{Action, Actor, CourseFacts, Resource, can};
use lyceum_core::{BlockId, CourseId, DomainError, UserId};
use lyceum_store::Db;
use lyceum_store::repo::learner::{self, CompletionSource};
use lyceum_store::repo::surveys::{self as repo, NewResponse, ResponseRow};
use std::collections::HashMap;

/// A course as the caller loaded it for the actor.
pub struct CourseRef<'a> {
    pub id: CourseId,
    pub tree: &'a CourseTree,
    /// What the actor may see of the tree now.
    pub vis: &'a Visibility,
    pub facts: CourseFacts,
    pub actor: Actor,
}

impl CourseRef<'_> {
    /// The logged-in actor, if `can` allows them `action` on the course; to anyone else
    /// the thing asked about does not exist.
    pub fn user_who_may(&self, action: Action) -> Result<UserId> {
        let user = self.actor.user.ok_or_else(Error::not_found)?;
        if !can(&self.actor, action, Resource::Course(&self.facts)).allowed() {
            return Err(Error::not_found());
        }
        Ok(user)
    }
}

/// A survey block of the course.
pub struct SurveyAt<'a> {
    pub block: BlockId,
    pub idx: usize,
    pub content: &'a SurveyContent,
}

/// The survey `block` of `course` if the actor can see its unit.
pub fn locate<'a>(course: &CourseRef<'a>, block: BlockId) -> Result<SurveyAt<'a>> {
    let tree = course.tree;
    let idx = tree
        .index_of(block)
        .filter(|&i| {
            tree.unit_of(i)
                .is_some_and(|u| tree.is_visible(u, course.vis))
        })
        .ok_or_else(Error::not_found)?;
    let content = tree
        .node(idx)
        .content_of::<Survey>()
        .ok_or_else(Error::not_found)?;
    Ok(SurveyAt {
        block,
        idx,
        content,
    })
}

/// A stored response.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub answers: Answers,
    /// First submitted (kept across edits), and last changed; milliseconds.
    pub submitted_at: i64,
    pub updated_at: i64,
}

impl Stored {
    fn from_row(r: ResponseRow) -> Result<Stored> {
        let answers = serde_json::from_str(&r.answers).map_err(|e| {
            Error::internal(format!("survey response {}/{}: {e}", r.user_id, r.block_id))
        })?;
        Ok(Stored {
            answers,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
        })
    }
}

/// A survey as its learner sees it now.
pub struct View<'a> {
    pub at: SurveyAt<'a>,
    pub response: Option<Stored>,
    pub window: Window,
    /// `Err`: why answers cannot be sent now (not open, closed, final and submitted).
    pub may_answer: std::result::Result<(), DomainError>,
}

/// The actor, who must be enrolled or on the course team; anyone else is told the survey
/// does not exist.
fn participant(course: &CourseRef<'_>) -> Result<UserId> {
    course.user_who_may(Action::ViewCourseware)
}

/// The survey with the actor's response.
pub async fn view<'a>(
    env: &crate::Env,
    course: &CourseRef<'a>,
    block: BlockId,
) -> Result<View<'a>> {
    let user = participant(course)?;
    let at = locate(course, block)?;
    let mut c = env.store.conn().await?;
    let response = repo::response(&mut c, user, block)
        .await?
        .map(Stored::from_row)
        .transpose()?;
    drop(c);
    let now = env.now();
    Ok(View {
        window: at.content.window(now),
        may_answer: at.content.may_answer(now, response.is_some()),
        response,
        at,
    })
}

/// The actor's responses to the surveys among `blocks` (one unit's), in one read.
pub async fn responses_in(
    env: &crate::Env,
    user: UserId,
    blocks: &[BlockId],
) -> Result<HashMap<BlockId, Stored>> {
    let mut c = env.store.conn().await?;
    repo::responses_in(&mut c, user, blocks)
        .await?
        .into_iter()
        .map(|r| Ok((BlockId(r.block_id), Stored::from_row(r)?)))
        .collect()
}

/// Save the actor's answers (as sent: JSON values by question id). Submitting stores the
/// response, completes the block and earns its participation credit, together or not at
/// all. Bad answers are `Invalid` (missing required ones: `lyceum-error-survey-missing`
/// naming them, see [`answers::missing_ids`]); not open, closed or already final are
/// `Conflict`.
pub async fn save(
    env: &crate::Env,
    course: &CourseRef<'_>,
    block: BlockId,
    sent: &serde_json::Map<String, serde_json::Value>,
) -> Result<Stored> {
    let user = participant(course)?;
    let at = locate(course, block)?;
    let checked = answers::check(at.content, sent).map_err(|p| Error::invalid(p.error()))?;
    let json = serde_json::to_string(&checked).map_err(Error::internal)?;
    let mut tx = env.store.begin().await?;
    // The clock is read once, inside the transaction that stores the response.
    let now = env.now();
    let existing = repo::response(&mut tx, user, block).await?;
    at.content
        .may_answer(now, existing.is_some())
        .map_err(|e| Error::new(crate::ErrorKind::Conflict, e))?;
    let new = NewResponse {
        user,
        block,
        course: course.id,
        answers: &json,
        now: now.as_millisecond(),
    };
    if at.content.final_on_submit {
        // Two racing first submissions: only one is stored.
        if !repo::insert(&mut tx, &new).await? {
            return Err(Error::conflict("lyceum-error-survey-final"));
        }
    } else {
        repo::upsert(&mut tx, &new).await?;
    }
    learner::record_completions(
        &mut tx,
        user,
        course.id,
        &[block],
        CompletionSource::Submit,
        now.as_millisecond(),
    )
    .await?;
    if at.content.credit().is_some() {
        repo::record_credit(&mut tx, user, block, course.id, now.as_millisecond()).await?;
    }
    let stored = repo::response(&mut tx, user, block)
        .await?
        .ok_or_else(|| Error::internal("a stored survey response is gone"))?;
    tx.commit().await?;
    Stored::from_row(stored)
}

/// The course team's report on a survey.
pub struct SurveyReport<'a> {
    pub at: SurveyAt<'a>,
    /// The "before" survey it is compared with: its block and position in the tree.
    pub before: Option<(BlockId, usize)>,
    pub report: Report,
}

/// The "before" survey named by `name` (a url_name or a block id) in the same tree.
pub fn before_of<'a>(tree: &'a CourseTree, name: &str) -> Option<(usize, &'a SurveyContent)> {
    let idx = tree.find_url_name(name).or_else(|| {
        name.parse::<i64>()
            .ok()
            .and_then(|id| tree.index_of(BlockId(id)))
    })?;
    let c = tree.node(idx).content_of::<Survey>()?;
    Some((idx, c))
}

async fn enrolled_responses(db: &mut impl Db, block: BlockId) -> Result<Vec<ResponseIn>> {
    repo::for_report(db, block)
        .await?
        .into_iter()
        .filter(|r| r.enrolled)
        .map(|r| {
            let answers: Answers = serde_json::from_str(&r.answers).map_err(|e| {
                Error::internal(format!("survey response {}/{}: {e}", r.user_id, block.0))
            })?;
            Ok(ResponseIn {
                learner: r.user_id,
                name: lyceum_core::user::shown_name(&r.display_name, &r.username).to_owned(),
                answers,
            })
        })
        .collect()
}

/// The report: per question counts and shares, texts, the response rate among enrolled
/// learners, and the before/after comparison when the survey names a "before" survey.
/// The course team only; to anyone else the report does not exist.
pub async fn report<'a>(
    env: &crate::Env,
    course: &CourseRef<'a>,
    block: BlockId,
) -> Result<SurveyReport<'a>> {
    if !can(
        &course.actor,
        Action::Grade,
        Resource::Course(&course.facts),
    )
    .allowed()
    {
        return Err(Error::not_found());
    }
    let at = locate(course, block)?;
    let before = at
        .content
        .before
        .as_deref()
        .and_then(|name| before_of(course.tree, name))
        .filter(|(idx, _)| *idx != at.idx);
    let mut c = env.store.conn().await?;
    let responses = enrolled_responses(&mut c, block).await?;
    let enrolled = repo::enrolled_count(&mut c, course.id).await?;
    let before_responses = match before {
        Some((idx, _)) => enrolled_responses(&mut c, course.tree.node(idx).id).await?,
        None => Vec::new(),
    };
    drop(c);
    let report = report::build(
        at.content,
        &responses,
        usize::try_from(enrolled).unwrap_or(0),
        before.map(|(_, b)| (b, before_responses.as_slice())),
    );
    Ok(SurveyReport {
        before: before.map(|(idx, _)| (course.tree.node(idx).id, idx)),
        at,
        report,
    })
}

/// The surveys of a course the actor can see, in course order.
pub fn surveys_in<'a>(course: &CourseRef<'a>) -> Vec<SurveyAt<'a>> {
    let tree = course.tree;
    tree.units()
        .iter()
        .filter(|&&u| tree.is_visible(u, course.vis))
        .flat_map(|&u| tree.children(u).iter().copied())
        .filter_map(|i| locate(course, tree.node(i).id).ok())
        .collect()
}
