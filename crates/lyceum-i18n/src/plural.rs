//! Chooses a `{{PLURAL:}}` form with CLDR plural rules (ICU4X), following MediaWiki's language fallbacks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use fixed_decimal::Decimal;
use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralOperands, PluralRules};

use crate::{language, number};

/// The count a PLURAL is given.
#[derive(Clone, Debug)]
pub(crate) enum Count {
    Int(i64),
    Float(f64),
    /// Parsed from text, keeping its visible decimals ("1.50" differs from "1.5" in CLDR).
    Decimal(Decimal),
    NotANumber,
}

impl Count {
    /// Reads a count from text as banana-i18n does: native digits become ASCII and the
    /// leading number is taken (JavaScript `parseFloat`).
    pub(crate) fn parse(text: &str) -> Count {
        match number::parse_float_prefix(&number::to_ascii_digits(text)) {
            Some(d) => Count::Decimal(d),
            None => Count::NotANumber,
        }
    }

    /// The value explicit forms (`12=…`) are compared with.
    pub(crate) fn value(&self) -> Option<f64> {
        match self {
            Count::Int(i) => Some(*i as f64),
            Count::Float(f) => f.is_finite().then_some(*f),
            Count::Decimal(d) => d.to_string().parse().ok(),
            Count::NotANumber => None,
        }
    }

    fn operands(&self) -> Option<PluralOperands> {
        match self {
            Count::Int(i) => Some(PluralOperands::from(*i)),
            Count::Float(f) => {
                if !f.is_finite() {
                    return None;
                }
                let d = Decimal::try_from_str(&number::plain_decimal(*f)).ok()?;
                Some(PluralOperands::from(&d))
            }
            Count::Decimal(d) => Some(PluralOperands::from(d)),
            Count::NotANumber => None,
        }
    }
}

/// Languages whose only CLDR category is "other" (CLDR `plurals.xml`). For any other
/// language, rules with only "other" mean ICU4X has no data, and MediaWiki would use a
/// fallback language's rules instead.
const OTHER_ONLY: &[&str] = &[
    "bm", "bo", "dz", "hnj", "id", "ig", "ii", "in", "ja", "jbo", "jv", "jw", "kde", "kea", "km",
    "ko", "lkt", "lo", "ms", "my", "nqo", "osa", "sah", "ses", "sg", "su", "th", "to", "tpi", "vi",
    "wo", "yo", "yue", "zh",
];

const CACHE_LIMIT: usize = 256;

thread_local! {
    // ICU4X data handles are not Send, so each thread keeps its own small cache.
    static RULES: RefCell<HashMap<String, Rc<PluralRules>>> = RefCell::new(HashMap::new());
}

/// The position of `count`'s category among the categories the language has, in the order
/// zero, one, two, few, many, other: the index of the form translators write for it.
pub(crate) fn form_index(locale: &str, count: &Count) -> usize {
    let Some(rules) = rules_for(locale) else {
        // No plural data at all (not expected with compiled data): "other" is the last form.
        return usize::MAX;
    };
    let category = count
        .operands()
        .map_or(PluralCategory::Other, |ops| rules.category_for(ops));
    let mut categories: Vec<PluralCategory> = rules.categories().collect();
    categories.sort_by_key(|c| rank(*c));
    categories
        .iter()
        .position(|c| *c == category)
        .unwrap_or(usize::MAX)
}

fn rank(c: PluralCategory) -> u8 {
    match c {
        PluralCategory::Zero => 0,
        PluralCategory::One => 1,
        PluralCategory::Two => 2,
        PluralCategory::Few => 3,
        PluralCategory::Many => 4,
        PluralCategory::Other => 5,
    }
}

fn rules_for(locale: &str) -> Option<Rc<PluralRules>> {
    let key = locale.to_ascii_lowercase();
    if let Some(rules) = RULES.with(|cache| cache.borrow().get(&key).cloned()) {
        return Some(rules);
    }
    let rules = Rc::new(resolve(&key)?);
    RULES.with(|cache| {
        let mut cache = cache.borrow_mut();
        // Locale strings can come from requests; a full cache just stops caching.
        if cache.len() < CACHE_LIMIT {
            cache.insert(key, Rc::clone(&rules));
        }
    });
    Some(rules)
}

fn resolve(code: &str) -> Option<PluralRules> {
    let mut candidates = vec![code.to_owned()];
    candidates.extend(language::fallback_chain(code));
    candidates.push("en".to_owned());
    let mut last = None;
    for candidate in &candidates {
        let Some((rules, lang)) = icu_rules(candidate) else {
            continue;
        };
        if rules.categories().count() > 1 || OTHER_ONLY.contains(&lang.as_str()) {
            return Some(rules);
        }
        last = Some(rules);
    }
    last
}

/// Rules for one code, with its primary language subtag.
fn icu_rules(code: &str) -> Option<(PluralRules, String)> {
    let locale = parse_locale(code)?;
    let lang = locale.id.language.as_str().to_owned();
    let rules = PluralRules::try_new_cardinal((&locale).into()).ok()?;
    Some((rules, lang))
}

pub(crate) fn parse_locale(code: &str) -> Option<Locale> {
    let tag = language::bcp47(code);
    tag.parse::<Locale>().ok().or_else(|| {
        // Private or odd subtags ICU rejects; the language alone still selects the rules.
        tag.split('-').next().and_then(|l| l.parse::<Locale>().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(locale: &str, n: i64) -> usize {
        form_index(locale, &Count::Int(n))
    }

    #[test]
    fn categories() {
        assert_eq!(idx("en", 1), 0);
        assert_eq!(idx("en", 2), 1);
        assert_eq!(idx("ar", 0), 0);
        assert_eq!(idx("ar", 11), 4);
        assert_eq!(idx("ru", 5), 2);
        assert_eq!(idx("ja", 1), 0);
        assert_eq!(form_index("ar", &Count::Float(1.7)), 5);
        assert_eq!(form_index("ar", &Count::parse("٠")), 0);
    }

    #[test]
    fn unknown_languages_use_fallbacks() {
        // "sa" has its own CLDR rules; "ban" has none and falls back to "id" (other only).
        assert_eq!(idx("ban", 1), 0);
        assert_eq!(idx("xyz-unknown", 1), 0);
        assert_eq!(idx("xyz-unknown", 2), 1);
        assert_eq!(idx("sr-ec", 3), 1);
    }
}
