//! Site settings an admin changes at run time, by key, as text. Each setting's meaning,
//! default and parsing live with the code that reads it (`lyceum_app`).

use crate::Result;
use crate::db::{Db, q};

pub async fn get(db: &mut impl Db, key: &str) -> Result<Option<String>> {
    Ok(db
        .optional::<(String,)>(q("SELECT value FROM site_settings WHERE key = $1").bind(key))
        .await?
        .map(|(v,)| v))
}

/// Every stored setting (those never set are absent: their defaults apply).
pub async fn all(db: &mut impl Db) -> Result<Vec<(String, String)>> {
    db.all(q("SELECT key, value FROM site_settings ORDER BY key"))
        .await
}

pub async fn set(db: &mut impl Db, key: &str, value: &str, now: i64) -> Result<()> {
    db.exec(
        q("INSERT INTO site_settings (key, value, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(key)
        .bind(value)
        .bind(now),
    )
    .await?;
    Ok(())
}
