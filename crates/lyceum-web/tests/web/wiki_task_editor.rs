//! The wiki task's form editor in the Studio's block editor
//! (`/courses/{key}/studio/block/{block}`): each kind of task is added from the unit's
//! menu with a sensible start in the author's language, edited through its fields (no
//! JSON), read back as saved; bad input is refused at its field, with what was typed
//! kept and the draft unchanged.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use serde_json::{Value, json};

async fn author() -> (TestApp, Client) {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let ada = t.user("ada", false).await;
    t.make_staff(ada, course, CourseRole::Author).await;
    let c = t.login("ada").await;
    (t, c)
}

async fn draft(c: &mut Client) -> Value {
    let r = c.get(&format!("/api/v1/courses/{KEY}/draft")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn content(d: &Value, id: i64) -> Value {
    d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("no block {id} in {d}"))["content"]
        .clone()
}

fn id_of(d: &Value, title: &str) -> i64 {
    d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["title"] == title)
        .unwrap_or_else(|| panic!("no {title} in {d}"))["id"]
        .as_i64()
        .unwrap()
}

fn block_page(block: i64) -> String {
    format!("/courses/{KEY}/studio/block/{block}")
}

async fn add(c: &mut Client, unit: i64, entry: &str) -> i64 {
    let r = c
        .post_form(
            &format!("/courses/{KEY}/studio/unit/{unit}/add"),
            &[("entry", entry)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().rsplit('/').next().unwrap().parse().unwrap()
}

/// Entities askama writes for quotes and apostrophes, back as text.
fn plain(body: &str) -> String {
    body.replace("&#8220;", "“")
        .replace("&#8221;", "”")
        .replace("&#8217;", "’")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn a_wiki_task_is_added_from_the_menu_and_edited_through_its_form() {
    let (_t, mut ada) = author().await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Second unit");
    let menu = ada.get(&format!("/courses/{KEY}/studio/unit/{unit}")).await;
    for entry in ["wiki_task:edit", "wiki_task:upload", "wiki_task:wikidata"] {
        assert!(
            menu.body.contains(&format!("value=\"{entry}\"")),
            "{entry}: {}",
            menu.body
        );
    }
    assert!(menu.body.contains("Wiki task: edit"), "{}", menu.body);
    assert!(menu.body.contains("Wikidata statement"), "{}", menu.body);

    // A new edit task: a draft with a reference in the learner's space, ready to use.
    let task = add(&mut ada, unit, "wiki_task:edit").await;
    let c = content(&draft(&mut ada).await, task);
    assert_eq!(c["wiki"], "en.wikipedia.org");
    assert_eq!(c["criteria"]["type"], "edit");
    assert_eq!(c["criteria"]["title_pattern"], "User:{username}/*");
    assert_eq!(c["criteria"]["must_contain"], json!(["<ref"]));
    assert_eq!(c["prefill"]["title"], "User:{username}/Draft");
    assert!(
        c["instructions"]
            .as_str()
            .unwrap()
            .starts_with("<p>Create a draft"),
        "{c}"
    );

    // The form, from the stored content: no JSON field.
    let page = ada.get(&block_page(task)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("name=\"content\""));
    let body = plain(&page.body);
    assert!(
        body.contains("name=\"edit_title_pattern\" value=\"User:{username}/*\""),
        "{body}"
    );
    assert!(body.contains("value=\"edit\" checked"), "{body}");
    assert!(body.contains("Create a draft in your user space"));

    // Saving: a Wikidata task now, graded, due, with its window and pre-filled link.
    let r = ada
        .post_form(
            &block_page(task),
            &[
                ("wiki", "WWW.wikidata.org"),
                ("instructions", "Add a **date of birth** with its source."),
                ("type", "wikidata"),
                ("edit_title_pattern", "User:{username}/*"),
                ("wd_property", "p569"),
                ("wd_with_reference", "on"),
                ("wd_min_edits", "2"),
                ("window_from", "unit_opened"),
                ("prefill_title", ""),
                ("prefill_summary", "Date de naissance"),
                ("graded", "on"),
                ("weight", "3"),
                ("due", "2030-01-31T12:00"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = content(&draft(&mut ada).await, task);
    assert_eq!(c["wiki"], "www.wikidata.org");
    assert_eq!(
        c["criteria"],
        json!({"type": "wikidata", "property": "P569", "with_reference": true, "min_edits": 2})
    );
    assert_eq!(
        c["window"],
        json!({"from": "unit_opened", "until_due": false})
    );
    assert_eq!(
        c["prefill"],
        json!({"title": "", "summary": "Date de naissance"})
    );
    assert_eq!(c["graded"], true);
    assert_eq!(c["weight"], 3.0);
    assert_eq!(c["due"], "2030-01-31T12:00:00Z");
    assert_eq!(
        c["instructions_markdown"],
        "Add a **date of birth** with its source."
    );
    assert!(
        c["instructions"]
            .as_str()
            .unwrap()
            .contains("<strong>date of birth</strong>"),
        "{c}"
    );

    // The saved form shows it back.
    let page = ada.get(&block_page(task)).await;
    let body = plain(&page.body);
    assert!(body.contains("value=\"wikidata\" checked"), "{body}");
    assert!(
        body.contains("name=\"wd_property\" value=\"P569\""),
        "{body}"
    );
    assert!(body.contains("2030-01-31T12:00"));
    assert!(body.contains("name=\"graded\" checked"), "{body}");
    assert!(!body.contains("name=\"until_due\" checked"), "{body}");

    // Bad input: refused at each field with its message, what was typed kept, the draft
    // unchanged.
    let r = ada
        .post_form(
            &block_page(task),
            &[
                ("wiki", "fr.wikipedia.org/wiki/Accueil"),
                ("instructions", "Kept instructions"),
                ("type", "edit"),
                ("edit_namespaces", "2, user"),
                ("edit_title_pattern", "User:{user}/*"),
                ("edit_page", "created"),
                ("edit_min_edits", "0"),
                ("weight", "heavy"),
                ("due", "next week"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = plain(&r.body);
    for message in [
        "“fr.wikipedia.org/wiki/accueil” is not a wiki name",
        "“user” cannot be used here: enter a number from",
        "holds braces that are not {username}",
        "“0” cannot be used here: enter a number from 1 to 100.",
        "“heavy” cannot be used here",
        "Write the date as YYYY-MM-DD HH:MM.",
    ] {
        assert!(body.contains(message), "{message}: {body}");
    }
    for typed in ["User:{user}/*", "2, user", "next week", "Kept instructions"] {
        assert!(body.contains(typed), "{typed}: {body}");
    }
    assert!(body.contains("aria-invalid=\"true\""));
    assert_eq!(content(&draft(&mut ada).await, task), c);

    // A save over a newer revision (the one above is 2) shows both versions side by
    // side, a setting per line, and keeps what was typed.
    let r = ada
        .post_form(
            &block_page(task),
            &[
                ("wiki", "fr.wikipedia.org"),
                ("type", "wikidata"),
                ("wd_property", "P569"),
                ("base_revision", "1"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let body = plain(&r.body);
    assert!(body.contains("wiki: www.wikidata.org"), "{body}");
    assert!(body.contains("wiki: fr.wikipedia.org"), "{body}");
    assert!(body.contains("property: P569"), "{body}");
    assert_eq!(content(&draft(&mut ada).await, task), c);
}

#[tokio::test]
async fn upload_and_wikidata_tasks_start_on_their_wikis_in_the_authors_language() {
    let (_t, mut ada) = author().await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Second unit");
    let upload = add(&mut ada, unit, "wiki_task:upload").await;
    let c = content(&draft(&mut ada).await, upload);
    assert_eq!(c["wiki"], "commons.wikimedia.org");
    assert_eq!(c["criteria"]["type"], "upload");
    let wikidata = add(&mut ada, unit, "wiki_task:wikidata").await;
    let c = content(&draft(&mut ada).await, wikidata);
    assert_eq!(c["wiki"], "www.wikidata.org");
    assert_eq!(c["criteria"]["property"], "P31");
    assert_eq!(c["criteria"]["with_reference"], true);

    // In French: the French Wikipedia and French words.
    let r = ada
        .post_form(
            &format!("/courses/{KEY}/studio/unit/{unit}/add?uselang=fr"),
            &[("entry", "wiki_task:edit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let fr: i64 = r
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let c = content(&draft(&mut ada).await, fr);
    assert_eq!(c["wiki"], "fr.wikipedia.org");
    assert_eq!(c["prefill"]["title"], "User:{username}/Brouillon");
    assert!(
        c["instructions_markdown"]
            .as_str()
            .unwrap()
            .starts_with("Créez un brouillon"),
        "{c}"
    );

    // The form in Arabic: its labels translated, the page right to left.
    let page = ada.get(&format!("{}?uselang=ar", block_page(upload))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("dir=\"rtl\""));
    assert!(page.body.contains("قالب الترخيص"), "{}", page.body);

    // The wikis this site reads are suggested; one it does not read can be named (a
    // site may add it later) but the author is warned.
    let page = ada.get(&block_page(wikidata)).await;
    assert!(page.body.contains("list=\"wt-wikis\""), "{}", page.body);
    assert!(
        page.body
            .contains("<option value=\"commons.wikimedia.org\">")
    );
    assert!(!page.body.contains("This site does not read this wiki"));
    let r = ada
        .post_form(
            &block_page(wikidata),
            &[
                ("wiki", "wiki.example.org"),
                ("type", "wikidata"),
                ("wd_property", "P31"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        content(&draft(&mut ada).await, wikidata)["wiki"],
        "wiki.example.org"
    );
    let page = ada.get(&block_page(wikidata)).await;
    assert!(
        plain(&page.body).contains("This site does not read this wiki"),
        "{}",
        page.body
    );

    // An unknown menu entry is refused.
    let r = ada
        .post_form(
            &format!("/courses/{KEY}/studio/unit/{unit}/add"),
            &[("entry", "wiki_task:poem")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}
