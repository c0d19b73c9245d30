//! Organisations: the affiliates and groups that publish courses.

use crate::Result;
use crate::db::{Db, run};
use lyceum_core::OrgId;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrgRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub website: Option<String>,
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
    let id: i64 = run!(db, |c| {
        sqlx::query_scalar(
        "INSERT INTO organizations (slug, name, description, website, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description, website = excluded.website
         RETURNING id"
    )
    .bind(slug)
    .bind(name)
    .bind(description)
    .bind(website)
    .bind(now)
    .fetch_one(c)
    .await
    })?;
    Ok(OrgId(id))
}

pub async fn find_by_slug(db: &mut impl Db, slug: &str) -> Result<Option<OrgRow>> {
    Ok(run!(db, |c| sqlx::query_as::<_, OrgRow>(
        "SELECT id, slug, name, description, website FROM organizations WHERE slug = $1"
    )
    .bind(slug)
    .fetch_optional(c)
    .await)?)
}

pub async fn list(db: &mut impl Db) -> Result<Vec<OrgRow>> {
    Ok(run!(db, |c| sqlx::query_as::<_, OrgRow>(
        "SELECT id, slug, name, description, website FROM organizations ORDER BY name"
    )
    .fetch_all(c)
    .await)?)
}
