//! Export to OLX: the archive is read back as Open edX reads it (tar + gzip, XML with
//! pointers, policy JSON) and checked against the course it came from.
#![allow(clippy::unwrap_used)]
// The course spec below is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

use flate2::read::GzDecoder;
use lyceum_core::blocks::{
    DiscussionContent, GradingMethod, LeafContent, OlxContent, ProblemContent,
};
use lyceum_core::course::spec::{CourseSpec, Expanded, NewBlock, expand};
use lyceum_olx::export::{ExportAsset, ExportCourse, export};
use lyceum_olx::{CoursePage, PageKind};
use roxmltree::{Document, Node};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

const MC: &str = r#"<problem><multiplechoiceresponse><label>Pick B</label><choicegroup type="MultipleChoice">
        <choice correct="false">A</choice><choice correct="true">B</choice></choicegroup></multiplechoiceresponse></problem>"#;

/// A problem whose root already carries settings: one is replaced, one (now unset) removed.
const MC_WITH_ATTRS: &str = "<problem display_name=\"Old &amp; stale\" markdown=\"null\"\n  showanswer=\"always\">\n<multiplechoiceresponse><label>Pick A</label><choicegroup type=\"MultipleChoice\">\n<choice correct=\"true\">A</choice><choice correct=\"false\">B</choice></choicegroup></multiplechoiceresponse>\n</problem>";

const LTI: &str = r#"<lti url_name="s1-1-1-lti" display_name="Code grader &amp; co" launch_url="https://example.org/lti?a=1&amp;b=2" lti_id="jupyter" has_score="true"/>"#;

const DND: &str = "<drag-and-drop-v2 url_name=\"s1-1-1-dnd\" xblock-family=\"xblock.v1\" display_name=\"Brain\" data=\"{&#10;  &quot;items&quot;: []&#10;}\">\n    <zone uid=\"z1\">Top</zone>\n    <!-- kept as written -->\n    <item zone=\"z1\">Frontal &#x2014; lobe</item>\n  </drag-and-drop-v2>";

/// Kept OLX that lost its url_name (loaded from a pointer file): goes back to a file.
const POLL: &str =
    "<poll question=\"Which?\" display_name=\"Poll\"><answer id=\"a\">A</answer></poll>";

/// An error block: a file that did not parse, kept as text.
const BROKEN: &str = "<survey question=\"unterminated>\n  <p>";

const UPDATES: &str = "[{\"id\": 1, \"date\": \"September 1, 2026\", \"content\": \"<p>Welcome</p>\", \"status\": \"visible\"}]";

fn spec() -> Value {
    json!({
        "org": "LEARNCO", "code": "EXP101", "run": "2026_T1", "language": "en",
        "title": "Export & \"Quotes\" <Course>",
        "short_description": "Learn to move courses.",
        "overview": "Why *this* matters",
        "outcomes": ["Write", "Review"],
        "effort_hours_per_week": 1.5, "effort_weeks": 6,
        "start": "2026-09-01T00:00:00Z", "end": "2026-12-15T00:00:00Z",
        "license": "CC-BY-4.0", "self_paced": false,
        "grading": {
            "types": [
                {"name": "Homework", "short_label": "HW", "min_count": 2, "drop_count": 1, "weight": 0.4},
                {"name": "Final Exam", "min_count": 1, "weight": 0.6}
            ],
            "cutoffs": {"A": 0.9, "B": 0.8, "C": 0.7},
            "grace_period_hours": 26
        },
        "sections": [
            {"title": "Start", "release": "2026-09-01T08:30:00Z", "subsections": [
                {"title": "Welcome", "units": [{"title": "Hello", "blocks": [
                    {"kind": "text", "title": "Intro", "markdown": "Hello *world*"},
                    {"kind": "text", "title": "Raw", "html": "<p class=\"x\">Raw &amp; <b>HTML</b></p>\n"},
                    {"kind": "video", "title": "Intro video", "media": "intro",
                     "transcripts": {"en": "intro.en.vtt", "fr": "intro.fr.srt"}}
                ]}]},
                {"title": "Homework 1", "graded": true, "format": "Homework",
                 "due": "2026-10-01T12:00:00Z", "units": [{"title": "Questions", "blocks": [
                    {"kind": "problem", "title": "Pick B", "xml": MC, "weight": 2.0,
                     "max_attempts": 3, "showanswer": "attempted", "show_reset_button": true,
                     "rerandomize": "per_student", "due": "2026-10-02T00:00:00Z"},
                    {"kind": "problem", "title": "Renamed <Q>", "xml": MC_WITH_ATTRS}
                ]}]}
            ]},
            {"title": "Exam", "subsections": [
                {"title": "Final", "graded": true, "format": "Final Exam", "units": [
                    {"title": "Empty unit"}
                ]}
            ]}
        ]
    })
}

