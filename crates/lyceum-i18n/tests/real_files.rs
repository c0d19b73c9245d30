//! Checks the project's own message files in `i18n/` (when that directory exists): all parse, every source message is documented in qqq.json, no translation has keys the source lacks.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use lyceum_i18n::Catalog;

#[test]
fn project_message_files_are_valid() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../i18n");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no {} directory; nothing to check", dir.display());
        return;
    };
    let mut files: Vec<(String, String)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let code = p.file_stem().unwrap().to_string_lossy().into_owned();
            (code, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    let catalog =
        Catalog::from_sources(files.iter().map(|(c, j)| (c.as_str(), j.as_str()))).unwrap();

    let errors = catalog.parse_errors();
    assert!(errors.is_empty(), "messages that do not parse: {errors:#?}");

    if files.iter().any(|(code, _)| code == "en") {
        let undocumented = catalog.undocumented_keys();
        assert!(
            undocumented.is_empty(),
            "en.json keys without a qqq.json entry: {undocumented:?}"
        );
        let source = catalog.keys("en");
        for locale in catalog.locales() {
            let extra: Vec<&str> = catalog
                .keys(locale)
                .into_iter()
                .filter(|k| !source.contains(k))
                .collect();
            assert!(
                extra.is_empty(),
                "{locale}.json has keys en.json lacks: {extra:?}"
            );
        }
    }
}

/// A key written twice in one file keeps only its last message when the file is read:
/// the first (a label, say) silently shows the second's text (an error). One message per
/// key, in every file.
#[test]
fn no_message_file_has_a_key_twice() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../i18n");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for path in entries.map(|e| e.unwrap().path()) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut twice = Vec::new();
        for (line, key) in text.lines().enumerate().filter_map(|(i, l)| {
            let l = l.trim_start();
            let rest = l.strip_prefix('"')?;
            let end = rest.find("\":")?;
            Some((i + 1, &rest[..end]))
        }) {
            if !seen.insert(key) {
                twice.push(format!("{key} (line {line})"));
            }
        }
        assert!(
            twice.is_empty(),
            "{}: keys given twice: {twice:?}",
            path.display()
        );
    }
}
