//! The discussions repository contract (issue 15), on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used)]

use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::discussions::{
    self as d, Edit, Filter, NewPost, NewThread, Sort, ThreadQuery, Viewer,
};
use lyceum_store::repo::{orgs, users};
use lyceum_store::{Db, Store, testing};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::sqlite().await.unwrap().store).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::postgres().await.unwrap().store).await })*
        }
    };
}

contract!(
    topics_are_ordered_renamed_and_deleted_only_when_empty,
    threads_replies_comments_and_counts,
    visibility_of_held_and_deleted_posts,
    filters_sorts_and_unread,
    search_finds_words_in_any_language_and_never_parses_syntax,
);

const NOW: i64 = 1_790_000_000_000;

async fn user(store: &Store, name: &str) -> UserId {
    let mut c = store.conn().await.unwrap();
    users::create_user(&mut c, name, &name.to_lowercase(), "", false, NOW)
        .await
        .unwrap()
}

async fn course(store: &Store, code: &str) -> CourseId {
    let spec: lyceum_core::course::spec::CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": code, "run": "2026", "language": "fr",
        "title": format!("Cours {code}"), "published": true, "sections": []
    }))
    .unwrap();
    let e = lyceum_core::course::spec::expand(spec, &mut |_| None).unwrap();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test org", "", None, NOW)
        .await
        .unwrap();
    let id = lyceum_store::repo::courses::create(&mut tx, org, &e.course, NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn viewer(u: UserId) -> Viewer {
    Viewer {
        user: Some(u),
        moderates: false,
    }
}

const MOD: Viewer = Viewer {
    user: None,
    moderates: true,
};

async fn thread(
    db: &mut impl Db,
    course: CourseId,
    topic: &str,
    author: UserId,
    title: &str,
    body: &str,
    now: i64,
) -> (i64, i64) {
    d::create_thread(
        db,
        &NewThread {
            course,
            topic_key: topic,
            kind: "question",
            title,
            author,
            anonymous: false,
            body,
            html: body,
            held: false,
            now,
        },
    )
    .await
    .unwrap()
}

async fn reply(
    db: &mut impl Db,
    course: CourseId,
    thread: i64,
    parent: Option<i64>,
    author: UserId,
    body: &str,
    now: i64,
) -> i64 {
    d::reply(
        db,
        &NewPost {
            course,
            thread,
            parent,
            author,
            anonymous: false,
            body,
            html: body,
            held: false,
            now,
        },
    )
    .await
    .unwrap()
}

fn query(course: CourseId) -> ThreadQuery<'static> {
    ThreadQuery {
        course,
        topic: None,
        words: "",
        filter: Filter::All,
        sort: Sort::Recent,
        offset: 0,
        limit: 20,
    }
}

async fn topics_are_ordered_renamed_and_deleted_only_when_empty(store: Store) {
    let c = course(&store, "T").await;
    let a = user(&store, "Ana").await;
    let mut db = store.conn().await.unwrap();
    let general = d::create_topic(&mut db, c, "general", "Général", NOW)
        .await
        .unwrap()
        .unwrap();
    let help = d::create_topic(&mut db, c, "help", "Aide", NOW)
        .await
        .unwrap()
        .unwrap();
    assert!(
        d::create_topic(&mut db, c, "help", "Again", NOW)
            .await
            .unwrap()
            .is_none()
    );
    let names = |t: Vec<d::TopicRow>| t.into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(
        names(d::topics(&mut db, c).await.unwrap()),
        ["Général", "Aide"]
    );
    d::reorder_topics(&mut db, c, &[help, general])
        .await
        .unwrap();
    assert!(d::rename_topic(&mut db, c, help, "مساعدة").await.unwrap());
    assert_eq!(
        names(d::topics(&mut db, c).await.unwrap()),
        ["مساعدة", "Général"]
    );
    thread(&mut db, c, "general", a, "Bonjour", "Texte", NOW).await;
    assert!(!d::delete_topic_if_empty(&mut db, c, general).await.unwrap());
    assert!(d::delete_topic_if_empty(&mut db, c, help).await.unwrap());
    assert_eq!(names(d::topics(&mut db, c).await.unwrap()), ["Général"]);
    let counts = d::counts_by_topic(&mut db, c, &viewer(a)).await.unwrap();
    assert_eq!(counts, vec![("general".to_owned(), 1)]);
}

