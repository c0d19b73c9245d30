//! Site settings an administrator changes at run time: their keys, defaults and typed
//! reading, and the use case that changes them (one audit row per changed setting).
//!
//! Stored as text in `site_settings` (`lyceum_store::repo::settings`); a key never set
//! has its default. The settings:
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `signup_enabled` | anyone may create a local account (`"true"` / `"false"`) | on |
//! | `review_interval_days` | a published course not reviewed for this many days is marked "may be outdated"; `0` turns the mark off | 365 |
//! | `trust_min_account_days` | a new account is trusted by its track record after this many days… | 4 |
//! | `trust_min_activity` | …and this many activities (units completed, problems and open responses submitted) | 10 |
//! | `conduct_text` | the code of conduct (Markdown; empty: the default text of `i18n`), see `crate::conduct` | empty |
//!
//! A stored value that does not parse (edited by hand) reads as the default, so a typo in
//! the database cannot close sign-up or break the catalog.

use crate::{Env, Error, Result};
use jiff::SignedDuration;
use lyceum_core::DomainError;
use lyceum_core::limits;
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_store::Db;
use lyceum_store::repo::{audit, settings as repo};
use serde_json::json;

/// Key: may anyone sign up for a local account.
pub const SIGNUP_ENABLED: &str = "signup_enabled";
/// Key: days after which a published, unreviewed course may be outdated (0 = never).
pub const REVIEW_INTERVAL_DAYS: &str = "review_interval_days";

/// Key: days an account must exist to be trusted by its track record.
pub const TRUST_MIN_ACCOUNT_DAYS: &str = "trust_min_account_days";
/// Key: activities an account must have to be trusted by its track record.
pub const TRUST_MIN_ACTIVITY: &str = "trust_min_activity";

/// Sign-up is on until an administrator turns it off.
pub const DEFAULT_SIGNUP_ENABLED: bool = true;
/// A year.
pub const DEFAULT_REVIEW_INTERVAL_DAYS: u32 = 365;
/// The longest interval an administrator may set: ten years.
pub const MAX_REVIEW_INTERVAL_DAYS: u32 = 3_650;

/// Every site setting, typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteSettings {
    pub signup_enabled: bool,
    /// 0: courses are never marked "may be outdated".
    pub review_interval_days: u32,
    /// When a new account's track record trusts it (`lyceum_core::trust`).
    pub trust: lyceum_core::trust::TrustPolicy,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            signup_enabled: DEFAULT_SIGNUP_ENABLED,
            review_interval_days: DEFAULT_REVIEW_INTERVAL_DAYS,
            trust: lyceum_core::trust::TrustPolicy::default(),
        }
    }
}

impl SiteSettings {
    /// The interval for `lyceum_core::course::may_be_outdated` (zero means off).
    pub fn review_interval(&self) -> SignedDuration {
        SignedDuration::from_hours(i64::from(self.review_interval_days) * 24)
    }

