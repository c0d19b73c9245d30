//! Organisations: the affiliates and groups that publish courses.

use crate::Result;
use crate::db::{Db, FromRow, q, q_built, row};
use lyceum_core::permissions::OrgRole;
use lyceum_core::{OrgId, UserId};

row! {
    pub struct OrgRow {
        pub id: i64,
        pub slug: String,
        pub name: String,
        pub description: String,
        pub website: Option<String>,
    }
}

/// Create or update an organisation by its slug.
pub async fn upsert(
    db: &mut impl Db,
    slug: &str,
    name: &str,
    description: &str,
    website: Option<&str>,
    now: i64,
) -> Result<OrgId> {
    let id: i64 = db
        .scalar(
            q("INSERT INTO organizations (slug, name, description, website, created_at) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description, website = excluded.website
               RETURNING id")
            .bind(slug)
            .bind(name)
            .bind(description)
            .bind(website)
            .bind(now),
        )
        .await?;
    Ok(OrgId(id))
}

pub async fn find_by_slug(db: &mut impl Db, slug: &str) -> Result<Option<OrgRow>> {
    db.optional(
        q("SELECT id, slug, name, description, website FROM organizations WHERE slug = $1")
            .bind(slug),
    )
    .await
}

pub async fn list(db: &mut impl Db) -> Result<Vec<OrgRow>> {
    db.all(q(
        "SELECT id, slug, name, description, website FROM organizations ORDER BY name",
    ))
    .await
}

row! {
    /// An organisation with everything its page and its admins' forms show.
    pub struct OrgDetail {
        pub id: i64,
        pub slug: String,
        pub name: String,
        pub description: String,
        pub website: Option<String>,
        pub logo_sha256: Option<String>,
        pub logo_content_type: Option<String>,
        pub requires_review: bool,
        pub created_at: i64,
    }
}

impl OrgDetail {
    pub fn id(&self) -> OrgId {
        OrgId(self.id)
    }
}

const DETAIL_COLUMNS: &str = "o.id, o.slug, o.name, o.description, o.website, o.logo_sha256, o.logo_content_type, o.requires_review, o.created_at";

/// A new organisation; `Conflict` when the slug is taken (in any case: slugs are course
/// key parts, and two organisations differing only in case would confuse everyone).
pub async fn create(
    db: &mut impl Db,
    slug: &str,
    name: &str,
    description: &str,
    website: Option<&str>,
    now: i64,
) -> Result<OrgId> {
    let taken: i64 = db
        .scalar(q("SELECT COUNT(*) FROM organizations WHERE LOWER(slug) = LOWER($1)").bind(slug))
        .await?;
    if taken > 0 {
        return Err(crate::StoreError::Conflict);
    }
    let id: i64 = db
        .scalar(
            q("INSERT INTO organizations (slug, name, description, website, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(slug)
                .bind(name)
                .bind(description)
                .bind(website)
                .bind(now),
        )
        .await?;
    Ok(OrgId(id))
}

/// The organisation and the viewer's role in it, in one statement.
pub async fn detail_by_slug(
    db: &mut impl Db,
    slug: &str,
    viewer: Option<UserId>,
) -> Result<Option<(OrgDetail, Option<OrgRole>)>> {
    let rows = db
        .rows(
            q_built(format!(
                "SELECT {DETAIL_COLUMNS}, m.role AS viewer_role FROM organizations o
                 LEFT JOIN org_members m ON m.org_id = o.id AND m.user_id = $2
                 WHERE o.slug = $1"
            ))
            .bind(slug)
            .bind(viewer.map(|v| v.0)),
        )
        .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let role = r
        .get::<Option<String>>("viewer_role")?
        .as_deref()
        .and_then(OrgRole::parse);
    Ok(Some((FromRow::from_row(r)?, role)))
}

pub async fn detail(db: &mut impl Db, org: OrgId) -> Result<Option<OrgDetail>> {
    db.optional(
        q_built(format!(
            "SELECT {DETAIL_COLUMNS} FROM organizations o WHERE o.id = $1"
        ))
        .bind(org.0),
    )
    .await
}

/// Name, description and website (the profile an organisation's admins edit).
pub async fn update_profile(
    db: &mut impl Db,
    org: OrgId,
    name: &str,
    description: &str,
    website: Option<&str>,
) -> Result<()> {
    db.exec(
        q("UPDATE organizations SET name = $2, description = $3, website = $4 WHERE id = $1")
            .bind(org.0)
            .bind(name)
            .bind(description)
            .bind(website),
    )
    .await?;
    Ok(())
}

pub async fn set_requires_review(db: &mut impl Db, org: OrgId, requires: bool) -> Result<()> {
    db.exec(
        q("UPDATE organizations SET requires_review = $2 WHERE id = $1")
            .bind(org.0)
            .bind(requires),
    )
    .await?;
    Ok(())
}

/// Set or clear the logo (a media file by hash, with its content type).
pub async fn set_logo(db: &mut impl Db, org: OrgId, logo: Option<(&str, &str)>) -> Result<()> {
    db.exec(
        q("UPDATE organizations SET logo_sha256 = $2, logo_content_type = $3 WHERE id = $1")
            .bind(org.0)
            .bind(logo.map(|l| l.0))
            .bind(logo.map(|l| l.1)),
    )
    .await?;
    Ok(())
}

row! {
    /// An organisation in the admin list, with its numbers.
    pub struct OrgSummary {
        pub id: i64,
        pub slug: String,
        pub name: String,
        pub logo_sha256: Option<String>,
        pub requires_review: bool,
        pub courses: i64,
        pub members: i64,
        // A person's personal space (unlisted), not an organisation proper.
        pub personal: bool,
    }
}

/// Every organisation with its course and member counts, by name, in one statement.
pub async fn summaries(db: &mut impl Db) -> Result<Vec<OrgSummary>> {
    db.all(q(
        "SELECT o.id, o.slug, o.name, o.logo_sha256, o.requires_review,
                (SELECT COUNT(*) FROM courses c WHERE c.org_id = o.id) AS courses,
                (SELECT COUNT(*) FROM org_members m WHERE m.org_id = o.id) AS members,
                o.personal_user_id IS NOT NULL AS personal
         FROM organizations o ORDER BY LOWER(o.name), o.slug",
    ))
    .await
}

row! {
    /// A person in an organisation.
    pub struct MemberRow {
        pub user_id: i64,
        pub username: String,
        pub display_name: String,
        pub role: String,
        pub created_at: i64,
        pub trusted: bool,
    }
}

/// The organisation's people, admins first, then by username, each with whether their
/// account is trusted by a stored trust or a role (a track record not yet stamped shows
/// as not trusted until it is used).
pub async fn members(db: &mut impl Db, org: OrgId) -> Result<Vec<MemberRow>> {
    db.all(
        crate::db::q_built(format!("SELECT m.user_id, u.username, u.display_name, m.role, m.created_at,
                  ((u.trust_source IS NOT NULL AND u.trust_source <> 'revoked') OR {}) AS trusted
           FROM org_members m JOIN users u ON u.id = m.user_id
           WHERE m.org_id = $1 AND u.deleted_at IS NULL
           ORDER BY CASE m.role WHEN 'admin' THEN 0 WHEN 'reviewer' THEN 1 WHEN 'creator' THEN 2 ELSE 3 END, u.username_key",
           crate::repo::trust::TRUSTED_ROLE_SQL))
        .bind(org.0),
    )
    .await
}

pub async fn member_role(db: &mut impl Db, org: OrgId, user: UserId) -> Result<Option<OrgRole>> {
    let role: Option<(String,)> = db
        .optional(
            q("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2")
                .bind(org.0)
                .bind(user.0),
        )
        .await?;
    Ok(role.and_then(|(r,)| OrgRole::parse(&r)))
}

/// Add a person with a role, or change their role.
pub async fn set_member(
    db: &mut impl Db,
    org: OrgId,
    user: UserId,
    role: OrgRole,
    now: i64,
) -> Result<()> {
    db.exec(
        q(
            "INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(org.0)
        .bind(user.0)
        .bind(role.as_str())
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Remove a person; how many rows went (0 when they were not a member).
pub async fn remove_member(db: &mut impl Db, org: OrgId, user: UserId) -> Result<u64> {
    db.exec(
        q("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user.0),
    )
    .await
}

pub async fn count_admins(db: &mut impl Db, org: OrgId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM org_members WHERE org_id = $1 AND role = 'admin'").bind(org.0),
    )
    .await
}

row! {
    /// One organisation a user belongs to, with their role.
    pub struct MembershipRow {
        pub slug: String,
        pub name: String,
        pub role: String,
    }
}

/// The organisations `user` belongs to, by name.
pub async fn memberships(db: &mut impl Db, user: UserId) -> Result<Vec<MembershipRow>> {
    db.all(
        q("SELECT o.slug, o.name, m.role FROM org_members m JOIN organizations o ON o.id = m.org_id
           WHERE m.user_id = $1 ORDER BY LOWER(o.name), o.slug")
        .bind(user.0),
    )
    .await
}
