//! Language codes: direction, autonyms, BCP 47, fallback chains and Accept-Language negotiation.

#![allow(clippy::unwrap_used)]

use lyceum_i18n::{
    Direction, autonym, bcp47, direction, fallback_chain, fallback_chain_with_final, negotiate,
};

#[test]
fn rtl_languages() {
    for code in [
        "ar", "arz", "ary", "azb", "ckb", "dv", "fa", "glk", "he", "ks-arab", "ks", "lrc", "mzn",
        "nqo", "pnb", "ps", "sd", "skr", "ug", "ur", "yi", "rhg", "syc", "kk-arab", "ff-adlm",
        "AR", "He_IL", "ar-eg", "az-arab",
    ] {
        assert_eq!(direction(code), Direction::Rtl, "{code}");
    }
}

#[test]
fn ltr_languages() {
    for code in [
        "en",
        "de",
        "zh-hans",
        "ja",
        "hi",
        "ru",
        "ks-deva",
        "sd-deva",
        "kk-cyrl",
        "als",
        "simple",
        "xx-unknown",
        "",
        "ar-latn",
        "ms",
    ] {
        assert_eq!(direction(code), Direction::Ltr, "{code}");
    }
    assert_eq!(Direction::Rtl.as_str(), "rtl");
    assert_eq!(Direction::Ltr.to_string(), "ltr");
}

#[test]
fn autonyms() {
    assert_eq!(autonym("de"), Some("Deutsch"));
    assert_eq!(autonym("EN"), Some("English"));
    assert_eq!(autonym("ar"), Some("العربية"));
    assert_eq!(autonym("zh-hans"), Some("中文（简体）"));
    // Wikimedia's "als" is Alemannic (gsw), not ISO 639's Tosk Albanian.
    assert_eq!(autonym("als"), Some("Alemannisch"));
    assert_eq!(autonym("simple"), Some("Simple English"));
    assert_eq!(autonym("be-x-old"), Some("беларуская (тарашкевіца)"));
    assert_eq!(autonym("no-such-code"), None);
    // The most used Wikimedia interface languages all have one.
    for code in [
        "en",
        "de",
        "fr",
        "es",
        "ja",
        "ru",
        "it",
        "zh",
        "pt",
        "pt-br",
        "pl",
        "nl",
        "ar",
        "fa",
        "uk",
        "he",
        "sv",
        "id",
        "vi",
        "ko",
        "tr",
        "cs",
        "hu",
        "fi",
        "no",
        "nb",
        "da",
        "ro",
        "ca",
        "el",
        "th",
        "hi",
        "bn",
        "ta",
        "te",
        "ml",
        "mr",
        "ur",
        "sr",
        "sr-ec",
        "sr-el",
        "hr",
        "bs",
        "sh",
        "sk",
        "sl",
        "bg",
        "mk",
        "lt",
        "lv",
        "et",
        "eo",
        "eu",
        "gl",
        "ast",
        "oc",
        "br",
        "cy",
        "ga",
        "is",
        "ka",
        "hy",
        "az",
        "kk",
        "uz",
        "ms",
        "tl",
        "sw",
        "af",
        "sq",
        "be",
        "be-tarask",
        "la",
        "zh-hant",
        "yue",
        "ckb",
        "ku",
        "ps",
        "ne",
        "si",
        "my",
        "km",
        "lo",
        "am",
        "ha",
        "yo",
        "ig",
        "zu",
        "dag",
        "tw",
        "kn",
        "gu",
        "pa",
        "or",
        "as",
        "sa",
        "lb",
        "fy",
        "ia",
    ] {
        assert!(autonym(code).is_some(), "no autonym for {code}");
    }
}

