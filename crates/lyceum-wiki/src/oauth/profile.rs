//! The `/oauth2/resource/profile` answer, read leniently except where identity is at stake.

use super::OAuthError;
use serde_json::{Map, Value};

/// Who logged in, as Meta-Wiki describes them.
///
/// Key accounts by `central_id` (stable across global renames); `username` is an attribute to
/// refresh on every login. `blocked`, `editcount` and `groups` describe the local account on the
/// wiki serving the profile (Meta), not global activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The CentralAuth (SUL) user id, from `sub`.
    pub central_id: i64,
    pub username: String,
    /// Blocked on the serving wiki. Not a reason to refuse a learner by itself.
    pub blocked: bool,
    /// When the account was created; `None` for very old accounts.
    pub registered: Option<jiff::Timestamp>,
    pub editcount: Option<i64>,
    pub groups: Vec<String>,
    pub confirmed_email: bool,
    /// Only with the `mwoauth-authonlyprivate` grant, and only once confirmed.
    pub email: Option<String>,
    /// Only with the `mwoauth-authonlyprivate` grant.
    pub realname: Option<String>,
}

/// Parses a profile body. Identity fields are strict; descriptive ones tolerate PHP's quirks
/// (`false` for "none", arrays serialised as objects with numeric keys) so that an odd detail
/// never blocks a login.
pub(crate) fn parse_profile(body: &[u8]) -> Result<Profile, OAuthError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| OAuthError::InvalidResponse(format!("profile is not JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(OAuthError::InvalidResponse(
            "profile is not a JSON object".to_owned(),
        ));
    };

    let sub = parse_sub(map.get("sub"))?;
    let blocked = map.get("blocked").and_then(Value::as_bool).unwrap_or(false);
    let username = map
        .get("username")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty());

    // A hidden user's profile is exactly `{"sub": …, "blocked": true}`.
    let Some(username) = username else {
        return Err(if blocked {
            OAuthError::Suppressed
        } else {
            OAuthError::InvalidResponse("profile without a username".to_owned())
        });
    };
    if sub == 0 {
        return Err(OAuthError::NoCentralId);
    }
    if sub < 0 {
        return Err(OAuthError::InvalidResponse(format!(
            "negative central id {sub}"
        )));
    }

    let confirmed_email = map
        .get("confirmed_email")
        .or_else(|| map.get("email_verified"))
        .and_then(Value::as_bool)
        .unwrap_or(false);

    Ok(Profile {
        central_id: sub,
        username: username.to_owned(),
        blocked,
        registered: map.get("registered").and_then(|v| match v {
            Value::String(s) => {
                let parsed = parse_mw_timestamp(s);
                if parsed.is_none() {
                    tracing::debug!(registered = %s, "unparseable registration timestamp ignored");
                }
                parsed
            }
            _ => None,
        }),
        editcount: map.get("editcount").and_then(Value::as_i64),
        groups: string_list(map.get("groups")),
        confirmed_email,
        email: non_empty_string(&map, "email"),
        realname: non_empty_string(&map, "realname"),
    })
}

/// `sub` is a string per the spec; a number is accepted too in case a version emits one.
fn parse_sub(sub: Option<&Value>) -> Result<i64, OAuthError> {
    match sub {
        Some(Value::String(s)) => s
            .parse::<i64>()
            .map_err(|_| OAuthError::InvalidResponse(format!("sub {s:?} is not an integer"))),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| OAuthError::InvalidResponse(format!("sub {n} is not an i64"))),
        Some(other) => Err(OAuthError::InvalidResponse(format!(
            "sub has the wrong type: {other}"
        ))),
        None => Err(OAuthError::InvalidResponse(
            "profile without sub".to_owned(),
        )),
    }
}

fn non_empty_string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A list of strings, from a JSON array or from a PHP array that lost its sequential keys.
fn string_list(value: Option<&Value>) -> Vec<String> {
    let strings = |items: &mut dyn Iterator<Item = &Value>| {
        items.filter_map(Value::as_str).map(str::to_owned).collect()
    };
    match value {
        Some(Value::Array(items)) => strings(&mut items.iter()),
        Some(Value::Object(items)) => strings(&mut items.values()),
        _ => Vec::new(),
    }
}

