//! Facts about Wikimedia language codes: text direction, autonyms, BCP 47 tags and fallback chains.
//!
//! The data comes from `data/*.tsv`, generated from `@wikimedia/language-data` and
//! `banana-i18n` (see `data/README.md`), and is parsed once on first use.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Writing direction of a language's script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    /// The value for HTML's `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const LANGUAGES_TSV: &str = include_str!("../data/languages.tsv");
const FALLBACKS_TSV: &str = include_str!("../data/fallbacks.tsv");

enum Entry {
    Language {
        script: &'static str,
        autonym: &'static str,
    },
    Redirect(&'static str),
}

struct Data {
    languages: HashMap<&'static str, Entry>,
    rtl_scripts: Vec<String>,
    fallbacks: HashMap<&'static str, Vec<&'static str>>,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut languages = HashMap::new();
        let mut rtl_scripts = Vec::new();
        for line in LANGUAGES_TSV.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(code), Some(second)) = (fields.next(), fields.next()) else {
                continue;
            };
            if code == "!rtl" {
                rtl_scripts = second.split(' ').map(str::to_ascii_lowercase).collect();
            } else if let Some(target) = second.strip_prefix('>') {
                languages.insert(code, Entry::Redirect(target));
            } else if let Some(autonym) = fields.next() {
                languages.insert(
                    code,
                    Entry::Language {
                        script: second,
                        autonym,
                    },
                );
            }
        }
        let mut fallbacks = HashMap::new();
        for line in FALLBACKS_TSV.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            if let Some((code, list)) = line.split_once('\t') {
                fallbacks.insert(code, list.split(' ').filter(|s| !s.is_empty()).collect());
            }
        }
        Data {
            languages,
            rtl_scripts,
            fallbacks,
        }
    })
}

/// Codes MediaWiki renamed (`LanguageCode::DEPRECATED_LANGUAGE_CODE_MAPPING`).
/// Note that `als` is Alemannic on Wikimedia sites, not ISO's Tosk Albanian.
const DEPRECATED_CODES: &[(&str, &str)] = &[
    ("als", "gsw"),
    ("bat-smg", "sgs"),
    ("be-x-old", "be-tarask"),
    ("fiu-vro", "vro"),
    ("roa-rup", "rup"),
    ("zh-classical", "lzh"),
    ("zh-min-nan", "nan"),
    ("zh-yue", "yue"),
];

/// MediaWiki codes that are not valid BCP 47 (`LanguageCode::NON_STANDARD_LANGUAGE_CODE_MAPPING`).
const NON_STANDARD_CODES: &[(&str, &str)] = &[
    ("cbk-zam", "cbk"),
    ("de-formal", "de-x-formal"),
    ("eml", "egl"),
    ("en-rtl", "en-x-rtl"),
    ("es-formal", "es-x-formal"),
    ("hu-formal", "hu-x-formal"),
    ("map-bms", "jv-x-bms"),
    ("mo", "ro-Cyrl-MD"),
    ("nrm", "nrf"),
    ("nl-informal", "nl-x-informal"),
    ("roa-tara", "nap-x-tara"),
    ("simple", "en-simple"),
    ("sr-ec", "sr-Cyrl"),
    ("sr-el", "sr-Latn"),
    ("crh-ro", "crh-Latn-RO"),
    ("kk-cn", "kk-Arab-CN"),
    ("kk-tr", "kk-Latn-TR"),
    ("zh-cn", "zh-Hans-CN"),
    ("zh-sg", "zh-Hans-SG"),
    ("zh-my", "zh-Hans-MY"),
    ("zh-tw", "zh-Hant-TW"),
    ("zh-hk", "zh-Hant-HK"),
    ("zh-mo", "zh-Hant-MO"),
];

fn lookup(table: &[(&str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == code).map(|(_, v)| *v)
}

/// Lowercase, `-`-separated, trimmed: how MediaWiki writes codes internally.
pub(crate) fn normalize(code: &str) -> String {
    code.trim().to_ascii_lowercase().replace('_', "-")
}

/// The language entry for a code, following language-data's redirects.
fn entry(code: &str) -> Option<(&'static str, &'static str)> {
    let languages = &data().languages;
    let mut current = languages.get_key_value(code)?;
    // Redirect chains in the data are short; the bound only guards against a cycle.
    for _ in 0..8 {
        match current.1 {
            Entry::Language { script, autonym } => return Some((script, autonym)),
            Entry::Redirect(target) => current = languages.get_key_value(target)?,
        }
    }
    None
}

fn replace_deprecated(code: &str) -> &str {
    lookup(DEPRECATED_CODES, code).unwrap_or(code)
}

fn is_rtl_script(script: &str) -> bool {
    data()
        .rtl_scripts
        .iter()
        .any(|s| s.eq_ignore_ascii_case(script))
}

/// Direction of a language's script: `ar`, `he`, `fa`, `ur`, `ckb`, `dv`, `nqo`,
/// `ks-arab`… are RTL. A script subtag decides for codes the data does not know
/// (`ff-adlm`, `az-arab`); then the code with trailing subtags dropped is tried.
pub fn direction(code: &str) -> Direction {
    let code = normalize(code);
    let code = replace_deprecated(&code);
    if let Some((script, _)) = entry(code) {
        return dir_of(is_rtl_script(script));
    }
    // In BCP 47 a four-letter subtag after the language is an ISO 15924 script.
    if let Some(script) = code
        .split('-')
        .skip(1)
        .find(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return dir_of(is_rtl_script(script));
    }
    for shorter in truncations(code) {
        if let Some((script, _)) = entry(shorter) {
            return dir_of(is_rtl_script(script));
        }
    }
    Direction::Ltr
}

fn dir_of(rtl: bool) -> Direction {
    if rtl { Direction::Rtl } else { Direction::Ltr }
}

/// Every language this build knows (its code and its name in itself), by code: the
/// languages a course may be written in.
pub fn languages() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = data()
        .languages
        .iter()
        .filter_map(|(code, e)| match e {
            Entry::Language { autonym, .. } => Some((*code, *autonym)),
            Entry::Redirect(_) => None,
        })
        .collect();
    out.sort_unstable();
    out
}

