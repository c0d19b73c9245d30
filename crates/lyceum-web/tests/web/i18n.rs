//! Interface language: choice, direction, the message catalog's completeness.

use crate::support::*;
use axum::http::StatusCode;
use std::collections::{BTreeSet, HashMap};

fn html_lang_dir(body: &str) -> (String, String) {
    let tag = &body[body.find("<html").unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    let attr = |name: &str| {
        tag.split(&format!("{name}=\""))
            .nth(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
            .unwrap_or_default()
    };
    (attr("lang"), attr("dir"))
}

#[tokio::test]
async fn language_choice_order_is_uselang_then_preference_then_cookie_then_browser() {
    let t = TestApp::new().await;
    let mut c = t.client();
    assert_eq!(
        html_lang_dir(&c.get("/").await.body),
        ("en".into(), "ltr".into()),
        "default"
    );
    set_accept_language(&mut c, "de-DE, ar;q=0.8, fr;q=0.5");
    assert_eq!(
        html_lang_dir(&c.get("/").await.body),
        ("ar".into(), "rtl".into()),
        "Accept-Language, first available"
    );
    c.cookies.insert("lang".into(), "fr".into());
    assert_eq!(
        html_lang_dir(&c.get("/").await.body).0,
        "fr",
        "the cookie beats the browser"
    );
    assert_eq!(
        html_lang_dir(&c.get("/?uselang=en").await.body).0,
        "en",
        "uselang beats everything"
    );
    t.user("pref", false).await;
    let mut u = t.login("pref").await;
    set_accept_language(&mut u, "fr");
    u.post_form(
        "/preferences",
        &[("display_name", ""), ("language", "ar"), ("time_zone", "")],
    )
    .await;
    assert_eq!(
        html_lang_dir(&u.get("/").await.body).0,
        "ar",
        "stored preference beats the browser"
    );
    assert_eq!(html_lang_dir(&u.get("/?uselang=fr").await.body).0, "fr");
}

#[tokio::test]
async fn the_language_menu_remembers_the_choice() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c
        .post_form(
            "/language",
            &[("lang", "ar"), ("return_to", "/?uselang=fr&language=en")],
        )
        .await;
    assert_eq!(
        r.location(),
        "/?language=en",
        "uselang dropped so the choice shows"
    );
    assert!(r.set_cookies().iter().any(|s| s.starts_with("lang=ar")));
    let body = c.get("/").await.body;
    assert_eq!(html_lang_dir(&body), ("ar".into(), "rtl".into()));
    assert!(
        body.contains(r#"<option value="ar" lang="ar" selected>العربية</option>"#),
        "autonyms in the menu"
    );
    assert!(body.contains("style-rtl."), "the right-to-left stylesheet");
}

#[tokio::test]
async fn arabic_pages_are_right_to_left_throughout() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("rtl", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("rtl").await;
    for path in [
        "/".to_string(),
        format!("/courses/{KEY}/about"),
        format!("/courses/{KEY}/courseware"),
        unit_path("s1-1-1"),
        "/dashboard".into(),
        "/preferences".into(),
        "/nope".into(),
    ] {
        let r = c
            .get(&format!(
                "{path}{}uselang=ar",
                if path.contains('?') { "&" } else { "?" }
            ))
            .await;
        assert_eq!(
            html_lang_dir(&r.body),
            ("ar".into(), "rtl".into()),
            "{path}"
        );
        // English course content keeps its own direction inside the Arabic page.
        if path.contains("unit") {
            assert!(
                r.body
                    .contains(r#"class="unit-blocks" lang="en" dir="ltr""#),
                "{path}"
            );
        }
    }
}

/// Codex's Arabic light bulb is for notices only: success, warning and error messages
/// keep their own icons in the right-to-left stylesheet.
#[tokio::test]
async fn arabic_messages_keep_their_type_icons() {
    let t = TestApp::new().await;
    let page = t.client().get("/login?uselang=ar").await.body;
    let at = page.find(r#"<link rel="stylesheet" href=""#).unwrap() + 29;
    let href = &page[at..at + page[at..].find('"').unwrap()];
    let css = t.client().get(href).await.body;
    assert!(
        css.contains(".cdx-message__icon:lang(ar)"),
        "the bulb stays"
    );
    assert!(
        !css.contains(".cdx-message .cdx-message__icon:lang(ar)"),
        "outranks every type's icon"
    );
    assert!(css.contains(".cdx-message--notice .cdx-message__icon:lang(ar)"));
}

#[tokio::test]
async fn qqx_shows_message_keys_for_translators() {
    let t = TestApp::new().await;
    let body = t.client().get("/?uselang=qqx").await.body;
    assert!(body.contains("(lyceum-catalog-title)"));
}

#[tokio::test]
async fn message_arguments_are_escaped() {
    let t = TestApp::new().await;
    t.user("Tom & \"Jerry\"", false).await;
    let mut c = t.login("Tom & \"Jerry\"").await;
    let body = c.get("/preferences").await.body;
    assert!(
        body.contains("Username: <bdi>Tom &amp; &quot;Jerry&quot;</bdi>"),
        "{body}"
    );
    // A course title with markup, passed into a message as an argument.
    let mut spec = sample_course("ESC", true);
    spec["title"] = "<i>Title</i>".into();
    t.seed(spec).await;
    let cat = c.get("/").await.body;
    assert!(
        cat.contains(r#"aria-label="Learn more about &#60;i&#62;Title&#60;/i&#62;""#),
        "{cat}"
    );
}

/// Every message key the code or templates use exists in en.json and is documented in
/// qqq.json; no translation has keys English lacks; every message parses.
#[test]
fn message_catalog_is_complete() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).unwrap();
    let keys = |json: &str| -> BTreeSet<String> {
        serde_json::from_str::<HashMap<String, serde_json::Value>>(json)
            .unwrap()
            .into_keys()
            .filter(|k| k != "@metadata")
            .collect()
    };
    let en = keys(&read("i18n/en.json"));
    let qqq = keys(&read("i18n/qqq.json"));

    let mut used = BTreeSet::new();
    let mut files = Vec::new();
    for dir in [
        "crates/lyceum-web/src",
        "crates/lyceum-web/templates",
        "crates/lyceum-core/src",
        "crates/lyceum-app/src",
        "crates/lyceum-wiki/src",
        "crates/lyceum-olx/src",
        "crates/lyceum-app/src",
    ] {
        collect(&format!("{root}/{dir}"), &mut files);
    }
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("\"lyceum-") {
            let after = &rest[i + 1..];
            let end = after.find('"').unwrap();
            let key = &after[..end];
            if key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                used.insert(key.to_string());
            }
            rest = &after[end..];
        }
    }
    let missing: Vec<_> = used.difference(&en).collect();
    assert!(
        missing.is_empty(),
        "keys used in code/templates but missing from en.json: {missing:?}"
    );
    let undocumented: Vec<_> = en.difference(&qqq).collect();
    assert!(
        undocumented.is_empty(),
        "keys without documentation in qqq.json: {undocumented:?}"
    );
    let stray: Vec<_> = qqq.difference(&en).collect();
    assert!(
        stray.is_empty(),
        "qqq.json documents keys en.json lacks: {stray:?}"
    );
    let unused: Vec<_> = en.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "en.json has keys nothing uses: {unused:?}"
    );
    for entry in std::fs::read_dir(format!("{root}/i18n")).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name == "en.json" || name == "qqq.json" || !name.ends_with(".json") {
            continue;
        }
        let extra: Vec<_> = keys(&std::fs::read_to_string(&p).unwrap())
            .difference(&en)
            .cloned()
            .collect();
        assert!(extra.is_empty(), "{name} has keys en.json lacks: {extra:?}");
    }
    // Numbers the platform formats use CLDR's default digits (Latin for Arabic); a number
    // written into a translation by hand must match them, or one page mixes "30" and "٣٠".
    // Only the message that tells learners which digits to type names the others.
    let ar: HashMap<String, serde_json::Value> =
        serde_json::from_str(&read("i18n/ar.json")).unwrap();
    let mixed: Vec<_> = ar
        .iter()
        .filter(|(k, v)| {
            k.as_str() != "lyceum-error-capa-numerical-digits"
                && v.as_str()
                    .is_some_and(|t| t.chars().any(|c| ('\u{660}'..='\u{669}').contains(&c)))
        })
        .map(|(k, _)| k)
        .collect();
    assert!(
        mixed.is_empty(),
        "ar.json writes Arabic-Indic digits where pages use Latin ones: {mixed:?}"
    );
    let catalog =
        lyceum_i18n::Catalog::from_sources(lyceum_web::message_files().iter().copied()).unwrap();
    assert!(
        catalog.parse_errors().is_empty(),
        "{:?}",
        catalog.parse_errors()
    );
}

fn collect(dir: &str, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(p.to_str().unwrap(), out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
            out.push(p);
        }
    }
}

#[tokio::test]
async fn error_pages_speak_the_users_language() {
    let t = TestApp::new().await;
    let mut c = t.client();
    set_accept_language(&mut c, "ar");
    let r = c.get("/courses/course-v1:A+B+C/about").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(html_lang_dir(&r.body).1, "rtl");
    let r = c.get("/api/v1/courses/course-v1:A+B+C").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-not-found");
}
