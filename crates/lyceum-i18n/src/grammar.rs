//! `{{GRAMMAR:case|word}}`: per-language word inflection rules (the languages banana-i18n and MediaWiki ship rules for).
//!
//! A language or case without a rule returns the word unchanged, as MediaWiki does.

/// Inflects `word` into grammatical `case` for the language of `locale`.
pub(crate) fn convert(locale: &str, case: &str, word: &str) -> String {
    let lower = locale.to_ascii_lowercase();
    let language = lower.split(['-', '_']).next().unwrap_or("");
    let converted = match language {
        "bs" => prefix(word, case, &[("instrumental", "s "), ("lokativ", "o ")]),
        "dsb" | "hsb" => prefix(word, case, &[("instrumental", "z "), ("lokatiw", "wo ")]),
        "sl" => prefix(word, case, &[("orodnik", "z "), ("mestnik", "o ")]),
        "hu" => suffix(word, case, &[("rol", "ról"), ("ba", "ba"), ("k", "k")]),
        "fi" => finnish(word, case),
        "ga" => irish(word, case),
        "he" => hebrew(word, case),
        "hy" => armenian(word, case),
        "la" => latin(word, case),
        "os" => ossetian(word, case),
        "ru" => russian(word, case),
        "uk" => ukrainian(word, case),
        _ => None,
    };
    converted.unwrap_or_else(|| word.to_owned())
}

fn prefix(word: &str, case: &str, table: &[(&str, &str)]) -> Option<String> {
    let (_, p) = table.iter().find(|(c, _)| *c == case)?;
    Some(format!("{p}{word}"))
}

fn suffix(word: &str, case: &str, table: &[(&str, &str)]) -> Option<String> {
    let (_, s) = table.iter().find(|(c, _)| *c == case)?;
    Some(format!("{word}{s}"))
}

/// Replaces the first matching ending from `rules` (ending, replacement).
fn replace_ending(word: &str, rules: &[(&str, &str)]) -> Option<String> {
    rules.iter().find_map(|(ending, replacement)| {
        word.strip_suffix(ending)
            .map(|stem| format!("{stem}{replacement}"))
    })
}

fn finnish(word: &str, case: &str) -> Option<String> {
    let lower = word.to_lowercase();
    // Vowel harmony: back vowels (a, o, u) after the last front vowel (ä, ö, y) take back
    // endings; words ending in "wiki" are treated as front-vowel words.
    let back = !lower.ends_with("wiki")
        && lower
            .rfind(['a', 'o', 'u'])
            .is_some_and(|i| !lower[i..].contains(['ä', 'ö', 'y']));
    let mut stem = word.to_owned();
    if lower.ends_with(|c: char| "bcdfghjklmnpqrstvwxz".contains(c)) {
        // Loan words ending in a consonant get a linking "i": linux → linuxin.
        stem.push('i');
    }
    let pick = |back_form: &str, front_form: &str| {
        format!("{stem}{}", if back { back_form } else { front_form })
    };
    Some(match case {
        "genitive" => format!("{stem}n"),
        "elative" => pick("sta", "stä"),
        "partitive" => pick("a", "ä"),
        "illative" => {
            let last = stem.chars().last()?;
            format!("{stem}{last}n")
        }
        "inessive" => pick("ssa", "ssä"),
        _ => return None,
    })
}

fn irish(word: &str, case: &str) -> Option<String> {
    if case != "ainmlae" {
        return None;
    }
    // Day names: "an Luan" (Monday) becomes "Dé Luain" in "on Monday" phrases.
    const DAYS: &[(&str, &str)] = &[
        ("an Domhnach", "Dé Domhnaigh"),
        ("an Luan", "Dé Luain"),
        ("an Mháirt", "Dé Mháirt"),
        ("an Chéadaoin", "Dé Chéadaoin"),
        ("an Déardaoin", "Déardaoin"),
        ("an Aoine", "Dé hAoine"),
        ("an Satharn", "Dé Sathairn"),
    ];
    DAYS.iter()
        .find(|(day, _)| *day == word)
        .map(|(_, form)| (*form).to_owned())
}

fn hebrew(word: &str, case: &str) -> Option<String> {
    if case != "prefixed" && case != "תחילית" {
        return None;
    }
    let mut w = word.to_owned();
    // A prefixed Waw is doubled unless it already is.
    if w.starts_with('ו') && !w.starts_with("וו") {
        w.insert(0, 'ו');
    }
    // The definite article He is dropped after a prefix.
    if let Some(rest) = w.strip_prefix('ה') {
        w = rest.to_owned();
    }
    // Numbers and non-Hebrew words are joined with a maqaf.
    if !w.starts_with(|c: char| ('א'..='ת').contains(&c)) {
        w.insert(0, '־');
    }
    Some(w)
}

