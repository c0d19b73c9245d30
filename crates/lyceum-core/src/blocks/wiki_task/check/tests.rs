use super::*;
use crate::blocks::wiki_task::{Prefill, WikidataCriteria, Window};
use serde_json::json;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn edit(revid: i64, title: &str, at: &str) -> WikiEdit {
    WikiEdit {
        revid,
        parentid: revid - 1,
        pageid: revid * 10,
        ns: 0,
        title: title.to_owned(),
        timestamp: ts(at),
        size: 1_000,
        sizediff: 100,
        new: false,
        tags: Vec::new(),
    }
}

fn bounds() -> Bounds {
    Bounds {
        from: ts("2026-03-01T00:00:00Z"),
        until: Some(ts("2026-03-31T23:59:59Z")),
    }
}

fn content(criteria: Criteria) -> WikiTaskContent {
    WikiTaskContent {
        wiki: "fr.wikipedia.org".into(),
        instructions: String::new(),
        instructions_markdown: String::new(),
        criteria,
        window: Window::default(),
        prefill: Prefill::default(),
        graded: false,
        weight: None,
        due: None,
    }
}

fn text(model: &str, content: Option<&str>, parent: Option<&str>) -> RevisionText {
    RevisionText {
        revid: 2,
        content_model: model.into(),
        content: content.map(str::to_owned),
        parent_content: parent.map(str::to_owned),
    }
}

#[test]
fn titles_are_normalised_as_mediawiki_does() {
    let table = [
        ("foo bar", "Foo bar"),
        ("foo_bar", "Foo bar"),
        ("  foo__  bar ", "Foo bar"),
        ("user:ada/Draft", "User:Ada/Draft"),
        ("USER : ada_lovelace/x", "User:Ada lovelace/x"),
        ("user_talk:bob", "User talk:Bob"),
        ("draft:éclair", "Draft:Éclair"),
        ("wikipedia:sandbox", "Wikipedia:Sandbox"),
        ("file:map.png", "File:Map.png"),
        ("template:cite web", "Template:Cite web"),
        ("category:maps", "Category:Maps"),
        ("help:contents", "Help:Contents"),
        ("portal:art", "Portal:Art"),
        ("talk:paris", "Talk:Paris"),
        // Not a namespace this list knows: a main-namespace title with a colon.
        ("item:q1", "Item:q1"),
        ("ßtraße", "ßtraße"),
        ("ωmega", "Ωmega"),
        ("", ""),
    ];
    for (input, want) in table {
        assert_eq!(normalise_title(input), want, "{input:?}");
    }
}

#[test]
fn title_patterns_match_as_authors_expect() {
    // (pattern, username, title, matches)
    let table: &[(&str, &str, &str, bool)] = &[
        ("", "Ada", "Anything at all", true),
        ("   ", "Ada", "Anything", true),
        ("User:{username}/*", "Ada", "User:Ada/Draft", true),
        (
            "User:{username}/*",
            "Ada",
            "User:Ada/Drafts/Deep/Page",
            true,
        ),
        ("User:{username}/*", "Ada", "User:Ada", false),
        ("User:{username}/*", "Ada", "User:Bob/Draft", false),
        ("User:{username}/*", "Ada", "User:Adam/Draft", false),
        ("User:{username}/*", "Ada", "User talk:Ada/Draft", false),
        // Spaces and underscores, in the name, the pattern and the title.
        (
            "User:{username}/*",
            "Ada_Lovelace",
            "User:Ada Lovelace/Brouillon",
            true,
        ),
        (
            "user:{username}/*",
            "Ada Lovelace",
            "User:Ada_Lovelace/Brouillon",
            true,
        ),
        ("User_talk:{username}", "ada", "User talk:Ada", true),
        // A name's first letter is upper case on the wiki.
        ("User:{username}/*", "ada", "User:Ada/x", true),
        // Unicode names.
        ("User:{username}/*", "Émilie", "User:Émilie/Brouillon", true),
        ("User:{username}/*", "émilie", "User:Émilie/Brouillon", true),
        ("User:{username}/*", "محمد", "User:محمد/مسودة", true),
        ("User:{username}/*", "李白", "User:李白/草稿", true),
        ("User:{username}/*", "李白", "User:李黑/草稿", false),
        // A name holding a star is its own text, not a wildcard.
        ("User:{username}/x", "A*b", "User:A*b/x", true),
        ("User:{username}/x", "A*b", "User:Axxb/x", false),
        ("Draft:*", "Ada", "Draft:Paris", true),
        ("draft:*", "Ada", "Draft:Paris", true),
        ("Draft:*", "Ada", "Paris", false),
        ("Draft:*", "Ada", "Draft talk:Paris", false),
        ("*", "Ada", "Anything/with/slashes", true),
        ("*/sandbox", "Ada", "User:Ada/sandbox", true),
        ("*/sandbox", "Ada", "User:Ada/Sandbox", false),
        ("Paris", "Ada", "paris", true),
        ("Paris", "Ada", "Paris (France)", false),
        ("*Paris*", "Ada", "Gare de Paris-Nord", true),
        ("a*b*c", "Ada", "Axxbyyc", true),
        ("a*b*c", "Ada", "Axxbyy", false),
        ("a**", "Ada", "A", true),
        ("User:{username}/*/notes", "Ada", "User:Ada/a/b/notes", true),
        ("User:{username}/*/notes", "Ada", "User:Ada/notes", false),
    ];
    for (pattern, name, title, want) in table {
        assert_eq!(
            title_matches(pattern, name, title),
            *want,
            "{pattern:?} {name:?} {title:?}"
        );
    }
}

