//! Picks the best available interface language for an HTTP `Accept-Language` header (RFC 9110 §12.5.4).

use crate::language::{bcp47, normalize};

/// Headers are client-controlled; entries past this many are ignored.
const MAX_ENTRIES: usize = 64;

/// Returns the code from `available` (as given there) that best matches the header, or
/// `None`. Ranges are taken by descending q-value, ties in header order; `q=0` and `*` are
/// skipped. A range matches a code case-insensitively, by MediaWiki code or by its BCP 47
/// tag (`sr-Latn` finds `sr-el`); otherwise its trailing subtags are dropped (`fr-CA`
/// finds `fr`); otherwise the first code it is a prefix of is taken (`zh` finds `zh-hans`).
pub fn negotiate(accept_language: &str, available: &[&str]) -> Option<String> {
    let mut ranges: Vec<(u16, usize, String)> = accept_language
        .split(',')
        .take(MAX_ENTRIES)
        .enumerate()
        .filter_map(|(order, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            if tag.is_empty()
                || tag == "*"
                || tag.len() > 64
                || !tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return None;
            }
            let mut q = 1000;
            for param in parts {
                let Some((name, value)) = param.split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("q") {
                    q = parse_qvalue(value.trim())?;
                }
            }
            (q > 0).then(|| (q, order, normalize(tag)))
        })
        .collect();
    // Stable sort keeps header order among equal weights.
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

    let keys: Vec<(String, String)> = available
        .iter()
        .map(|code| (normalize(code), bcp47(code).to_ascii_lowercase()))
        .collect();
    let exact = |tag: &str| {
        keys.iter()
            .position(|(code, tag47)| code == tag || tag47 == tag)
    };

    for (_, _, tag) in &ranges {
        let mut candidate = tag.as_str();
        loop {
            if let Some(i) = exact(candidate) {
                return Some(available[i].to_owned());
            }
            match candidate.rfind('-') {
                Some(cut) => candidate = &candidate[..cut],
                None => break,
            }
        }
        let prefix = format!("{tag}-");
        if let Some(i) = keys
            .iter()
            .position(|(code, tag47)| code.starts_with(&prefix) || tag47.starts_with(&prefix))
        {
            return Some(available[i].to_owned());
        }
    }
    None
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths; an
/// invalid value drops the entry rather than guessing a weight.
fn parse_qvalue(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}
