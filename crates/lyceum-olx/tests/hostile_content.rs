//! Archives whose author content is hostile rather than their structure: HTML or Markdown
//! nested thousands deep (the parsers take time quadratic in nesting, so one upload could
//! hold a worker for minutes), and names carrying control or bidi-override characters or
//! running to megabytes. The import reports each by name and keeps the rest of the course.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lyceum_core::blocks::LeafContent;
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::import::{ImportOptions, import};
use lyceum_olx::{Imported, IssueKind, OlxFiles};

/// The stack tokio gives a blocking thread, where the server runs imports.
const SERVER_STACK: usize = 2 * 1024 * 1024;

fn course(extra: &[(&str, String)]) -> OlxFiles {
    let mut f = OlxFiles::default();
    let base = [
        (
            "course.xml",
            r#"<course url_name="r" org="O" course="C"/>"#.to_owned(),
        ),
        (
            "course/r.xml",
            r#"<course display_name="Hostile"><chapter url_name="ch"/></course>"#.to_owned(),
        ),
        (
            "chapter/ch.xml",
            r#"<chapter display_name="Ch"><sequential url_name="seq"/></chapter>"#.to_owned(),
        ),
        (
            "sequential/seq.xml",
            r#"<sequential display_name="Seq"><vertical url_name="v0"/></sequential>"#.to_owned(),
        ),
        (
            "vertical/v0.xml",
            r#"<vertical display_name="Unit"><html url_name="deep"/><html url_name="fine"/></vertical>"#
                .to_owned(),
        ),
        ("html/deep.xml", r#"<html filename="deep"/>"#.to_owned()),
        ("html/fine.xml", r#"<html filename="fine"/>"#.to_owned()),
        (
            "html/fine.html",
            "<ul><li>one<li>two</ul><p>Fine <b>text</b></p>".to_owned(),
        ),
    ];
    for (path, text) in base.iter().chain(extra) {
        f.text.insert((*path).to_owned(), text.as_bytes().to_vec());
    }
    f
}

fn import_on_server_stack(f: OlxFiles) -> Imported {
    std::thread::Builder::new()
        .stack_size(SERVER_STACK)
        .spawn(move || import(&f, &ImportOptions::default()).expect("imported"))
        .unwrap()
        .join()
        .unwrap()
}

fn find<'b>(blocks: &'b [NewBlock], url_name: &str) -> Option<&'b NewBlock> {
    blocks.iter().find_map(|b| {
        if b.url_name == url_name {
            Some(b)
        } else {
            find(&b.children, url_name)
        }
    })
}

#[test]
fn deeply_nested_html_is_refused_by_url_name_and_the_rest_imported() {
    // Deep, yet under a text block's 512 KB, so that depth is what refuses it.
    let n = 20_000;
    for deep in [
        format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n)),
        "<b><div></b>".repeat(n),
        (0..n).map(|k| format!("<p><i id=i{k}>x</p>")).collect(),
    ] {
        let mut f = course(&[
            ("html/deep.html", deep),
            (
                "about/overview.html",
                format!("<section>{}</section>", "<blockquote>".repeat(n)),
            ),
        ]);
        f.text
            .insert("tabs/extra.html".into(), "<span>".repeat(n).into_bytes());
        let imported = import_on_server_stack(f);
        let issue = imported
            .report
            .issues
            .iter()
            .find(|i| i.detail.contains("url_name \"deep\""))
            .expect("a reported problem naming the block");
        assert_eq!(issue.kind, IssueKind::Unsupported);
        assert!(issue.detail.contains("100 levels deep"), "{}", issue.detail);
        let deep = find(&imported.blocks, "deep").expect("kept as a block");
        assert!(
            matches!(
                LeafContent::decode(&deep.kind, &deep.content),
                Ok(LeafContent::Olx(_))
            ),
            "kept as OLX, not rendered: {}",
            deep.kind
        );
        // The overview and the page are kept as their text, and said so.
        assert!(
            imported
                .report
                .issues
                .iter()
                .any(|i| i.path == "about/overview.html" && i.detail.contains("levels deep"))
        );
        assert!(!imported.course.overview_html.contains("<blockquote"));
        assert!(
            imported
                .report
                .issues
                .iter()
                .any(|i| i.path.ends_with("extra") && i.detail.contains("levels deep")),
            "{:?}",
            imported.report.issues
        );
        // Ordinary content beside it is untouched.
        let fine = find(&imported.blocks, "fine").unwrap();
        match LeafContent::decode(&fine.kind, &fine.content).unwrap() {
            LeafContent::Text(t) => assert_eq!(
                t.html,
                "<ul><li>one</li><li>two</li></ul><p>Fine <b>text</b></p>"
            ),
            other => panic!("fine block imported as {other:?}"),
        }
    }
}

/// Names from an archive lose control and bidi-override characters, and a title longer
/// than the documented maximum (docs/LIMITS.md) is cut with a report entry rather than
/// refusing the whole course.
#[test]
fn imported_names_are_cleaned_and_cut_to_the_title_limit() {
    let long = "Ω".repeat(5_000);
    let f = course(&[
        (
            "course/r.xml",
            format!(
                r#"<course display_name="{long}"><chapter url_name="ch"/></course>"#
            ),
        ),
        (
            "chapter/ch.xml",
            r#"<chapter display_name="Safe&#x202E;gpj.exe&#x9b;31m"><sequential url_name="seq"/></chapter>"#
                .to_owned(),
        ),
        (
            "sequential/seq.xml",
            r#"<sequential display_name="  &#x2066;Week&#9;one&#x2069;  "><vertical url_name="v0"/></sequential>"#
                .to_owned(),
        ),
        (
            "vertical/v0.xml",
            format!(
                r#"<vertical display_name="&#x85;&#x202D;"><html url_name="fine" display_name="{}"/></vertical>"#,
                "x".repeat(300)
            ),
        ),
        (
            "policies/r/policy.json",
            r#"{"course/r": {"tabs": [{"type": "static_tab", "url_slug": "extra", "name": "Ex\u202etra\u0000"}]}}"#
                .to_owned(),
        ),
        ("tabs/extra.html", "<p>Extra</p>".to_owned()),
    ]);
    // (XML forbids C0 controls even as references; C1 controls and the bidi characters
    // pass, and a policy's JSON may hold any.)
    let imported = import_on_server_stack(f);
    assert_eq!(imported.course.title, "Ω".repeat(200));
    let title = |u: &str| find(&imported.blocks, u).unwrap().title.clone();
    assert_eq!(title("ch"), "Safegpj.exe31m");
    assert_eq!(title("seq"), "Week one");
    assert_eq!(title("v0"), "Unit", "a name left empty takes the default");
    assert_eq!(title("fine"), "x".repeat(200));
    let tab = imported.pages.iter().find(|p| p.slug == "extra").unwrap();
    assert_eq!(tab.title, "Extra");
    let cut: Vec<&str> = imported
        .report
        .issues
        .iter()
        .filter(|i| i.detail.contains("cut to 200 characters"))
        .map(|i| i.detail.as_str())
        .collect();
    assert_eq!(
        cut,
        [
            r#"display_name of url_name "fine" cut to 200 characters"#,
            r#"display_name of url_name "r" cut to 200 characters"#,
        ]
    );
}
