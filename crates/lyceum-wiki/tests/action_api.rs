//! The Action API client against a real MediaWiki (`scripts/mediawiki`, started by
//! `lyceum_wiki::testing`), and against tiny local servers that misbehave on purpose
//! (down, garbage, lagged). Only 127.0.0.1 is ever contacted.

// The helpers below are test code too; clippy's allow-unwrap-in-tests only covers #[test] fns.
#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use lyceum_wiki::action::{ActionApi, ApiError, Options};
use lyceum_wiki::registry::Wiki;
use lyceum_wiki::testing::{Editor, TestWiki, mediawiki, tiny_png, unique};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

const CONTACT: &str = "https://lyceum.example/contact";

fn client() -> ActionApi {
    ActionApi::new(CONTACT).unwrap()
}

/// A fresh account, logged in: its contributions are only this test's.
async fn fresh(mw: &TestWiki, prefix: &str) -> Editor {
    let account = mw.create_account(prefix).await;
    mw.login(&account.user, &account.password).await
}

// ------------------------------------------------------------------ the real wiki

#[tokio::test]
async fn contributions_follow_continuation_oldest_first() {
    let Some(mw) = mediawiki().await else { return };
    let mut learner = fresh(&mw, "Contin").await;
    let page = unique("Continuation");
    let mut saved = Vec::new();
    saved.push(
        learner
            .create(&page, "Start.", "create", &["learning-platform"])
            .await,
    );
    for i in 1..12 {
        let text = format!("Start.{}", " more".repeat(i));
        saved.push(learner.edit(&page, &text, "grow", &[]).await);
    }

    // Five per page: three pages, continuation followed.
    let wikis = mw.wikis("local", Some(5));
    assert_eq!(wikis.registry.get("local"), Some(mw.wiki("local")));
    let api = wikis.api;
    let edits = api
        .contributions(&mw.wiki("local"), &[learner.user.as_str()], None)
        .await
        .unwrap();
    let revids: Vec<i64> = edits.iter().map(|(_, e)| e.revid).collect();
    let expected: Vec<i64> = saved.iter().map(|s| s.revid).collect();
    assert_eq!(revids, expected, "all twelve, oldest first");
    assert!(edits.iter().all(|(u, _)| u == &learner.user));

    let (_, first) = &edits[0];
    assert!(first.new);
    assert_eq!(first.parentid, 0);
    assert_eq!(first.size, 6);
    assert_eq!(first.sizediff, 6);
    assert_eq!(first.tags, ["learning-platform"]);
    assert_eq!(first.title, page);
    assert_eq!(first.ns, 0);
    let (_, second) = &edits[1];
    assert!(!second.new);
    assert_eq!(second.parentid, first.revid);
    assert_eq!(second.sizediff, 5);
    assert_eq!(second.timestamp, saved[1].timestamp);
}

#[tokio::test]
async fn since_leaves_out_older_edits_and_is_inclusive() {
    let Some(mw) = mediawiki().await else { return };
    let mut learner = fresh(&mw, "Since").await;
    let page = unique("User:Since/Draft");
    let old = learner.create(&page, "Old.", "old", &[]).await;
    // Edit until the wiki's clock (seconds) has moved past the first edit.
    let mut newer = Vec::new();
    for i in 0..100 {
        let s = learner.edit(&page, &format!("New {i}."), "new", &[]).await;
        let past = s.timestamp > old.timestamp;
        newer.push(s);
        if past {
            break;
        }
    }
    let last = newer.last().unwrap().clone();
    assert!(
        last.timestamp > old.timestamp,
        "the wiki's clock never moved"
    );

    let edits = client()
        .contributions(
            &mw.wiki("local"),
            &[learner.user.as_str()],
            Some(last.timestamp),
        )
        .await
        .unwrap();
    let revids: Vec<i64> = edits.iter().map(|(_, e)| e.revid).collect();
    assert_eq!(revids, vec![last.revid], "only the edit at `since`");
    assert_eq!(edits[0].1.ns, 2);
}

