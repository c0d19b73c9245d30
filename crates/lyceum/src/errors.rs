//! Use-case errors as a sentence for the command line, in the language of the user's
//! locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), English when the site has no messages in it.

use lyceum_app::{Error, ErrorKind};
use lyceum_i18n::{Arg, Catalog};
use std::sync::OnceLock;

/// The interface's messages, embedded at build time (the same files the site shows).
const MESSAGE_FILES: [(&str, &str); 3] = [
    ("en", include_str!("../../../i18n/en.json")),
    ("fr", include_str!("../../../i18n/fr.json")),
    ("ar", include_str!("../../../i18n/ar.json")),
];

fn catalog() -> Option<&'static Catalog> {
    static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| Catalog::from_sources(MESSAGE_FILES.iter().copied()).ok())
        .as_ref()
}

/// The language of a POSIX locale value (`fr_FR.UTF-8` → `fr`); `None` for the
/// language-less `C` and `POSIX` locales.
fn locale_language(value: &str) -> Option<String> {
    let lang = value.split(['_', '.', '@']).next()?.to_ascii_lowercase();
    (!lang.is_empty() && lang != "c" && lang != "posix").then_some(lang)
}

/// The user's language, as POSIX programs find it.
pub fn user_language() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .and_then(|v| locale_language(&v))
        .unwrap_or_else(|| "en".to_owned())
}

/// `e` as a sentence in `language`; an internal error names its logged detail.
pub fn describe_in(e: &Error, language: &str) -> String {
    if e.kind == ErrorKind::Internal {
        return format!(
            "internal error: {}",
            e.detail.as_deref().unwrap_or(e.error.key.0)
        );
    }
    let args: Vec<Arg> = e.error.args.iter().cloned().map(Arg::from).collect();
    catalog().map_or_else(
        || e.error.key.0.to_owned(),
        |c| c.text(language, e.error.key.0, &args),
    )
}

/// `e` as a sentence in the user's language.
pub fn describe(e: &Error) -> String {
    describe_in(e, &user_language())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lyceum_core::DomainError;

    #[test]
    fn locales_name_languages() {
        assert_eq!(locale_language("fr_FR.UTF-8").as_deref(), Some("fr"));
        assert_eq!(locale_language("ar").as_deref(), Some("ar"));
        assert_eq!(locale_language("C.UTF-8"), None);
        assert_eq!(locale_language("POSIX"), None);
    }

    #[test]
    fn errors_read_in_the_users_language() {
        let e = Error::invalid(DomainError::new("lyceum-error-username-taken").with_arg("gus"));
        assert_eq!(
            describe_in(&e, "en"),
            "The username \"gus\" is already taken."
        );
        let fr = describe_in(&e, "fr");
        assert!(fr.contains("gus") && fr != describe_in(&e, "en"), "{fr}");
        // A language the site has no messages in reads English.
        assert_eq!(describe_in(&e, "zz"), describe_in(&e, "en"));
        assert_eq!(
            describe_in(&Error::internal("disk full"), "fr"),
            "internal error: disk full"
        );
    }
}
