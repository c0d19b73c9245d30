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

/// The fewest characters a new password may have (said on every form that sets one).
pub const PASSWORD_MIN_CHARS: usize = 10;
/// The most bytes a password may have: long enough for any passphrase, short enough not to
/// be a denial of service for the hash function.
pub const PASSWORD_MAX_BYTES: usize = 1024;
/// A username shorter than this is not looked for inside passwords: "correct horse battery"
/// should not be refused for containing the name "or".
const USERNAME_IN_PASSWORD_MIN_CHARS: usize = 4;

/// The 10,000 most common passwords, lower-cased, one a line (see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// Is `password` (compared lower-cased) on the list of the most common passwords?
pub fn is_common_password(password: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let set = SET.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).collect());
    set.contains(password.to_lowercase().as_str())
}

/// The length rules alone: what logging in with an existing password may need to pass
/// (older accounts keep working), and the first part of [`validate_new_password`].
pub fn validate_password(password: &str) -> Result<(), DomainError> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(DomainError::new("lyceum-error-password-short")
            .with_arg(PASSWORD_MIN_CHARS.to_string()));
    }
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(DomainError::new("lyceum-error-password-long"));
    }
    Ok(())
}

/// The policy for a password being set for `username` (sign-up, change, reset, an
/// operator's `user add`): at least [`PASSWORD_MIN_CHARS`] characters, at most
/// [`PASSWORD_MAX_BYTES`] bytes, not the username nor containing it (case aside; names
/// under four characters are only compared whole), and not one of the 10,000 most common
/// passwords. Each refusal names its rule, so the person knows what to change.
pub fn validate_new_password(password: &str, username: &str) -> Result<(), DomainError> {
    validate_password(password)?;
    let pw = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if !name.is_empty() {
        let squashed: String = pw.chars().filter(|c| !c.is_whitespace()).collect();
        let name_squashed: String = name.chars().filter(|c| !c.is_whitespace()).collect();
        if pw == name || squashed == name_squashed {
            return Err(DomainError::new("lyceum-password-error-is-username"));
        }
        if name_squashed.chars().count() >= USERNAME_IN_PASSWORD_MIN_CHARS
            && squashed.contains(&name_squashed)
        {
            return Err(DomainError::new("lyceum-password-error-has-username"));
        }
    }
    if is_common_password(&pw) || is_common_password(pw.trim()) {
        return Err(DomainError::new("lyceum-password-error-common"));
    }
    Ok(())
}

/// An e-mail address someone typed: trimmed; empty means none. One plain address at most
/// [`crate::limits::EMAIL`] long, with no separators or line breaks (it goes into a mail
/// header as it is).
pub fn validate_email(email: &str) -> Result<Option<String>, DomainError> {
    let a = email.trim();
    if a.is_empty() {
        return Ok(None);
    }
    let max = crate::limits::EMAIL.max_chars;
    if a.chars().count() > max {
        return Err(
            DomainError::new("lyceum-error-email").with_arg(a.chars().take(40).collect::<String>())
        );
    }
    let ok = a.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !a
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"'));
    if ok {
        Ok(Some(a.to_owned()))
    } else {
        Err(DomainError::new("lyceum-error-email").with_arg(a))
    }
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
        let long = "x".repeat(2000);
        // (password, username, the refusal's key or None when accepted)
        let table: &[(&str, &str, Option<&str>)] = &[
            ("short", "ada", Some("lyceum-error-password-short")),
            ("123456789", "ada", Some("lyceum-error-password-short")),
            ("ééééééééé", "ada", Some("lyceum-error-password-short")),
            (&long, "ada", Some("lyceum-error-password-long")),
            ("correct horse battery", "ada", None),
            ("correct horse battery", "root", None),
            // Ten characters, counted as characters, not bytes.
            ("ééééééééé€", "ada", None),
            ("عائشة تتعلم الآن", "ada", None),
            // The name, whole or inside, in any case.
            (
                "LovelaceAda1",
                "lovelaceada1",
                Some("lyceum-password-error-is-username"),
            ),
            (
                "Ada Lovelace",
                "ada lovelace",
                Some("lyceum-password-error-is-username"),
            ),
            (
                "AdaLovelace",
                "Ada Lovelace",
                Some("lyceum-password-error-is-username"),
            ),
            (
                "my name is Lovelace!",
                "lovelace",
                Some("lyceum-password-error-has-username"),
            ),
            (
                "xx-INSTRUCTOR-xx",
                "instructor",
                Some("lyceum-password-error-has-username"),
            ),
            // A short name is only compared whole.
            ("correct horse battery", "or", None),
            ("the big cat sat", "cat", None),
            // The most common passwords of ten characters or more, in any case.
            ("1234567890", "ada", Some("lyceum-password-error-common")),
            ("qwertyuiop", "ada", Some("lyceum-password-error-common")),
            ("Password123", "ada", Some("lyceum-password-error-common")),
            ("QWERTYUIOP", "ada", Some("lyceum-password-error-common")),
        ];
        for (pw, name, want) in table {
            let got = validate_new_password(pw, name).err().map(|e| e.key.0);
            assert_eq!(got, *want, "{pw:?} for {name:?}");
        }
        assert_eq!(
            validate_new_password("short", "x").unwrap_err().args,
            vec!["10".to_string()]
        );
        // The length rules alone, for passwords already set.
        assert!(validate_password("short").is_err());
        assert!(validate_password("1234567890").is_ok());
    }

    #[test]
    fn the_common_list_is_the_shipped_one() {
        assert_eq!(COMMON_PASSWORDS.lines().count(), 10_000);
        assert!(is_common_password("123456"));
        assert!(is_common_password("PASSWORD"));
        assert!(!is_common_password("correct horse battery"));
        // Lower-cased on disk, so lower-casing what people type finds every entry.
        assert!(COMMON_PASSWORDS.lines().all(|l| l == l.to_lowercase()));
    }

    #[test]
    fn emails() {
        let table: &[(&str, Result<Option<&str>, ()>)] = &[
            ("", Ok(None)),
            ("   ", Ok(None)),
            (" lina@example.org ", Ok(Some("lina@example.org"))),
            ("نور@example.org", Ok(Some("نور@example.org"))),
            ("nobody", Err(())),
            ("@example.org", Err(())),
            ("lina@", Err(())),
            ("a@b@c", Err(())),
            ("lina@example.org\r\nBcc: x@y", Err(())),
            ("a@b, c@d", Err(())),
            ("Lina <lina@example.org>", Err(())),
        ];
        for (input, want) in table {
            let got = validate_email(input);
            assert_eq!(
                got.as_ref().map(|o| o.as_deref()).map_err(|_| ()),
                *want,
                "{input:?}"
            );
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(validate_email(&long).is_err());
    }

    #[test]
    fn time_zones() {
        assert_eq!(validate_time_zone("Africa/Cairo").unwrap(), "Africa/Cairo");
        assert!(validate_time_zone("Mars/Olympus").is_err());
        assert!(validate_time_zone("").is_err());
    }
}