#[tokio::test]
async fn unknown_and_invalid_names_have_no_contributions_and_do_not_fail_the_batch() {
    let Some(mw) = mediawiki().await else { return };
    let mut learner = fresh(&mw, "Batch").await;
    let saved = learner
        .create(&unique("Batch page"), "Text.", "create", &[])
        .await;
    let nobody = unique("Nobody");
    let edits = client()
        .contributions(
            &mw.wiki("local"),
            &[
                &nobody,
                "Talk:Not a user",
                "Special:Nobody",
                learner.user.as_str(),
                "A|B",
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].0, learner.user);
    assert_eq!(edits[0].1.revid, saved.revid);

    let none = client()
        .contributions(&mw.wiki("local"), &[&nobody], None)
        .await
        .unwrap();
    assert!(none.is_empty(), "an unknown user: nothing, not an error");
}

#[tokio::test]
async fn users_report_ids_edit_counts_and_missing_names() {
    let Some(mw) = mediawiki().await else { return };
    let mut learner = fresh(&mw, "Counted").await;
    learner
        .create(&unique("Counted page"), "One.", "one", &[])
        .await;
    let nobody = unique("Nobody");
    let users = client()
        .users(&mw.wiki("local"), &[learner.user.as_str(), &nobody])
        .await
        .unwrap();
    let me = users.iter().find(|u| u.name == learner.user).unwrap();
    assert_eq!(me.userid, Some(learner.userid));
    assert_eq!(me.editcount, 1);
    let missing = users.iter().find(|u| u.name == nobody).unwrap();
    assert_eq!(missing.userid, None);
}

#[tokio::test]
async fn current_name_follows_a_rename_by_id() {
    let Some(mw) = mediawiki().await else { return };
    let learner = fresh(&mw, "Before").await;
    let api = client();
    let wiki = mw.wiki("local");
    assert_eq!(
        api.current_name(&wiki, learner.userid).await.unwrap(),
        Some(learner.user.clone())
    );
    let renamed = unique("After");
    mw.rename_user(&learner.user, &renamed);
    assert_eq!(
        api.current_name(&wiki, learner.userid).await.unwrap(),
        Some(renamed)
    );
    assert_eq!(api.current_name(&wiki, 987_654_321).await.unwrap(), None);
    assert_eq!(api.current_name(&wiki, 0).await.unwrap(), None);
}

#[tokio::test]
async fn revision_texts_bring_the_parent_and_nothing_for_deleted_or_hidden_text() {
    let Some(mw) = mediawiki().await else { return };
    let mut learner = mw.learner1().await;
    let mut admin = mw.admin().await;
    let page = unique("User:Learner1/Refs");
    let first = learner.create(&page, "A fact.", "create", &[]).await;
    let second = learner
        .edit(
            &page,
            "A fact.<ref>A source</ref>\n\n== References ==\n<references />",
            "add a reference",
            &[],
        )
        .await;
    let doomed_page = unique("Deleted soon");
    let doomed = learner.create(&doomed_page, "Gone.", "create", &[]).await;
    admin.delete(&doomed_page).await;
    let hidden_page = unique("Hidden soon");
    let h1 = learner.create(&hidden_page, "Secret.", "create", &[]).await;
    let h2 = learner
        .edit(&hidden_page, "Secret. Public.", "more", &[])
        .await;
    admin.hide_text(h1.revid).await;

    let texts = client()
        .revision_texts(
            &mw.wiki("local"),
            &[
                second.revid,
                first.revid,
                doomed.revid,
                h2.revid,
                h1.revid,
                second.revid,
            ],
        )
        .await
        .unwrap();
    let ids: Vec<i64> = texts.iter().map(|t| t.revid).collect();
    assert_eq!(
        ids,
        vec![second.revid, first.revid, doomed.revid, h2.revid, h1.revid],
        "one per distinct id, in the order asked"
    );
    let t = &texts[0];
    assert_eq!(t.content_model, "wikitext");
    assert!(
        t.content
            .as_deref()
            .unwrap()
            .contains("<ref>A source</ref>")
    );
    assert_eq!(t.parent_content.as_deref(), Some("A fact."));
    assert_eq!(texts[1].content.as_deref(), Some("A fact."));
    assert_eq!(
        texts[1].parent_content, None,
        "a first revision has no parent"
    );
    assert_eq!(texts[2].content, None, "deleted with its page");
    assert_eq!(texts[3].content.as_deref(), Some("Secret. Public."));
    assert_eq!(texts[3].parent_content, None, "the parent's text is hidden");
    assert_eq!(texts[4].content, None, "hidden text");

    // A parent that was not asked for is read in a second request.
    let only_second = client()
        .revision_texts(&mw.wiki("local"), &[second.revid])
        .await
        .unwrap();
    assert_eq!(only_second[0].parent_content.as_deref(), Some("A fact."));
}

