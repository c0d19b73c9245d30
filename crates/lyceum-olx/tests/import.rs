//! Importing the Open edX demo course (`tests/fixtures/olx/demo-course`, see its README
//! for what it holds and which files were deliberately left out).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lyceum_core::blocks::LeafContent;
use lyceum_core::blocks::open_response::{
    Aggregate, Criterion, FallbackAction, FileRules, OpenResponseContent, PeerFallback, PeerRules,
    Requirement, Rubric, RubricOption, Step,
};
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::import::{ImportOptions, import};
use lyceum_olx::{IssueKind, OlxFiles, StaticFile};
use std::collections::BTreeMap;
use std::path::Path;

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/olx/demo-course"
    ))
}

/// The demo course's files, read plainly (the archive layer has its own tests).
fn demo_files() -> OlxFiles {
    let mut files = OlxFiles::default();
    let root = fixture();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&p).unwrap();
            if let Some(s) = rel.strip_prefix("static/") {
                files.statics.push(StaticFile {
                    path: s.to_owned(),
                    sha256: format!("{:064x}", bytes.len()),
                    size: bytes.len() as u64,
                });
                if s.ends_with(".srt") || s.ends_with(".sjson") {
                    files.text.insert(rel, bytes);
                }
            } else {
                files.text.insert(rel, bytes);
            }
        }
    }
    files
}

fn walk<'a>(blocks: &'a [NewBlock], out: &mut Vec<&'a NewBlock>) {
    for b in blocks {
        out.push(b);
        walk(&b.children, out);
    }
}

#[test]
fn imports_the_demo_course() {
    let im = import(&demo_files(), &ImportOptions::default()).unwrap();
    assert_eq!(
        im.course.key.to_string(),
        "course-v1:OpenedX+DemoX+DemoCourse"
    );
    assert_eq!(im.course.title, "Open edX Demo Course");
    assert!(im.course.self_paced);
    assert_eq!(im.course.start.unwrap().to_string(), "2020-01-01T00:00:00Z");
    let mut all = Vec::new();
    walk(&im.blocks, &mut all);
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &all {
        *by_kind.entry(b.kind.as_str()).or_default() += 1;
    }
    assert_eq!(by_kind["section"], 6, "{by_kind:?}");
    assert_eq!(by_kind["subsection"], 17);
    assert_eq!(by_kind["unit"], 58);
    assert_eq!(by_kind["text"], 266);
    assert_eq!(by_kind["video"], 11);
    assert_eq!(by_kind["discussion"], 1);
    // Both open response assessments (ORA) are mapped, and the poll and the survey
    // (xblock-poll) become surveys; nothing else of Open edX's.
    assert_eq!(by_kind["open_response"], 2);
    assert_eq!(by_kind["survey"], 2);
    assert_eq!(by_kind["olx"], 8);
    // Grading policy and graded subsections.
    let types: Vec<&str> = im
        .course
        .grading
        .types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "Basic Assessment Tools",
            "Intermediate Assessment Tools",
            "Advanced Assessment Tools"
        ]
    );
    let graded = all
        .iter()
        .filter(|b| b.kind == "subsection" && b.content.contains("\"graded\":true"))
        .count();
    assert_eq!(graded, 3);
    // Problems that Lyceum grades, and those kept as OLX.
    let mut kept: BTreeMap<String, usize> = BTreeMap::new();
    for b in &all {
        if let Ok(LeafContent::Olx(o)) = LeafContent::decode(&b.kind, &b.content) {
            *kept.entry(o.tag.clone()).or_default() += 1;
        }
    }
    eprintln!("kinds {by_kind:?}\nkept {kept:?}");
    for i in &im.report.issues {
        eprintln!("{:?} {} {}", i.kind, i.path, i.detail);
    }
    let kept: Vec<(&str, usize)> = kept.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    assert_eq!(
        kept,
        [
            ("annotatable", 1),
            ("done", 1),
            ("drag-and-drop-v2", 1),
            ("edx_sga", 1),
            ("library_content", 1),
            ("lti", 2),
            ("staffgradedxblock", 1),
        ]
    );
    assert!(
        !im.report
            .issues
            .iter()
            .any(|i| i.detail.contains("openassessment")),
        "{:?}",
        im.report.issues
    );
    assert_eq!(im.report.count(IssueKind::Renamed), 0);
}

fn option(name: &str, label: &str, points: u32, explanation: &str) -> RubricOption {
    RubricOption {
        name: name.into(),
        label: label.into(),
        points,
        explanation: explanation.into(),
    }
}