async fn threads_replies_comments_and_counts(store: Store) {
    let c = course(&store, "T").await;
    let (a, b) = (user(&store, "Ana").await, user(&store, "Bo").await);
    let mut db = store.conn().await.unwrap();
    let (t, opening) = thread(&mut db, c, "general", a, "Question", "Corps", NOW).await;
    let r1 = reply(&mut db, c, t, None, b, "Réponse", NOW + 1).await;
    let c1 = reply(&mut db, c, t, Some(r1), a, "Merci", NOW + 2).await;
    let r2 = reply(&mut db, c, t, None, a, "Autre", NOW + 3).await;
    let row = d::thread(&mut db, &viewer(a), t).await.unwrap().unwrap();
    assert_eq!((row.reply_count, row.last_activity_at), (3, NOW + 3));
    assert!(row.following);
    // Repliers follow.
    assert_eq!(d::followers(&mut db, t).await.unwrap(), vec![a, b]);
    assert!(!d::toggle_follow(&mut db, t, b, NOW).await.unwrap());
    assert_eq!(d::followers(&mut db, t).await.unwrap(), vec![a]);

    // The page: the opening post, a page of replies and their comments.
    let page = d::posts_page(&mut db, &viewer(b), t, 0, 1).await.unwrap();
    let ids: Vec<i64> = page.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![opening, r1, c1]);
    let page2 = d::posts_page(&mut db, &viewer(b), t, 1, 1).await.unwrap();
    assert_eq!(
        page2.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![opening, r2]
    );

    // Votes are toggled and counted on the rows (the opening post's on its thread).
    assert_eq!(
        d::toggle_vote(&mut db, opening, b, NOW).await.unwrap(),
        (true, 1)
    );
    assert_eq!(
        d::toggle_vote(&mut db, r1, a, NOW).await.unwrap(),
        (true, 1)
    );
    assert_eq!(
        d::toggle_vote(&mut db, r1, a, NOW).await.unwrap(),
        (false, 0)
    );
    let row = d::thread(&mut db, &viewer(a), t).await.unwrap().unwrap();
    assert_eq!(row.vote_count, 1);
    let p = d::post(&mut db, &viewer(b), opening)
        .await
        .unwrap()
        .unwrap();
    assert!(p.voted);

    // Answer, pin, close, edit by staff with a reason.
    d::set_answer(&mut db, t, Some(r1)).await.unwrap();
    d::set_pinned(&mut db, t, true, NOW).await.unwrap();
    d::set_closed(&mut db, t, Some((b, "Résolu")), NOW)
        .await
        .unwrap();
    d::edit_post(
        &mut db,
        &Edit {
            post: opening,
            body: "Corps corrigé",
            html: "<p>Corps corrigé</p>",
            title: Some("Question claire"),
            by: b,
            reason: "orthographe",
            now: NOW + 5,
        },
    )
    .await
    .unwrap();
    let row = d::thread(&mut db, &viewer(a), t).await.unwrap().unwrap();
    assert_eq!(row.answer_post_id, Some(r1));
    assert!(row.pinned_at.is_some() && row.closed_at.is_some());
    assert_eq!(
        (row.title.as_str(), row.close_reason.as_str()),
        ("Question claire", "Résolu")
    );
    let p = d::post(&mut db, &viewer(a), opening)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.edited_by, p.edit_reason.as_str()),
        (Some(b.0), "orthographe")
    );
    d::set_closed(&mut db, t, None, NOW).await.unwrap();

    // Deleting the answer unmarks it and recounts.
    d::delete_post(&mut db, r1, b, NOW + 6).await.unwrap();
    let row = d::thread(&mut db, &viewer(a), t).await.unwrap().unwrap();
    assert_eq!((row.answer_post_id, row.reply_count), (None, 2));
    // The deleted reply goes with its comments for learners; moderators see all.
    let page = d::posts_page(&mut db, &viewer(a), t, 0, 10).await.unwrap();
    assert_eq!(
        page.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![opening, r2]
    );
    let page = d::posts_page(&mut db, &MOD, t, 0, 10).await.unwrap();
    assert_eq!(page.len(), 4);
    // Deleting the opening post deletes the thread.
    d::delete_post(&mut db, opening, a, NOW + 7).await.unwrap();
    assert!(d::thread(&mut db, &viewer(a), t).await.unwrap().is_none());
    assert!(d::thread(&mut db, &MOD, t).await.unwrap().is_some());
}