#[tokio::test]
async fn a_json_item_page_is_read_with_its_model() {
    let Some(mw) = mediawiki().await else { return };
    let mut learner = mw.learner1().await;
    let item = unique("Item:Q");
    let saved = learner
        .edit_json(
            &item,
            &json!({
                "labels": {"en": {"language": "en", "value": "Ada Lovelace"}},
                "claims": {"P31": [{
                    "mainsnak": {"snaktype": "value", "property": "P31",
                        "datavalue": {"type": "wikibase-entityid",
                            "value": {"entity-type": "item", "id": "Q5"}}},
                    "type": "statement", "rank": "normal",
                    "references": [{"snaks": {"P854": [{"snaktype": "value", "property": "P854",
                        "datavalue": {"type": "string", "value": "https://example.org/ada"}}]}}]
                }]}
            }),
            "add P31 with a reference",
        )
        .await;
    let texts = client()
        .revision_texts(&mw.wiki("local"), &[saved.revid])
        .await
        .unwrap();
    assert_eq!(texts[0].content_model, "json");
    let v: serde_json::Value = serde_json::from_str(texts[0].content.as_deref().unwrap()).unwrap();
    assert_eq!(v["claims"]["P31"][0]["mainsnak"]["property"], "P31");
    assert_eq!(
        v["claims"]["P31"][0]["references"][0]["snaks"]["P854"][0]["property"],
        "P854"
    );
    let edits = client()
        .contributions(
            &mw.wiki("local"),
            &[learner.user.as_str()],
            Some(saved.timestamp),
        )
        .await
        .unwrap();
    let mine = edits.iter().find(|(_, e)| e.revid == saved.revid).unwrap();
    assert_eq!(mine.1.ns, 120);
    assert!(mine.1.new);
}

#[tokio::test]
async fn revision_states_show_undo_rollback_deletion_and_hidden_text() {
    let Some(mw) = mediawiki().await else { return };
    let mut learner = mw.learner2().await;
    let mut admin = mw.admin().await;
    let wiki = mw.wiki("local");

    let undone_page = unique("Undone");
    let keep = learner.create(&undone_page, "Good.", "create", &[]).await;
    let bad = learner
        .edit(&undone_page, "Good. Bad.", "bad", &["learning-platform"])
        .await;
    let rolled_page = unique("Rolled back");
    admin.create(&rolled_page, "Admin's.", "create", &[]).await;
    let vandal = learner
        .edit(&rolled_page, "Vandalism.", "vandal", &[])
        .await;
    let deleted_page = unique("Deleted");
    let deleted = learner.create(&deleted_page, "Gone.", "create", &[]).await;
    let hidden_page = unique("Hidden");
    let hidden = learner.create(&hidden_page, "Secret.", "create", &[]).await;
    learner.edit(&hidden_page, "Public.", "replace", &[]).await;

    let before = client()
        .revision_states(&wiki, &[bad.revid, vandal.revid])
        .await
        .unwrap();
    assert!(
        before
            .iter()
            .all(|s| !s.gone && !s.tags.iter().any(|t| t == "mw-reverted"))
    );
    assert_eq!(before[0].tags, ["learning-platform"]);

    admin.undo(&undone_page, bad.revid).await;
    admin.rollback(&rolled_page, &learner.user).await;
    admin.delete(&deleted_page).await;
    admin.hide_text(hidden.revid).await;

    let states = client()
        .revision_states(
            &wiki,
            &[
                keep.revid,
                bad.revid,
                vandal.revid,
                deleted.revid,
                hidden.revid,
                999_999_999,
            ],
        )
        .await
        .unwrap();
    let by_id = |id: i64| states.iter().find(|s| s.revid == id).unwrap();
    assert!(!by_id(keep.revid).gone);
    assert!(!by_id(keep.revid).tags.iter().any(|t| t == "mw-reverted"));
    let undone = by_id(bad.revid);
    assert!(!undone.gone);
    assert!(undone.tags.iter().any(|t| t == "mw-reverted"), "{undone:?}");
    assert!(undone.tags.iter().any(|t| t == "learning-platform"));
    assert!(by_id(vandal.revid).tags.iter().any(|t| t == "mw-reverted"));
    assert!(by_id(deleted.revid).gone);
    assert!(by_id(hidden.revid).gone);
    assert!(by_id(999_999_999).gone);
}