fn media(name: &str) -> Option<Vec<u8>> {
    match name {
        "intro.webm" => Some((0..=255u8).cycle().take(70_000).collect()),
        "intro.jpg" => Some(vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
        "intro.en.vtt" => Some(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n".to_vec()),
        "intro.fr.srt" => Some(b"1\n00:00:00,000 --> 00:00:01,000\nBonjour\n".to_vec()),
        _ => None,
    }
}

fn leaf(url_name: &str, title: &str, content: LeafContent) -> NewBlock {
    NewBlock {
        kind: content.kind().to_owned(),
        url_name: url_name.to_owned(),
        title: title.to_owned(),
        release_at: None,
        content: content.encode(),
        children: Vec::new(),
    }
}

fn olx(url_name: &str, tag: &str, xml: &str, error: &str) -> NewBlock {
    leaf(
        url_name,
        "",
        LeafContent::Olx(OlxContent {
            tag: tag.to_owned(),
            xml: xml.to_owned(),
            error: error.to_owned(),
            source_path: String::new(),
        }),
    )
}

struct Fixture {
    expanded: Expanded,
    pages: Vec<CoursePage>,
    assets: Vec<ExportAsset>,
    /// Asset name → its bytes.
    bytes: BTreeMap<String, Vec<u8>>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn course(&self) -> ExportCourse<'_> {
        ExportCourse {
            course: &self.expanded.course,
            blocks: &self.expanded.blocks,
            pages: &self.pages,
            assets: &self.assets,
        }
    }
}

fn fixture() -> Fixture {
    let spec: CourseSpec = serde_json::from_value(spec()).unwrap();
    let mut expanded = expand(spec, &mut media).unwrap();

    // Settings the spec format has no field for.
    let problem = &mut expanded.blocks[0].children[1].children[0].children[0];
    let LeafContent::Problem(mut p) = LeafContent::decode("problem", &problem.content).unwrap()
    else {
        panic!("not a problem");
    };
    p.grading_method = GradingMethod::HighestScore;
    p.attempts_before_showanswer_button = Some(2);
    p.show_correctness = Some("past_due".into());
    problem.content = LeafContent::Problem(p).encode();

    // Leaves an import makes: a discussion and kept OLX.
    let unit = &mut expanded.blocks[0].children[0].children[0];
    unit.children.push(leaf(
        "s1-1-1-disc",
        "Introductions",
        LeafContent::Discussion(DiscussionContent {
            discussion_id: "d-42".into(),
            category: "Week 1".into(),
            target: "Say \"hello\"".into(),
        }),
    ));
    unit.children.push(olx("s1-1-1-lti", "lti", LTI, ""));
    unit.children
        .push(olx("s1-1-1-dnd", "drag-and-drop-v2", DND, ""));
    unit.children.push(olx("s1-1-1-poll", "poll", POLL, ""));
    unit.children
        .push(olx("s1-1-1-broken", "survey", BROKEN, "XML syntax error"));

    let dir = tempfile::tempdir().unwrap();
    let mut bytes = BTreeMap::new();
    for a in &expanded.assets {
        bytes.insert(a.name.clone(), a.bytes.clone());
    }
    let png: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    bytes.insert("diagram.png".into(), png);
    let mut assets = Vec::new();
    for (name, data) in &bytes {
        let path = dir.path().join(format!("blob-{}", assets.len()));
        std::fs::write(&path, data).unwrap();
        assets.push(ExportAsset {
            name: name.clone(),
            path,
        });
    }
    // Not in name order: the archive is ordered anyway.
    assets.reverse();

    let page = |kind, slug: &str, title: &str, content: &str| CoursePage {
        kind,
        slug: slug.into(),
        title: title.into(),
        content: content.into(),
    };
    let pages = vec![
        page(PageKind::About, "faq", "", "<h2>FAQ</h2>"),
        page(PageKind::About, "overview", "", "<p>stale overview</p>"),
        page(PageKind::Info, "handouts", "", "<ol><li>Read</li></ol>"),
        page(PageKind::Info, "updates.items.json", "", UPDATES),
        page(
            PageKind::Tab,
            "syllabus",
            "Syllabus & plan",
            "<p>Week 1</p>",
        ),
    ];
    Fixture {
        expanded,
        pages,
        assets,
        bytes,
        _dir: dir,
    }
}

/// The archive's files in order, with their tar headers checked.
fn read_archive(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut tar = tar::Archive::new(GzDecoder::new(archive));
    let mut out = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header();
        assert_eq!(header.entry_type(), tar::EntryType::Regular);
        assert_eq!(header.mode().unwrap(), 0o644);
        assert_eq!(header.mtime().unwrap(), 0);
        assert_eq!(header.uid().unwrap(), 0);
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let rest = path
            .strip_prefix("course/")
            .unwrap_or_else(|| panic!("{path} is outside course/"))
            .to_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.push((rest, data));
    }
    out
}

