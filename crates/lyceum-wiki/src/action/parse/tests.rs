//! Parsing answers recorded from the test MediaWiki (1.39, `scripts/mediawiki`), kept in
//! `tests/fixtures/action/`. Only the CentralAuth answers are written by hand, from the
//! extension's source (`ApiQueryGlobalUserInfo`): no Wikimedia host is ever contacted.

use super::*;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/action/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn usercontribs_become_edits_with_their_continuation() {
    let v = fixture("usercontribs_continued");
    assert_eq!(error_object(&v).unwrap(), None);
    let edits = contributions(&v).unwrap();
    assert_eq!(edits.len(), 3);
    let (user, first) = &edits[0];
    assert_eq!(user, "Learner1");
    assert_eq!(
        first,
        &WikiEdit {
            revid: 3,
            parentid: 0,
            pageid: 3,
            ns: 2,
            title: "User:Learner1/Draft".into(),
            timestamp: ts("2026-12-06T18:27:35Z"),
            size: 57,
            sizediff: 57,
            new: true,
            tags: vec!["learning-platform".into()],
        }
    );
    let second = &edits[1].1;
    assert_eq!((second.revid, second.parentid, second.sizediff), (4, 3, 23));
    assert!(!second.new);
    assert!(second.tags.is_empty());
    assert_eq!(edits[2].1.title, "File:Lyceum test one.png");

    let mut cont = continuation(&v).unwrap().unwrap();
    cont.sort();
    assert_eq!(
        cont,
        vec![
            ("continue".to_owned(), "-||".to_owned()),
            (
                "uccontinue".to_owned(),
                "actor|3|20261206182736|6".to_owned()
            ),
        ]
    );
}

#[test]
fn an_unknown_user_has_no_edits_and_the_last_page_no_continuation() {
    let v = fixture("usercontribs_unknown_user");
    assert!(contributions(&v).unwrap().is_empty());
    assert_eq!(continuation(&v).unwrap(), None);
}

#[test]
fn an_error_object_is_read_with_its_code() {
    let v = fixture("usercontribs_baduser");
    let err = error_object(&v).unwrap().unwrap();
    assert_eq!(err.code, "baduser");
    assert!(err.info.contains("Talk:Foo"), "{}", err.info);

    let maxlag = serde_json::json!({"error": {"code": "maxlag", "info": "Waiting for 10.64.0.1: 7 seconds lagged.", "host": "10.64.0.1", "lag": 7}, "servedby": "mw1"});
    assert_eq!(error_object(&maxlag).unwrap().unwrap().code, "maxlag");
}

