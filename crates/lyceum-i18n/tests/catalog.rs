//! The message catalog: loading, lookup through fallbacks, escaping, and robustness of the parser.

#![allow(clippy::unwrap_used)]

use lyceum_i18n::{Arg, Catalog, CatalogError, FormatOptions, format_message};

const EN: &str = r#"{
    "@metadata": {"authors": ["Someone"]},
    "lyceum-hello": "Hello, $1!",
    "lyceum-bold": "Welcome to <b>$1</b>",
    "lyceum-files": "{{PLURAL:$1|One file|$1 files}}",
    "lyceum-only-en": "Only in English",
    "lyceum-link": "Read [[Help:Start|the guide]] or [https://example.org/x?a=1&b=2 this]",
    "lyceum-js": "[javascript:alert(1) click]",
    "lyceum-broken": "Oops {{PLURAL:$1|a}",
    "lyceum-entities": "Terms&nbsp;&amp;&nbsp;conditions, AT&T"
}"#;

const DE: &str = r#"{
    "@metadata": {"authors": []},
    "lyceum-hello": "Hallo, $1!",
    "lyceum-files": "{{PLURAL:$1|Eine Datei|$1 Dateien}}"
}"#;

const QQQ: &str = r#"{
    "lyceum-hello": "Greeting. $1 is the user name."
}"#;

fn catalog() -> Catalog {
    Catalog::from_sources([("en", EN), ("de", DE), ("qqq", QQQ)]).unwrap()
}

#[test]
fn loading() {
    let c = catalog();
    assert_eq!(c.locales(), ["de", "en"]);
    assert_eq!(c.keys("de"), ["lyceum-files", "lyceum-hello"]);
    assert!(c.keys("fr").is_empty());
    assert_eq!(
        c.documentation("lyceum-hello"),
        Some("Greeting. $1 is the user name.")
    );
    assert_eq!(c.documentation("lyceum-files"), None);
    assert!(c.has_message("de", "lyceum-hello"));
    assert!(c.has_message("DE", "lyceum-hello"));
    assert!(!c.has_message("de", "lyceum-only-en"));
    assert!(!c.has_message("qqq", "lyceum-hello"));
    assert_eq!(c.undocumented_keys().len(), c.keys("en").len() - 1);
    assert!(!c.undocumented_keys().contains(&"lyceum-hello"));
}

