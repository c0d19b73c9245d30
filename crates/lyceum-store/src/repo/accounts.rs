//! Account upkeep: mailed single-use links (e-mail verification, password reset), ending a
//! person's sessions, login methods, and the erasure of a deleted account's personal data.

use crate::Result;
use crate::db::{Db, q};
use lyceum_core::UserId;

/// What a mailed link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify-email",
            Purpose::ResetPassword => "reset-password",
        }
    }
}

pub async fn insert_token(
    db: &mut impl Db,
    token_hash: &str,
    user: UserId,
    purpose: Purpose,
    email: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(token_hash)
        .bind(user.0)
        .bind(purpose.as_str())
        .bind(email)
        .bind(now)
        .bind(expires_at),
    )
    .await?;
    Ok(())
}

/// Void every unspent link of this purpose for `user` (a newer one was sent, or the
/// password was just reset).
pub async fn void_tokens(
    db: &mut impl Db,
    user: UserId,
    purpose: Purpose,
    now: i64,
) -> Result<u64> {
    db.exec(
        q("UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
            .bind(user.0)
            .bind(purpose.as_str())
            .bind(now),
    )
    .await
}

/// A link that can still be used: its account and the address it was mailed to. Reads
/// only (the password-reset form shows it before anything is spent).
pub async fn live_token(
    db: &mut impl Db,
    token_hash: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<(UserId, String)>> {
    let row: Option<(i64, String)> = db
        .optional(
            q("SELECT user_id, email FROM account_tokens
               WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3")
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(now),
        )
        .await?;
    Ok(row.map(|(u, e)| (UserId(u), e)))
}

/// Spend a link: one conditional UPDATE, so of two requests racing with the same link
/// exactly one gets its account back.
pub async fn spend_token(
    db: &mut impl Db,
    token_hash: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<(UserId, String)>> {
    let row: Option<(i64, String)> = db
        .optional(
            q("UPDATE account_tokens SET used_at = $3
               WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
               RETURNING user_id, email")
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(now),
        )
        .await?;
    Ok(row.map(|(u, e)| (UserId(u), e)))
}

/// How many links of this purpose were made for `user` since `since` (a per-account cap
/// on reset mails).
pub async fn tokens_since(
    db: &mut impl Db,
    user: UserId,
    purpose: Purpose,
    since: i64,
) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND created_at > $3")
            .bind(user.0)
            .bind(purpose.as_str())
            .bind(since),
    )
    .await
}

/// Delete links that expired before `before`.
pub async fn sweep_tokens(db: &mut impl Db, before: i64) -> Result<u64> {
    db.exec(q("DELETE FROM account_tokens WHERE expires_at <= $1").bind(before))
        .await
}

/// End every session of `user` but `keep` (the id hash of the session that asked).
pub async fn end_sessions(db: &mut impl Db, user: UserId, keep: Option<&str>) -> Result<u64> {
    db.exec(
        q("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)")
            .bind(user.0)
            .bind(keep),
    )
    .await
}

/// Mark the account's address verified, if it is still `email`.
pub async fn mark_email_verified(
    db: &mut impl Db,
    user: UserId,
    email: &str,
    now: i64,
) -> Result<bool> {
    let n = db
        .exec(
            q("UPDATE users SET email_verified_at = $3 WHERE id = $1 AND email = $2")
                .bind(user.0)
                .bind(email)
                .bind(now),
        )
        .await?;
    Ok(n > 0)
}

/// Set the address (or none) and forget any verification of the previous one.
pub async fn set_unverified_email(
    db: &mut impl Db,
    user: UserId,
    email: Option<&str>,
) -> Result<()> {
    db.exec(
        q("UPDATE users SET email = $2, email_verified_at = NULL WHERE id = $1")
            .bind(user.0)
            .bind(email),
    )
    .await?;
    Ok(())
}

/// Live accounts whose verified address is `email` (case aside), at most `limit`.
pub async fn users_with_verified_email(
    db: &mut impl Db,
    email: &str,
    limit: i64,
) -> Result<Vec<(i64,)>> {
    db.all(
        q(
            "SELECT id FROM users WHERE LOWER(email) = LOWER($1) AND email_verified_at IS NOT NULL
           AND deleted_at IS NULL ORDER BY id LIMIT $2",
        )
        .bind(email)
        .bind(limit),
    )
    .await
}

/// The password hash of an account, if it has a local login.
pub async fn password_hash(db: &mut impl Db, user: UserId) -> Result<Option<String>> {
    Ok(db
        .optional::<(String,)>(
            q("SELECT password_hash FROM local_credentials WHERE user_id = $1").bind(user.0),
        )
        .await?
        .map(|(h,)| h))
}

/// Detach the Wikimedia account from `user`; whether one was attached.
pub async fn unlink_wikimedia(db: &mut impl Db, user: UserId) -> Result<bool> {
    Ok(db
        .exec(q("DELETE FROM wikimedia_accounts WHERE user_id = $1").bind(user.0))
        .await?
        > 0)
}

/// What erasing an account does to each table that refers to people. Every table of the
/// migrations that holds a user id is named here, with its fate; `erase_personal_data`
/// runs the statements in this order, in the caller's transaction. The `users` row itself
/// stays as a tombstone (see `tombstone`), so what the person published keeps an author
/// ("deleted user") as CC BY-SA attribution requires, and staff actions on others keep
/// their actor.
///
/// | table | column | fate | why |
/// |---|---|---|---|
/// | local_credentials | user_id | deleted | a login method |
/// | wikimedia_accounts | user_id | deleted | a login method and the wiki identity |
/// | sessions | user_id | deleted | logs the person out everywhere |
/// | login_trusted_addresses | user_id | deleted | where they logged in from |
/// | account_tokens | user_id | deleted | mailed links |
/// | calendar_feeds | user_id | deleted | a private feed URL |
/// | notifications | user_id | deleted | their notices |
/// | enrollments | user_id | deleted | which courses they took |
/// | completions, video_progress, bookmarks | user_id | deleted | learning record |
/// | problem_states, problem_submissions | user_id | deleted | answers and scores (erasure, as Open edX's retirement does) |
/// | score_overrides, grade_actions | user_id (the learner) | deleted | their grades |
/// | score_overrides, grade_actions | staff_id | kept, points to the tombstone | staff's action on another learner's record |
/// | or_drafts, or_attachments, or_submissions (with their assessments, peer assignments, locks, grader drafts) | user_id | deleted | their responses and files (files then unreferenced are removed by the media sweep) |
/// | or_assessments | assessor_id | kept, points to the tombstone | a review is part of the reviewed learner's grade |
/// | or_peer_assignments | reviewer_id | deleted | reviews they will never write go back to the pool |
/// | or_locks, or_grader_drafts | staff_id | deleted | a grader's unfinished work |
/// | survey_responses | user_id | deleted | their answers |
/// | wiki_sync_state, wiki_edits, wiki_uploads, wiki_task_states, wiki_task_evidence, unit_opens | user_id | deleted | what was read of their wiki work, their wiki task verdicts, when they opened units |
/// | wiki_task_states | confirmed_by | kept, points to the tombstone | staff's confirmation of another learner's task |
/// | course_roles, org_members | user_id | deleted | team and organisation memberships |
/// | block_revisions | author_id | kept | authorship of published content (CC BY-SA) |
/// | course_publications | published_by | kept | who published, attribution |
/// | course_reviews | user_id | kept | a reviewer's comments on a course |
/// | courses | created_by | kept | attribution |
/// | audit_log | actor_id | kept | the record of what admins and teams did |
/// | login_limits | (hashed keys, no user id) | left to expire | holds nothing readable |
pub const ERASED: &[(&str, &str)] = &[
    ("local_credentials", "user_id"),
    ("wikimedia_accounts", "user_id"),
    ("sessions", "user_id"),
    ("login_trusted_addresses", "user_id"),
    ("account_tokens", "user_id"),
    ("calendar_feeds", "user_id"),
    ("notifications", "user_id"),
    ("enrollments", "user_id"),
    ("completions", "user_id"),
    ("video_progress", "user_id"),
    ("bookmarks", "user_id"),
    ("problem_submissions", "user_id"),
    ("problem_states", "user_id"),
    ("score_overrides", "user_id"),
    ("grade_actions", "user_id"),
    ("or_drafts", "user_id"),
    ("or_attachments", "user_id"),
    ("or_peer_assignments", "reviewer_id"),
    ("or_locks", "staff_id"),
    ("or_grader_drafts", "staff_id"),
    // After the tables above that refer to its rows (assessments, peer assignments, locks,
    // grader drafts and attachments of these submissions go with them by cascade).
    ("or_submissions", "user_id"),
    ("survey_responses", "user_id"),
    ("wiki_sync_state", "user_id"),
    ("wiki_edits", "user_id"),
    ("wiki_uploads", "user_id"),
    ("wiki_task_evidence", "user_id"),
    ("wiki_task_states", "user_id"),
    ("unit_opens", "user_id"),
    ("course_roles", "user_id"),
    ("org_members", "user_id"),
];

/// Columns that keep pointing at the tombstone (documented in [`ERASED`]'s table).
pub const KEPT: &[(&str, &str)] = &[
    ("score_overrides", "staff_id"),
    ("grade_actions", "staff_id"),
    ("or_assessments", "assessor_id"),
    ("or_assessments", "cancelled_by"),
    ("block_revisions", "author_id"),
    ("course_publications", "published_by"),
    ("course_reviews", "user_id"),
    ("courses", "created_by"),
    ("audit_log", "actor_id"),
    ("wiki_task_states", "confirmed_by"),
];

/// Remove everything personal of `user` listed in [`ERASED`]; the number of rows removed.
pub async fn erase_personal_data(db: &mut impl Db, user: UserId) -> Result<u64> {
    let mut n = 0;
    for (table, column) in ERASED {
        // Table and column names come from the constant above, never from input.
        n += db
            .exec(
                crate::db::q_built(format!("DELETE FROM {table} WHERE {column} = $1")).bind(user.0),
            )
            .await?;
    }
    Ok(n)
}

/// Turn the account row into a tombstone: the name becomes `deleted-user-ID`, everything
/// that described or reached the person is cleared, every right is taken back, and the
/// time of deletion is set (sessions of deleted accounts load as anonymous).
pub async fn tombstone(db: &mut impl Db, user: UserId, now: i64) -> Result<String> {
    let name = format!("deleted-user-{}", user.0);
    db.exec(
        q(
            "UPDATE users SET username = $2, username_key = $2, display_name = '', email = NULL,
             email_verified_at = NULL, is_admin = FALSE, can_create_courses = FALSE,
             language = NULL, time_zone = NULL, last_login_at = NULL, blocked_reason = '',
             deleted_at = $3
           WHERE id = $1",
        )
        .bind(user.0)
        .bind(&name)
        .bind(now),
    )
    .await?;
    Ok(name)
}