/// The demo course's two open response assessments, mapped field by field.
#[test]
fn imports_the_demo_open_responses() {
    let im = import(&demo_files(), &ImportOptions::default()).unwrap();
    let mut all = Vec::new();
    walk(&im.blocks, &mut all);
    let block = |name: &str| *all.iter().find(|b| b.url_name == name).unwrap();
    let dates = (
        Some("2001-01-01T00:00:00Z".parse().unwrap()),
        // The demo's submissions close in 2029.
        Some("2029-01-01T00:00:00Z".parse().unwrap()),
    );
    let attrs = |list: &[(&str, &str)]| -> BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };

    // Peer assessment with flexible grading.
    let peer = block("414407a9e235444cb530c102fd0c66d0");
    assert_eq!(
        (peer.kind.as_str(), peer.title.as_str()),
        ("open_response", "Peer Assessment")
    );
    let LeafContent::OpenResponse(c) = leaf_content(&im, &peer.url_name) else {
        panic!("not an open response");
    };
    let expected = OpenResponseContent {
        prompts: vec![
            "<p>In the box below, enter a sentence or two about how you intend to use the Open edX platform. If you're not sure yet, share any ideas you have for what the ideal learning platform could look like instead.</p>\n<p>We've kept the rubric on this very simple, and you'll need to grade at least 1 other person in order to get your results, and only one person needs to grade you, but you can (and should!) set these thresholds higher on your own courses.</p>".into(),
        ],
        text: Requirement::Required,
        files: None,
        rubric: Rubric {
            criteria: vec![Criterion {
                name: "0".into(),
                label: "Clarity".into(),
                prompt: "Was the submission clear? Did it clearly express its ideas and/or plans?".into(),
                feedback: Requirement::Optional,
                options: vec![
                    option("0", "Excellent", 3, "The submission is perfectly clear and expresses the sentiment it was trying to convey clearly to the reader."),
                    option("1", "Good", 2, "The submission was fully-formed and relatively clear, but could have been expressed in clearer language."),
                    option("2", "Poor", 1, "The submission is unclear in places, and doesn't make much sense."),
                    option("3", "Incomplete", 0, "The submission is in some way faulty, such as being a bunch of random letters mashed on a keyboard."),
                ],
            }],
            overall_feedback: Requirement::Optional,
            feedback_prompt: "(Optional) What aspects of this response stood out to you? What did it do well? How could it be improved?".into(),
            feedback_default_text: "I think that this response...".into(),
        },
        show_rubric_while_writing: true,
        expected_minutes: None,
        steps: vec![Step::Peer],
        peer: PeerRules {
            must_grade: 1,
            graded_by: 1,
            fallback: Some(PeerFallback {
                after_days: 7,
                action: FallbackAction::DropRequirement,
            }),
        },
        aggregate: Aggregate::Median,
        allow_resubmission: false,
        weight: None,
        submission_start: dates.0,
        due: dates.1,
        olx_attrs: attrs(&[
            ("allow_latex", "False"),
            ("leaderboard_show", "3"),
            ("selected_teamset_id", ""),
            ("teams_enabled", "False"),
            ("text_response_editor", "tinymce"),
        ]),
    };
    assert_eq!(c, expected);
    assert_eq!(c.possible(), (3.0, 3.0));

    // Self assessment with optional image uploads and three criteria.
    let own = block("258949320d4c493e91296a51f33fbedc");
    assert_eq!(
        (own.kind.as_str(), own.title.as_str()),
        ("open_response", "Open Response Assessment")
    );
    let LeafContent::OpenResponse(c) = leaf_content(&im, &own.url_name) else {
        panic!("not an open response");
    };
    assert_eq!(c.prompts.len(), 1);
    assert!(
        c.prompts[0].starts_with("<h3>Introduction:</h3>\n<p>\"Romeo and Juliet\" is one of Shakespeare's most iconic plays."),
        "{}",
        c.prompts[0]
    );
    assert!(c.prompts[0].contains(r#"<img src="/asset-v1:OpenedX+DemoX+DemoCourse+type@asset+block@romeo_juliet_commons.jpeg" alt="Painting of Romeo and Juliet kissing on a balcony" width="640" height="495">"#), "{}", c.prompts[0]);
    assert!(c.prompts[0].ends_with(
        "be it from stage productions, film adaptations, or artistic representations.</p>"
    ));
    assert_eq!(c.text, Requirement::Required);
    assert_eq!(
        c.files,
        Some(FileRules {
            requirement: Requirement::Optional,
            allowed: vec!["png".into(), "jpg".into(), "jpeg".into(), "gif".into()],
            max_mb: 10,
            max_files: 20,
        })
    );
    assert_eq!(c.steps, [Step::SelfReview]);
    assert_eq!(c.peer, PeerRules::default(), "no peer step: the defaults");
    assert!(c.show_rubric_while_writing);
    assert_eq!((c.submission_start, c.due), dates);
    let criteria: Vec<_> = c
        .rubric
        .criteria
        .iter()
        .map(|k| {
            (
                k.name.as_str(),
                k.label.as_str(),
                k.feedback,
                k.options
                    .iter()
                    .map(|o| (o.name.as_str(), o.label.as_str(), o.points))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        criteria,
        [
            (
                "Ideas",
                "Depth of Analysis (50%)",
                Requirement::Optional,
                vec![
                    ("0", "Inadequate", 0),
                    ("1", "Adequate", 3),
                    ("2", "Exemplary", 5)
                ]
            ),
            (
                "0",
                "Use of Evidence (30%)",
                Requirement::Optional,
                vec![
                    ("0", "Inadequate", 0),
                    ("1", "Adequate", 2),
                    ("2", "Exemplary", 4)
                ]
            ),
            (
                "1",
                "Image Upload",
                Requirement::None,
                vec![("0", "No", 1), ("1", "Yes", 1)]
            ),
        ]
    );
    let ideas = &c.rubric.criteria[0];
    assert_eq!(
        ideas.prompt,
        "How well does the response relate a specific symbol in the play to its theme(s)?"
    );
    assert_eq!(
        ideas.options[0].explanation,
        "Does not address a specific symbol and/or provide any analysis that relates to the story of Romeo & Juliet."
    );
    assert_eq!(
        c.rubric.criteria[2].options[0].explanation,
        "No image was uploaded, or the image was clearly irrelevant. Because this objective is optional, it still receives credit."
    );
    assert_eq!(
        c.rubric.feedback_prompt,
        "(Optional) What aspects of your response stood out to you? What did it do well? How could it be improved?"
    );
    assert_eq!(
        c.rubric.feedback_default_text,
        "I think that my response..."
    );
    assert_eq!(c.possible(), (10.0, 10.0));
    assert_eq!(
        c.olx_attrs,
        attrs(&[
            ("allow_latex", "True"),
            ("selected_teamset_id", ""),
            ("teams_enabled", "False"),
            ("text_response_editor", "tinymce"),
        ])
    );
}

fn files(list: &[(&str, &str)]) -> OlxFiles {
    let mut f = OlxFiles::default();
    for (path, text) in list {
        if let Some(s) = path.strip_prefix("static/") {
            f.statics.push(StaticFile {
                path: s.to_owned(),
                sha256: format!("{:064}", 0),
                size: text.len() as u64,
            });
        }
        f.text.insert((*path).to_owned(), text.as_bytes().to_vec());
    }
    f
}

fn leaf_content(im: &lyceum_olx::Imported, url_name: &str) -> LeafContent {
    let mut all = Vec::new();
    walk(&im.blocks, &mut all);
    let b = all
        .iter()
        .find(|b| b.url_name == url_name)
        .unwrap_or_else(|| panic!("no block {url_name}"));
    LeafContent::decode(&b.kind, &b.content).unwrap()
}

/// The rules of spec §1 that the demo course does not exercise.
#[test]
fn olx_rules_beyond_the_demo_course() {
    let f = files(&[
        // An inline course.xml (not a pointer: it has a display_name).
        (
            "course.xml",
            r#"<course org="Wiki" course="ED1" url_name="2026" display_name="Inline" showanswer="always" due="2031-01-01T00:00:00Z">
            <chapter url_name="ch"/>
            <chapter url_name="gone"/>
        </course>"#,
        ),
        // The old policy location; its values override the XML's.
        (
            "policies/2026.json",
            r#"{"course/2026": {"display_name": "From policy", "graceperiod": "1 day 2 hours", "language": "fr",
            "tabs": [{"type": "static_tab", "url_slug": "rules", "name": "Rules"}]},
            "problem/p:one": {"weight": 4}}"#,
        ),
        (
            "chapter/ch.xml",
            r#"<chapter display_name="Ch" max_attempts="3"><sequential url_name="seq"/></chapter>"#,
        ),
        (
            "sequential/seq.xml",
            r#"<sequential display_name="Seq" graded="true" format="Homework">
            <html url_name="loose">Loose <b>text</b> with <img src="/c4x/Wiki/ED1/asset/pic.png"/></html>
            <vertical url_name="v1"/>
        </sequential>"#,
        ),
        (
            "vertical/v1.xml",
            r#"<vertical display_name="V1">
            <problem url_name="p:one"/>
            <html url_name="legacy"/>
            <html url_name="missing"/>
            <html url_name="broken"/>
            <html url_name="dtd"/>
            <vertical url_name="inner"><html url_name="nested" display_name="Nested">Inside</html></vertical>
            <word_cloud url_name="wc" display_name="Cloud"/>
        </vertical>"#,
        ),
        // Colons in a url_name are folders.
        (
            "problem/p/one.xml",
            r#"<problem display_name="P" due="2032-01-01T00:00:00Z"><multiplechoiceresponse><choicegroup type="MultipleChoice">
            <choice correct="true">A</choice><choice correct="false">B</choice></choicegroup></multiplechoiceresponse></problem>"#,
        ),
        // Legacy filename=: the definition is in html/old.xml; the body in html/old.html.
        (
            "html/legacy.xml",
            r#"<html filename="old" display_name="Legacy"/>"#,
        ),
        ("html/old.html", "<p>Old body</p>"),
        (
            "html/broken.xml",
            "<html display_name=\"B\"><p>unclosed</html>",
        ),
        (
            "html/dtd.xml",
            "<!DOCTYPE html [<!ENTITY x \"y\">]><html>&x;</html>",
        ),
        ("tabs/rules.html", "<p>Be kind</p>"),
        ("drafts/vertical/d.xml", "<vertical/>"),
        ("static/pic.png", "png"),
    ]);
    let im = import(
        &f,
        &ImportOptions {
            org: Some("Other".into()),
        },
    )
    .unwrap();
    assert_eq!(im.course.key.to_string(), "course-v1:Other+ED1+2026");
    assert_eq!(im.course.title, "From policy");
    assert_eq!(im.course.language, "fr");
    assert_eq!(im.course.grading.grace_period_secs, 26 * 3600);
    // Missing grading policy: Open edX's default types.
    assert_eq!(im.course.grading.types.len(), 4);
    let tabs: Vec<_> = im
        .pages
        .iter()
        .map(|p| (p.slug.as_str(), p.title.as_str()))
        .collect();
    assert_eq!(tabs, [("rules", "Rules")]);

    // Inherited settings resolved into the problem; policy weight; its own due date.
    match leaf_content(&im, "p:one") {
        LeafContent::Problem(p) => {
            assert_eq!(p.weight, Some(4.0));
            assert_eq!(p.max_attempts, Some(3));
            assert_eq!(p.showanswer.as_deref(), Some("always"));
            assert!(
                !p.xml.contains("display_name") && !p.xml.contains("due="),
                "{}",
                p.xml
            );
            assert_eq!(p.due.unwrap().to_string(), "2032-01-01T00:00:00Z");
        }
        other => panic!("{other:?}"),
    }
    match leaf_content(&im, "legacy") {
        LeafContent::Text(t) => assert_eq!(t.source, "<p>Old body</p>"),
        other => panic!("{other:?}"),
    }
    match leaf_content(&im, "loose") {
        LeafContent::Text(t) => assert!(t.source.contains("\"/static/pic.png\""), "{}", t.source),
        other => panic!("{other:?}"),
    }
    // Missing, broken and DTD-carrying files become error blocks; unknown kinds are kept.
    for (name, tag, err) in [
        ("missing", "html", "missing file"),
        ("broken", "html", ""),
        ("dtd", "html", ""),
        ("wc", "word_cloud", ""),
    ] {
        match leaf_content(&im, name) {
            LeafContent::Olx(o) => {
                assert_eq!(o.tag, tag);
                assert!(o.error.contains(err), "{name}: {}", o.error);
                if name == "wc" {
                    assert!(o.error.is_empty());
                    assert!(o.xml.contains("url_name=\"wc\""));
                } else {
                    assert!(!o.error.is_empty(), "{name}");
                }
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // A vertical inside a vertical gives its leaves; loose leaves get a unit of their own.
    let mut all = Vec::new();
    walk(&im.blocks, &mut all);
    let units: Vec<_> = all
        .iter()
        .filter(|b| b.kind == "unit")
        .map(|b| b.url_name.as_str())
        .collect();
    assert_eq!(units, ["seq_unit", "v1"]);
    assert!(
        all.iter()
            .any(|b| b.url_name == "nested" && b.kind == "text")
    );
    // The missing chapter is reported and left out; the graded subsection keeps its type.
    assert_eq!(all.iter().filter(|b| b.kind == "section").count(), 1);
    let seq = all.iter().find(|b| b.url_name == "seq").unwrap();
    assert!(
        seq.content.contains("\"graded\":true") && seq.content.contains("Homework"),
        "{}",
        seq.content
    );
    let kinds = |k: IssueKind| {
        im.report
            .issues
            .iter()
            .filter(|i| i.kind == k)
            .map(|i| i.path.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        kinds(IssueKind::Skipped)
            .iter()
            .any(|p| p == "drafts/vertical/d.xml")
    );
    assert!(
        kinds(IssueKind::MissingFile)
            .iter()
            .any(|p| p == "course.xml"),
        "{:?}",
        im.report.issues
    );
    assert!(
        kinds(IssueKind::ParseError)
            .iter()
            .any(|p| p == "html/dtd.xml")
    );
    assert!(
        kinds(IssueKind::ParseError)
            .iter()
            .any(|p| p == "html/broken.xml")
    );
}
