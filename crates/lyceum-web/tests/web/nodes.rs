//! Several servers on one PostgreSQL behave as one site: each keeps the sessions it read,
//! and hears from the database when any server (or any statement) changes one.

use crate::support::*;
use lyceum_store::Backend;
use std::time::Duration;

/// Time for announcements of writes just made to arrive (milliseconds, as a rule).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Whether `c`'s page says it is logged in (the header's log-out form).
async fn logged_in(c: &mut Client) -> bool {
    c.get("/").await.body.contains(r#"action="/logout""#)
}

/// Poll until `c` is logged out (announcements arrive asynchronously, within
/// milliseconds); false if it never is.
async fn becomes_logged_out(c: &mut Client) -> bool {
    for _ in 0..100 {
        if !logged_in(c).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn wait_live(app: &lyceum_web::App) {
    for _ in 0..200 {
        if app.sessions().is_live() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the session listener never connected");
}

#[tokio::test]
async fn sessions_are_kept_per_node_and_dropped_on_every_node_when_changed() {
    if backend() != Backend::Postgres {
        // One SQLite file has one server; its cache is exact without announcements.
        return;
    }
    let t = TestApp::new().await;
    let other = t.another_node();
    // Without its listener a node on PostgreSQL keeps nothing.
    assert!(!t.app.sessions().is_live());
    let listeners = [
        tokio::spawn(lyceum_web::follow_session_changes(t.app.clone())),
        tokio::spawn(lyceum_web::follow_session_changes(other.clone())),
    ];
    wait_live(&t.app).await;
    wait_live(&other).await;

    t.user("ana", false).await;
    let mut here = t.login("ana").await;
    let mut there = Client::for_router(lyceum_web::router(other.clone()));
    there.cookies = here.cookies.clone();
    assert!(
        logged_in(&mut there).await,
        "a session made on one node works on another"
    );
    // The login's own announcements (the account's last login) arrive a moment later and
    // drop what was read before them; then the session is read once and kept.
    settle().await;
    assert!(logged_in(&mut there).await);
    // Kept: the next page asks the database one statement less.
    let before = t.queries();
    assert!(logged_in(&mut there).await);
    let kept = t.queries() - before;
    other.sessions().set_live(false);
    let before = t.queries();
    assert!(logged_in(&mut there).await);
    let unkept = t.queries() - before;
    assert_eq!(
        kept + 1,
        unkept,
        "the session read is saved ({kept} vs {unkept})"
    );
    other.sessions().set_live(true);
    assert!(logged_in(&mut there).await);

    // Logging out on this node logs out on the other at once, though it kept the session.
    let r = here.post_form("/logout", &[]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert!(
        becomes_logged_out(&mut there).await,
        "the other node heard the logout"
    );

    // A change to the account made outside any server (an operator's statement) too.
    let mut here = t.login("ana").await;
    there.cookies = here.cookies.clone();
    assert!(logged_in(&mut there).await);
    assert!(logged_in(&mut there).await);
    let mut db = t.store.conn().await.unwrap();
    lyceum_store::Db::exec(
        &mut db,
        lyceum_store::q("UPDATE users SET blocked_at = 1 WHERE username = 'ana'"),
    )
    .await
    .unwrap();
    drop(db);
    assert!(
        becomes_logged_out(&mut there).await,
        "a blocked account's sessions end everywhere"
    );
    assert!(!logged_in(&mut here).await);
    for l in listeners {
        l.abort();
    }
}

/// A node on PostgreSQL keeps the course rows and learners' unit states its unit pages
/// read, checked by stamps on every page (issue 16): whatever changes them, another node
/// or a statement outside any server, the next page shows at once. (On SQLite, the one
/// server reads them whole each time: the same test holds.)
#[tokio::test]
async fn unit_pages_kept_by_a_node_show_what_any_node_changed_at_once() {
    let t = TestApp::new().await;
    let other = t.another_node();
    let course = t.seed(big_course("HELD", 3)).await;
    let u = t.user("hana", false).await;
    t.enroll(u, course).await;
    let mut here = t.login("hana").await;
    let mut there = Client::for_router(lyceum_web::router(other.clone()));
    there.cookies = here.cookies.clone();
    let unit = "/courses/course-v1:TESTORG+HELD+2026/unit/s1-1-1";
    let bookmarked = |r: &Resp| r.body.contains(r#"aria-pressed="true""#);
    let exec = |sql: &'static str| {
        let store = t.store.clone();
        async move {
            let mut db = store.conn().await.unwrap();
            lyceum_store::Db::exec(&mut db, lyceum_store::q(sql))
                .await
                .unwrap();
        }
    };
    for _ in 0..2 {
        let r = here.get(unit).await;
        assert_eq!(r.status, 200);
        assert!(!bookmarked(&r));
    }

    // The learner's state, changed on the other node.
    let r = there
        .post_form(&format!("{unit}/bookmark"), &[("action", "add")])
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert!(bookmarked(&here.get(unit).await), "the bookmark shows here");
    assert!(bookmarked(&here.get(unit).await));
    let r = there
        .post_form(&format!("{unit}/bookmark"), &[("action", "remove")])
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert!(!bookmarked(&here.get(unit).await), "and its removal");

    // The course row, changed by a statement outside any server.
    exec("UPDATE courses SET title = 'Held and renamed' WHERE code = 'HELD'").await;
    assert!(here.get(unit).await.body.contains("Held and renamed"));
    assert!(here.get(unit).await.body.contains("Held and renamed"));

    // The viewer's relation is read on every page: unenrolled, the learner is sent to
    // the About page.
    exec("UPDATE enrollments SET active = FALSE").await;
    let r = here.get(unit).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    exec("UPDATE enrollments SET active = TRUE").await;
    assert_eq!(here.get(unit).await.status, 200);

    // Unpublished: gone for learners, on this node too.
    exec("UPDATE courses SET published = FALSE WHERE code = 'HELD'").await;
    assert_eq!(here.get(unit).await.status, 404);
}
