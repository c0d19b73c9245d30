use super::*;
use crate::sanitize::sanitize_html;
use proptest::prelude::*;

fn seg(id: &str, text: &str, html: bool) -> Segment {
    Segment {
        id: id.into(),
        text: text.into(),
        html,
        list: html,
    }
}

fn entry<'a>(segment: &'a Segment, translation: Option<&'a str>) -> Entry<'a> {
    Entry {
        segment,
        translation,
        outdated_from: None,
    }
}

const LINKED: &str = r#"Read <a href="https://example.org/guide?a=1&amp;b=2">the guide</a> and <strong>sign</strong>.<br>"#;
const LINKED_FR: &str = r#"Lisez <a href="https://example.org/guide?a=1&amp;b=2">le guide</a> et <strong>signez</strong>.<br>"#;

/// A file with `units` starting on line 4.
fn file(units: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n\
         <xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"en\" trgLang=\"fr\">\n\
         <file id=\"f1\">\n{units}\n</file>\n</xliff>\n"
    )
}

fn at(line: u32) -> impl Fn(&XliffError) -> bool {
    move |e| e.at.line == line
}

#[test]
fn a_written_file_reads_back_with_its_units_states_and_targets() {
    let title = seg("@course.title", "Free knowledge", false);
    let para = seg("intro.p.1", LINKED, true);
    let new = seg("intro.p.2", "Not yet translated", true);
    let changed = seg("intro.p.3", "Changed <em>source</em>", true);
    let entries = [
        entry(&title, Some("Savoir libre")),
        entry(&para, Some(LINKED_FR)),
        entry(&new, None),
        Entry {
            segment: &changed,
            translation: Some("Source <em>changée</em>"),
            outdated_from: Some("Old <em>source</em>"),
        },
    ];
    let xml = write("en", "fr", "course-v1:ORG+PB101+2026", &entries);
    let doc = parse(&xml).unwrap();
    assert_eq!((doc.src_lang.as_str(), doc.trg_lang.as_str()), ("en", "fr"));
    assert_eq!(
        doc.files[0].original.as_deref(),
        Some("course-v1:ORG+PB101+2026")
    );
    let ids: Vec<&str> = doc.units.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(
        ids,
        ["@course.title", "intro.p.1", "intro.p.2", "intro.p.3"]
    );
    let target = |k: usize| doc.units[k].target.as_ref();
    assert_eq!(target(0).unwrap().state, State::Translated);
    assert_eq!(target(1).unwrap().state, State::Translated);
    assert!(target(2).is_none(), "untranslated: no target");
    // Outdated: offered for review, with the source it was made from.
    assert_eq!(target(3).unwrap().state, State::Initial);
    assert!(xml.contains(r#"<segment state="initial" subState="lyceum:outdated">"#));
    assert!(
        xml.contains("earlier source text: Old source</note>"),
        "{xml}"
    );

    for (k, segment, text) in [
        (0, &title, "Savoir libre"),
        (1, &para, LINKED_FR),
        (3, &changed, "Source <em>changée</em>"),
    ] {
        let unit = &doc.units[k];
        assert_eq!(
            rebuild(segment, &unit.target.as_ref().unwrap().content, unit.at).unwrap(),
            text
        );
        assert!(same(&unit.source, &source_content(segment)));
        assert_eq!(
            rebuild(segment, &unit.source, unit.at).unwrap(),
            segment.text
        );
    }
}

#[test]
fn inline_html_becomes_codes_and_its_tags_go_to_original_data() {
    let para = seg("intro.p.1", LINKED, true);
    let xml = write("en", "fr", "c", &[entry(&para, None)]);
    assert!(
        xml.contains(
            r#"<source>Read <pc id="1" dataRefStart="d1" dataRefEnd="d2" type="link">the guide</pc> and <pc id="2" dataRefStart="d3" dataRefEnd="d4" type="fmt" subType="xlf:b">sign</pc>.<ph id="3" dataRef="d5" type="fmt" subType="xlf:lb"/></source>"#
        ),
        "{xml}"
    );
    assert!(xml.contains(
        r#"<data id="d1">&lt;a href="https://example.org/guide?a=1&amp;amp;b=2"&gt;</data>"#
    ));
    assert!(xml.contains(r#"<data id="d5">&lt;br&gt;</data>"#));
    assert!(!xml.contains("&lt;strong&gt;sign"), "tags are not text");
    // Plain text has no codes and no original data.
    let title = seg("t", "Plain <b> is text here", false);
    let xml = write("en", "fr", "c", &[entry(&title, None)]);
    assert!(xml.contains("<source>Plain &lt;b&gt; is text here</source>"));
    assert!(!xml.contains("originalData"));
}

#[test]
fn sanitised_html_round_trips_byte_for_byte() {
    for html in [
        LINKED,
        "Find <a href=\"https://x.org/\" title=\"a > b\">allies <em>early</em></a> &amp; <code>a &lt; b</code>",
        "Two&nbsp;words, <img src=\"a.png\" alt=\"A map\"> then <br> more",
        "<b>bold</b><b>again</b> <sup>2</sup> “quoted” 'single' \"double\"",
        "Arabic: <em>مرحبا</em> بالعالم",
        "A stray </i> closing tag and an <span>unclosed one",
    ] {
        let clean = sanitize_html(html);
        let s = seg("x", &clean, true);
        assert_eq!(
            rebuild(&s, &source_content(&s), Pos::default()).unwrap(),
            clean
        );
        // The same through a file: written, read back, rebuilt.
        let xml = write("en", "ar", "c", &[entry(&s, Some(&clean))]);
        let doc = parse(&xml).unwrap();
        let target = &doc.units[0].target.as_ref().unwrap().content;
        assert_eq!(rebuild(&s, target, Pos::default()).unwrap(), clean);
    }
    // Unbalanced tags (not from the sanitiser) stand alone and come back as they were.
    let s = seg("x", "A stray </i> and an <span>unclosed one", true);
    assert_eq!(
        rebuild(&s, &source_content(&s), Pos::default()).unwrap(),
        s.text
    );
}

#[test]
fn a_translation_that_reorders_elements_keeps_the_sources_code_ids() {
    let s = seg("x", "Find <a href=\"x\">allies</a> <em>early</em>.", true);
    let fr = "Trouvez <em>tôt</em> des <a href=\"x\">alliés</a>.";
    let target = target_content(&s, fr).unwrap();
    let ids: Vec<&str> = target
        .iter()
        .filter_map(|i| match i {
            Inline::Pc { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["2", "1"]);
    assert_eq!(rebuild(&s, &target, Pos::default()).unwrap(), fr);
    // A translation whose elements are not the source's cannot be written as codes.
    assert_eq!(target_content(&s, "Trouvez des <b>alliés</b>"), None);
    let xml = write(
        "en",
        "fr",
        "c",
        &[entry(&s, Some("Trouvez des <b>alliés</b>"))],
    );
    assert!(!xml.contains("<target>"));
    assert!(xml.contains("left out"));
}

#[test]
fn text_is_escaped_and_comes_back_as_it_was() {
    for text in [
        "a < b && c > \"d\" 'e' ]]> </target>",
        "مرحبا بالعالم — \u{200f}RTL\u{200f} with \u{202b}embedding\u{202c}",
        "日本語とemoji 🎓",
        "line\r\nbreaks\tand tabs",
        "control \u{1} and \u{FFFF} characters",
    ] {
        let s = seg("t", text, false);
        let xml = write("en", "ar", "c", &[entry(&s, Some(text))]);
        let doc = parse(&xml).unwrap();
        let unit = &doc.units[0];
        assert_eq!(rebuild(&s, &unit.source, unit.at).unwrap(), text);
        let target = &unit.target.as_ref().unwrap().content;
        assert_eq!(rebuild(&s, target, unit.at).unwrap(), text);
    }
    // In an HTML segment, text that looks like a tag is text: escaped again.
    let s = seg("h", "Say <em>hi</em>", true);
    let xml = file(
        r#"<unit id="h"><segment state="translated"><source>Say <pc id="1">hi</pc></source>
<target>&lt;script&gt;x()&lt;/script&gt; <pc id="1">salut</pc> &amp; co</target></segment></unit>"#,
    );
    let doc = parse(&xml).unwrap();
    let t = &doc.units[0].target.as_ref().unwrap().content;
    assert_eq!(
        rebuild(&s, t, Pos::default()).unwrap(),
        "&lt;script&gt;x()&lt;/script&gt; <em>salut</em> &amp; co"
    );
    // Attribute values are escaped too.
    let odd = seg("a\"b<&", "x", false);
    let doc = parse(&write("en", "fr", "k\"<&>\n", &[entry(&odd, None)])).unwrap();
    assert_eq!(doc.units[0].id, "a\"b<&");
    assert_eq!(doc.files[0].original.as_deref(), Some("k\"<&>\n"));
}

#[test]
fn a_file_cannot_bring_its_own_tags() {
    let s = seg("p", "Read <a href=\"https://x.org/\">this</a>", true);
    let xml = file(
        r#"<unit id="p">
<originalData><data id="d1">&lt;a href="javascript:alert(1)" onclick="steal()"&gt;</data><data id="d2">&lt;/a&gt;&lt;script&gt;</data></originalData>
<segment><source>Read <pc id="1" dataRefStart="d1" dataRefEnd="d2">this</pc></source>
<target>Lisez <pc id="1" dataRefStart="d1" dataRefEnd="d2">ceci</pc></target></segment></unit>"#,
    );
    let doc = parse(&xml).unwrap();
    let t = doc.units[0].target.as_ref().unwrap();
    assert_eq!(t.state, State::Initial, "no state: initial");
    assert_eq!(
        rebuild(&s, &t.content, t.at).unwrap(),
        "Lisez <a href=\"https://x.org/\">ceci</a>"
    );
}

#[test]
fn markers_keep_their_text_and_segments_are_joined() {
    let xml = file(
        r#"<unit id="u">
<segment state="final"><source>One. </source><target><mrk id="m1" translate="yes">Un</mrk>. </target></segment>
<ignorable><source> </source></ignorable>
<segment state="reviewed"><source>Two<sm id="s" type="comment"/>.</source><target>Deux<em startRef="s"/>.</target></segment>
</unit>
<unit id="v"><segment><source>Empty</source><target>  </target></segment></unit>"#,
    );
    let doc = parse(&xml).unwrap();
    let u = &doc.units[0];
    assert!(same(&u.source, &[Inline::Text("One.  Two.".into())]));
    let t = u.target.as_ref().unwrap();
    assert!(same(&t.content, &[Inline::Text("Un.  Deux.".into())]));
    assert_eq!(t.state, State::Reviewed, "the lowest of its segments'");
    assert_eq!(t.at.line, 5);
    assert!(doc.units[1].target.is_none(), "a blank target is none");
}

#[test]
fn faults_are_found_at_their_lines() {
    let cases: Vec<(String, u32, Fault)> = vec![
        ("<xliff>\n<file>\n</xliff>".to_owned(), 3, Fault::NotXml(String::new())),
        (
            "<?xml version=\"1.0\"?>\n<xliff xmlns=\"urn:oasis:names:tc:xliff:document:1.2\" version=\"1.2\"/>"
                .to_owned(),
            2,
            Fault::NotXliff,
        ),
        (
            "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"3.0\" srcLang=\"en\" trgLang=\"fr\"/>"
                .to_owned(),
            1,
            Fault::NotXliff,
        ),
        (
            "\n\n<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"en\"/>"
                .to_owned(),
            3,
            Fault::NoTargetLanguage,
        ),
        (
            file("<unit id=\"a\"><segment><source>A</source></segment></unit>\n<unit><segment><source>B</source></segment></unit>"),
            5,
            Fault::UnitWithoutId,
        ),
        (
            file("<unit id=\"a\"><segment><source>A</source></segment></unit>\n\n<unit id=\"a\"><segment><source>B</source></segment></unit>"),
            6,
            Fault::DuplicateUnit("a".into()),
        ),
        (
            file("<unit id=\"a\">\n<notes><note>no segment</note></notes></unit>"),
            4,
            Fault::NoSegment("a".into()),
        ),
        (
            file("<unit id=\"a\">\n<segment><target>A</target></segment></unit>"),
            5,
            Fault::NoSource("a".into()),
        ),
        (
            file("<unit id=\"a\">\n<segment state=\"done\"><source>A</source></segment></unit>"),
            5,
            Fault::State("done".into()),
        ),
        (
            file("<unit id=\"a\">\n<segment><source>A</source><target>a</target></segment><segment><source>B</source></segment></unit>"),
            4,
            Fault::IncompleteTarget("a".into()),
        ),
        (
            file("<unit id=\"a\"><segment><source>A</source>\n<target>a <sc id=\"1\"/>b</target></segment></unit>"),
            5,
            Fault::UnexpectedElement("sc".into()),
        ),
        (
            file("<unit id=\"a\"><segment><source>A</source>\n<target>a <b xmlns=\"http://www.w3.org/1999/xhtml\">b</b></target></segment></unit>"),
            5,
            Fault::UnexpectedElement("b".into()),
        ),
        (
            file("<unit id=\"a\"><segment><source>A</source><target>\na <ph/></target></segment></unit>"),
            5,
            Fault::CodeWithoutId,
        ),
        (
            file(&format!(
                "<unit id=\"a\"><segment><source>A</source><target>\n{}x{}</target></segment></unit>",
                "<mrk id=\"m\">".repeat(MAX_CODE_DEPTH + 1),
                "</mrk>".repeat(MAX_CODE_DEPTH + 1)
            )),
            5,
            Fault::TooDeep,
        ),
    ];
    for (xml, line, fault) in cases {
        let errors = parse(&xml).expect_err(&xml);
        let found = errors
            .iter()
            .find(|e| at(line)(e))
            .unwrap_or_else(|| panic!("{xml}\nno fault on line {line}: {errors:?}"));
        match (&found.fault, &fault) {
            (Fault::NotXml(message), Fault::NotXml(_)) => {
                assert!(
                    !message.is_empty() && !message.contains(" at 3:"),
                    "{message}"
                )
            }
            (got, want) => assert_eq!(got, want, "{xml}"),
        }
    }
}

#[test]
fn every_fault_of_a_file_is_found_at_once() {
    let xml = file(
        "<unit><segment><source>A</source></segment></unit>\n\
         <unit id=\"b\"><segment state=\"x\"><source>B</source></segment></unit>\n\
         <unit id=\"c\"/>",
    );
    let lines: Vec<u32> = parse(&xml).unwrap_err().iter().map(|e| e.at.line).collect();
    assert_eq!(lines, [4, 5, 6]);
}

#[test]
fn a_target_must_have_the_sources_codes_once_each() {
    let s = seg(
        "p",
        "Read <a href=\"x\">this</a> and <em>that</em><br>",
        true,
    );
    let unit = |target: &str| {
        let xml = file(&format!(
            "<unit id=\"p\"><segment><source>x</source>\n<target>{target}</target></segment></unit>"
        ));
        let doc = parse(&xml).unwrap();
        let t = doc.units[0].target.clone().unwrap();
        rebuild(&s, &t.content, t.at).map_err(|e| {
            e.into_iter()
                .map(|e| (e.at.line, e.fault))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(
        unit(r#"Lisez <pc id="1">ceci</pc> et <pc id="2">cela</pc><ph id="3"/>"#).unwrap(),
        "Lisez <a href=\"x\">ceci</a> et <em>cela</em><br>"
    );
    // A link lost.
    assert_eq!(
        unit(r#"Lisez ceci et <pc id="2">cela</pc><ph id="3"/>"#),
        Err(vec![(5, Fault::MissingCode("1".into()))])
    );
    // A code the source does not have, on its own line; a ph standing for a pc's element.
    assert_eq!(
        unit("Lisez <pc id=\"1\">ceci</pc>\n<pc id=\"9\">et</pc> <ph id=\"2\"/><ph id=\"3\"/>"),
        Err(vec![
            (6, Fault::UnknownCode("9".into())),
            (6, Fault::UnknownCode("2".into())),
            (5, Fault::MissingCode("2".into())),
        ])
    );
    // Twice.
    assert_eq!(
        unit(r#"<pc id="1">a</pc><pc id="1">b</pc><pc id="2">c</pc><ph id="3"/>"#),
        Err(vec![(5, Fault::DuplicateCode("1".into()))])
    );
    // Plain text has no codes at all.
    let plain = seg("t", "Title", false);
    let doc = parse(&file(
        "<unit id=\"t\"><segment><source>Title</source><target>Le <ph id=\"1\"/></target></segment></unit>",
    ))
    .unwrap();
    let t = doc.units[0].target.as_ref().unwrap();
    assert_eq!(
        rebuild(&plain, &t.content, t.at).unwrap_err()[0].fault,
        Fault::UnknownCode("1".into())
    );
    // Loosely, what can be kept is.
    assert_eq!(
        rebuild_loosely(&s, &doc.units[0].target.as_ref().unwrap().content),
        "Le "
    );
}

proptest! {
    #[test]
    fn any_text_round_trips(text in any::<String>()) {
        let s = seg("t", &text, false);
        let xml = write("en", "fr", "c", &[entry(&s, Some(&text))]);
        let doc = parse(&xml).unwrap();
        let unit = &doc.units[0];
        prop_assert_eq!(rebuild(&s, &unit.source, unit.at).unwrap(), text.clone());
        if let Some(t) = &unit.target {
            prop_assert_eq!(rebuild(&s, &t.content, t.at).unwrap(), text);
        } else {
            prop_assert!(text.trim().is_empty());
        }
    }

    #[test]
    fn sanitised_html_from_any_pieces_round_trips(pieces in prop::collection::vec(prop::sample::select(vec![
        "<a href=\"https://x.org/?a=1&b=2\">", "</a>", "<em>", "</em>", "<strong>", "</strong>",
        "<br>", "<img src=\"a.png\" alt=\"x\">", "<code>", "</code>", "&amp;", "&lt;", "&nbsp;",
        " ", "text", "é", "مرحبا", "<", ">", "\"", "'", "&", "&#169;",
    ]), 0..24)) {
        let clean = sanitize_html(&pieces.concat());
        let s = seg("x", &clean, true);
        prop_assert_eq!(rebuild(&s, &source_content(&s), Pos::default()).unwrap(), clean.clone());
        let doc = parse(&write("en", "fr", "c", &[entry(&s, Some(&clean))])).unwrap();
        if let Some(t) = &doc.units[0].target {
            prop_assert_eq!(rebuild(&s, &t.content, t.at).unwrap(), clean);
        }
    }

    #[test]
    fn reading_anything_never_panics(text in "[<>a-z/=\" &;#0-9\n]{0,60}") {
        let _ = parse(&text);
        let s = seg("x", &text, true);
        let _ = rebuild(&s, &source_content(&s), Pos::default());
        let _ = target_content(&s, &text);
    }
}