    fn from_pairs(pairs: &[(String, String)]) -> SiteSettings {
        let mut s = SiteSettings::default();
        for (k, v) in pairs {
            match k.as_str() {
                SIGNUP_ENABLED => {
                    if let Some(b) = parse_bool(v) {
                        s.signup_enabled = b;
                    }
                }
                REVIEW_INTERVAL_DAYS => {
                    if let Ok(d) = v.trim().parse::<u32>()
                        && d <= MAX_REVIEW_INTERVAL_DAYS
                    {
                        s.review_interval_days = d;
                    }
                }
                TRUST_MIN_ACCOUNT_DAYS => {
                    if let Ok(d) = v.trim().parse::<u32>()
                        && d <= lyceum_core::trust::MAX_MIN_ACCOUNT_DAYS
                    {
                        s.trust.min_account_days = d;
                    }
                }
                TRUST_MIN_ACTIVITY => {
                    if let Ok(d) = v.trim().parse::<u32>()
                        && d <= lyceum_core::trust::MAX_MIN_ACTIVITY
                    {
                        s.trust.min_activity = d;
                    }
                }
                _ => {}
            }
        }
        s
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Every setting, read in one statement on `db` (a connection or the caller's
/// transaction).
pub async fn read(db: &mut impl Db) -> Result<SiteSettings> {
    Ok(SiteSettings::from_pairs(&repo::all(db).await?))
}

/// Every setting, in one statement.
pub async fn load(env: &Env) -> Result<SiteSettings> {
    let mut c = env.store.conn().await?;
    read(&mut c).await
}

/// May anyone create a local account now?
pub async fn signup_enabled(env: &Env) -> Result<bool> {
    Ok(load(env).await?.signup_enabled)
}

/// After how long a published course not reviewed is marked "may be outdated"
/// (`SignedDuration::ZERO`: never).
pub async fn review_interval(env: &Env) -> Result<SignedDuration> {
    Ok(load(env).await?.review_interval())
}

/// What an administrator sent from the settings form: the interval as typed, so a bad
/// value can be shown back with its error.
#[derive(Clone, Debug)]
pub struct SettingsInput<'a> {
    pub signup_enabled: bool,
    pub review_interval_days: &'a str,
}

/// Parse the interval as typed: a whole number of days, 0 to [`MAX_REVIEW_INTERVAL_DAYS`].
pub fn parse_review_interval(text: &str) -> Result<u32, DomainError> {
    limits::whole(text, 0, MAX_REVIEW_INTERVAL_DAYS)
}

/// Change the site settings (site admins only), in one transaction with one audit row
/// (`site.setting`) per setting that changed, holding its old and new values and the
/// reason. Answers the settings now in force; nothing changes when a value is refused.
pub async fn update(
    env: &Env,
    actor: &Actor,
    input: &SettingsInput<'_>,
    reason: &str,
) -> Result<SiteSettings> {
    if !can(actor, Action::Administer, Resource::Site).allowed() {
        return Err(Error::not_found());
    }
    let days = parse_review_interval(input.review_interval_days).map_err(Error::invalid)?;
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let old = read(&mut tx).await?;
    let new = SiteSettings {
        signup_enabled: input.signup_enabled,
        review_interval_days: days,
        ..old
    };
    let changes = [
        (
            SIGNUP_ENABLED,
            json!(old.signup_enabled),
            json!(new.signup_enabled),
            new.signup_enabled.to_string(),
        ),
        (
            REVIEW_INTERVAL_DAYS,
            json!(old.review_interval_days),
            json!(new.review_interval_days),
            new.review_interval_days.to_string(),
        ),
    ];
    for (key, before, after, text) in changes {
        if before == after {
            continue;
        }
        repo::set(&mut tx, key, &text, now).await?;
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor: actor.user,
                action: "site.setting",
                target_type: "site",
                target_id: key,
                reason: &reason,
                details: json!({ "key": key, "old": before, "new": after }),
                now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new)
}

/// Set the track record that trusts a new account (site admins only): days since the
/// account was created, and activities. One audit row (`site.setting`) per change.
pub async fn set_trust_thresholds(
    env: &Env,
    actor: &Actor,
    min_account_days: &str,
    min_activity: &str,
    reason: &str,
) -> Result<SiteSettings> {
    if !can(actor, Action::Administer, Resource::Site).allowed() {
        return Err(Error::not_found());
    }
    let days = limits::whole(
        min_account_days,
        0,
        lyceum_core::trust::MAX_MIN_ACCOUNT_DAYS,
    )
    .map_err(Error::invalid)?;
    let activity = limits::whole(min_activity, 0, lyceum_core::trust::MAX_MIN_ACTIVITY)
        .map_err(Error::invalid)?;
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let old = read(&mut tx).await?;
    let mut new = old;
    new.trust.min_account_days = days;
    new.trust.min_activity = activity;
    for (key, before, after) in [
        (TRUST_MIN_ACCOUNT_DAYS, old.trust.min_account_days, days),
        (TRUST_MIN_ACTIVITY, old.trust.min_activity, activity),
    ] {
        if before == after {
            continue;
        }
        repo::set(&mut tx, key, &after.to_string(), now).await?;
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor: actor.user,
                action: "site.setting",
                target_type: "site",
                target_id: key,
                reason: &reason,
                details: json!({ "key": key, "old": before, "new": after }),
                now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new)
}

/// Turn sign-up on or off (site admins only), keeping the other settings.
pub async fn set_signup_enabled(
    env: &Env,
    actor: &Actor,
    on: bool,
    reason: &str,
) -> Result<SiteSettings> {
    let current = load(env).await?;
    let days = current.review_interval_days.to_string();
    update(
        env,
        actor,
        &SettingsInput {
            signup_enabled: on,
            review_interval_days: &days,
        },
        reason,
    )
    .await
}

/// Set the review interval in days (site admins only; 0 turns the mark off), keeping the
/// other settings.
pub async fn set_review_interval_days(
    env: &Env,
    actor: &Actor,
    days: u32,
    reason: &str,
) -> Result<SiteSettings> {
    let current = load(env).await?;
    let days = days.to_string();
    update(
        env,
        actor,
        &SettingsInput {
            signup_enabled: current.signup_enabled,
            review_interval_days: &days,
        },
        reason,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_and_bad_stored_values() {
        assert_eq!(SiteSettings::from_pairs(&[]), SiteSettings::default());
        let s = SiteSettings::from_pairs(&pairs(&[
            (SIGNUP_ENABLED, "false"),
            (REVIEW_INTERVAL_DAYS, "0"),
        ]));
        assert!(!s.signup_enabled);
        assert!(s.review_interval().is_zero());
        let s = SiteSettings::from_pairs(&pairs(&[
            (SIGNUP_ENABLED, "maybe"),
            (REVIEW_INTERVAL_DAYS, "-3"),
            ("unknown", "x"),
        ]));
        assert_eq!(s, SiteSettings::default());
        assert_eq!(s.review_interval(), SignedDuration::from_hours(365 * 24));
        assert!(parse_review_interval("3651").is_err());
        assert_eq!(parse_review_interval(" 30 ").unwrap(), 30);
    }
}
