//! Runs banana-i18n's test vectors (tests/banana/cases.json, see its README) against lyceum-i18n.

#![allow(clippy::unwrap_used)]

use lyceum_i18n::{Arg, Catalog, FormatOptions, Rendered, fallback_chain, format_message};
use serde_json::Value;

const CASES: &str = include_str!("banana/cases.json");
const FALLBACKS: &str = include_str!("banana/fallbacks.json");

fn args(case: &Value) -> Vec<Arg<'static>> {
    case["params"]
        .as_array()
        .map(|params| {
            params
                .iter()
                .map(|p| match p {
                    Value::String(s) => Arg::from(s.clone()),
                    Value::Number(n) => match n.as_i64() {
                        Some(i) => Arg::Int(i),
                        None => Arg::Float(n.as_f64().unwrap_or(f64::NAN)),
                    },
                    other => Arg::from(other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// JSON text of each locale's messages, `messages` first, then `messages_merge`.
fn sources(case: &Value) -> Vec<(String, String)> {
    ["messages", "messages_merge"]
        .iter()
        .filter_map(|field| case[field].as_object())
        .flat_map(|locales| {
            locales
                .iter()
                .map(|(locale, messages)| (locale.clone(), messages.to_string()))
        })
        .collect()
}

/// The outcome of one case: rendered output or the error's text.
fn run(case: &Value) -> Result<Rendered, String> {
    let locale = case["locale"].as_str().ok_or("case without locale")?;
    let options = FormatOptions::default()
        .with_wikilinks(case["options"]["wikilinks"].as_bool().unwrap_or(false));
    let final_fallback = case["options"]["finalFallback"].as_str().unwrap_or("en");
    let args = args(case);

    let sources = sources(case);
    let catalog = Catalog::from_sources_with(
        sources.iter().map(|(l, m)| (l.as_str(), m.as_str())),
        options.clone(),
    )
    .map_err(|e| e.to_string())?
    .with_final_fallback(final_fallback);

    if let Some(key) = case["key"].as_str() {
        if let Some(rendered) = catalog.render(locale, key, &args) {
            return Ok(rendered);
        }
        // banana-i18n formats the key itself when no locale has it.
        return format_message(locale, key, &args, &options).map_err(|e| e.to_string());
    }
    let message = case["message"]
        .as_str()
        .ok_or("case with neither key nor message")?;
    format_message(locale, message, &args, &options).map_err(|e| e.to_string())
}

fn check(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let output = case["output"].as_str().unwrap_or("");
    match (output, run(case)) {
        ("error", Err(error)) => match expected.as_str() {
            Some(fragment) if !error.contains(fragment) => {
                Err(format!("error {error:?} does not contain {fragment:?}"))
            }
            _ => Ok(()),
        },
        ("error", Ok(rendered)) => {
            Err(format!("expected an error, got text {:?}", rendered.text()))
        }
        (_, Err(error)) => Err(format!("unexpected error: {error}")),
        ("text", Ok(rendered)) => {
            let expected = expected.as_str().unwrap_or_default();
            if rendered.text() != expected {
                Err(format!(
                    "text {:?} != expected {expected:?}",
                    rendered.text()
                ))
            } else if !expected.contains(['<', '>', '&', '"', '\'']) && rendered.html() != expected
            {
                Err(format!(
                    "html {:?} != expected {expected:?}",
                    rendered.html()
                ))
            } else {
                Ok(())
            }
        }
        ("html", Ok(rendered)) => {
            let expected = expected.as_str().unwrap_or_default();
            if rendered.html() == expected {
                Ok(())
            } else {
                Err(format!(
                    "html {:?} != expected {expected:?}",
                    rendered.html()
                ))
            }
        }
        (other, _) => Err(format!("unknown output kind {other:?}")),
    }
}

#[test]
fn all_banana_vectors_pass() {
    let cases: Vec<Value> = serde_json::from_str(CASES).unwrap();
    assert_eq!(cases.len(), 148, "the vector file changed");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let id = case["id"].as_str().unwrap_or("?");
            check(case).err().map(|why| format!("{id}: {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn fallback_locales_match() {
    let expected: serde_json::Map<String, Value> = serde_json::from_str(FALLBACKS).unwrap();
    for (locale, chain) in expected {
        let chain: Vec<String> = serde_json::from_value(chain).unwrap();
        assert_eq!(fallback_chain(&locale), chain, "fallbacks of {locale}");
    }
}
