//! What every part of course discussions reads (issue 15): a course's discussion
//! settings, and whether a person is muted or banned from its discussions now. Threads
//! and posts live in `discussions`; mutes are written by `discussion_moderation`.

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::{CourseId, UserId};

row! {
    /// A course's discussion settings; [`settings`] gives the defaults when none are set.
    pub struct DiscussionSettingsRow {
        pub allow_anonymous: bool,
        pub learner_messages: bool,
        pub hold_first_posts: bool,
    }
}

impl Default for DiscussionSettingsRow {
    fn default() -> Self {
        DiscussionSettingsRow {
            allow_anonymous: false,
            learner_messages: true,
            hold_first_posts: false,
        }
    }
}

/// A course's discussion settings (the defaults when the team has set none).
pub async fn settings(db: &mut impl Db, course: CourseId) -> Result<DiscussionSettingsRow> {
    Ok(db
        .optional(
            q("SELECT allow_anonymous, learner_messages, hold_first_posts
               FROM discussion_settings WHERE course_id = $1")
            .bind(course.0),
        )
        .await?
        .unwrap_or_default())
}

pub async fn set_settings(
    db: &mut impl Db,
    course: CourseId,
    s: &DiscussionSettingsRow,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO discussion_settings (course_id, allow_anonymous, learner_messages, hold_first_posts, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (course_id) DO UPDATE SET allow_anonymous = excluded.allow_anonymous,
               learner_messages = excluded.learner_messages,
               hold_first_posts = excluded.hold_first_posts, updated_at = excluded.updated_at")
        .bind(course.0)
        .bind(s.allow_anonymous)
        .bind(s.learner_messages)
        .bind(s.hold_first_posts)
        .bind(now),
    )
    .await?;
    Ok(())
}

row! {
    /// A mute (`until_at` set) or a ban (`until_at` none) in force.
    pub struct ActiveMuteRow {
        pub id: i64,
        pub until_at: Option<i64>,
        pub reason: String,
        pub created_at: i64,
    }
}

/// The mute or ban keeping `user` from posting in `course`'s discussions at `now`, if
/// any: a ban before a mute, then the one that ends last.
pub async fn active_mute(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
    now: i64,
) -> Result<Option<ActiveMuteRow>> {
    db.optional(
        q(
            "SELECT id, until_at, reason, created_at FROM discussion_mutes
           WHERE course_id = $1 AND user_id = $2 AND lifted_at IS NULL
             AND (until_at IS NULL OR until_at > $3)
           ORDER BY (until_at IS NULL) DESC, until_at DESC LIMIT 1",
        )
        .bind(course.0)
        .bind(user.0)
        .bind(now),
    )
    .await
}
