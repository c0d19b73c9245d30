use super::*;

fn edit_task() -> Value {
    json!({
        "wiki": "fr.wikipedia.org",
        "instructions_markdown": "Écrivez un *brouillon*.",
        "criteria": {"type": "edit", "namespaces": [2, 118], "title_pattern": "User:{username}/*",
                     "page": "created", "min_bytes": 300, "must_contain": ["<ref", "{{Infobox"],
                     "tag": "visualeditor", "min_edits": 2},
        "window": {"from": "unit_opened", "until_due": false},
        "prefill": {"title": "User:{username}/Brouillon", "summary": "Mon brouillon"},
        "graded": true,
        "weight": 2.5,
        "due": "2030-01-31T12:00:00Z",
    })
}

fn stored(v: Value) -> Value {
    let c: WikiTaskContent = serde_json::from_value(v).unwrap();
    serde_json::to_value(check::validate(c).unwrap()).unwrap()
}

#[test]
fn the_form_reads_back_what_it_shows_for_every_kind() {
    let upload = json!({"wiki": "commons.wikimedia.org", "instructions": "<p>Upload</p>",
        "criteria": {"type": "upload", "category": "Maps of France",
                     "licence_template": "Cc-by-sa-4.0", "min_uploads": 3}});
    let wikidata = json!({"wiki": "www.wikidata.org",
        "criteria": {"type": "wikidata", "property": "P569", "with_reference": true,
                     "min_edits": 1}});
    for c in [edit_task(), upload, wikidata] {
        let c = stored(c);
        let f = fields(&c);
        assert_eq!(read(&f, &c).unwrap(), c, "{c}");
    }
    let f = fields(&stored(edit_task()));
    assert_eq!(f.get("edit_namespaces"), "2, 118");
    assert_eq!(f.get("edit_must_contain"), "<ref\n{{Infobox");
    assert_eq!(f.get("due"), "2030-01-31T12:00");
    assert!(!f.checked("until_due"));
    assert!(f.checked("graded"));
    // The kinds not chosen start from their defaults.
    assert_eq!(f.get("upload_min_uploads"), "1");
    assert_eq!(f.get("wd_min_edits"), "1");
}

#[test]
fn switching_the_kind_reads_only_the_chosen_fields() {
    let c = stored(edit_task());
    let mut f = fields(&c);
    f.set("type", "wikidata");
    f.set("wd_property", "p31");
    f.set("edit_title_pattern", "User:[[broken");
    let v = read(&f, &c).unwrap();
    assert_eq!(
        v["criteria"],
        json!({"type": "wikidata", "property": "P31", "with_reference": false, "min_edits": 1})
    );
}

#[test]
fn typed_values_are_read_leniently() {
    let c = stored(edit_task());
    let mut f = fields(&c);
    f.set("edit_namespaces", " 118;0 ، 2 ");
    f.set("edit_must_contain", "  <ref  \r\n\r\n[[Category:");
    f.set("edit_min_bytes", "");
    f.set("edit_min_edits", " 3 ");
    f.set("weight", "1,5");
    f.set("due", "2030-02-01 08:30");
    f.set("instructions", "   ");
    let v = read(&f, &c).unwrap();
    assert_eq!(v["criteria"]["namespaces"], json!([0, 2, 118]));
    assert_eq!(
        v["criteria"]["must_contain"],
        json!(["<ref", "[[Category:"])
    );
    assert_eq!(v["criteria"]["min_bytes"], 0);
    assert_eq!(v["criteria"]["min_edits"], 3);
    assert_eq!(v["weight"], 1.5);
    assert_eq!(v["due"], "2030-02-01T08:30:00Z");
    assert_eq!(v["instructions"], "");
    assert!(v.get("instructions_markdown").is_none());
}

#[test]
fn faults_name_their_field() {
    let c = stored(edit_task());
    let mut f = fields(&c);
    f.set("wiki", "fr.wikipedia.org/wiki");
    f.set("edit_namespaces", "2, user");
    f.set("edit_title_pattern", "User:{user}/*");
    f.set("edit_page", "deleted");
    f.set("edit_min_bytes", "-5");
    f.set(
        "edit_must_contain",
        &(0..11)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    f.set("edit_tag", &"t".repeat(101));
    f.set("edit_min_edits", "0");
    f.set("window_from", "yesterday");
    f.set("prefill_title", "a|b");
    f.set("prefill_summary", &"s".repeat(501));
    f.set("weight", "heavy");
    f.set("due", "tomorrow");
    let errors = read(&f, &c).unwrap_err();
    let at: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.error.key.0))
        .collect();
    assert_eq!(
        at,
        [
            ("wiki", "lyceum-wikitask-error-wiki"),
            ("edit_namespaces", "lyceum-error-number-range"),
            ("edit_title_pattern", "lyceum-wikitask-error-placeholder"),
            ("edit_page", "lyceum-wikitask-editor-bad-choice"),
            ("edit_min_bytes", "lyceum-error-number-range"),
            (
                "edit_must_contain",
                "lyceum-wikitask-error-must-contain-count"
            ),
            ("edit_tag", "lyceum-error-input-too-long"),
            ("edit_min_edits", "lyceum-error-number-range"),
            ("window_from", "lyceum-wikitask-editor-bad-choice"),
            ("prefill_title", "lyceum-wikitask-error-title-char"),
            ("prefill_summary", "lyceum-error-input-too-long"),
            ("weight", "lyceum-error-number-range"),
            ("due", "lyceum-wikitask-editor-bad-date"),
        ]
    );
    let mut f = fields(&c);
    f.remove("type");
    f.set("wiki", "");
    let errors = read(&f, &c).unwrap_err();
    let at: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(at, ["wiki", "type"]);
    let mut f = fields(&c);
    f.set("type", "upload");
    f.set("upload_category", "a]]");
    f.set("upload_min_uploads", "101");
    let at: Vec<String> = read(&f, &c)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(at, ["upload_category", "upload_min_uploads"]);
    let mut f = fields(&c);
    f.set("type", "wikidata");
    f.set("wd_property", "Q5");
    let e = read(&f, &c).unwrap_err();
    assert_eq!(e[0].field, "wd_property");
    assert_eq!(e[0].error.args, ["Q5"]);
}

#[test]
fn the_comparison_text_has_one_setting_per_line() {
    let t = text(&stored(edit_task()));
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], "wiki: fr.wikipedia.org");
    assert!(lines.contains(&"criteria: edit"));
    assert!(lines.contains(&"must_contain: <ref"));
    assert!(lines.contains(&"must_contain: {{Infobox"));
    assert!(lines.contains(&"window.from: unit_opened"));
    assert!(lines.contains(&"due: 2030-01-31T12:00:00Z"));
    assert_eq!(lines.last(), Some(&"Écrivez un *brouillon*."));
    // Content this form cannot read is shown as JSON.
    assert!(text(&json!({"odd": 1})).contains("\"odd\""));
}