/// The language's name in itself ("Deutsch", "العربية"), for language pickers.
pub fn autonym(code: &str) -> Option<&'static str> {
    let code = normalize(code);
    entry(replace_deprecated(&code)).map(|(_, autonym)| autonym)
}

/// MediaWiki code to BCP 47 tag, as MediaWiki's `LanguageCode::bcp47`: renamed and
/// non-standard codes are mapped (`sr-ec` → `sr-Cyrl`, `als` → `gsw`, `simple` →
/// `en-simple`), then subtags are cased (`zh-hans` → `zh-Hans`, `en-gb` → `en-GB`).
pub fn bcp47(code: &str) -> String {
    let code = normalize(code);
    let code = replace_deprecated(&code);
    let code = lookup(NON_STANDARD_CODES, code).unwrap_or(code);
    let segments: Vec<&str> = code.split('-').collect();
    let mut out: Vec<String> = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        let private = i > 0 && segments[i - 1].eq_ignore_ascii_case("x");
        out.push(if private || i == 0 {
            seg.to_ascii_lowercase()
        } else if seg.len() == 2 {
            seg.to_ascii_uppercase()
        } else if seg.len() == 4 {
            let lower = seg.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        } else {
            seg.to_ascii_lowercase()
        });
    }
    out.join("-")
}

/// Shorter codes made by dropping trailing subtags, longest first (`zh-hant-tw` →
/// `zh-hant`, `zh`); a single-letter subtag (`x`) is dropped with what follows it.
fn truncations(code: &str) -> impl Iterator<Item = &str> {
    let mut current = code;
    std::iter::from_fn(move || {
        let mut cut = current.rfind('-')?;
        while let Some(prev) = current[..cut].rfind('-') {
            if cut - prev - 1 == 1 {
                cut = prev;
            } else {
                break;
            }
        }
        current = &current[..cut];
        (!current.is_empty()).then_some(current)
    })
}

/// Languages whose messages to try after `code`'s own, ending in `en`; see
/// [`fallback_chain_with_final`].
pub fn fallback_chain(code: &str) -> Vec<String> {
    fallback_chain_with_final(code, "en")
}

/// Languages whose messages to try after `code`'s own, in order, without `code` itself
/// and without repeats (MediaWiki's data has cycles such as `pt` → `pt-br` → `pt`):
/// the code's replacement if MediaWiki renamed it (`als` → `gsw`), the code with trailing
/// subtags dropped (`en-gb` → `en`), MediaWiki's fallbacks for the code (`sa` → `hi`), each
/// with its own subtags dropped, and finally `final_fallback`.
pub fn fallback_chain_with_final(code: &str, final_fallback: &str) -> Vec<String> {
    let code = normalize(code);
    let fallbacks = &data().fallbacks;
    let mut chain: Vec<String> = Vec::new();
    let mut push = |c: &str| {
        if !c.is_empty() && c != code && !chain.iter().any(|x| x == c) {
            chain.push(c.to_owned());
        }
    };
    let renamed = lookup(DEPRECATED_CODES, &code);
    if let Some(renamed) = renamed {
        push(renamed);
    }
    for shorter in truncations(&code) {
        push(shorter);
    }
    // The code's own list, else its replacement's, else that of its longest prefix that
    // has one (so "zh-hant-tw" still reaches "zh-hans").
    let list = fallbacks
        .get(code.as_str())
        .or_else(|| renamed.and_then(|r| fallbacks.get(r)))
        .or_else(|| truncations(&code).find_map(|t| fallbacks.get(t)));
    for fallback in list.into_iter().flatten() {
        push(fallback);
        for shorter in truncations(fallback) {
            push(shorter);
        }
    }
    push(&normalize(final_fallback));
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses() {
        assert!(data().languages.len() > 800);
        assert!(data().fallbacks.len() > 200);
        assert!(is_rtl_script("Arab") && is_rtl_script("adlm"));
    }

    #[test]
    fn truncation() {
        let t: Vec<&str> = truncations("zh-hant-tw").collect();
        assert_eq!(t, ["zh-hant", "zh"]);
        let t: Vec<&str> = truncations("de-x-formal").collect();
        assert_eq!(t, ["de"]);
        assert_eq!(truncations("en").count(), 0);
    }
}