async fn visibility_of_held_and_deleted_posts(store: Store) {
    let c = course(&store, "T").await;
    let (a, b) = (user(&store, "Ana").await, user(&store, "Bo").await);
    let mut db = store.conn().await.unwrap();
    assert!(!d::has_visible_post(&mut db, c, a).await.unwrap());
    let (t, _) = d::create_thread(
        &mut db,
        &NewThread {
            course: c,
            topic_key: "general",
            kind: "discussion",
            title: "Held",
            author: a,
            anonymous: false,
            body: "waiting",
            html: "waiting",
            held: true,
            now: NOW,
        },
    )
    .await
    .unwrap();
    assert!(!d::has_visible_post(&mut db, c, a).await.unwrap());
    // The author and moderators see a held thread; others do not.
    assert!(d::thread(&mut db, &viewer(a), t).await.unwrap().is_some());
    assert!(d::thread(&mut db, &viewer(b), t).await.unwrap().is_none());
    assert!(
        d::thread(&mut db, &MOD, t)
            .await
            .unwrap()
            .unwrap()
            .held_at
            .is_some()
    );
    assert_eq!(
        d::threads(&mut db, &viewer(b), &query(c))
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        d::threads(&mut db, &viewer(a), &query(c))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        d::counts_by_topic(&mut db, c, &viewer(b))
            .await
            .unwrap()
            .is_empty()
    );
    // A held reply does not move the thread's count.
    let (t2, _) = thread(&mut db, c, "general", b, "Open", "text", NOW).await;
    d::reply(
        &mut db,
        &NewPost {
            course: c,
            thread: t2,
            parent: None,
            author: a,
            anonymous: false,
            body: "held reply",
            html: "held reply",
            held: true,
            now: NOW + 1,
        },
    )
    .await
    .unwrap();
    let row = d::thread(&mut db, &viewer(b), t2).await.unwrap().unwrap();
    assert_eq!(row.reply_count, 0);
    assert_eq!(
        d::posts_page(&mut db, &viewer(b), t2, 0, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        d::posts_page(&mut db, &viewer(a), t2, 0, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(d::posts_by(&mut db, c, a, 0, 10).await.unwrap().len(), 2);
}

async fn filters_sorts_and_unread(store: Store) {
    let c = course(&store, "T").await;
    let (a, b) = (user(&store, "Ana").await, user(&store, "Bo").await);
    let mut db = store.conn().await.unwrap();
    let (t1, p1) = thread(&mut db, c, "general", a, "One", "x", NOW).await;
    let (t2, _) = thread(&mut db, c, "unit-1", b, "Two", "y", NOW + 10).await;
    let ids = |rows: Vec<d::ThreadRow>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &query(c)).await.unwrap()),
        vec![t2, t1]
    );
    d::toggle_vote(&mut db, p1, b, NOW).await.unwrap();
    let votes = ThreadQuery {
        sort: Sort::Votes,
        ..query(c)
    };
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &votes).await.unwrap()),
        vec![t1, t2]
    );
    let topic = ThreadQuery {
        topic: Some("unit-1"),
        ..query(c)
    };
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &topic).await.unwrap()),
        vec![t2]
    );
    let mine = ThreadQuery {
        filter: Filter::Mine,
        ..query(c)
    };
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &mine).await.unwrap()),
        vec![t1]
    );
    let following = ThreadQuery {
        filter: Filter::Following,
        ..query(c)
    };
    assert_eq!(
        ids(d::threads(&mut db, &viewer(b), &following).await.unwrap()),
        vec![t2]
    );
    // Unread until read; a new reply makes it unread again.
    let unread = ThreadQuery {
        filter: Filter::Unread,
        ..query(c)
    };
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &unread).await.unwrap()),
        vec![t2, t1]
    );
    d::mark_read(&mut db, t1, a, NOW + 20).await.unwrap();
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &unread).await.unwrap()),
        vec![t2]
    );
    reply(&mut db, c, t1, None, b, "new", NOW + 30).await;
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &unread).await.unwrap()),
        vec![t1, t2]
    );
    // Unanswered: questions without an answer.
    let unanswered = ThreadQuery {
        filter: Filter::Unanswered,
        ..query(c)
    };
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &unanswered).await.unwrap()).len(),
        2
    );
    d::set_answer(&mut db, t1, Some(p1)).await.unwrap();
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &unanswered).await.unwrap()),
        vec![t2]
    );
    // Pinned first.
    d::set_pinned(&mut db, t2, true, NOW).await.unwrap();
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &query(c)).await.unwrap()),
        vec![t2, t1]
    );
    // Paging.
    let second = ThreadQuery {
        offset: 1,
        limit: 1,
        ..query(c)
    };
    assert_eq!(
        ids(d::threads(&mut db, &viewer(a), &second).await.unwrap()),
        vec![t1]
    );
}