fn export_files(f: &Fixture) -> (Vec<u8>, BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut archive = Vec::new();
    export(&f.course(), &mut archive).unwrap();
    let entries = read_archive(&archive);
    let order = entries.iter().map(|(p, _)| p.clone()).collect();
    let files: BTreeMap<String, Vec<u8>> = entries.into_iter().collect();
    (archive, files, order)
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    let bytes = files
        .get(path)
        .unwrap_or_else(|| panic!("{path} missing; files: {:?}", files.keys()));
    String::from_utf8(bytes.clone()).unwrap()
}

fn json_file(files: &BTreeMap<String, Vec<u8>>, path: &str) -> Value {
    serde_json::from_str(&text(files, path)).unwrap()
}

fn attrs(node: Node<'_, '_>) -> BTreeMap<String, String> {
    node.attributes()
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect()
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    node.children().filter(Node::is_element).collect()
}

/// Open edX's pointer test: only `url_name`, no children.
fn is_pointer(node: Node<'_, '_>) -> bool {
    node.attributes().map(|a| a.name()).collect::<Vec<_>>() == ["url_name"] && !node.has_children()
}

/// The `(tag, url_name)` of a file's child pointers, checking each is a pointer.
fn pointers(xml: &str) -> Vec<(String, String)> {
    let doc = Document::parse(xml).unwrap();
    elements(doc.root_element())
        .into_iter()
        .map(|n| {
            assert!(is_pointer(n), "not a pointer: {}", &xml[n.range()]);
            (
                n.tag_name().name().to_owned(),
                n.attribute("url_name").unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(tag: &str, name: &str) -> (String, String) {
    (tag.to_owned(), name.to_owned())
}

#[test]
fn course_root_outline_and_policies() {
    let f = fixture();
    let (_, files, order) = export_files(&f);

    assert_eq!(order[0], "course.xml");
    assert_eq!(order[1], "course/2026_T1.xml");
    assert_eq!(
        text(&files, "course.xml"),
        "<course url_name=\"2026_T1\" org=\"LEARNCO\" course=\"EXP101\"/>\n"
    );

    let course_xml = text(&files, "course/2026_T1.xml");
    let doc = Document::parse(&course_xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "course");
    assert_eq!(
        attrs(root),
        BTreeMap::from([
            ("display_name".into(), "Export & \"Quotes\" <Course>".into()),
            ("language".into(), "en".into()),
            ("start".into(), "2026-09-01T00:00:00Z".into()),
            ("end".into(), "2026-12-15T00:00:00Z".into()),
            ("self_paced".into(), "false".into()),
            ("license".into(), "creative-commons: ver=4.0 BY".into()),
        ])
    );
    assert_eq!(
        pointers(&course_xml),
        [pair("chapter", "s1"), pair("chapter", "s2")]
    );

    let chapter = text(&files, "chapter/s1.xml");
    let doc = Document::parse(&chapter).unwrap();
    assert_eq!(
        attrs(doc.root_element()),
        BTreeMap::from([
            ("display_name".into(), "Start".into()),
            ("start".into(), "2026-09-01T08:30:00Z".into()),
        ])
    );
    assert_eq!(
        pointers(&chapter),
        [pair("sequential", "s1-1"), pair("sequential", "s1-2")]
    );

    let welcome = text(&files, "sequential/s1-1.xml");
    let doc = Document::parse(&welcome).unwrap();
    assert_eq!(
        attrs(doc.root_element()),
        BTreeMap::from([("display_name".into(), "Welcome".into())])
    );
    let homework = text(&files, "sequential/s1-2.xml");
    let doc = Document::parse(&homework).unwrap();
    assert_eq!(
        attrs(doc.root_element()),
        BTreeMap::from([
            ("display_name".into(), "Homework 1".into()),
            ("graded".into(), "true".into()),
            ("format".into(), "Homework".into()),
            ("due".into(), "2026-10-01T12:00:00Z".into()),
        ])
    );
    assert_eq!(pointers(&homework), [pair("vertical", "s1-2-1")]);
    assert_eq!(
        pointers(&text(&files, "vertical/s1-2-1.xml")),
        [pair("problem", "s1-2-1-1"), pair("problem", "s1-2-1-2")]
    );
    let final_exam = text(&files, "sequential/s2-1.xml");
    assert!(final_exam.contains("format=\"Final Exam\""));
    // A unit without blocks is an empty element, not a pointer.
    let empty = text(&files, "vertical/s2-1-1.xml");
    assert_eq!(empty, "<vertical display_name=\"Empty unit\"/>\n");

    let policy = json_file(&files, "policies/2026_T1/policy.json");
    let course = &policy["course/2026_T1"];
    assert_eq!(policy.as_object().unwrap().len(), 1);
    assert_eq!(course["display_name"], "Export & \"Quotes\" <Course>");
    assert_eq!(course["language"], "en");
    assert_eq!(course["start"], "2026-09-01T00:00:00Z");
    assert_eq!(course["end"], "2026-12-15T00:00:00Z");
    assert_eq!(course["self_paced"], false);
    assert_eq!(course["graceperiod"], "1 day 2 hours");
    assert_eq!(course["learning_info"], json!(["Write", "Review"]));
    let tabs = course["tabs"].as_array().unwrap();
    let types: Vec<&str> = tabs.iter().map(|t| t["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "courseware",
            "course_info",
            "textbooks",
            "discussion",
            "wiki",
            "progress",
            "static_tab"
        ]
    );
    assert_eq!(
        tabs[6],
        json!({"course_staff_only": false, "name": "Syllabus & plan", "type": "static_tab", "url_slug": "syllabus"})
    );
    assert!(tabs.iter().all(|t| t["name"].is_string()));

    let grading = json_file(&files, "policies/2026_T1/grading_policy.json");
    assert_eq!(
        grading["GRADER"],
        json!([
            {"type": "Homework", "min_count": 2, "drop_count": 1, "short_label": "HW", "weight": 0.4},
            {"type": "Final Exam", "min_count": 1, "drop_count": 0, "weight": 0.6}
        ])
    );
    assert_eq!(
        grading["GRADE_CUTOFFS"],
        json!({"A": 0.9, "B": 0.8, "C": 0.7})
    );
    // Read back as Lyceum's importer does: same policy.
    let (back, warnings) = lyceum_core::grading::GradingPolicy::from_edx_json(&text(
        &files,
        "policies/2026_T1/grading_policy.json",
    ));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(back.types, f.expanded.course.grading.types);
    assert_eq!(back.cutoffs, f.expanded.course.grading.cutoffs);

    let assets = json_file(&files, "policies/assets.json");
    let names: Vec<&String> = assets.as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "diagram.png",
            "intro.en.vtt",
            "intro.fr.vtt",
            "intro.jpg",
            "intro.webm"
        ]
    );
    assert_eq!(
        assets["intro.en.vtt"],
        json!({"contentType": "text/vtt", "displayname": "intro.en.vtt", "locked": false})
    );
    assert_eq!(text(&files, "assets/assets.xml"), "<assets/>\n");
}

#[test]
fn leaves_html_video_discussion_and_kept_olx() {
    let f = fixture();
    let (_, files, _) = export_files(&f);
    let vertical = text(&files, "vertical/s1-1-1.xml");
    let doc = Document::parse(&vertical).unwrap();
    let root = doc.root_element();
    assert_eq!(
        attrs(root),
        BTreeMap::from([("display_name".into(), "Hello".into())])
    );
    let kids = elements(root);
    let tags: Vec<&str> = kids.iter().map(|n| n.tag_name().name()).collect();
    assert_eq!(
        tags,
        [
            "html",
            "html",
            "video",
            "discussion",
            "lti",
            "drag-and-drop-v2",
            "poll",
            "survey"
        ]
    );
    for i in [0, 1, 2, 6, 7] {
        assert!(is_pointer(kids[i]), "{}", &vertical[kids[i].range()]);
    }

    // Text: Markdown as its sanitised rendering (with its source, for Lyceum to import
    // as Markdown again), HTML as written.
    assert_eq!(
        text(&files, "html/s1-1-1-1.xml"),
        "<html filename=\"s1-1-1-1\" display_name=\"Intro\" lyceum_markdown=\"Hello *world*\"/>\n"
    );
    assert_eq!(
        text(&files, "html/s1-1-1-1.html"),
        "<p>Hello <em>world</em></p>\n"
    );
    assert_eq!(
        text(&files, "html/s1-1-1-2.html"),
        "<p class=\"x\">Raw &amp; <b>HTML</b></p>\n"
    );

    // Video: sources and transcripts point at the static files.
    let video = text(&files, "video/s1-1-1-3.xml");
    let vdoc = Document::parse(&video).unwrap();
    let v = vdoc.root_element();
    assert_eq!(v.tag_name().name(), "video");
    assert!(!is_pointer(v));
    assert_eq!(v.attribute("url_name"), Some("s1-1-1-3"));
    assert_eq!(v.attribute("display_name"), Some("Intro video"));
    assert_eq!(v.attribute("download_video"), Some("true"));
    assert_eq!(v.attribute("download_track"), Some("true"));
    assert_eq!(v.attribute("youtube_id_1_0"), None);
    let sources: Value = serde_json::from_str(v.attribute("html5_sources").unwrap()).unwrap();
    assert_eq!(sources, json!(["/static/intro.webm"]));
    let transcripts: Value = serde_json::from_str(v.attribute("transcripts").unwrap()).unwrap();
    assert_eq!(
        transcripts,
        json!({"en": "intro.en.vtt", "fr": "intro.fr.vtt"})
    );
    let children: Vec<(String, BTreeMap<String, String>)> = elements(v)
        .into_iter()
        .map(|n| (n.tag_name().name().to_owned(), attrs(n)))
        .collect();
    assert_eq!(
        children,
        [
            (
                "source".to_owned(),
                BTreeMap::from([("src".into(), "/static/intro.webm".into())])
            ),
            (
                "transcript".to_owned(),
                BTreeMap::from([
                    ("language".into(), "en".into()),
                    ("src".into(), "intro.en.vtt".into())
                ])
            ),
            (
                "transcript".to_owned(),
                BTreeMap::from([
                    ("language".into(), "fr".into()),
                    ("src".into(), "intro.fr.vtt".into())
                ])
            ),
        ]
    );
    for name in transcripts.as_object().unwrap().values() {
        assert!(files.contains_key(&format!("static/{}", name.as_str().unwrap())));
    }

    // Discussion: inline, with its ids.
    assert_eq!(
        attrs(kids[3]),
        BTreeMap::from([
            ("url_name".into(), "s1-1-1-disc".into()),
            ("discussion_id".into(), "d-42".into()),
            ("discussion_category".into(), "Week 1".into()),
            ("discussion_target".into(), "Say \"hello\"".into()),
            ("display_name".into(), "Introductions".into()),
        ])
    );

    // Kept OLX with its url_name: inline and byte for byte.
    assert_eq!(&vertical[kids[4].range()], LTI);
    assert_eq!(&vertical[kids[5].range()], DND);
    assert_eq!(kids[5].attribute("url_name"), Some("s1-1-1-dnd"));
    // Without its url_name, or broken: verbatim in a file behind a pointer.
    assert_eq!(kids[6].attribute("url_name"), Some("s1-1-1-poll"));
    assert_eq!(text(&files, "poll/s1-1-1-poll.xml"), POLL);
    assert_eq!(kids[7].attribute("url_name"), Some("s1-1-1-broken"));
    assert_eq!(text(&files, "survey/s1-1-1-broken.xml"), BROKEN);
}

/// The text of `xml` with the given attributes of its root removed (with the space
/// before each), everything else unchanged.
fn without_root_attrs(xml: &str, names: &[&str]) -> String {
    let doc = Document::parse(xml).unwrap();
    let mut out = xml.to_owned();
    let mut cuts: Vec<std::ops::Range<usize>> = doc
        .root_element()
        .attributes()
        .filter(|a| names.contains(&a.name()))
        .map(|a| {
            let r = a.range();
            let before = &xml[..r.start];
            (before.trim_end().len())..r.end
        })
        .collect();
    cuts.sort_by_key(|r| std::cmp::Reverse(r.start));
    for cut in cuts {
        out.replace_range(cut, "");
    }
    out
}

#[test]
fn problems_carry_their_settings_and_keep_their_xml() {
    let f = fixture();
    let (_, files, _) = export_files(&f);

    let xml = text(&files, "problem/s1-2-1-1.xml");
    let doc = Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "problem");
    let expected: BTreeMap<String, String> = [
        ("display_name", "Pick B"),
        ("weight", "2"),
        ("max_attempts", "3"),
        ("showanswer", "attempted"),
        ("attempts_before_showanswer_button", "2"),
        ("show_correctness", "past_due"),
        ("show_reset_button", "true"),
        ("rerandomize", "per_student"),
        ("grading_method", "highest_score"),
        ("due", "2026-10-02T00:00:00Z"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(attrs(root), expected);
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    assert_eq!(without_root_attrs(&xml, &names), MC);

    // Settings already on the root: replaced in place (escaped), removed when unset;
    // the rest of the text untouched.
    let xml = text(&files, "problem/s1-2-1-2.xml");
    assert_eq!(
        xml,
        MC_WITH_ATTRS
            .replace("Old &amp; stale", "Renamed &lt;Q&gt;")
            .replace("\n  showanswer=\"always\"", "")
    );
    let doc = Document::parse(&xml).unwrap();
    assert_eq!(
        doc.root_element().attribute("display_name"),
        Some("Renamed <Q>")
    );

    // The exported problem reads back as the same problem with the same settings.
    let mut p = ProblemContent::new(text(&files, "problem/s1-2-1-1.xml"));
    p.parse("s1-2-1-1").unwrap();
    assert_eq!(p.possible(), (1.0, 1.0));
}

#[test]
fn pages_and_assets() {
    let f = fixture();
    let (_, files, order) = export_files(&f);

    // The course's own settings win over a page of the same name.
    assert_eq!(
        text(&files, "about/overview.html"),
        f.expanded.course.overview_html
    );
    assert!(text(&files, "about/overview.html").contains("<em>this</em>"));
    assert_eq!(
        text(&files, "about/short_description.html"),
        "Learn to move courses."
    );
    assert_eq!(text(&files, "about/effort.html"), "01:30");
    assert_eq!(text(&files, "about/duration.html"), "6 weeks");
    assert_eq!(text(&files, "about/faq.html"), "<h2>FAQ</h2>");
    assert_eq!(text(&files, "info/handouts.html"), "<ol><li>Read</li></ol>");
    assert_eq!(text(&files, "info/updates.items.json"), UPDATES);
    assert_eq!(text(&files, "tabs/syllabus.html"), "<p>Week 1</p>");

    // Assets: byte for byte, last, in name order.
    let statics: Vec<&String> = order.iter().filter(|p| p.starts_with("static/")).collect();
    let expected: Vec<String> = f.bytes.keys().map(|n| format!("static/{n}")).collect();
    assert_eq!(statics, expected.iter().collect::<Vec<_>>());
    assert!(order.ends_with(&expected));
    for (name, bytes) in &f.bytes {
        assert_eq!(&files[&format!("static/{name}")], bytes, "{name}");
    }
}

#[test]
fn same_course_same_bytes() {
    let f = fixture();
    let (a, _, _) = export_files(&f);
    let (b, _, _) = export_files(&f);
    assert_eq!(a, b);
    // To look at the archive, or import it into Open edX by hand.
    if let Some(path) = std::env::var_os("LYCEUM_OLX_EXPORT_TO") {
        std::fs::write(path, &a).unwrap();
    }
    // And from a second copy of the same files elsewhere on disk.
    let g = fixture();
    let (c, _, _) = export_files(&g);
    assert_eq!(a, c);
}

fn export_err(f: &Fixture) -> (String, Vec<String>) {
    let mut out = Vec::new();
    let err = export(&f.course(), &mut out).unwrap_err();
    (err.key.0.to_owned(), err.args)
}

#[test]
fn names_that_would_leave_the_archive_are_refused() {
    for bad in [
        "../../etc/x",
        "a/b",
        "a\\b",
        "..",
        "a..b",
        "a\0b",
        ":a",
        "a:",
        "",
    ] {
        let mut f = fixture();
        f.expanded.blocks[0].url_name = bad.into();
        assert_eq!(
            export_err(&f),
            (
                "lyceum-error-olx-export-name".to_owned(),
                vec![bad.to_owned()]
            ),
            "{bad:?}"
        );

        let mut f = fixture();
        f.expanded.blocks[0].children[0].children[0].children[0].url_name = bad.into();
        assert_eq!(export_err(&f).0, "lyceum-error-olx-export-name", "{bad:?}");
    }

    let mut f = fixture();
    f.assets[0].name = "../outside.png".into();
    assert_eq!(
        export_err(&f),
        (
            "lyceum-error-olx-export-name".to_owned(),
            vec!["../outside.png".to_owned()]
        )
    );

    let mut f = fixture();
    f.pages[0].slug = "../../x".into();
    assert_eq!(export_err(&f).0, "lyceum-error-olx-export-name");

    // Two blocks of one kind with one name would overwrite each other's file.
    let mut f = fixture();
    f.expanded.blocks[1].url_name = "s1".into();
    assert_eq!(
        export_err(&f),
        (
            "lyceum-error-olx-export-name".to_owned(),
            vec!["s1".to_owned()]
        )
    );

    // A missing asset file is an I/O error naming the asset, not its place on disk.
    let mut f = fixture();
    f.assets[0].path = PathBuf::from("/nonexistent/blob");
    let (key, args) = export_err(&f);
    assert_eq!(key, "lyceum-error-olx-export-io");
    assert!(args[0].starts_with("static/"), "{args:?}");
    assert!(!args[0].contains("/nonexistent"), "{args:?}");
}

#[test]
fn colons_in_names_become_directories() {
    let mut f = fixture();
    f.expanded.blocks[0].url_name = "week:1".into();
    f.expanded.blocks[0].children[0].children[0].children[0].url_name = "intro:a".into();
    let (_, files, _) = export_files(&f);
    assert_eq!(
        pointers(&text(&files, "course/2026_T1.xml"))[0],
        pair("chapter", "week:1")
    );
    assert!(files.contains_key("chapter/week/1.xml"));
    assert_eq!(
        text(&files, "html/intro/a.xml"),
        "<html filename=\"a\" display_name=\"Intro\" lyceum_markdown=\"Hello *world*\"/>\n"
    );
    assert!(files.contains_key("html/intro/a.html"));
    let vertical = text(&files, "vertical/s1-1-1.xml");
    let doc = Document::parse(&vertical).unwrap();
    let first = elements(doc.root_element())[0];
    assert!(is_pointer(first));
    assert_eq!(first.attribute("url_name"), Some("intro:a"));
}

/// The Open edX demo course (a real Studio export), when the shared fixtures are
/// present: `LYCEUM_OLX_DEMO` or `tests/fixtures/olx/demo-course` in the repository.
fn demo_course() -> Option<PathBuf> {
    let dir = std::env::var_os("LYCEUM_OLX_DEMO").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/olx/demo-course"),
        PathBuf::from,
    );
    dir.join("course.xml").exists().then_some(dir)
}

fn attr_names(xml: &str) -> BTreeSet<String> {
    let doc = Document::parse(xml).unwrap();
    doc.root_element()
        .attributes()
        .map(|a| a.name().to_owned())
        .collect()
}

fn object_keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn same_shape_as_a_real_export() {
    let Some(demo) = demo_course() else {
        eprintln!("demo course fixture not found; shape comparison skipped");
        return;
    };
    let read = |p: &str| std::fs::read_to_string(demo.join(p)).unwrap();
    let f = fixture();
    let (_, files, _) = export_files(&f);

    // The same directories for the same kinds of content.
    for dir in [
        "about",
        "assets",
        "chapter",
        "course",
        "html",
        "info",
        "policies",
        "problem",
        "sequential",
        "static",
        "vertical",
        "video",
    ] {
        assert!(demo.join(dir).is_dir(), "{dir}");
        assert!(
            files.keys().any(|p| p.starts_with(&format!("{dir}/"))),
            "{dir}"
        );
    }
    assert_eq!(
        attr_names(&read("course.xml")),
        attr_names(&text(&files, "course.xml"))
    );
    // Studio also writes `editor` (visual/raw) on some; both read back alike.
    let mut html_attrs = BTreeSet::new();
    for e in std::fs::read_dir(demo.join("html")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "xml") {
            html_attrs.extend(attr_names(&std::fs::read_to_string(path).unwrap()));
        }
    }
    // Besides Lyceum's own (`lyceum_…`), which Open edX keeps without using.
    let open_edx = |xml: &str| -> BTreeSet<String> {
        attr_names(xml)
            .into_iter()
            .filter(|a| !a.starts_with("lyceum_"))
            .collect()
    };
    let ours = open_edx(&text(&files, "html/s1-1-1-1.xml"));
    assert!(ours.is_subset(&html_attrs), "{ours:?}");
    assert!(ours.contains("filename"));

    // Video attributes and children Open edX knows.
    let mut video_attrs = BTreeSet::from(["download_video".to_owned()]);
    let mut video_children = BTreeSet::from(["source".to_owned()]);
    for e in std::fs::read_dir(demo.join("video")).unwrap() {
        let xml = std::fs::read_to_string(e.unwrap().path()).unwrap();
        video_attrs.extend(attr_names(&xml));
        let doc = Document::parse(&xml).unwrap();
        video_children.extend(
            elements(doc.root_element())
                .iter()
                .map(|n| n.tag_name().name().to_owned()),
        );
    }
    let ours = text(&files, "video/s1-1-1-3.xml");
    assert!(open_edx(&ours).is_subset(&video_attrs), "{ours}");
    let doc = Document::parse(&ours).unwrap();
    for n in elements(doc.root_element()) {
        assert!(video_children.contains(n.tag_name().name()), "{ours}");
    }

    // Policies: the same keys for tabs, grader entries and assets.
    let demo_policy: Value =
        serde_json::from_str(&read("policies/DemoCourse/policy.json")).unwrap();
    let demo_tabs = demo_policy["course/DemoCourse"]["tabs"].as_array().unwrap();
    let mut tab_keys: BTreeSet<String> = demo_tabs.iter().flat_map(object_keys).collect();
    tab_keys.insert("url_slug".into());
    let demo_types: BTreeSet<&str> = demo_tabs
        .iter()
        .map(|t| t["type"].as_str().unwrap())
        .collect();
    let policy = json_file(&files, "policies/2026_T1/policy.json");
    for tab in policy["course/2026_T1"]["tabs"].as_array().unwrap() {
        assert!(object_keys(tab).is_subset(&tab_keys), "{tab}");
        let kind = tab["type"].as_str().unwrap();
        assert!(kind == "static_tab" || demo_types.contains(kind), "{kind}");
    }
    let demo_course_keys = object_keys(&demo_policy["course/DemoCourse"]);
    let our_course_keys = object_keys(&policy["course/2026_T1"]);
    let extra: Vec<_> = our_course_keys
        .difference(&demo_course_keys)
        .filter(|k| !["end", "license"].contains(&k.as_str()))
        .collect();
    assert!(extra.is_empty(), "{extra:?}");

    let demo_grading: Value =
        serde_json::from_str(&read("policies/DemoCourse/grading_policy.json")).unwrap();
    let grading = json_file(&files, "policies/2026_T1/grading_policy.json");
    assert_eq!(object_keys(&demo_grading), object_keys(&grading));
    assert_eq!(
        object_keys(&demo_grading["GRADER"][0]),
        object_keys(&grading["GRADER"][0])
    );

    let demo_assets: Value = serde_json::from_str(&read("policies/assets.json")).unwrap();
    let demo_asset_keys = object_keys(demo_assets.as_object().unwrap().values().next().unwrap());
    let assets = json_file(&files, "policies/assets.json");
    for entry in assets.as_object().unwrap().values() {
        assert!(object_keys(entry).is_subset(&demo_asset_keys), "{entry}");
    }
}
