//! Trust for new accounts (`lyceum_core::trust`): the facts the rule reads, the stored
//! grant / Wikimedia standing / track record, the code of conduct's acceptance, and the
//! generic creation rate limiter.

use crate::Result;
use crate::db::{Db, q, q_built, row};
use lyceum_core::UserId;

/// SQL: does user `u` hold a trusted role — site admin, site moderator, the
/// course-creation grant, admin, reviewer, creator or moderator of an organisation, on
/// any course's team (personal spaces and
/// their courses do not count: anyone can have one). Needs `users` aliased `u`.
pub const TRUSTED_ROLE_SQL: &str = "(u.is_admin OR u.can_create_courses OR u.is_moderator
    OR EXISTS (SELECT 1 FROM org_members m JOIN organizations o ON o.id = m.org_id
               WHERE m.user_id = u.id AND m.role IN ('admin', 'reviewer', 'creator', 'moderator')
                 AND o.personal_user_id IS NULL)
    OR EXISTS (SELECT 1 FROM course_roles r JOIN courses c ON c.id = r.course_id
               JOIN organizations o ON o.id = c.org_id
               WHERE r.user_id = u.id AND o.personal_user_id IS NULL))";

row! {
    /// What the trust rule needs about one account, and what the admin page shows;
    /// `activity` counts units completed, problems and open responses submitted.
    pub struct TrustRow {
        pub created_at: i64,
        pub trust_source: Option<String>,
        pub trusted_at: Option<i64>,
        pub trusted_by_name: Option<String>,
        pub trust_reason: String,
        pub wiki_groups: Option<String>,
        pub wiki_editcount: Option<i64>,
        pub trusted_role: bool,
        pub activity: i64,
    }
}

/// The trust facts of one account, in one statement.
pub async fn facts(db: &mut impl Db, user: UserId) -> Result<Option<TrustRow>> {
    db.optional(
        q_built(format!(
            "SELECT u.created_at, u.trust_source, u.trusted_at, b.username AS trusted_by_name,
                    u.trust_reason, u.wiki_groups, u.wiki_editcount,
                    {TRUSTED_ROLE_SQL} AS trusted_role,
                    (SELECT COUNT(*) FROM completions x WHERE x.user_id = u.id)
                  + (SELECT COUNT(*) FROM problem_submissions x WHERE x.user_id = u.id)
                  + (SELECT COUNT(*) FROM or_submissions x WHERE x.user_id = u.id) AS activity
             FROM users u LEFT JOIN users b ON b.id = u.trusted_by
             WHERE u.id = $1"
        ))
        .bind(user.0),
    )
    .await
}

/// Store why an account is trusted ('grant', 'wiki', 'record'), or 'revoked', or
/// nothing (`source` None).
pub async fn set_source(
    db: &mut impl Db,
    user: UserId,
    source: Option<&str>,
    by: Option<UserId>,
    reason: &str,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE users SET trust_source = $2, trusted_at = $3, trusted_by = $4, trust_reason = $5
           WHERE id = $1")
        .bind(user.0)
        .bind(source)
        .bind(source.map(|_| now))
        .bind(by.map(|u| u.0))
        .bind(reason),
    )
    .await?;
    Ok(())
}

/// Stamp a trust found by the rule ('wiki' or 'record') unless the account already has
/// a stored trust or a revocation: one conditional UPDATE.
pub async fn stamp(db: &mut impl Db, user: UserId, source: &str, now: i64) -> Result<()> {
    db.exec(
        q("UPDATE users SET trust_source = $2, trusted_at = $3, trusted_by = NULL, trust_reason = ''
           WHERE id = $1 AND trust_source IS NULL")
        .bind(user.0)
        .bind(source)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// The Wikimedia standing read at login.
pub async fn set_wiki_standing(
    db: &mut impl Db,
    user: UserId,
    groups_json: &str,
    editcount: i64,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE users SET wiki_groups = $2, wiki_editcount = $3, wiki_checked_at = $4 WHERE id = $1")
            .bind(user.0)
            .bind(groups_json)
            .bind(editcount)
            .bind(now),
    )
    .await?;
    Ok(())
}

/// Record that the person accepted the code of conduct (version: a hash of its text).
pub async fn accept_conduct(db: &mut impl Db, user: UserId, version: &str, now: i64) -> Result<()> {
    db.exec(
        q("UPDATE users SET conduct_accepted_at = $2, conduct_version = $3 WHERE id = $1")
            .bind(user.0)
            .bind(now)
            .bind(version),
    )
    .await?;
    Ok(())
}

/// When the person accepted the code of conduct, and which version.
pub async fn conduct_acceptance(db: &mut impl Db, user: UserId) -> Result<Option<(i64, String)>> {
    let row: Option<(Option<i64>, Option<String>)> = db
        .optional(
            q("SELECT conduct_accepted_at, conduct_version FROM users WHERE id = $1").bind(user.0),
        )
        .await?;
    Ok(row.and_then(|(at, v)| Some((at?, v.unwrap_or_default()))))
}

/// Count one more `action` by `user` in the window starting at `window_start`, and
/// answer the count including it: one statement (an upsert).
pub async fn hit(db: &mut impl Db, user: UserId, action: &str, window_start: i64) -> Result<i64> {
    db.scalar(
        q(
            "INSERT INTO rate_counts (user_id, action, window_start, count) VALUES ($1, $2, $3, 1)
           ON CONFLICT (user_id, action, window_start) DO UPDATE SET count = rate_counts.count + 1
           RETURNING count",
        )
        .bind(user.0)
        .bind(action)
        .bind(window_start),
    )
    .await
}

/// Forget windows that ended before `before`.
pub async fn sweep(db: &mut impl Db, before: i64) -> Result<u64> {
    db.exec(q("DELETE FROM rate_counts WHERE window_start < $1").bind(before))
        .await
}

/// Is `admin` an admin of an organisation (not a personal space) that `member` belongs to?
pub async fn admin_of_org_of(db: &mut impl Db, admin: UserId, member: UserId) -> Result<bool> {
    db.scalar(
        q(
            "SELECT EXISTS (SELECT 1 FROM org_members a JOIN org_members m ON m.org_id = a.org_id
                          JOIN organizations o ON o.id = a.org_id
                          WHERE a.user_id = $1 AND a.role = 'admin' AND m.user_id = $2
                            AND o.personal_user_id IS NULL)",
        )
        .bind(admin.0)
        .bind(member.0),
    )
    .await
}