fn armenian(word: &str, case: &str) -> Option<String> {
    if case != "genitive" {
        return None;
    }
    replace_ending(word, &[("ա", "այի"), ("ո", "ոյի"), ("գիրք", "գրքի")])
        .or_else(|| Some(format!("{word}ի")))
}

fn latin(word: &str, case: &str) -> Option<String> {
    // Only a few declensions, mostly singular; the first matching ending applies.
    let rules: &[(&str, &str)] = match case {
        "genitive" => &[
            ("us", "i"),
            ("um", "i"),
            ("ommunia", "ommunium"),
            ("libri", "librorum"),
            ("nuntii", "nuntiorum"),
            ("tio", "tionis"),
            ("ns", "ntis"),
            ("as", "atis"),
            ("es", "ei"),
            ("a", "ae"),
        ],
        "accusative" => &[
            ("us", "um"),
            ("um", "um"),
            ("ommunia", "ommunia"),
            ("libri", "libros"),
            ("nuntii", "nuntios"),
            ("tio", "tionem"),
            ("ns", "ntem"),
            ("as", "atem"),
            ("es", "em"),
            ("a", "am"),
        ],
        "ablative" => &[
            ("us", "o"),
            ("um", "o"),
            ("ommunia", "ommunibus"),
            ("libri", "libris"),
            ("nuntii", "nuntiis"),
            ("tio", "tione"),
            ("ns", "nte"),
            ("as", "ate"),
            ("es", "e"),
            ("a", "a"),
        ],
        _ => return None,
    };
    Some(replace_ending(word, rules).unwrap_or_else(|| word.to_owned()))
}

fn ossetian(word: &str, case: &str) -> Option<String> {
    const VOWELS: &str = "аæеёиоыэюя";
    const CONSONANTS: &str = "бвгджзйклмнопрстфхцчшщьъ";
    let lower: Vec<char> = word.to_lowercase().chars().collect();
    let last = *lower.last()?;
    let mut stem = word.to_owned();
    let mut allative = "мæ";
    // "j" between vowels; a hyphen before endings on non-Ossetian words (e.g. numbers).
    let mut jot = "";
    let mut hyphen = "";
    if lower.ends_with(&['т', 'æ']) {
        // Plural: the final æ is dropped before the ending.
        stem.pop();
        allative = "æм";
    } else if VOWELS.contains(last) {
        jot = "й";
    } else if last == 'у' {
        // "у" is a vowel after a consonant (лæппу → лæппуйы) and "w" after a vowel.
        let before = lower.len().checked_sub(2).map(|i| lower[i]);
        if !before.is_some_and(|c| VOWELS.contains(c)) {
            jot = "й";
        }
    } else if !CONSONANTS.contains(last) {
        hyphen = "-";
    }
    let ending = match case {
        "genitive" => format!("{hyphen}{jot}ы"),
        "dative" => format!("{hyphen}{jot}æн"),
        "allative" => format!("{hyphen}{allative}"),
        "ablative" if jot == "й" => format!("{hyphen}{jot}æ"),
        "ablative" => format!("{hyphen}{jot}æй"),
        "superessive" => format!("{hyphen}{jot}ыл"),
        "equative" => format!("{hyphen}{jot}ау"),
        "comitative" => format!("{hyphen}имæ"),
        _ => return None,
    };
    Some(stem + &ending)
}

fn russian(word: &str, case: &str) -> Option<String> {
    if case != "genitive" {
        return None;
    }
    Some(
        replace_ending(
            word,
            &[
                ("ь", "я"),
                ("ия", "ии"),
                ("ка", "ки"),
                ("ти", "тей"),
                ("ды", "дов"),
                ("ник", "ника"),
            ],
        )
        .unwrap_or_else(|| word.to_owned()),
    )
}

fn ukrainian(word: &str, case: &str) -> Option<String> {
    let rules: &[(&str, &str)] = match case {
        "genitive" => &[
            ("ь", "я"),
            ("ія", "ії"),
            ("ка", "ки"),
            ("ти", "тей"),
            ("ды", "дов"),
            ("ник", "ника"),
        ],
        "accusative" => &[("ія", "ію")],
        _ => return None,
    };
    Some(replace_ending(word, rules).unwrap_or_else(|| word.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::convert;

    #[test]
    fn latin_first_ending_wins() {
        assert_eq!(convert("la", "accusative", "Wikipedia"), "Wikipediam");
        assert_eq!(convert("la", "genitive", "communia"), "communium");
        assert_eq!(convert("la", "genitive", "dominus"), "domini");
    }

    #[test]
    fn unknown_is_unchanged() {
        assert_eq!(convert("de", "genitive", "Wort"), "Wort");
        assert_eq!(convert("fi", "nonsense", "talo"), "talo");
        assert_eq!(convert("os", "nonsense", "бæстæ"), "бæстæ");
    }
}
