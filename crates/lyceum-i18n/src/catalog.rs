//! A set of loaded banana message files with lookup through language fallbacks.

use std::collections::{BTreeMap, HashMap};

use crate::arg::Arg;
use crate::language::{fallback_chain_with_final, normalize};
use crate::parser::{self, Node, ParseError};
use crate::render::{self, FormatOptions, Rendered};

/// Why message files could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("invalid locale code {0:?}")]
    InvalidLocale(String),
    #[error("{locale}: invalid JSON: {error}")]
    Json { locale: String, error: String },
    #[error("{locale}: a message file must be a JSON object")]
    NotAnObject { locale: String },
    #[error("{locale}: message {key:?} is not a string")]
    NotAString { locale: String, key: String },
}

#[derive(Debug)]
struct Message {
    raw: String,
    parsed: Result<Vec<Node>, ParseError>,
    /// A message that uses no parameters renders the same every time: rendered once, at
    /// load, in its own locale.
    fixed: Option<Rendered>,
}

/// Interface messages for several locales, parsed once at load.
///
/// Locale codes are case-insensitive and stored lowercased. `qqq` holds the message
/// documentation and is not a locale.
#[derive(Debug)]
pub struct Catalog {
    locales: BTreeMap<String, HashMap<String, Message>>,
    documentation: HashMap<String, String>,
    options: FormatOptions,
    final_fallback: String,
}

const DOCUMENTATION_CODE: &str = "qqq";