#[test]
fn a_long_pattern_against_a_long_title_stays_quick() {
    let pattern = "*a".repeat(100);
    let title = "a".repeat(250) + "b";
    assert!(!title_matches(&pattern, "x", &title));
    assert!(title_matches(&pattern, "x", &"a".repeat(250)));
}

#[test]
fn the_window_includes_its_edges() {
    let b = bounds();
    assert!(b.contains(ts("2026-03-01T00:00:00Z")));
    assert!(b.contains(ts("2026-03-31T23:59:59Z")));
    assert!(!b.contains(ts("2026-02-28T23:59:59Z")));
    assert!(!b.contains(ts("2026-04-01T00:00:00Z")));
    let open = Bounds {
        from: ts("2026-03-01T00:00:00Z"),
        until: None,
    };
    assert!(open.contains(ts("2099-01-01T00:00:00Z")));
}

#[test]
fn edit_candidates_follow_every_fact_of_the_criteria() {
    let mut created = edit(5, "User:Ada/Draft", "2026-03-10T12:00:00Z");
    created.new = true;
    created.ns = 2;
    created.sizediff = 1_500;
    let mut edited = edit(3, "User:Ada/Draft", "2026-03-05T12:00:00Z");
    edited.ns = 2;
    edited.sizediff = 40;
    let mut reverted = edit(7, "User:Ada/Other", "2026-03-11T12:00:00Z");
    reverted.ns = 2;
    reverted.tags = vec!["mw-reverted".into()];
    let mut tagged = edit(8, "User:Ada/Tagged", "2026-03-12T12:00:00Z");
    tagged.ns = 2;
    tagged.tags = vec!["visualeditor".into()];
    let mut early = edit(1, "User:Ada/Early", "2026-02-28T23:59:59Z");
    early.ns = 2;
    let mut at_start = edit(2, "User:Ada/Start", "2026-03-01T00:00:00Z");
    at_start.ns = 2;
    let mut at_end = edit(9, "User:Ada/End", "2026-03-31T23:59:59Z");
    at_end.ns = 2;
    let mut late = edit(10, "User:Ada/Late", "2026-04-01T00:00:00Z");
    late.ns = 2;
    let main = edit(4, "Paris", "2026-03-06T12:00:00Z");
    let mut others = edit(6, "User:Bob/Draft", "2026-03-10T13:00:00Z");
    others.ns = 2;
    let edits = vec![
        created.clone(),
        late,
        edited.clone(),
        reverted,
        tagged.clone(),
        early,
        at_start.clone(),
        at_end.clone(),
        main.clone(),
        others,
    ];
    let revs = |c: &EditCriteria| -> Vec<i64> {
        edit_candidates(c, "Ada", bounds(), &edits)
            .iter()
            .map(|e| e.revid)
            .collect()
    };
    let pattern = EditCriteria {
        title_pattern: "User:{username}/*".into(),
        min_edits: 1,
        ..EditCriteria::default()
    };
    // Window edges included, oldest first, the reverted edit never.
    assert_eq!(revs(&pattern), [2, 3, 5, 8, 9]);
    // Any title, any namespace: everything in the window but the reverted edit.
    assert_eq!(revs(&EditCriteria::default()), [2, 3, 4, 5, 6, 8, 9]);
    assert_eq!(
        revs(&EditCriteria {
            namespaces: vec![0],
            ..EditCriteria::default()
        }),
        [4]
    );
    assert_eq!(
        revs(&EditCriteria {
            page: PageRule::Created,
            ..pattern.clone()
        }),
        [5]
    );
    assert_eq!(
        revs(&EditCriteria {
            page: PageRule::Edited,
            ..pattern.clone()
        }),
        [2, 3, 8, 9]
    );
    assert_eq!(
        revs(&EditCriteria {
            min_bytes: 100,
            ..pattern.clone()
        }),
        [2, 5, 8, 9],
        "at least min_bytes, inclusive"
    );
    assert_eq!(
        revs(&EditCriteria {
            min_bytes: 101,
            ..pattern.clone()
        }),
        [5]
    );
    assert_eq!(
        revs(&EditCriteria {
            tag: "visualeditor".into(),
            ..pattern.clone()
        }),
        [8]
    );
    // must_contain is not a fact of the edit: it is judged on the text.
    assert_eq!(
        revs(&EditCriteria {
            must_contain: vec!["<ref".into()],
            ..pattern.clone()
        }),
        [2, 3, 5, 8, 9]
    );
}