#[test]
fn bcp47_tags() {
    for (code, tag) in [
        ("en", "en"),
        ("en-gb", "en-GB"),
        ("EN-GB", "en-GB"),
        ("zh-hans", "zh-Hans"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("zh-tw", "zh-Hant-TW"),
        ("sr-ec", "sr-Cyrl"),
        ("sr-el", "sr-Latn"),
        ("als", "gsw"),
        ("bat-smg", "sgs"),
        ("be-x-old", "be-tarask"),
        ("simple", "en-simple"),
        ("de-formal", "de-x-formal"),
        ("map-bms", "jv-x-bms"),
        ("mo", "ro-Cyrl-MD"),
        ("kk-cyrl", "kk-Cyrl"),
        ("nds-nl", "nds-NL"),
        ("zh-min-nan", "nan"),
        ("x-foo-ab", "x-foo-AB"),
        ("de-x-ab", "de-x-ab"),
    ] {
        assert_eq!(bcp47(code), tag, "{code}");
    }
}

#[test]
fn fallback_chains() {
    assert_eq!(fallback_chain("sa"), ["hi", "en"]);
    assert_eq!(fallback_chain("en-gb"), ["en"]);
    assert_eq!(fallback_chain("en-GB"), ["en"]);
    assert_eq!(fallback_chain("en"), Vec::<String>::new());
    assert_eq!(fallback_chain("de-at"), ["de", "en"]);
    assert_eq!(fallback_chain("fr-ca"), ["fr", "en"]);
    assert_eq!(fallback_chain("zh-hk"), ["zh", "zh-hant", "zh-hans", "en"]);
    // The data has the cycle pt → pt-br → pt; neither chain repeats or contains itself.
    assert_eq!(fallback_chain("pt"), ["pt-br", "en"]);
    assert_eq!(fallback_chain("pt-br"), ["pt", "en"]);
    assert_eq!(fallback_chain("PT-BR"), ["pt", "en"]);
    // A renamed code goes to its replacement first.
    assert_eq!(fallback_chain("als"), ["gsw", "de", "en"]);
    // A code MediaWiki does not know still reaches its parent's fallbacks.
    assert_eq!(
        fallback_chain("zh-hant-tw"),
        ["zh-hant", "zh", "zh-hans", "en"]
    );
    assert_eq!(fallback_chain_with_final("es", "ml"), ["ml"]);
    for code in [
        "pt",
        "pt-br",
        "zh-hk",
        "sa",
        "ban",
        "arz",
        "ksh",
        "be-tarask",
    ] {
        let chain = fallback_chain(code);
        assert_eq!(chain.last().map(String::as_str), Some("en"), "{code}");
        assert!(!chain.contains(&code.to_owned()), "{code}");
        let mut dedup = chain.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), chain.len(), "{code}: {chain:?}");
    }
}

#[test]
fn negotiation() {
    let available = ["en", "fr", "de", "pt-br", "zh-hans", "zh-hant", "sr-el"];
    assert_eq!(
        negotiate("fr-CA,fr;q=0.9,en;q=0.8", &available),
        Some("fr".into())
    );
    assert_eq!(
        negotiate("de;q=0.5, fr;q=0.7", &available),
        Some("fr".into())
    );
    // Ties keep header order.
    assert_eq!(
        negotiate("de;q=0.5, fr;q=0.5", &available),
        Some("de".into())
    );
    // q=0 means "not acceptable"; "*" is ignored.
    assert_eq!(
        negotiate("fr;q=0, *, de;q=0.1", &available),
        Some("de".into())
    );
    assert_eq!(negotiate("*", &available), None);
    assert_eq!(negotiate("", &available), None);
    assert_eq!(negotiate("ja, ko", &available), None);
    // Case-insensitive; the available code is returned as given.
    assert_eq!(negotiate("PT-br", &["EN", "Pt-BR"]), Some("Pt-BR".into()));
    // BCP 47 tags find MediaWiki codes; a bare language finds a variant.
    assert_eq!(negotiate("sr-Latn", &available), Some("sr-el".into()));
    assert_eq!(negotiate("zh-Hant-TW", &available), Some("zh-hant".into()));
    assert_eq!(negotiate("zh", &available), Some("zh-hans".into()));
    assert_eq!(negotiate("pt", &available), Some("pt-br".into()));
    // Malformed weights drop the entry instead of guessing.
    assert_eq!(
        negotiate("fr;q=2, de;q=abc, en;q=0.001", &available),
        Some("en".into())
    );
    assert_eq!(
        negotiate("fr ; Q=0.50 , de ; q=0.4", &available),
        Some("fr".into())
    );
}