#[tokio::test]
async fn uploads_and_their_file_pages() {
    let Some(mw) = mediawiki().await else { return };
    let mut admin = mw.admin().await;
    let licence = unique("Licence");
    let licence_category = unique("Licensed");
    admin
        .create(
            &format!("Template:{licence}"),
            &format!("Free licence.[[Category:{licence_category}]]"),
            "licence template",
            &[],
        )
        .await;
    let mut learner = fresh(&mw, "Uploader").await;
    let since = Timestamp::now();
    let category = unique("Course uploads");
    let file = format!("{}.png", unique("Photo"));
    let up = learner
        .upload(
            &file,
            &tiny_png(u32::try_from(Timestamp::now().as_millisecond() % 0xFF_FFFF).unwrap()),
            &format!("A photo.\n{{{{{licence}}}}}\n[[Category:{category}]]"),
        )
        .await;
    let plain_file = format!("{}.png", unique("Plain"));
    let plain = learner
        .upload(&plain_file, &tiny_png(7), "No licence, no category.")
        .await;

    let wiki = mw.wiki("local");
    let api = client();
    let uploads = api
        .uploads(&wiki, &learner.user, Some(since))
        .await
        .unwrap();
    assert_eq!(
        uploads.iter().map(|u| u.logid).collect::<Vec<_>>(),
        vec![up.logid, plain.logid]
    );
    assert_eq!(uploads[0].title, up.title);
    assert_eq!(uploads[0].timestamp, up.timestamp);

    let later = api
        .uploads(
            &wiki,
            &learner.user,
            Some(plain.timestamp + jiff::SignedDuration::from_secs(1)),
        )
        .await
        .unwrap();
    assert!(later.is_empty());
    assert!(
        api.uploads(&wiki, &unique("Nobody"), None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        api.uploads(&wiki, "Talk:Nobody", None)
            .await
            .unwrap()
            .is_empty()
    );

    let gone = format!("File:{}.png", unique("Never uploaded"));
    let underscored = up.title.replace(' ', "_");
    let facts = api
        .file_facts(&wiki, &[&underscored, &plain.title, &gone])
        .await
        .unwrap();
    assert_eq!(facts.len(), 3);
    assert_eq!(facts[0].title, underscored, "under the title as asked");
    assert!(!facts[0].missing);
    assert!(facts[0].categories.contains(&category), "{:?}", facts[0]);
    assert!(facts[0].categories.contains(&licence_category));
    assert_eq!(facts[0].templates, vec![licence.clone()]);
    assert!(!facts[1].missing);
    assert!(facts[1].categories.is_empty());
    assert!(facts[1].templates.is_empty());
    assert!(facts[2].missing);

    // Continuation of categories (one per page) gathers them all.
    let paged = client()
        .with_page_size(1)
        .file_facts(&wiki, &[&up.title])
        .await
        .unwrap();
    assert_eq!(paged[0].categories.len(), 2, "{:?}", paged[0]);
}

// ------------------------------------------------------------------ misbehaving servers

/// What a fake server answers: status, extra headers, body.
type Reply = (u16, Vec<(&'static str, String)>, String);

/// A one-thread HTTP server on 127.0.0.1 answering each request with `reply(n, head)`
/// (n counts from 0; `head` is the request line and headers). Answers after `delay`.
async fn fake_server(
    delay: Duration,
    reply: impl Fn(usize, &str) -> Reply + Send + Sync + 'static,
) -> (Wiki, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let most_at_once = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let reply = Arc::new(reply);
    let (c, m) = (count.clone(), most_at_once.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (c, m, f, reply) = (c.clone(), m.clone(), in_flight.clone(), reply.clone());
            tokio::spawn(async move {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let n = c.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                let (status, headers, body) = reply(n, &head);
                let mut out = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&body);
                let _ = sock.write_all(out.as_bytes()).await;
                let _ = sock.shutdown().await;
                f.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    let wiki = Wiki::at(
        "fake",
        &Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
    );
    (wiki, count, most_at_once)
}

fn json_reply(body: serde_json::Value) -> Reply {
    (
        200,
        vec![("Content-Type", "application/json; charset=utf-8".to_owned())],
        body.to_string(),
    )
}

fn maxlag() -> Reply {
    (
        200,
        vec![
            ("Content-Type", "application/json; charset=utf-8".to_owned()),
            ("Retry-After", "1".to_owned()),
            ("MediaWiki-API-Error", "maxlag".to_owned()),
        ],
        json!({"error": {"code": "maxlag", "info": "Waiting for 10.64.0.1: 6 seconds lagged.", "host": "10.64.0.1", "lag": 6}}).to_string(),
    )
}

fn empty_contribs() -> Reply {
    json_reply(json!({"batchcomplete": true, "query": {"usercontribs": []}}))
}

#[tokio::test]
async fn an_unreachable_wiki_is_unavailable_quickly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let wiki = Wiki::at(
        "down",
        &Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
    );
    let started = Instant::now();
    let err = client()
        .contributions(&wiki, &["Learner1"], None)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_slow_wiki_times_out_as_unavailable() {
    let (wiki, _, _) = fake_server(Duration::from_secs(5), |_, _| empty_contribs()).await;
    let api = ActionApi::with_options(
        CONTACT,
        Options {
            timeout: Duration::from_millis(300),
            ..Options::default()
        },
    )
    .unwrap();
    let started = Instant::now();
    let err = api.users(&wiki, &["Learner1"]).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Unavailable(ref m) if m.contains("timed out")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn an_html_page_is_garbage() {
    let (wiki, _, _) = fake_server(Duration::ZERO, |_, _| {
        (
            200,
            vec![("Content-Type", "text/html".to_owned())],
            "<!DOCTYPE html><html><body>Captive portal</body></html>".to_owned(),
        )
    })
    .await;
    let err = client()
        .contributions(&wiki, &["Learner1"], None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Garbage(ref m) if m.contains("HTML")),
        "{err:?}"
    );
}

#[tokio::test]
async fn json_of_another_shape_is_garbage() {
    let (wiki, _, _) = fake_server(Duration::ZERO, |_, _| {
        json_reply(json!({"query": {"usercontribs": {"no": 1}}}))
    })
    .await;
    let err = client()
        .contributions(&wiki, &["Learner1"], None)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Garbage(_)), "{err:?}");
}

#[tokio::test]
async fn http_errors_and_api_errors_are_told_apart() {
    for (status, retry_after, expect_unavailable) in [
        (503, None, true),
        (502, None, true),
        (429, Some("1"), true),
        (404, None, false),
        (403, None, false),
    ] {
        let (wiki, count, _) = fake_server(Duration::ZERO, move |_, _| {
            let mut headers = Vec::new();
            if let Some(r) = retry_after {
                headers.push(("Retry-After", r.to_owned()));
            }
            (status, headers, "nope".to_owned())
        })
        .await;
        let err = client().users(&wiki, &["X"]).await.unwrap_err();
        if expect_unavailable {
            assert!(matches!(err, ApiError::Unavailable(_)), "{status}: {err:?}");
        } else {
            assert!(matches!(err, ApiError::Garbage(_)), "{status}: {err:?}");
        }
        assert_eq!(count.load(Ordering::SeqCst), 1, "{status} is not retried");
    }
    let (wiki, _, _) = fake_server(Duration::ZERO, |_, _| {
        json_reply(json!({"error": {"code": "badvalue", "info": "Unrecognized value for parameter \"list\": users."}}))
    })
    .await;
    let err = client().users(&wiki, &["X"]).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Refused { ref code, .. } if code == "badvalue"),
        "{err:?}"
    );
}

#[tokio::test]
async fn maxlag_is_waited_out_with_retry_after() {
    let (wiki, count, _) = fake_server(Duration::ZERO, |n, _| {
        if n < 2 { maxlag() } else { empty_contribs() }
    })
    .await;
    let started = Instant::now();
    let edits = client()
        .contributions(&wiki, &["Learner1"], None)
        .await
        .unwrap();
    assert!(edits.is_empty());
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited Retry-After twice"
    );
}

