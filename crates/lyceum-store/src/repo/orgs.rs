//! Organisations: the affiliates and groups that publish courses.

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::OrgId;

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