impl Catalog {
    /// Loads banana JSON files: (code, JSON text). `@metadata` (and any other key starting
    /// with `@`) is ignored. The same code given twice is merged, later keys replacing
    /// earlier ones. Links are on: `[[Page]]` points at `./Page` and `[https://… text]` is
    /// a link; use [`Catalog::from_sources_with`] to change that.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalog, CatalogError> {
        Catalog::from_sources_with(sources, FormatOptions::default().with_wikilinks(true))
    }

    /// Like [`Catalog::from_sources`] with explicit parse and render options.
    pub fn from_sources_with<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
        options: FormatOptions,
    ) -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog {
            locales: BTreeMap::new(),
            documentation: HashMap::new(),
            options,
            final_fallback: "en".to_owned(),
        };
        for (code, json) in sources {
            catalog.load(code, json)?;
        }
        Ok(catalog)
    }

    /// The locale tried last, after every fallback (default `en`).
    pub fn with_final_fallback(mut self, code: &str) -> Catalog {
        self.final_fallback = normalize(code);
        self
    }

    fn load(&mut self, code: &str, json: &str) -> Result<(), CatalogError> {
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(CatalogError::InvalidLocale(code.to_owned()));
        }
        let locale = normalize(code);
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| CatalogError::Json {
                locale: locale.clone(),
                error: e.to_string(),
            })?;
        let serde_json::Value::Object(map) = value else {
            return Err(CatalogError::NotAnObject { locale });
        };
        // Validate the whole file before changing anything, so a failed load has no effect.
        let mut entries = Vec::with_capacity(map.len());
        for (key, value) in map {
            if key.starts_with('@') {
                continue;
            }
            match value {
                serde_json::Value::String(text) => entries.push((key, text)),
                _ => {
                    return Err(CatalogError::NotAString {
                        locale: locale.clone(),
                        key,
                    });
                }
            }
        }
        if locale == DOCUMENTATION_CODE {
            self.documentation.extend(entries);
            return Ok(());
        }
        let messages = self.locales.entry(locale.clone()).or_default();
        for (key, raw) in entries {
            let parsed = parser::parse(&raw, self.options.wikilinks);
            let fixed = match &parsed {
                Ok(nodes) if !raw.contains('$') => {
                    Some(render::render(nodes, &locale, &[], &self.options))
                }
                _ => None,
            };
            messages.insert(key, Message { raw, parsed, fixed });
        }
        Ok(())
    }

    /// A number as `{{formatnum:}}` writes it for `locale` (grouping, at most three
    /// fraction digits, the locale's digits): the one number formatter, so every number
    /// on a page (counts, percentages, scores, sizes, dates, chart labels) is written in
    /// the same digits as the numbers inside messages.
    pub fn number(&self, locale: &str, n: f64) -> String {
        render::localize_digits(
            locale,
            &self.options,
            crate::number::format_float(locale, n, false, self.options.digits),
        )
    }

    /// A whole number without group separators (a year, a day of the month).
    pub fn number_plain(&self, locale: &str, n: i64) -> String {
        render::localize_digits(
            locale,
            &self.options,
            crate::number::format_int(locale, n, true, self.options.digits),
        )
    }

    /// ASCII digits of `text` in the locale's digits (a time of day such as `09:05`).
    pub fn digits(&self, locale: &str, text: &str) -> String {
        render::localize_digits(
            locale,
            &self.options,
            crate::number::native_digits(locale, text, self.options.digits),
        )
    }

    /// The CLDR numbering system of the digits numbers are written with in `locale`
    /// (`latn`, `arab`, `arabext`, `deva`, `beng`, …), for a browser's `Intl` APIs.
    pub fn numbering_system(&self, locale: &str) -> &'static str {
        let zero = self.digits(locale, "0");
        match zero.chars().next().map(u32::from) {
            Some(0x0660) => "arab",
            Some(0x06F0) => "arabext",
            Some(0x0966) => "deva",
            Some(0x09E6) => "beng",
            Some(0x0A66) => "guru",
            Some(0x0AE6) => "gujr",
            Some(0x0B66) => "orya",
            Some(0x0BE6) => "tamldec",
            Some(0x0C66) => "telu",
            Some(0x0CE6) => "knda",
            Some(0x0D66) => "mlym",
            Some(0x0E50) => "thai",
            Some(0x0ED0) => "laoo",
            Some(0x0F20) => "tibt",
            Some(0x1040) => "mymr",
            Some(0x17E0) => "khmr",
            _ => "latn",
        }
    }

    /// Loaded locales, sorted, without `qqq`.
    pub fn locales(&self) -> Vec<&str> {
        self.locales.keys().map(String::as_str).collect()
    }

    /// Keys defined directly in `locale` (no fallbacks), sorted.
    pub fn keys(&self, locale: &str) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .locales
            .get(&normalize(locale))
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    /// The `qqq` documentation of a key.
    pub fn documentation(&self, key: &str) -> Option<&str> {
        self.documentation.get(key).map(String::as_str)
    }

    /// Keys of `en` without a `qqq` entry, sorted: translatewiki.net needs documentation
    /// for every source message, so CI should require this to be empty.
    pub fn undocumented_keys(&self) -> Vec<&str> {
        self.keys("en")
            .into_iter()
            .filter(|key| !self.documentation.contains_key(*key))
            .collect()
    }

    /// Whether `locale` itself defines `key` (no fallbacks).
    pub fn has_message(&self, locale: &str, key: &str) -> bool {
        self.locales
            .get(&normalize(locale))
            .is_some_and(|m| m.contains_key(key))
    }

    /// Finds `key` for `locale` through its fallback chain; returns the locale that has it
    /// and the message text as written.
    pub fn lookup(&self, locale: &str, key: &str) -> Option<(&str, &str)> {
        self.find(locale, key)
            .map(|(found, message)| (found, message.raw.as_str()))
    }

    fn find(&self, locale: &str, key: &str) -> Option<(&str, &Message)> {
        // Codes from our own pages are already normalised; only others pay for a copy.
        let code: std::borrow::Cow<'_, str> = if locale
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            std::borrow::Cow::Borrowed(locale)
        } else {
            std::borrow::Cow::Owned(normalize(locale))
        };
        let in_locale = |candidate: &str| {
            let (found, messages) = self.locales.get_key_value(candidate)?;
            messages.get(key).map(|m| (found.as_str(), m))
        };
        // Most lookups succeed in the requested locale; only misses pay for the chain.
        in_locale(&code).or_else(|| {
            fallback_chain_with_final(&code, &self.final_fallback)
                .iter()
                .find_map(|candidate| in_locale(candidate))
        })
    }

    /// Renders `key` through the fallback chain; `None` if no locale has it. PLURAL,
    /// GRAMMAR and formatnum follow the language the message was found in, whose
    /// translator wrote the forms. A message that does not parse comes back as its text.
    pub fn render(&self, locale: &str, key: &str, args: &[Arg]) -> Option<Rendered> {
        let (found, message) = self.find(locale, key)?;
        if let Some(fixed) = &message.fixed {
            return Some(fixed.clone());
        }
        Some(match &message.parsed {
            Ok(nodes) => render::render(nodes, found, args, &self.options),
            Err(_) => Rendered::plain(message.raw.clone()),
        })
    }

    /// Renders to HTML: the message's own allowed HTML subset and links are kept as markup,
    /// everything else (including every argument value) is HTML-escaped. Lookup follows the
    /// locale's fallback chain ending in "en". A key missing everywhere renders as "⧼key⧽"
    /// (escaped), as MediaWiki does. A message that fails to parse renders its raw text
    /// escaped (never panics).
    pub fn html(&self, locale: &str, key: &str, args: &[Arg]) -> String {
        self.render(locale, key, args)
            .unwrap_or_else(|| missing(key))
            .into_html()
    }

    /// Plain text (for `<title>`, attributes, JSON API errors, e-mail): same rules, no
    /// markup, not escaped.
    pub fn text(&self, locale: &str, key: &str, args: &[Arg]) -> String {
        self.render(locale, key, args)
            .unwrap_or_else(|| missing(key))
            .into_text()
    }

    /// Every message that does not parse, as (locale, key, error), sorted.
    pub fn parse_errors(&self) -> Vec<(String, String, String)> {
        let mut errors: Vec<(String, String, String)> = self
            .locales
            .iter()
            .flat_map(|(locale, messages)| {
                messages.iter().filter_map(move |(key, message)| {
                    message
                        .parsed
                        .as_ref()
                        .err()
                        .map(|e| (locale.clone(), key.clone(), e.to_string()))
                })
            })
            .collect();
        errors.sort();
        errors
    }
}

fn missing(key: &str) -> Rendered {
    Rendered::plain(format!("⧼{key}⧽"))
}