#[test]
fn a_negative_size_difference_passes_only_without_a_minimum() {
    let mut e = edit(2, "Paris", "2026-03-02T00:00:00Z");
    e.sizediff = -50;
    let edits = [e];
    assert_eq!(
        edit_candidates(&EditCriteria::default(), "Ada", bounds(), &edits).len(),
        1
    );
    let c = EditCriteria {
        min_bytes: 1,
        ..EditCriteria::default()
    };
    assert!(edit_candidates(&c, "Ada", bounds(), &edits).is_empty());
}

#[test]
fn wikidata_candidates_are_in_the_window_and_not_reverted() {
    let mut reverted = edit(3, "Q42", "2026-03-03T00:00:00Z");
    reverted.tags = vec!["mw-reverted".into()];
    let edits = [
        edit(4, "Q42", "2026-03-04T00:00:00Z"),
        edit(2, "Q1", "2026-03-02T00:00:00Z"),
        reverted,
        edit(1, "Q1", "2026-02-01T00:00:00Z"),
    ];
    let revs: Vec<i64> = wikidata_candidates(bounds(), &edits)
        .iter()
        .map(|e| e.revid)
        .collect();
    assert_eq!(revs, [2, 4]);
}

#[test]
fn only_criteria_that_read_text_need_it() {
    assert!(!needs_text(&Criteria::Edit(EditCriteria::default())));
    assert!(needs_text(&Criteria::Edit(EditCriteria {
        must_contain: vec!["<ref".into()],
        ..EditCriteria::default()
    })));
    assert!(!needs_text(&Criteria::Upload(UploadCriteria::default())));
    assert!(needs_text(&Criteria::Wikidata(WikidataCriteria::default())));
}

#[test]
fn must_contain_reads_every_text_case_sensitively() {
    let c = Criteria::Edit(EditCriteria {
        must_contain: vec!["<ref".into(), "{{Infobox".into()],
        ..EditCriteria::default()
    });
    let table = [
        (Some("{{Infobox city}} Paris.<ref>Atlas</ref>"), true),
        (Some("{{Infobox city}} Paris."), false),
        (Some("{{infobox city}} Paris.<ref>Atlas</ref>"), false),
        (Some(""), false),
        (None, false),
    ];
    for (content, want) in table {
        assert_eq!(
            text_meets(&c, &text("wikitext", content, None)),
            want,
            "{content:?}"
        );
    }
    // Criteria that read no text are met whatever the text.
    let none = Criteria::Edit(EditCriteria::default());
    assert!(text_meets(&none, &text("wikitext", None, None)));
    assert!(text_meets(
        &Criteria::Upload(UploadCriteria::default()),
        &text("wikitext", None, None)
    ));
}

fn item(statements: serde_json::Value) -> String {
    json!({"type": "item", "id": "Q42", "labels": {}, "claims": statements}).to_string()
}