/// Parses a MediaWiki timestamp, `YYYYMMDDHHMMSS` in UTC (e.g. `20261121110959`).
pub fn parse_mw_timestamp(s: &str) -> Option<jiff::Timestamp> {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All ASCII digits, so byte slicing is on character boundaries.
    let field = |range: std::ops::Range<usize>| s.get(range)?.parse::<i16>().ok();
    let narrow = |v: i16| i8::try_from(v).ok();
    let datetime = jiff::civil::DateTime::new(
        field(0..4)?,
        narrow(field(4..6)?)?,
        narrow(field(6..8)?)?,
        narrow(field(8..10)?)?,
        narrow(field(10..12)?)?,
        narrow(field(12..14)?)?,
        0,
    )
    .ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(datetime).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mw_timestamps() {
        let ts = parse_mw_timestamp("20261121110959").unwrap();
        assert_eq!(ts.to_string(), "2026-11-21T11:09:59Z");
        assert_eq!(
            parse_mw_timestamp("20010115000000").unwrap().to_string(),
            "2001-01-15T00:00:00Z"
        );
        for bad in [
            "",
            "2026112111095",
            "202611211109590",
            "2026-11-21T11:0",
            "20261321110959",
            "20261121250959",
            "2026112111095x",
            "２０２６１１２１１１０９５９",
        ] {
            assert_eq!(parse_mw_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn readme_profile() {
        let body = br#"{"sub":"3","username":"Learner1","editcount":0,"confirmed_email":true,"blocked":false,
 "registered":"20261121110959","groups":["*","user","autoconfirmed"],
 "rights":["read","edit"],"grants":["basic"],"realname":"Learner One","email":"learner1@example.test"}"#;
        let p = parse_profile(body).unwrap();
        assert_eq!(p.central_id, 3);
        assert_eq!(p.username, "Learner1");
        assert_eq!(p.editcount, Some(0));
        assert!(p.confirmed_email);
        assert!(!p.blocked);
        assert_eq!(p.registered.unwrap().to_string(), "2026-11-21T11:09:59Z");
        assert_eq!(p.groups, ["*", "user", "autoconfirmed"]);
        assert_eq!(p.realname.as_deref(), Some("Learner One"));
        assert_eq!(p.email.as_deref(), Some("learner1@example.test"));
    }

    #[test]
    fn lenient_details() {
        let body = br#"{"sub":12,"username":"Old","registered":false,"email":"","realname":"",
            "groups":{"0":"*","2":"user"},"editcount":"many","unknown":{"x":1}}"#;
        let p = parse_profile(body).unwrap();
        assert_eq!(p.central_id, 12);
        assert_eq!(p.registered, None);
        assert_eq!(p.email, None);
        assert_eq!(p.realname, None);
        assert_eq!(p.groups, ["*", "user"]);
        assert_eq!(p.editcount, None);
        assert!(!p.confirmed_email);
        let p = parse_profile(br#"{"sub":"12","username":"Old","registered":null}"#).unwrap();
        assert_eq!(p.registered, None);
    }

    #[test]
    fn identity_errors() {
        let err = |body: &[u8]| parse_profile(body).unwrap_err();
        assert!(matches!(
            err(br#"{"sub":"7","blocked":true}"#),
            OAuthError::Suppressed
        ));
        assert!(matches!(
            err(br#"{"sub":"0","username":"Local"}"#),
            OAuthError::NoCentralId
        ));
        assert!(matches!(
            err(br#"{"sub":"-4","username":"X"}"#),
            OAuthError::InvalidResponse(_)
        ));
        assert!(matches!(
            err(br#"{"sub":"4a","username":"X"}"#),
            OAuthError::InvalidResponse(_)
        ));
        assert!(matches!(
            err(br#"{"username":"X"}"#),
            OAuthError::InvalidResponse(_)
        ));
        assert!(matches!(
            err(br#"{"sub":"5"}"#),
            OAuthError::InvalidResponse(_)
        ));
        assert!(matches!(err(b"<html>"), OAuthError::InvalidResponse(_)));
        assert!(matches!(err(b"[1]"), OAuthError::InvalidResponse(_)));
    }

    #[test]
    fn blocked_but_visible_user_logs_in() {
        let p = parse_profile(br#"{"sub":"9","username":"Vandal","blocked":true}"#).unwrap();
        assert!(p.blocked);
    }
}
