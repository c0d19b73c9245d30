//! The course team's view of every current submission: the grading queue, the counts
//! the course page and the dashboard show, and settling the scores that time made final
//! (the peer fallback) — the hourly job's work, never a page's.

use super::notify::{self, Told};
use super::{Assessment, Assignment, CourseRef, has_open_responses, load_assessments};
use crate::{Env, Result};
use lyceum_core::course::CourseTree;
use lyceum_core::open_response::Status;
use lyceum_core::open_response::rules::QueueFilter;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::open_responses::{self as repo, AttachmentRow, SubmissionRow};
use lyceum_store::repo::users::UserRow;
use lyceum_store::repo::{problems as scores, users};
use std::collections::HashMap;

/// One current submission in the queue.
pub struct QueueRow {
    pub submission: SubmissionRow,
    pub block_idx: usize,
    pub learner: String,
    pub status: Status,
    pub locked_by: Option<String>,
    /// Peer reviews received that count (not cancelled).
    pub peer_received: usize,
}

impl QueueRow {
    /// Whether the row is under this filter (`QueueFilter::matches`).
    pub fn is(&self, filter: QueueFilter) -> bool {
        filter.matches(self.submission.version, &self.status)
    }
}

/// Every current submission of a course (or of one assignment) with its status: a fixed
/// number of statements whatever the course size. Reads only.
pub async fn queue(
    env: &Env,
    course: CourseRef<'_>,
    block: Option<BlockId>,
) -> Result<Vec<QueueRow>> {
    Ok(statuses(env, course, block, false).await?.value)
}

/// The keys of the courses that have open-response work to settle (the hourly job
/// settles each with [`settle_course`]).
pub async fn courses_to_settle(env: &Env) -> Result<Vec<String>> {
    let mut c = env.store.conn().await?;
    Ok(repo::courses_with_open_work(&mut c).await?)
}

/// Record the scores of a course's submissions that became final with time (the peer
/// fallback), telling their learners. Answers how many submissions were looked at.
pub async fn settle_course(env: &Env, course: CourseRef<'_>) -> Result<Told<usize>> {
    let rows = statuses(env, course, None, true).await?;
    Ok(Told::new(rows.value.len(), rows.told))
}

async fn statuses(
    env: &Env,
    course: CourseRef<'_>,
    block: Option<BlockId>,
    settle: bool,
) -> Result<Told<Vec<QueueRow>>> {
    let now = env.now();
    let mut c = env.store.conn().await?;
    let rows = repo::current_in_course(&mut c, course.id, block).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let assessments = load_assessments(&mut c, &ids).await?;
    let given: HashMap<(i64, i64), i64> = repo::reviews_given_in_course(&mut c, course.id)
        .await?
        .into_iter()
        .map(|(u, b, n)| ((u, b), n))
        .collect();
    let locks: HashMap<i64, i64> = repo::locks_in_course(&mut c, course.id, now.as_millisecond())
        .await?
        .into_iter()
        .collect();
    let mut people: Vec<UserId> = rows.iter().map(|r| UserId(r.user_id)).collect();
    people.extend(locks.values().map(|s| UserId(*s)));
    people.sort_unstable_by_key(|u| u.0);
    people.dedup();
    let names: HashMap<i64, String> = users::get_users(&mut c, &people)
        .await?
        .iter()
        .map(|u| (u.id, u.shown_name().to_owned()))
        .collect();
    let stored: HashMap<(UserId, BlockId), (f64, f64, i64)> = if settle {
        scores::scores_of_learners(&mut c, course.id, &people)
            .await?
            .into_iter()
            .map(|(u, (b, e, p, n))| ((u, b), (e, p, n)))
            .collect()
    } else {
        HashMap::new()
    };
    let mut by_submission: HashMap<i64, Vec<Assessment>> = HashMap::new();
    for a in assessments {
        by_submission
            .entry(a.row.submission_id)
            .or_default()
            .push(a);
    }
    let mut out = Vec::new();
    let mut told = Vec::new();
    for r in rows {
        let Some(a) = course.assignment_of(BlockId(r.block_id)) else {
            continue;
        };
        let mine = by_submission.remove(&r.id).unwrap_or_default();
        let peer_received = mine
            .iter()
            .filter(|a| a.step == lyceum_core::blocks::open_response::Step::Peer && a.counts())
            .count();
        let n = given.get(&(r.user_id, r.block_id)).copied().unwrap_or(0);
        let status = super::status_of(&a, &r, &mine, n, now);
        if settle {
            let key = (UserId(r.user_id), BlockId(r.block_id));
            let stored = stored.get(&key).copied();
            if notify::record(&mut c, &a, &r, status.score.as_ref(), stored, None, now).await? {
                told.push(UserId(r.user_id));
            }
        }
        out.push(QueueRow {
            block_idx: a.idx,
            learner: names.get(&r.user_id).cloned().unwrap_or_default(),
            locked_by: locks.get(&r.id).and_then(|s| names.get(s).cloned()),
            peer_received,
            status,
            submission: r,
        });
    }
    Ok(Told::new(out, told))
}