#[test]
fn answers_of_the_wrong_shape_are_garbage() {
    for v in [
        serde_json::json!([1, 2]),
        serde_json::json!("text"),
        serde_json::json!({"error": "no"}),
        serde_json::json!({"error": {"info": "no code"}}),
    ] {
        assert!(matches!(error_object(&v), Err(ApiError::Garbage(_))), "{v}");
    }
    assert!(matches!(
        contributions(&serde_json::json!({"batchcomplete": true})),
        Err(ApiError::Garbage(_))
    ));
    assert!(matches!(
        contributions(&serde_json::json!({"query": {"usercontribs": [{"revid": "x"}]}})),
        Err(ApiError::Garbage(_))
    ));
    assert!(matches!(
        continuation(&serde_json::json!({"continue": "x"})),
        Err(ApiError::Garbage(_))
    ));
    assert!(matches!(
        continuation(&serde_json::json!({"continue": {"x": [1]}})),
        Err(ApiError::Garbage(_))
    ));
    assert_eq!(
        continuation(&serde_json::json!({"continue": {"sroffset": 10, "continue": "-||"}}))
            .unwrap()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn users_missing_and_invalid_have_no_id() {
    let users = users(&fixture("users")).unwrap();
    assert_eq!(
        users,
        vec![
            WikiUser {
                name: "Foo#bar".into(),
                userid: None,
                editcount: 0
            },
            WikiUser {
                name: "Learner1".into(),
                userid: Some(3),
                editcount: 9
            },
            WikiUser {
                name: "Nobody12".into(),
                userid: None,
                editcount: 0
            },
        ]
    );
    let by_id = super::users(&fixture("users_by_id")).unwrap();
    assert_eq!(by_id[0].name, "Learner1");
    assert_eq!(by_id[0].userid, Some(3));
    assert!(
        super::users(&fixture("users_by_missing_id"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn globaluserinfo_where_there_is_no_centralauth_is_unsupported() {
    // What the local MediaWiki (no CentralAuth) answers: two warnings, no `query`.
    let v = fixture("globaluserinfo_unsupported");
    assert!(
        v["warnings"]["query"]["warnings"]
            .as_str()
            .unwrap()
            .contains("globaluserinfo")
    );
    assert_eq!(global_user(&v).unwrap(), GlobalUser::Unsupported);

    // CentralAuth's shapes, from ApiQueryGlobalUserInfo.
    let found = serde_json::json!({"batchcomplete": true, "query": {"globaluserinfo": {"home": "enwiki", "id": 12345, "registration": "2010-01-01T00:00:00Z", "name": "Renamed Learner"}}});
    assert_eq!(
        global_user(&found).unwrap(),
        GlobalUser::Named("Renamed Learner".into())
    );
    let missing =
        serde_json::json!({"batchcomplete": true, "query": {"globaluserinfo": {"missing": true}}});
    assert_eq!(global_user(&missing).unwrap(), GlobalUser::Missing);
    let odd = serde_json::json!({"query": {"globaluserinfo": {"id": 1}}});
    assert!(matches!(global_user(&odd), Err(ApiError::Garbage(_))));
}

#[test]
fn revision_texts_with_models_and_bad_ids() {
    let (revs, bad) = revisions(&fixture("revisions_texts")).unwrap();
    assert_eq!(bad, vec![10]);
    assert_eq!(revs.len(), 2);
    let draft = revs.iter().find(|r| r.revid == 4).unwrap();
    assert_eq!(draft.parentid, 3);
    assert_eq!(draft.content_model, "wikitext");
    assert!(draft.content.as_deref().unwrap().contains("<ref>Two</ref>"));
    assert!(!draft.hidden);
    let item = revs.iter().find(|r| r.revid == 6).unwrap();
    assert_eq!(item.content_model, "json");
    let json: Value = serde_json::from_str(item.content.as_deref().unwrap()).unwrap();
    assert_eq!(json["claims"]["P31"][0]["mainsnak"]["property"], "P31");
}

#[test]
fn hidden_text_has_no_content() {
    let (revs, bad) = revisions(&fixture("revisions_texts_hidden")).unwrap();
    assert!(bad.is_empty());
    let hidden = revs.iter().find(|r| r.revid == 7).unwrap();
    assert!(hidden.hidden);
    assert_eq!(hidden.content, None);
    assert_eq!(hidden.content_model, "wikitext");
    let visible = revs.iter().find(|r| r.revid == 8).unwrap();
    assert_eq!(visible.content.as_deref(), Some("Spam spam."));
}

#[test]
fn revision_states_show_gone_hidden_and_reverted() {
    let mut states = revision_states(&fixture("revisions_states")).unwrap();
    states.sort_by_key(|s| s.revid);
    let ids: Vec<(i64, bool)> = states.iter().map(|s| (s.revid, s.gone)).collect();
    assert_eq!(
        ids,
        vec![(3, false), (4, false), (8, false), (10, true), (13, false)]
    );
    assert_eq!(states[0].tags, vec!["learning-platform".to_owned()]);

    // After the undo and the rollback (and the job that tags reverted edits).
    let reverted = revision_states(&fixture("revisions_states_reverted")).unwrap();
    assert!(
        reverted
            .iter()
            .all(|s| !s.gone && s.tags == ["mw-reverted"])
    );

    // Revision deletion of the text: `sha1hidden`.
    let hidden = revision_states(&fixture("revisions_states_hidden")).unwrap();
    let seven = hidden.iter().find(|s| s.revid == 7).unwrap();
    assert!(seven.gone);
    let eight = hidden.iter().find(|s| s.revid == 8).unwrap();
    assert!(!eight.gone);
}

#[test]
fn upload_log_events_are_new_files_only() {
    let ups = uploads(&fixture("logevents_upload")).unwrap();
    assert_eq!(
        ups,
        vec![WikiUpload {
            logid: 7,
            title: "File:Lyceum test one.png".into(),
            timestamp: ts("2026-12-06T18:27:36Z"),
        }]
    );
    let mixed = serde_json::json!({"query": {"logevents": [
        {"logid": 1, "ns": 6, "title": "File:A.png", "type": "upload", "action": "overwrite", "timestamp": "2026-12-06T18:27:36Z"},
        {"logid": 2, "type": "upload", "action": "upload", "actionhidden": true, "timestamp": "2026-12-06T18:27:36Z"},
        {"logid": 3, "ns": 6, "title": "File:B.png", "type": "upload", "action": "upload", "timestamp": "2026-12-06T18:27:37Z"}
    ]}});
    let ups = uploads(&mixed).unwrap();
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0].logid, 3);
}

#[test]
fn file_pages_list_categories_and_templates_without_prefix() {
    let (pages, normalized) = page_links(&fixture("file_facts")).unwrap();
    assert_eq!(
        normalized,
        vec![(
            "File:Lyceum_test_one.png".to_owned(),
            "File:Lyceum test one.png".to_owned()
        )]
    );
    let gone = pages.iter().find(|p| p.title == "File:Gone.png").unwrap();
    assert!(gone.missing);
    let file = pages
        .iter()
        .find(|p| p.title == "File:Lyceum test one.png")
        .unwrap();
    assert!(!file.missing);
    assert_eq!(file.categories, vec!["CC-BY-SA-4.0", "Lyceum uploads"]);
    assert_eq!(file.templates, vec!["Cc-by-sa-4.0"]);

    // A page of a continued answer: one category now, the other on the next page.
    let v = fixture("file_facts_continued");
    let (pages, _) = page_links(&v).unwrap();
    assert_eq!(pages[0].categories, vec!["CC-BY-SA-4.0"]);
    assert!(continuation(&v).unwrap().is_some());
}
