//! Trust for new accounts: the rule that says whether an account has earned the right
//! to create courses and upload files, to publish links that search engines follow, and
//! to the looser creation limits. Pure: the facts are gathered by the store and the app.
//!
//! An account is trusted when any of these holds (the first that holds is its *source*):
//! - **grant**: a site admin, or an admin of an organisation the person belongs to,
//!   trusted it (with a reason; site admins may revoke it);
//! - **role**: site admin, site moderator, the site's course-creation grant, admin,
//!   reviewer, creator or moderator of an organisation (not a personal space), or a
//!   member of any course team (not in a personal space);
//! - **wiki**: its Wikimedia account is autoconfirmed (or better) on the site's home
//!   wiki, as read from the Action API at the last Wikimedia login;
//! - **record**: it is at least `min_account_days` old AND has at least `min_activity`
//!   activities (units completed, problems submitted, open responses submitted).

use crate::error::DomainError;

/// Why an account is trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustSource {
    Grant,
    Role,
    Wiki,
    Record,
}

impl TrustSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TrustSource::Grant => "grant",
            TrustSource::Role => "role",
            TrustSource::Wiki => "wiki",
            TrustSource::Record => "record",
        }
    }

    pub fn parse(s: &str) -> Option<TrustSource> {
        match s {
            "grant" => Some(TrustSource::Grant),
            "role" => Some(TrustSource::Role),
            "wiki" => Some(TrustSource::Wiki),
            "record" => Some(TrustSource::Record),
            _ => None,
        }
    }
}

/// The site's thresholds for a track record (site settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustPolicy {
    pub min_account_days: u32,
    pub min_activity: u32,
}

/// Like Wikipedia's autoconfirmed: four days.
pub const DEFAULT_MIN_ACCOUNT_DAYS: u32 = 4;
/// Ten things done on the site (Wikipedia asks for ten edits).
pub const DEFAULT_MIN_ACTIVITY: u32 = 10;
/// Upper bounds an admin may set.
pub const MAX_MIN_ACCOUNT_DAYS: u32 = 365;
pub const MAX_MIN_ACTIVITY: u32 = 10_000;

impl Default for TrustPolicy {
    fn default() -> Self {
        TrustPolicy {
            min_account_days: DEFAULT_MIN_ACCOUNT_DAYS,
            min_activity: DEFAULT_MIN_ACTIVITY,
        }
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;

impl TrustPolicy {
    /// Does a track record meet the policy? `created_at` and `now` in ms.
    pub fn record_met(&self, created_at: i64, now: i64, activity: i64) -> bool {
        now - created_at >= i64::from(self.min_account_days) * DAY_MS
            && activity >= i64::from(self.min_activity)
    }

    /// When the account will be old enough (ms), whatever its activity.
    pub fn old_enough_at(&self, created_at: i64) -> i64 {
        created_at + i64::from(self.min_account_days) * DAY_MS
    }

    /// The refusal an untrusted account gets, saying when it can: "New accounts can
    /// create courses after N days and M activities, or when an admin trusts them".
    /// `what` is the message key of the refusal (`lyceum-trust-error-create` or
    /// `lyceum-trust-error-upload`); its arguments are the days and activities asked
    /// and the person's own activity so far.
    pub fn refusal(&self, what: &'static str, activity: i64) -> DomainError {
        DomainError::new(what)
            .with_arg(self.min_account_days.to_string())
            .with_arg(self.min_activity.to_string())
            .with_arg(activity.max(0).to_string())
    }
}

/// The facts about one account the rule needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustFacts {
    /// A stored grant ('grant'), Wikimedia standing ('wiki') or track record ('record').
    pub stored: Option<TrustSource>,
    /// A site admin revoked the account's trust: neither its Wikimedia standing nor its
    /// track record trusts it again until it is granted (roles still do: they are
    /// given by admins too).
    pub revoked: bool,
    /// Holds a trusted role (see the module's documentation).
    pub role: bool,
    /// The groups read from the home wiki at the last Wikimedia login.
    pub wiki_groups: Option<Vec<String>>,
    pub created_at: i64,
    pub activity: i64,
}

/// Why the account is trusted, or `None`.
pub fn source(policy: &TrustPolicy, facts: &TrustFacts, now: i64) -> Option<TrustSource> {
    if facts.stored == Some(TrustSource::Grant) {
        return Some(TrustSource::Grant);
    }
    if facts.role {
        return Some(TrustSource::Role);
    }
    if facts.revoked {
        return None;
    }
    if facts.stored == Some(TrustSource::Wiki)
        || facts.wiki_groups.as_deref().is_some_and(wiki_trusted)
    {
        return Some(TrustSource::Wiki);
    }
    if facts.stored == Some(TrustSource::Record)
        || policy.record_met(facts.created_at, now, facts.activity)
    {
        return Some(TrustSource::Record);
    }
    None
}

/// MediaWiki groups that mean "autoconfirmed or better": autoconfirmed itself, and the
/// groups only given to established editors.
const WIKI_TRUSTED_GROUPS: [&str; 10] = [
    "autoconfirmed",
    "extendedconfirmed",
    "confirmed",
    "autopatrolled",
    "patroller",
    "rollbacker",
    "reviewer",
    "editor",
    "sysop",
    "bureaucrat",
];

/// Do these wiki groups make an account trusted?
pub fn wiki_trusted(groups: &[String]) -> bool {
    groups
        .iter()
        .any(|g| WIKI_TRUSTED_GROUPS.contains(&g.as_str()))
}

/// What the Action API says about one wiki user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WikiStanding {
    pub groups: Vec<String>,
    pub editcount: i64,
}