#[test]
fn load_errors() {
    assert!(matches!(
        Catalog::from_sources([("es/en", "{}")]),
        Err(CatalogError::InvalidLocale(_))
    ));
    assert!(matches!(
        Catalog::from_sources([("en", "{")]),
        Err(CatalogError::Json { .. })
    ));
    assert!(matches!(
        Catalog::from_sources([("en", "[]")]),
        Err(CatalogError::NotAnObject { .. })
    ));
    assert!(matches!(
        Catalog::from_sources([("en", r#"{"a": ["x"]}"#)]),
        Err(CatalogError::NotAString { .. })
    ));
}

#[test]
fn fallback_to_english() {
    let c = catalog();
    assert_eq!(c.text("de", "lyceum-hello", &["Ana".into()]), "Hallo, Ana!");
    assert_eq!(
        c.text("de-at", "lyceum-hello", &["Ana".into()]),
        "Hallo, Ana!"
    );
    assert_eq!(c.text("de", "lyceum-only-en", &[]), "Only in English");
    assert_eq!(c.text("fr", "lyceum-hello", &["Ana".into()]), "Hello, Ana!");
    assert_eq!(
        c.lookup("de-at", "lyceum-only-en"),
        Some(("en", "Only in English"))
    );
    assert_eq!(c.text("de", "lyceum-files", &[Arg::from(1)]), "Eine Datei");
    assert_eq!(
        c.text("de", "lyceum-files", &[Arg::from(2_u64)]),
        "2 Dateien"
    );
}

#[test]
fn missing_key() {
    let c = catalog();
    assert_eq!(c.text("en", "no-such-key", &[]), "⧼no-such-key⧽");
    assert_eq!(c.html("de", "no-such-key", &[]), "⧼no-such-key⧽");
    assert_eq!(c.html("en", "<x>", &[]), "⧼&lt;x&gt;⧽");
    assert!(c.render("en", "no-such-key", &[]).is_none());
}

#[test]
fn arguments_are_escaped_in_html_only() {
    let c = catalog();
    let evil = Arg::from("<script>alert(\"x\")</script>");
    assert_eq!(
        c.html("en", "lyceum-bold", std::slice::from_ref(&evil)),
        "Welcome to <b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b>"
    );
    assert_eq!(
        c.text("en", "lyceum-bold", &[evil]),
        "Welcome to <script>alert(\"x\")</script>"
    );
    assert_eq!(
        c.html("en", "lyceum-hello", &["<script>".into()]),
        "Hello, &lt;script&gt;!"
    );
    assert_eq!(
        c.text("en", "lyceum-hello", &["<script>".into()]),
        "Hello, <script>!"
    );
}

#[test]
fn links_and_entities() {
    let c = catalog();
    assert_eq!(
        c.html("en", "lyceum-link", &[]),
        "Read <a href=\"./Help:Start\" title=\"Help:Start\">the guide</a> or \
         <a href=\"https://example.org/x?a=1&amp;b=2\">this</a>"
    );
    assert_eq!(c.text("en", "lyceum-link", &[]), "Read the guide or this");
    // Only known URL schemes become links.
    assert_eq!(
        c.html("en", "lyceum-js", &[]),
        "[javascript:alert(1) click]"
    );
    assert_eq!(
        c.text("en", "lyceum-entities", &[]),
        "Terms\u{a0}&\u{a0}conditions, AT&T"
    );
    assert_eq!(
        c.html("en", "lyceum-entities", &[]),
        "Terms\u{a0}&amp;\u{a0}conditions, AT&amp;T"
    );
    let meta = Catalog::from_sources_with(
        [("en", r#"{"a": "[[Main Page]]"}"#)],
        FormatOptions::default()
            .with_wikilinks(true)
            .with_article_path("https://meta.wikimedia.org/wiki/$1"),
    )
    .unwrap();
    assert_eq!(
        meta.html("en", "a", &[]),
        "<a href=\"https://meta.wikimedia.org/wiki/Main_Page\" title=\"Main Page\">Main Page</a>"
    );
}

#[test]
fn parse_errors_are_reported_and_rendered_as_text() {
    let c = catalog();
    let errors = c.parse_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "en");
    assert_eq!(errors[0].1, "lyceum-broken");
    assert!(
        errors[0].2.contains("Parse error at position 5"),
        "{}",
        errors[0].2
    );
    assert_eq!(c.text("en", "lyceum-broken", &[]), "Oops {{PLURAL:$1|a}");
    let c = Catalog::from_sources([("en", r#"{"x": "<b>{{PLURAL:$1|a}</b>"}"#)]).unwrap();
    assert_eq!(c.html("en", "x", &[]), "&lt;b&gt;{{PLURAL:$1|a}&lt;/b&gt;");
}

#[test]
fn catalog_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Catalog>();
    let c = std::sync::Arc::new(catalog());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let c = std::sync::Arc::clone(&c);
            std::thread::spawn(move || c.text("de", "lyceum-files", &[Arg::from(i)]))
        })
        .collect();
    let texts: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(texts, ["0 Dateien", "Eine Datei", "2 Dateien", "3 Dateien"]);
}

#[test]
fn message_features() {
    let o = FormatOptions::default();
    let f = |locale: &str, m: &str, args: &[Arg]| format_message(locale, m, args, &o).unwrap();
    assert_eq!(
        f(
            "en",
            "{{PLURAL:$1|$1 result|$1 results|0=no results}}",
            &[0.into()]
        )
        .text(),
        "no results"
    );
    assert_eq!(
        f("ru", "{{PLURAL:$1|файл|файла|файлов}}", &[5.into()]).text(),
        "файлов"
    );
    assert_eq!(f("en", "file{{PLURAL:$1||s}}", &[1.into()]).text(), "file");
    assert_eq!(f("en", "file{{PLURAL:$1||s}}", &[2.into()]).text(), "files");
    assert_eq!(
        f("en", "{{GENDER:$1|he|she|they}}", &["female".into()]).text(),
        "she"
    );
    assert_eq!(
        f("en", "{{GENDER:$1|he|she|they}}", &["unknown".into()]).text(),
        "they"
    );
    assert_eq!(
        f("de", "{{formatnum:$1}}", &[1234567.into()]).text(),
        "1.234.567"
    );
    assert_eq!(f("fa", "{{formatnum:$1}}", &[1234.into()]).text(), "۱٬۲۳۴");
    assert_eq!(
        f("en", "{{ucfirst:$1}} {{lc:ABC}}", &["élan".into()]).text(),
        "Élan abc"
    );
    assert_eq!(f("en", "x<br>y", &[]).html(), "x<br>y");
    assert_eq!(
        f("en", "Use \\{\\{ and \\}\\} <i>here</i>", &[]).text(),
        "Use {{ and }} here"
    );
    let e = format_message("en", "{{SITENAME}}", &[], &o).unwrap_err();
    assert_eq!(e.position, 0);
    assert!(e.to_string().contains("unknown magic word"));
    assert_eq!(e.input(), "{{SITENAME}}");
}

/// A small xorshift generator, so the parser is exercised on many odd inputs reproducibly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn parser_never_panics() {
    let pieces = [
        "{{",
        "}}",
        "{",
        "}",
        "[[",
        "]]",
        "[",
        "]",
        "|",
        "$1",
        "$2",
        "$",
        "\\",
        "<b>",
        "</b>",
        "<i class=\"x\">",
        "</i>",
        "<script>",
        "</script>",
        "<",
        ">",
        "/",
        "=",
        "PLURAL:",
        "GENDER:",
        "GRAMMAR:",
        "BIDI:",
        "formatnum:",
        "R",
        " ",
        "a",
        "é",
        "ש",
        "٣",
        "&amp;",
        "&",
        "\"",
        "'",
        "http://x",
        "1=",
        "\n",
    ];
    let args = [Arg::from(3), Arg::from("<x>"), Arg::from(1.5)];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let len = (rng.next() % 24) as usize;
        let message: String = (0..len)
            .map(|_| pieces[(rng.next() % pieces.len() as u64) as usize])
            .collect();
        for wikilinks in [false, true] {
            let opts = FormatOptions::default().with_wikilinks(wikilinks);
            let locale = ["en", "ar", "he", "fi", "xx"][(rng.next() % 5) as usize];
            match format_message(locale, &message, &args, &opts) {
                Ok(r) => {
                    assert!(!r.html().contains("<script"), "{message:?} -> {}", r.html());
                }
                Err(e) => assert!(e.position <= message.chars().count(), "{message:?}"),
            }
        }
    }
}

#[test]
fn latin_digits_can_be_chosen_per_language() {
    let opts = lyceum_i18n::FormatOptions::default().with_latin_digits(&["ar"]);
    let r = lyceum_i18n::format_message(
        "ar",
        "{{formatnum:$1}}",
        &[lyceum_i18n::Arg::from(1234567.5)],
        &opts,
    )
    .unwrap();
    assert_eq!(r.text(), "1,234,567.5");
    let fa = lyceum_i18n::format_message(
        "fa",
        "{{formatnum:$1}}",
        &[lyceum_i18n::Arg::from(12)],
        &opts,
    )
    .unwrap();
    assert_eq!(fa.text(), "۱۲", "other languages keep their digits");
}

/// The `$n` parameters a message uses (each once, sorted).
fn parameters(message: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        if let Ok(n) = digits.parse() {
            out.push(n);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[test]
fn parameters_are_found() {
    assert_eq!(parameters("{{PLURAL:$1|One file|$1 files}} by $2"), [1, 2]);
    assert_eq!(parameters("$10 costs $ 3 and $2$1"), [1, 2, 10]);
    assert!(parameters("No parameters, US$").is_empty());
}

/// The project's own files: the French and Arabic translations hold every English key,
/// and each translation uses exactly the `$n` parameters of its English message (a
/// missing one drops what the reader needs; an extra one shows a raw `$3`). Checked over
/// whatever the files hold, so keys added later are covered too.
#[test]
fn project_translations_are_complete_and_keep_their_parameters() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../i18n");
    let read = |code: &str| -> serde_json::Map<String, serde_json::Value> {
        let text = std::fs::read_to_string(dir.join(format!("{code}.json")))
            .unwrap_or_else(|e| panic!("i18n/{code}.json: {e}"));
        match serde_json::from_str(&text).unwrap() {
            serde_json::Value::Object(map) => map,
            _ => panic!("i18n/{code}.json is not an object"),
        }
    };
    let en = read("en");
    let mut problems = Vec::new();
    for code in ["fr", "ar"] {
        let translated = read(code);
        for (key, source) in en.iter().filter(|(k, _)| !k.starts_with('@')) {
            let Some(translation) = translated.get(key) else {
                problems.push(format!("{code}.json lacks {key}"));
                continue;
            };
            let (Some(source), Some(translation)) = (source.as_str(), translation.as_str()) else {
                problems.push(format!("{code}.json {key}: not a string"));
                continue;
            };
            let (want, got) = (parameters(source), parameters(translation));
            if want != got {
                problems.push(format!(
                    "{code}.json {key}: uses {got:?}, English uses {want:?}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One number formatter for every number on a page: numbers passed to messages, numbers
/// formatted on their own (sizes, chart labels), and the digits of dates and times all
/// come out in the same digits, CLDR's default for the language.
#[test]
fn every_number_in_one_language_uses_one_digit_system() {
    use lyceum_i18n::Digits;
    let sources = [
        ("en", r#"{"m": "$1 of $2 ({{formatnum:$3}}%)"}"#),
        ("ar", r#"{"m": "$1 من $2 ({{formatnum:$3}}٪)"}"#),
        ("fr", r#"{"m": "$1 sur $2 ({{formatnum:$3}} %)"}"#),
    ];
    let cldr = Catalog::from_sources_with(
        sources,
        FormatOptions::default()
            .with_localized_numbers(true)
            .with_digits(Digits::Cldr),
    )
    .unwrap();
    let args = [Arg::from(3), Arg::from(1234), Arg::from(95.5)];
    // (locale, message, number(1234.5), number_plain(2026), digits("09:05"), system)
    let table = [
        (
            "en",
            "3 of 1,234 (95.5%)",
            "1,234.5",
            "2026",
            "09:05",
            "latn",
        ),
        (
            "fr",
            "3 sur 1\u{202f}234 (95,5 %)",
            "1\u{202f}234,5",
            "2026",
            "09:05",
            "latn",
        ),
        // CLDR's default for `ar` is Latin digits (ICU4X 2.x); `ar-EG` keeps Arabic-Indic.
        (
            "ar",
            "3 من 1,234 (95.5٪)",
            "1,234.5",
            "2026",
            "09:05",
            "latn",
        ),
    ];
    for (locale, message, number, year, time, system) in table {
        assert_eq!(cldr.text(locale, "m", &args), message, "{locale}");
        assert_eq!(cldr.number(locale, 1234.5), number, "{locale}");
        assert_eq!(cldr.number_plain(locale, 2026), year, "{locale}");
        assert_eq!(cldr.digits(locale, "09:05"), time, "{locale}");
        assert_eq!(cldr.numbering_system(locale), system, "{locale}");
    }
    // Languages whose CLDR default digits are not Latin get them everywhere too.
    let native = [
        ("ar-EG", "١٬٢٣٤٫٥", "٢٠٢٦", "٠٩:٠٥", "arab"),
        ("fa", "۱٬۲۳۴٫۵", "۲۰۲۶", "۰۹:۰۵", "arabext"),
        ("bn", "১,২৩৪.৫", "২০২৬", "০৯:০৫", "beng"),
    ];
    for (locale, number, year, time, system) in native {
        assert_eq!(cldr.number(locale, 1234.5), number, "{locale}");
        assert_eq!(cldr.number_plain(locale, 2026), year, "{locale}");
        assert_eq!(cldr.digits(locale, "09:05"), time, "{locale}");
        assert_eq!(cldr.numbering_system(locale), system, "{locale}");
    }
    // banana-i18n's behaviour stays the default: `$n` as written, Arabic-Indic `ar`.
    let banana = Catalog::from_sources(sources).unwrap();
    assert_eq!(banana.text("ar", "m", &args), "3 من 1234 (٩٥٫٥٪)");
    assert_eq!(banana.number("ar", 1234.5), "١٬٢٣٤٫٥");
}