/// Waiting work for the course page: (waiting for staff, stuck waiting for peers).
pub async fn waiting_counts(env: &Env, course: CourseRef<'_>) -> Result<(usize, usize)> {
    // Most courses have no open response: their team's pages pay nothing for this.
    if !has_open_responses(course.tree) {
        return Ok((0, 0));
    }
    let rows = queue(env, course, None).await?;
    Ok((
        rows.iter().filter(|r| r.is(QueueFilter::Waiting)).count(),
        rows.iter().filter(|r| r.is(QueueFilter::PeerStuck)).count(),
    ))
}

/// Responses waiting for the teaching team in each of several courses (the dashboard's
/// "Courses you teach"), by the same rule as the queue's "Waiting for staff": three
/// statements however many courses, none when no course has an open response. Reads only.
pub async fn waiting_in_courses(
    env: &Env,
    courses: &[(CourseId, &CourseTree)],
) -> Result<HashMap<CourseId, usize>> {
    let trees: HashMap<CourseId, &CourseTree> = courses
        .iter()
        .filter(|(_, t)| has_open_responses(t))
        .map(|(id, t)| (*id, *t))
        .collect();
    let mut out = HashMap::new();
    if trees.is_empty() {
        return Ok(out);
    }
    let with: Vec<CourseId> = trees.keys().copied().collect();
    let now = env.now();
    let mut c = env.store.conn().await?;
    let rows = repo::current_in_courses(&mut c, &with).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_submission: HashMap<i64, Vec<Assessment>> = HashMap::new();
    for a in load_assessments(&mut c, &ids).await? {
        by_submission
            .entry(a.row.submission_id)
            .or_default()
            .push(a);
    }
    let given: HashMap<(i64, i64), i64> = repo::reviews_given_in_courses(&mut c, &with)
        .await?
        .into_iter()
        .map(|(u, b, n)| ((u, b), n))
        .collect();
    for r in rows {
        let id = CourseId(r.course_id);
        let Some(tree) = trees.get(&id) else {
            continue;
        };
        let course = CourseRef { id, key: "", tree };
        let Some(a) = course.assignment_of(BlockId(r.block_id)) else {
            continue;
        };
        let mine = by_submission.remove(&r.id).unwrap_or_default();
        let n = given.get(&(r.user_id, r.block_id)).copied().unwrap_or(0);
        if super::status_of(&a, &r, &mine, n, now).needs_staff {
            *out.entry(id).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// Every version of every response to an assignment, with their files and learners (the
/// course team's ZIP download). Reads only.
pub struct Responses {
    /// Oldest first per learner.
    pub versions: Vec<SubmissionRow>,
    pub files: Vec<AttachmentRow>,
    pub learners: HashMap<i64, UserRow>,
}

pub async fn all_responses(env: &Env, a: &Assignment<'_>) -> Result<Responses> {
    let mut c = env.store.conn().await?;
    let versions = repo::all_versions(&mut c, a.block).await?;
    let files = repo::attachments_of_block(&mut c, a.block).await?;
    let ids: Vec<UserId> = versions.iter().map(|v| UserId(v.user_id)).collect();
    let learners = people_in(&mut c, ids).await?;
    Ok(Responses {
        versions,
        files,
        learners,
    })
}

/// The learners of some queue rows, by id (one statement). Reads only.
pub async fn learners_of(env: &Env, rows: &[QueueRow]) -> Result<HashMap<i64, UserRow>> {
    let mut c = env.store.conn().await?;
    let ids = rows.iter().map(|r| UserId(r.submission.user_id)).collect();
    people_in(&mut c, ids).await
}

async fn people_in(
    db: &mut impl lyceum_store::Db,
    mut ids: Vec<UserId>,
) -> Result<HashMap<i64, UserRow>> {
    ids.sort_unstable_by_key(|u| u.0);
    ids.dedup();
    Ok(users::get_users(db, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}