/// Read the answer of `action=query&list=users&ususers=NAME&usprop=groups|editcount`
/// (format=json, formatversion 1 or 2). `None` when the user is missing or the answer
/// is not that shape.
pub fn parse_wiki_standing(answer: &serde_json::Value) -> Option<WikiStanding> {
    let user = answer.get("query")?.get("users")?.as_array()?.first()?;
    if user.get("missing").is_some() || user.get("invalid").is_some() {
        return None;
    }
    let groups = user
        .get("groups")?
        .as_array()?
        .iter()
        .filter_map(|g| g.as_str().map(str::to_owned))
        .collect();
    let editcount = user.get("editcount").and_then(|e| e.as_i64()).unwrap_or(0);
    Some(WikiStanding { groups, editcount })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 100 * DAY_MS;

    fn facts() -> TrustFacts {
        TrustFacts {
            created_at: NOW - DAY_MS,
            ..TrustFacts::default()
        }
    }

    #[test]
    fn a_new_account_is_not_trusted() {
        assert_eq!(source(&TrustPolicy::default(), &facts(), NOW), None);
    }

    #[test]
    fn a_track_record_needs_both_age_and_activity() {
        let p = TrustPolicy::default();
        let old_idle = TrustFacts {
            created_at: NOW - 30 * DAY_MS,
            activity: 9,
            ..facts()
        };
        assert_eq!(source(&p, &old_idle, NOW), None);
        let young_busy = TrustFacts {
            created_at: NOW - 4 * DAY_MS + 1,
            activity: 50,
            ..facts()
        };
        assert_eq!(source(&p, &young_busy, NOW), None);
        let exactly = TrustFacts {
            created_at: NOW - 4 * DAY_MS,
            activity: 10,
            ..facts()
        };
        assert_eq!(source(&p, &exactly, NOW), Some(TrustSource::Record));
        assert_eq!(p.old_enough_at(NOW), NOW + 4 * DAY_MS);
        let strict = TrustPolicy {
            min_account_days: 0,
            min_activity: 0,
        };
        assert_eq!(source(&strict, &facts(), NOW), Some(TrustSource::Record));
    }

    #[test]
    fn grants_roles_and_wiki_standing_trust_at_once() {
        let p = TrustPolicy::default();
        let granted = TrustFacts {
            stored: Some(TrustSource::Grant),
            role: true,
            ..facts()
        };
        assert_eq!(source(&p, &granted, NOW), Some(TrustSource::Grant));
        let role = TrustFacts {
            role: true,
            ..facts()
        };
        assert_eq!(source(&p, &role, NOW), Some(TrustSource::Role));
        let wiki = TrustFacts {
            wiki_groups: Some(vec!["*".into(), "user".into(), "autoconfirmed".into()]),
            ..facts()
        };
        assert_eq!(source(&p, &wiki, NOW), Some(TrustSource::Wiki));
        let fresh_wiki = TrustFacts {
            wiki_groups: Some(vec!["*".into(), "user".into()]),
            ..facts()
        };
        assert_eq!(source(&p, &fresh_wiki, NOW), None);
        let stamped = TrustFacts {
            stored: Some(TrustSource::Record),
            ..facts()
        };
        assert_eq!(source(&p, &stamped, NOW), Some(TrustSource::Record));
    }

    #[test]
    fn a_revoked_account_needs_a_grant_or_a_role() {
        let p = TrustPolicy::default();
        let revoked = TrustFacts {
            revoked: true,
            created_at: 0,
            activity: 1_000,
            wiki_groups: Some(vec!["autoconfirmed".into()]),
            ..facts()
        };
        assert_eq!(source(&p, &revoked, NOW), None);
        let with_role = TrustFacts {
            role: true,
            ..revoked
        };
        assert_eq!(source(&p, &with_role, NOW), Some(TrustSource::Role));
    }

    #[test]
    fn sources_round_trip() {
        for s in [
            TrustSource::Grant,
            TrustSource::Role,
            TrustSource::Wiki,
            TrustSource::Record,
        ] {
            assert_eq!(TrustSource::parse(s.as_str()), Some(s));
        }
        assert_eq!(TrustSource::parse("other"), None);
    }

    /// Real answers of MediaWiki 1.39.17's Action API (the test wiki of
    /// `/work/shared/mediawiki`, recorded 2026-12-06) to
    /// `action=query&list=users&ususers=NAME&usprop=groups|editcount|registration&formatversion=2`:
    /// a new account (stock MediaWiki makes it autoconfirmed at once), a sysop, a name
    /// that does not exist and an invalid one.
    #[test]
    fn the_action_api_answer_is_read() {
        let read = |s: &str| parse_wiki_standing(&serde_json::from_str(s).unwrap());
        let learner = read(
            r#"{"batchcomplete":true,"query":{"users":[{"userid":3,"name":"Learner1","editcount":0,"registration":"2026-12-06T15:39:01Z","groups":["*","user","autoconfirmed"]}]}}"#,
        )
        .unwrap();
        assert_eq!(learner.editcount, 0);
        assert_eq!(learner.groups, ["*", "user", "autoconfirmed"]);
        assert!(wiki_trusted(&learner.groups));
        let admin = read(
            r#"{"batchcomplete":true,"query":{"users":[{"userid":1,"name":"Admin","editcount":0,"registration":"2026-12-06T15:39:00Z","groups":["bureaucrat","interface-admin","sysop","*","user","autoconfirmed"]}]}}"#,
        )
        .unwrap();
        assert!(wiki_trusted(&admin.groups));
        assert_eq!(
            read(
                r#"{"batchcomplete":true,"query":{"users":[{"name":"Nobody here","missing":true}]}}"#
            ),
            None
        );
        assert_eq!(
            read(r#"{"batchcomplete":true,"query":{"users":[{"name":"","invalid":true}]}}"#),
            None
        );
        assert_eq!(parse_wiki_standing(&serde_json::json!({"error": {}})), None);
        // A user only in the implicit groups is not trusted by them.
        assert!(!wiki_trusted(&["*".to_owned(), "user".to_owned()]));
    }

    #[test]
    fn the_refusal_says_when() {
        let e = TrustPolicy::default().refusal("lyceum-trust-error-create", 3);
        assert_eq!(e.key.0, "lyceum-trust-error-create");
        assert_eq!(e.args, vec!["4", "10", "3"]);
    }
}