#[tokio::test]
async fn a_wiki_still_lagged_after_three_tries_is_unavailable() {
    let (wiki, count, _) = fake_server(Duration::ZERO, |_, _| maxlag()).await;
    let err = client()
        .contributions(&wiki, &["Learner1"], None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Unavailable(ref m) if m.contains("maxlag")),
        "{err:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);

    // 503 with Retry-After (what Wikimedia's caches send) is treated the same way.
    let (wiki, count, _) = fake_server(Duration::ZERO, |n, _| {
        if n == 0 {
            (
                503,
                vec![("Retry-After", "1".to_owned())],
                "busy".to_owned(),
            )
        } else {
            empty_contribs()
        }
    })
    .await;
    client().contributions(&wiki, &["A"], None).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn requests_say_who_we_are_and_ask_for_json_v2_with_maxlag_and_gzip() {
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let h = heads.clone();
    let (wiki, _, _) = fake_server(Duration::ZERO, move |_, head| {
        h.lock().unwrap().push(head.to_owned());
        empty_contribs()
    })
    .await;
    client()
        .contributions(&wiki, &["Learner1", "Learner2"], None)
        .await
        .unwrap();
    let heads = heads.lock().unwrap();
    let head = heads[0].to_ascii_lowercase();
    let line = head.lines().next().unwrap();
    assert!(line.starts_with("get /w/api.php?"), "{line}");
    for part in [
        "action=query",
        "list=usercontribs",
        "ucuser=learner1%7clearner2",
        "format=json",
        "formatversion=2",
        "maxlag=5",
        "ucdir=newer",
        "uclimit=max",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
    assert!(
        head.contains(&format!(
            "user-agent: lyceum/{} ({})",
            env!("CARGO_PKG_VERSION"),
            CONTACT
        )),
        "{head}"
    );
    assert!(head.contains("accept-encoding: gzip"), "{head}");
}

#[tokio::test]
async fn clones_of_a_client_send_one_request_at_a_time() {
    let (wiki, count, most) =
        fake_server(Duration::from_millis(100), |_, _| empty_contribs()).await;
    let api = client();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (api, wiki) = (api.clone(), wiki.clone());
        tasks.push(tokio::spawn(async move {
            api.contributions(&wiki, &["Learner1"], None).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(count.load(Ordering::SeqCst), 4);
    assert_eq!(most.load(Ordering::SeqCst), 1, "requests in series");
}

#[tokio::test]
async fn continuation_stops_at_the_page_cap() {
    let (wiki, count, _) = fake_server(Duration::ZERO, |n, _| {
        json_reply(json!({
            "continue": {"uccontinue": format!("actor|3|2026120618273{n}|{n}"), "continue": "-||"},
            "query": {"usercontribs": [{
                "userid": 3, "user": "Prolific", "pageid": 1, "revid": n + 1, "parentid": 0,
                "ns": 0, "title": "P", "timestamp": "2026-12-06T18:27:35Z", "new": true,
                "minor": false, "top": false, "size": 1, "sizediff": 1, "tags": []
            }]}
        }))
    })
    .await;
    let api = ActionApi::with_options(
        CONTACT,
        Options {
            max_pages: 3,
            ..Options::default()
        },
    )
    .unwrap();
    let edits = api.contributions(&wiki, &["Prolific"], None).await.unwrap();
    assert_eq!(edits.len(), 3, "what was read is kept");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_continue_values_are_sent_back() {
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let h = heads.clone();
    let (wiki, _, _) = fake_server(Duration::ZERO, move |n, head| {
        h.lock().unwrap().push(head.lines().next().unwrap_or_default().to_owned());
        if n == 0 {
            json_reply(json!({"continue": {"uccontinue": "actor|3|20261206182736|6", "continue": "-||"}, "query": {"usercontribs": []}}))
        } else {
            empty_contribs()
        }
    })
    .await;
    client().contributions(&wiki, &["A"], None).await.unwrap();
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 2);
    assert!(
        heads[1].contains("uccontinue=actor%7C3%7C20261206182736%7C6"),
        "{}",
        heads[1]
    );
    assert!(heads[1].contains("continue=-%7C%7C"), "{}", heads[1]);
}

#[test]
fn a_contact_is_required() {
    assert!(matches!(ActionApi::new("  "), Err(ApiError::Config(_))));
    assert!(matches!(ActionApi::new("a\nb"), Err(ApiError::Config(_))));
}

/// `bytes` as a gzip stream with one stored (uncompressed) deflate block: enough to check
/// that the client inflates what it asked for with `Accept-Encoding: gzip`.
fn gzip_stored(bytes: &[u8]) -> Vec<u8> {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let len = u16::try_from(bytes.len()).unwrap();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.push(1); // the last block, stored
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(bytes);
    out.extend_from_slice(&(!crc).to_le_bytes());
    out.extend_from_slice(&u32::from(len).to_le_bytes());
    out
}

#[tokio::test]
async fn a_gzipped_answer_is_inflated() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = gzip_stored(
        json!({"batchcomplete": true, "query": {"users": [{"userid": 3, "name": "Learner1", "editcount": 4}]}})
            .to_string()
            .as_bytes(),
    );
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await.unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(&body).await.unwrap();
        sock.shutdown().await.unwrap();
    });
    let wiki = Wiki::at(
        "gz",
        &Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
    );
    let users = client().users(&wiki, &["Learner1"]).await.unwrap();
    assert_eq!(users[0].editcount, 4);
    assert_eq!(users[0].userid, Some(3));
}

#[tokio::test]
async fn a_long_retry_after_is_capped() {
    let (wiki, count, _) = fake_server(Duration::ZERO, |n, _| {
        if n == 0 {
            let (status, mut headers, body) = maxlag();
            headers.retain(|(k, _)| *k != "Retry-After");
            headers.push(("Retry-After", "3600".to_owned()));
            (status, headers, body)
        } else {
            empty_contribs()
        }
    })
    .await;
    let api = ActionApi::with_options(
        CONTACT,
        Options {
            max_retry_wait: Duration::from_millis(200),
            ..Options::default()
        },
    )
    .unwrap();
    let started = Instant::now();
    api.contributions(&wiki, &["A"], None).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() < Duration::from_secs(3));

    // The total wait is bounded too: with a 1 s budget, a second wait is not made.
    let (wiki, count, _) = fake_server(Duration::ZERO, |_, _| maxlag()).await;
    let api = ActionApi::with_options(
        CONTACT,
        Options {
            max_total_wait: Duration::from_millis(1500),
            ..Options::default()
        },
    )
    .unwrap();
    let err = api.contributions(&wiki, &["A"], None).await.unwrap_err();
    assert!(matches!(err, ApiError::Unavailable(_)), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 2);
}