fn statement(id: Option<&str>, property: &str, value: &str, refs: bool) -> serde_json::Value {
    let mut s = json!({
        "mainsnak": {"snaktype": "value", "property": property,
                     "datavalue": {"value": value, "type": "string"}},
        "type": "statement",
        "rank": "normal",
    });
    if let Some(id) = id {
        s["id"] = json!(id);
    }
    if refs {
        s["references"] = json!([{"hash": "abc", "snaks": {"P854": [{"snaktype": "value",
            "property": "P854", "datavalue": {"value": "https://example.org", "type": "string"}}]},
            "snaks-order": ["P854"]}]);
    }
    s
}

#[test]
fn a_wikidata_statement_is_judged_against_the_parent() {
    let p31 = |refs: bool| {
        Criteria::Wikidata(WikidataCriteria {
            property: "P31".into(),
            with_reference: refs,
            min_edits: 1,
        })
    };
    let old = item(json!({"P31": [statement(Some("Q42$1"), "P31", "Q5", false)]}));
    let added_plain = item(json!({"P31": [
        statement(Some("Q42$1"), "P31", "Q5", false),
        statement(Some("Q42$2"), "P31", "Q215627", false),
    ]}));
    let added_ref = item(json!({"P31": [
        statement(Some("Q42$1"), "P31", "Q5", false),
        statement(Some("Q42$2"), "P31", "Q215627", true),
    ]}));
    // A reference on a statement that was already there is not an added statement.
    let old_gets_ref = item(json!({"P31": [statement(Some("Q42$1"), "P31", "Q5", true)]}));
    let removed = item(json!({}));
    let replaced = item(json!({"P31": [statement(Some("Q42$9"), "P31", "Q6", false)]}));
    let other_property = item(json!({
        "P31": [statement(Some("Q42$1"), "P31", "Q5", false)],
        "P569": [statement(Some("Q42$3"), "P569", "1952", true)],
    }));
    let empty_claims_as_list = json!({"type": "item", "id": "Q42", "claims": []}).to_string();
    // (model, content, parent, with reference, meets)
    type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, bool, bool);
    let table: Vec<Row> = vec![
        (
            "wikibase-item",
            Some(added_plain.as_str()),
            Some(old.as_str()),
            false,
            true,
        ),
        (
            "wikibase-item",
            Some(added_plain.as_str()),
            Some(old.as_str()),
            true,
            false,
        ),
        (
            "wikibase-item",
            Some(added_ref.as_str()),
            Some(old.as_str()),
            true,
            true,
        ),
        (
            "json",
            Some(added_ref.as_str()),
            Some(old.as_str()),
            true,
            true,
        ),
        (
            "wikibase-item",
            Some(old_gets_ref.as_str()),
            Some(old.as_str()),
            true,
            false,
        ),
        (
            "wikibase-item",
            Some(old_gets_ref.as_str()),
            Some(old.as_str()),
            false,
            false,
        ),
        (
            "wikibase-item",
            Some(removed.as_str()),
            Some(old.as_str()),
            false,
            false,
        ),
        (
            "wikibase-item",
            Some(old.as_str()),
            Some(old.as_str()),
            false,
            false,
        ),
        (
            "wikibase-item",
            Some(replaced.as_str()),
            Some(old.as_str()),
            false,
            true,
        ),
        (
            "wikibase-item",
            Some(other_property.as_str()),
            Some(old.as_str()),
            false,
            false,
        ),
        // A new item: every statement is added.
        ("wikibase-item", Some(old.as_str()), None, false, true),
        ("wikibase-item", Some(old.as_str()), None, true, false),
        (
            "wikibase-item",
            Some(old_gets_ref.as_str()),
            None,
            true,
            true,
        ),
        (
            "wikibase-item",
            Some(old.as_str()),
            Some(empty_claims_as_list.as_str()),
            false,
            true,
        ),
        (
            "wikibase-item",
            Some(empty_claims_as_list.as_str()),
            None,
            false,
            false,
        ),
        // Garbage, hidden text, wikitext.
        (
            "wikibase-item",
            Some("{not json"),
            Some(old.as_str()),
            false,
            false,
        ),
        (
            "wikibase-item",
            Some(added_plain.as_str()),
            Some("<<<"),
            false,
            false,
        ),
        ("wikibase-item", Some("[1, 2]"), None, false, false),
        ("wikibase-item", Some("\"P31\""), None, false, false),
        (
            "wikibase-item",
            Some(r#"{"claims": 5}"#),
            None,
            false,
            false,
        ),
        (
            "wikibase-item",
            Some(r#"{"claims": {"P31": 5}}"#),
            None,
            false,
            false,
        ),
        (
            "wikibase-item",
            Some(r#"{"claims": {"P31": [1]}}"#),
            None,
            false,
            false,
        ),
        ("wikibase-item", None, Some(old.as_str()), false, false),
        (
            "wikitext",
            Some(added_plain.as_str()),
            Some(old.as_str()),
            false,
            false,
        ),
    ];
    for (i, (model, content, parent, refs, want)) in table.into_iter().enumerate() {
        assert_eq!(
            text_meets(&p31(refs), &text(model, content, parent)),
            want,
            "row {i}"
        );
    }
}

#[test]
fn statements_without_ids_are_compared_by_count() {
    let c = |refs: bool| {
        Criteria::Wikidata(WikidataCriteria {
            property: "P31".into(),
            with_reference: refs,
            min_edits: 1,
        })
    };
    let one = item(json!({"P31": [statement(None, "P31", "Q5", false)]}));
    let two = item(json!({"P31": [
        statement(None, "P31", "Q5", false),
        statement(None, "P31", "Q6", true),
    ]}));
    let two_first_referenced = item(json!({"P31": [
        statement(None, "P31", "Q5", true),
        statement(None, "P31", "Q6", false),
    ]}));
    assert!(text_meets(
        &c(false),
        &text("json", Some(two.as_str()), Some(one.as_str()))
    ));
    assert!(text_meets(
        &c(true),
        &text("json", Some(two.as_str()), Some(one.as_str()))
    ));
    // The added statement is Q6 (Q5 was there): it carries no reference.
    assert!(!text_meets(
        &c(true),
        &text(
            "json",
            Some(two_first_referenced.as_str()),
            Some(one.as_str())
        )
    ));
    assert!(!text_meets(
        &c(false),
        &text("json", Some(one.as_str()), Some(two.as_str()))
    ));
    assert!(!text_meets(
        &c(false),
        &text("json", Some(one.as_str()), Some(one.as_str()))
    ));
}

#[test]
fn statements_are_found_under_any_property_case_and_as_mediainfo_names_them() {
    let c = Criteria::Wikidata(WikidataCriteria {
        property: "P180".into(),
        with_reference: false,
        min_edits: 1,
    });
    let mediainfo = json!({"type": "mediainfo", "id": "M1",
        "statements": {"P180": [statement(Some("M1$1"), "P180", "Q146", false)]}})
    .to_string();
    assert!(text_meets(
        &c,
        &text("wikibase-mediainfo", Some(mediainfo.as_str()), None)
    ));
    let lower = item(json!({"p180": [statement(Some("Q1$1"), "P180", "Q146", false)]}));
    assert!(text_meets(&c, &text("json", Some(lower.as_str()), None)));
    let listed = json!({"claims": [statement(Some("Q1$1"), "P180", "Q146", false),
                                   statement(Some("Q1$2"), "P31", "Q5", false)]})
    .to_string();
    assert!(text_meets(&c, &text("json", Some(listed.as_str()), None)));
    let listed_other = json!({"claims": [statement(Some("Q1$2"), "P31", "Q5", false)]}).to_string();
    assert!(!text_meets(
        &c,
        &text("json", Some(listed_other.as_str()), None)
    ));
}

#[test]
fn references_added_are_counted_against_the_parent() {
    // (content, parent, added)
    let table: &[(&str, Option<&str>, i64)] = &[
        ("", None, 0),
        ("Paris.<ref>Atlas</ref>", None, 1),
        ("Paris.<ref>Atlas</ref>", Some("Paris."), 1),
        ("<ref name=\"a\">A</ref><ref name=a />", Some(""), 2),
        ("<ref name=a/>", None, 1),
        ("<REF>x</REF><Ref Name=\"b\">y</Ref>", None, 2),
        ("<ref\ngroup=note>x</ref>", None, 1),
        ("<ref\tname=x>x</ref>", None, 1),
        ("<ref/>", None, 1),
        ("== Notes ==\n<references />", None, 0),
        ("<references/><references>", None, 0),
        ("<refs>x</refs> <reference> <refname>", None, 0),
        ("</ref> </ref>", None, 0),
        ("<ref", None, 0),
        ("a < ref>", None, 0),
        // Removing references adds none, and never goes negative.
        ("Paris.", Some("Paris.<ref>a</ref><ref>b</ref>"), 0),
        (
            "<ref>a</ref><ref>b</ref><ref>c</ref>",
            Some("<ref>a</ref>"),
            2,
        ),
        ("é<ref>ü</ref>ж", Some("é"), 1),
    ];
    for (content, parent, want) in table {
        assert_eq!(
            refs_added(content, *parent),
            *want,
            "{content:?} {parent:?}"
        );
    }
}

#[test]
fn uploads_are_in_the_window_oldest_first() {
    let up = |logid: i64, at: &str| WikiUpload {
        logid,
        title: format!("File:{logid}.jpg"),
        timestamp: ts(at),
    };
    let uploads = [
        up(3, "2026-03-31T23:59:59Z"),
        up(1, "2026-02-28T00:00:00Z"),
        up(2, "2026-03-01T00:00:00Z"),
        up(4, "2026-04-01T00:00:00Z"),
    ];
    let ids: Vec<i64> = upload_candidates(bounds(), &uploads)
        .iter()
        .map(|u| u.logid)
        .collect();
    assert_eq!(ids, [2, 3]);
}

#[test]
fn file_pages_meet_category_and_licence_as_normalised() {
    let facts = FileFacts {
        title: "File:Lyon.jpg".into(),
        categories: vec!["Maps of France".into(), "Lyon".into()],
        templates: vec!["Cc-by-sa-4.0".into(), "Information".into()],
        missing: false,
    };
    let crit = |category: &str, licence: &str| UploadCriteria {
        category: category.into(),
        licence_template: licence.into(),
        min_uploads: 1,
    };
    let table = [
        ("", "", true),
        ("Maps of France", "", true),
        ("maps_of_France", "", true),
        ("Category:Maps of France", "", true),
        ("Maps of france", "", false),
        ("Paris", "", false),
        ("", "cc-by-sa-4.0", true),
        ("", "Template:Cc-by-sa-4.0", true),
        ("", "Cc-by-4.0", false),
        ("Lyon", "Cc-by-sa-4.0", true),
        ("Lyon", "Cc-zero", false),
    ];
    for (category, licence, want) in table {
        assert_eq!(
            file_meets(&crit(category, licence), &facts),
            want,
            "{category:?} {licence:?}"
        );
    }
    let gone = FileFacts {
        missing: true,
        ..facts.clone()
    };
    assert!(
        !file_meets(&crit("", ""), &gone),
        "a deleted file never counts"
    );
    let prefixed = FileFacts {
        categories: vec!["Category:Maps_of_France".into()],
        ..facts
    };
    assert!(file_meets(&crit("Maps of France", ""), &prefixed));
}

#[test]
fn valid_content_is_normalised() {
    let mut c = content(Criteria::Edit(EditCriteria {
        namespaces: vec![118, 2, 2],
        title_pattern: "  User:{username}/*  ".into(),
        must_contain: vec![" <ref ".into(), "<ref".into(), "{{Infobox".into()],
        tag: " visualeditor ".into(),
        min_edits: 2,
        ..EditCriteria::default()
    }));
    c.wiki = "  FR.Wikipedia.org ".into();
    c.instructions = "<p>Do it</p><script>alert(1)</script>".into();
    c.prefill.title = "User:{username}/Brouillon".into();
    c.prefill.summary = " Mon brouillon\u{202e} ".into();
    c.weight = Some(2.5);
    let v = validate(c).unwrap();
    assert_eq!(v.wiki, "fr.wikipedia.org");
    assert_eq!(v.instructions, "<p>Do it</p>");
    assert_eq!(v.prefill.summary, "Mon brouillon");
    let Criteria::Edit(e) = v.criteria else {
        panic!("edit criteria")
    };
    assert_eq!(e.namespaces, [2, 118]);
    assert_eq!(e.title_pattern, "User:{username}/*");
    assert_eq!(e.must_contain, ["<ref", "{{Infobox"]);
    assert_eq!(e.tag, "visualeditor");
}

#[test]
fn markdown_instructions_are_rendered_and_kept() {
    let mut c = content(Criteria::Edit(EditCriteria {
        min_edits: 1,
        ..EditCriteria::default()
    }));
    c.instructions_markdown = "Write *one* draft.\n\n<script>x()</script>".into();
    c.instructions = "<p>stale</p>".into();
    let v = validate(c).unwrap();
    assert!(
        v.instructions.contains("<em>one</em>"),
        "{}",
        v.instructions
    );
    assert!(!v.instructions.contains("script"), "{}", v.instructions);
    assert!(!v.instructions.contains("stale"));
    assert_eq!(
        v.instructions_markdown,
        "Write *one* draft.\n\n<script>x()</script>"
    );
    // Saving again gives the same content.
    assert_eq!(validate(v.clone()).unwrap(), v);
}

#[test]
fn upload_and_wikidata_content_is_normalised() {
    let v = validate(content(Criteria::Upload(UploadCriteria {
        category: "Category: Maps of France".into(),
        licence_template: "template:Cc-by-sa-4.0".into(),
        min_uploads: 3,
    })))
    .unwrap();
    assert_eq!(
        v.criteria,
        Criteria::Upload(UploadCriteria {
            category: "Maps of France".into(),
            licence_template: "Cc-by-sa-4.0".into(),
            min_uploads: 3,
        })
    );
    for (typed, want) in [
        ("P31", "P31"),
        ("p31", "P31"),
        (" P569 ", "P569"),
        ("Property:P18", "P18"),
        ("P1234567890", "P1234567890"),
    ] {
        let v = validate(content(Criteria::Wikidata(WikidataCriteria {
            property: typed.into(),
            with_reference: true,
            min_edits: 1,
        })))
        .unwrap();
        let Criteria::Wikidata(w) = v.criteria else {
            panic!()
        };
        assert_eq!(w.property, want, "{typed:?}");
    }
}

fn refused(c: WikiTaskContent) -> (&'static str, Vec<String>) {
    let e = validate(c).unwrap_err();
    (e.key.0, e.args)
}

#[test]
fn bad_content_is_refused_with_its_reason() {
    let edit = |f: &dyn Fn(&mut EditCriteria)| {
        let mut e = EditCriteria {
            min_edits: 1,
            ..EditCriteria::default()
        };
        f(&mut e);
        content(Criteria::Edit(e))
    };
    let with = |f: &dyn Fn(&mut WikiTaskContent)| {
        let mut c = edit(&|_| {});
        f(&mut c);
        c
    };
    let wikidata = |p: &str| {
        content(Criteria::Wikidata(WikidataCriteria {
            property: p.into(),
            with_reference: false,
            min_edits: 1,
        }))
    };
    let table: Vec<(WikiTaskContent, &str)> = vec![
        (
            with(&|c| c.wiki = "  ".into()),
            "lyceum-wikitask-error-wiki-missing",
        ),
        (
            with(&|c| c.wiki = "fr.wikipedia.org/wiki".into()),
            "lyceum-wikitask-error-wiki",
        ),
        (
            with(&|c| c.wiki = "my_wiki".into()),
            "lyceum-wikitask-error-wiki",
        ),
        (
            with(&|c| c.wiki = "wikipédia.org".into()),
            "lyceum-wikitask-error-wiki",
        ),
        (
            with(&|c| c.wiki = "a".repeat(101)),
            "lyceum-error-input-too-long",
        ),
        (
            with(&|c| c.instructions = "x".repeat(20_001)),
            "lyceum-error-input-too-long",
        ),
        (
            with(&|c| c.instructions_markdown = "x".repeat(20_001)),
            "lyceum-error-input-too-long",
        ),
        (
            with(&|c| c.instructions = "<div>".repeat(crate::sanitize::MAX_NESTING + 1)),
            "lyceum-error-content-too-deep",
        ),
        (
            with(&|c| c.prefill.title = "User:{user}/x".into()),
            "lyceum-wikitask-error-placeholder",
        ),
        (
            with(&|c| c.prefill.title = "a".repeat(301)),
            "lyceum-error-input-too-long",
        ),
        (
            with(&|c| c.prefill.summary = "a".repeat(501)),
            "lyceum-error-input-too-long",
        ),
        (
            with(&|c| c.weight = Some(f64::NAN)),
            "lyceum-error-number-range",
        ),
        (
            with(&|c| c.weight = Some(-1.0)),
            "lyceum-error-number-range",
        ),
        (
            with(&|c| c.weight = Some(f64::INFINITY)),
            "lyceum-error-number-range",
        ),
        (
            with(&|c| c.weight = Some(1_000.5)),
            "lyceum-error-number-range",
        ),
        (
            edit(&|e| e.title_pattern = "User:[[x]]".into()),
            "lyceum-wikitask-error-title-char",
        ),
        (
            edit(&|e| e.title_pattern = "Draft:a|b".into()),
            "lyceum-wikitask-error-title-char",
        ),
        (
            edit(&|e| e.title_pattern = "Draft:a#b".into()),
            "lyceum-wikitask-error-title-char",
        ),
        (
            edit(&|e| e.title_pattern = "User:{Username}/*".into()),
            "lyceum-wikitask-error-placeholder",
        ),
        (
            edit(&|e| e.title_pattern = "User:{username/*".into()),
            "lyceum-wikitask-error-placeholder",
        ),
        (
            edit(&|e| e.title_pattern = "é".repeat(301)),
            "lyceum-error-input-too-long",
        ),
        (
            edit(&|e| e.namespaces = vec![-3]),
            "lyceum-error-number-range",
        ),
        (
            edit(&|e| e.namespaces = vec![10_001]),
            "lyceum-error-number-range",
        ),
        (
            edit(&|e| e.namespaces = (0..21).collect()),
            "lyceum-wikitask-error-namespace-count",
        ),
        (edit(&|e| e.min_edits = 0), "lyceum-error-number-range"),
        (edit(&|e| e.min_edits = 101), "lyceum-error-number-range"),
        (edit(&|e| e.min_bytes = -1), "lyceum-error-number-range"),
        (
            edit(&|e| e.min_bytes = 1_000_001),
            "lyceum-error-number-range",
        ),
        (
            edit(&|e| e.must_contain = vec![" ".into()]),
            "lyceum-wikitask-error-must-contain-empty",
        ),
        (
            edit(&|e| e.must_contain = vec!["x".repeat(201)]),
            "lyceum-error-input-too-long",
        ),
        (
            edit(&|e| e.must_contain = (0..11).map(|i| format!("t{i}")).collect()),
            "lyceum-wikitask-error-must-contain-count",
        ),
        (
            edit(&|e| e.tag = "t".repeat(101)),
            "lyceum-error-input-too-long",
        ),
        (wikidata(""), "lyceum-wikitask-error-property-missing"),
        (wikidata("Q31"), "lyceum-wikitask-error-property"),
        (wikidata("P"), "lyceum-wikitask-error-property"),
        (wikidata("P0"), "lyceum-wikitask-error-property"),
        (wikidata("P031"), "lyceum-wikitask-error-property"),
        (wikidata("P12345678901"), "lyceum-wikitask-error-property"),
        (wikidata("P31a"), "lyceum-wikitask-error-property"),
        (wikidata("P-1"), "lyceum-wikitask-error-property"),
        (
            content(Criteria::Upload(UploadCriteria {
                min_uploads: 0,
                ..UploadCriteria::default()
            })),
            "lyceum-error-number-range",
        ),
        (
            content(Criteria::Upload(UploadCriteria {
                category: "a]]b".into(),
                min_uploads: 1,
                ..UploadCriteria::default()
            })),
            "lyceum-wikitask-error-title-char",
        ),
        (
            content(Criteria::Upload(UploadCriteria {
                licence_template: "x".repeat(256),
                min_uploads: 1,
                ..UploadCriteria::default()
            })),
            "lyceum-error-input-too-long",
        ),
    ];
    for (i, (c, key)) in table.into_iter().enumerate() {
        assert_eq!(refused(c).0, key, "row {i}");
    }
    // Messages name what was typed.
    assert_eq!(
        refused(wikidata("Q31")).1,
        ["Q31"],
        "the property typed is quoted"
    );
    assert_eq!(
        refused(edit(&|e| e.title_pattern = "Draft:a|b".into())).1,
        ["Draft:a|b", "|"]
    );
    assert_eq!(
        refused(edit(
            &|e| e.must_contain = (0..11).map(|i| format!("t{i}")).collect()
        ))
        .1,
        ["10"]
    );
}

#[test]
fn content_reads_from_json_with_defaults_and_survives_a_round_trip() {
    let c: WikiTaskContent = serde_json::from_value(json!({
        "wiki": "en.wikipedia.org",
        "criteria": {"type": "edit", "title_pattern": "User:{username}/*",
                     "must_contain": ["<ref"]},
    }))
    .unwrap();
    let v = validate(c).unwrap();
    let Criteria::Edit(e) = &v.criteria else {
        panic!()
    };
    assert_eq!(e.min_edits, 1);
    assert_eq!(v.window, Window::default());
    let back: WikiTaskContent = serde_json::from_value(serde_json::to_value(&v).unwrap()).unwrap();
    assert_eq!(back, v);
    assert!(
        !serde_json::to_string(&v)
            .unwrap()
            .contains("instructions_markdown"),
        "absent Markdown is not stored"
    );
}