async fn search_finds_words_in_any_language_and_never_parses_syntax(store: Store) {
    let c = course(&store, "T").await;
    let other = course(&store, "O").await;
    let a = user(&store, "Ana").await;
    let mut db = store.conn().await.unwrap();
    let (ar, _) = thread(
        &mut db,
        c,
        "general",
        a,
        "سؤال عن المقالات",
        "كيف أكتب مقالة في ويكيبيديا",
        NOW,
    )
    .await;
    let (fr, _) = thread(
        &mut db,
        c,
        "general",
        a,
        "Les élèves",
        "Une question sur la référence",
        NOW + 1,
    )
    .await;
    let (en, _) = thread(
        &mut db,
        c,
        "general",
        a,
        "Citations",
        "plain words",
        NOW + 2,
    )
    .await;
    reply(&mut db, c, en, None, a, "Wikipédia needs sources", NOW + 3).await;
    thread(
        &mut db,
        other,
        "general",
        a,
        "élèves ailleurs",
        "référence",
        NOW,
    )
    .await;
    let search = |w: &'static str| ThreadQuery {
        words: w,
        ..query(c)
    };
    let ids = |rows: Vec<d::ThreadRow>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let v = viewer(a);
    assert_eq!(
        ids(d::threads(&mut db, &v, &search("ويكيبيديا")).await.unwrap()),
        vec![ar]
    );
    assert_eq!(
        ids(d::threads(&mut db, &v, &search("المقالات")).await.unwrap()),
        vec![ar]
    );
    assert_eq!(
        ids(d::threads(&mut db, &v, &search("élèves")).await.unwrap()),
        vec![fr]
    );
    assert_eq!(
        ids(d::threads(&mut db, &v, &search("référence")).await.unwrap()),
        vec![fr]
    );
    // A word of a reply finds its thread.
    assert_eq!(
        ids(d::threads(&mut db, &v, &search("Wikipédia")).await.unwrap()),
        vec![en]
    );
    // Every word must be there.
    assert!(
        d::threads(&mut db, &v, &search("élèves ويكيبيديا"))
            .await
            .unwrap()
            .is_empty()
    );
    // FTS syntax is only words.
    for hostile in [
        "\"",
        "a OR b",
        "NEAR(x y)",
        "title:x",
        "*",
        "élèves\" OR \"x",
        "-",
        "()",
    ] {
        d::threads(&mut db, &v, &search(hostile)).await.unwrap();
    }
    assert!(
        d::threads(&mut db, &v, &search("OR"))
            .await
            .unwrap()
            .is_empty()
    );
    // Edits and deletes keep the index in step.
    let (t, p) = thread(&mut db, c, "general", a, "Titre", "ancien", NOW).await;
    d::edit_post(
        &mut db,
        &Edit {
            post: p,
            body: "nouveau",
            html: "nouveau",
            title: None,
            by: a,
            reason: "",
            now: NOW,
        },
    )
    .await
    .unwrap();
    assert!(
        d::threads(&mut db, &v, &search("ancien"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(d::threads(&mut db, &v, &search("nouveau")).await.unwrap()),
        vec![t]
    );
    d::delete_post(&mut db, p, a, NOW).await.unwrap();
    assert!(
        d::threads(&mut db, &MOD, &search("nouveau"))
            .await
            .unwrap()
            .is_empty()
    );
}
