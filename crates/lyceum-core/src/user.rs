//! Rules for accounts and preferences: names, passwords, time zones.

use crate::error::DomainError;

const FORBIDDEN: &str = "@:=#<>[]|{}/\\";

/// Local usernames: what MediaWiki would accept as a name, minus the characters it
/// forbids, so a local name never looks like an interwiki link or an e-mail address.
pub fn validate_username(name: &str) -> Result<String, DomainError> {
    let name = name.trim();
    let bad = |k: &'static str| Err(DomainError::new(k));
    if name.is_empty() {
        return bad("lyceum-error-username-empty");
    }
    if name.chars().count() > 85 {
        return Err(DomainError::new("lyceum-error-username-long").with_arg("85"));
    }
    // Bidi overrides and isolates too: a name that reads differently from how it sorts
    // could pass for someone else's.
    if name
        .chars()
        .any(|c| c.is_control() || crate::limits::is_hostile(c, false) || FORBIDDEN.contains(c))
    {
        let list: Vec<String> = FORBIDDEN.chars().map(String::from).collect();
        return Err(DomainError::new("lyceum-error-username-invalid").with_arg(list.join(" ")));
    }
    Ok(name.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The key under which names are unique: "Ada" and "ada" are the same person.
pub fn username_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Passwords: long enough to resist guessing, short enough not to be a denial of service
/// for the hash function.
pub fn validate_password(password: &str) -> Result<(), DomainError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(DomainError::new("lyceum-error-password-short").with_arg("10"));
    }
    if password.len() > 1024 {
        return Err(DomainError::new("lyceum-error-password-long"));
    }
    Ok(())
}

/// A display name: controls and bidi overrides are removed (they only ever serve to make
/// a name look like something else), at most 100 characters remain.
pub fn validate_display_name(name: &str) -> Result<String, DomainError> {
    let name = crate::limits::strip(name, false);
    let name = name.trim();
    let max = crate::limits::DISPLAY_NAME.max_chars;
    if name.chars().count() > max {
        return Err(DomainError::new("lyceum-error-display-name-long").with_arg(max.to_string()));
    }
    Ok(name.to_owned())
}

/// The name people see for an account: its display name, or its username when it has none.
pub fn shown_name<'a>(display_name: &'a str, username: &'a str) -> &'a str {
    if display_name.trim().is_empty() {
        username
    } else {
        display_name
    }
}

/// An IANA time zone name known to the time zone database (`Africa/Cairo`, `UTC`).
pub fn validate_time_zone(tz: &str) -> Result<String, DomainError> {
    let tz = tz.trim();
    if tz.len() > 64 || jiff::tz::TimeZone::get(tz).is_err() {
        return Err(DomainError::new("lyceum-error-time-zone").with_arg(tz));
    }
    Ok(tz.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            validate_username("  Ada   Lovelace ").unwrap(),
            "Ada Lovelace"
        );
        assert_eq!(validate_username("عائشة").unwrap(), "عائشة");
        let err = validate_username("a@b").unwrap_err();
        assert_eq!(err.args, vec!["@ : = # < > [ ] | { } / \\".to_string()]);
        for bad in ["", "  ", "a@b", "x:y", "a/b", "tab\there", &"x".repeat(86)] {
            assert!(validate_username(bad).is_err(), "{bad:?}");
        }
        assert_eq!(username_key("Ada"), username_key("ADA"));
    }

    #[test]
    fn passwords() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough!").is_ok());
        assert!(validate_password(&"x".repeat(2000)).is_err());
    }

    #[test]
    fn time_zones() {
        assert_eq!(validate_time_zone("Africa/Cairo").unwrap(), "Africa/Cairo");
        assert!(validate_time_zone("Mars/Olympus").is_err());
        assert!(validate_time_zone("").is_err());
    }
}
