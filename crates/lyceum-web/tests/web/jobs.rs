//! The background jobs page (`/admin/jobs`): counts by kind and state, the running jobs
//! with their node, the ones waiting for a retry and the failed ones with their errors;
//! "retry now" on a failed job, audited; in English and Arabic; admins only.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_app::jobs::{self, Outcome, kind};
use lyceum_store::repo::{audit, jobs as repo};

/// A site with `root` (site admin) and `ann` (a learner), and jobs in every state: a mail
/// job done, a sweep running on node-7, a digest waiting for its retry, and a job of a
/// kind this node does not know, failed.
async fn site() -> (TestApp, i64, i64) {
    let t = TestApp::new().await;
    t.user("root", true).await;
    t.user("ann", false).await;
    let env = t.app.env();
    let now = t.app.now_ms();
    let enqueue = |kind: &'static str| {
        let env = env.clone();
        async move {
            jobs::enqueue(&env, kind, &serde_json::json!({}), None)
                .await
                .unwrap()
                .unwrap()
        }
    };
    // Run by this site's own worker: mail (done: no mail configured) and an unknown kind.
    enqueue(kind::MAIL).await;
    let unknown = enqueue("reindex-the-universe-with-a-very-long-kind-name").await;
    let ran = lyceum_web::jobs::worker(&t.app, "node-1")
        .drain()
        .await
        .unwrap();
    assert_eq!(ran.len(), 2, "{ran:?}");
    assert_eq!(ran[0].outcome, Outcome::Done);
    assert!(matches!(ran[1].outcome, Outcome::Failed { .. }));
    // Another node is running a sweep; a digest failed once and waits.
    let sweep = enqueue(kind::SWEEP).await;
    let digest = enqueue(kind::DIGESTS).await;
    let mut c = t.store.conn().await.unwrap();
    let claimed = repo::claim(&mut c, "node-7", now, now + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, sweep);
    let claimed = repo::claim(&mut c, "node-7", now, now + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, digest);
    assert!(
        repo::fail(
            &mut c,
            digest,
            "node-7",
            1,
            "sendmail: exited with status 75",
            Some(now + 30_000),
            now
        )
        .await
        .unwrap()
    );
    (t, unknown, sweep)
}

#[tokio::test]
async fn admins_see_every_job_and_retry_a_failed_one() {
    let (t, unknown, sweep) = site().await;
    let mut root = t.login("root").await;
    let r = root.get("/admin/jobs").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let b = &r.body;
    // Counts by kind: the mail job done, the unknown kind failed (shown by its name).
    assert!(
        b.contains(r#"<th scope="row" class="job-kind">Mailing notices</th>"#),
        "{b}"
    );
    assert!(b.contains("reindex-the-universe-with-a-very-long-kind-name"));
    // Running: on which node, since when, which attempt.
    assert!(b.contains("Sweeping sessions, login limits and old jobs"));
    assert!(b.contains("On server <bdi>node-7</bdi> since <time"), "{b}");
    assert!(b.contains("Attempt 1 of 5."));
    // Waiting for a retry: its next attempt and its error.
    assert!(b.contains("Daily digests"));
    assert!(b.contains("1 attempt of 5 failed."), "{b}");
    assert!(b.contains("sendmail: exited with status 75"));
    // Failed: the error and the button.
    assert!(b.contains(
        "no handler for jobs of kind &#34;reindex-the-universe-with-a-very-long-kind-name&#34; on this node"
    ) || b.contains(
        "no handler for jobs of kind &quot;reindex-the-universe-with-a-very-long-kind-name&quot; on this node"
    ), "{b}");
    assert!(b.contains(&format!(r#"action="/admin/jobs/{unknown}/retry""#)));
    assert!(b.contains("Failed <time"));

    // Retry now: back in the queue with fresh attempts, due now, and audited.
    let r = root
        .post_form(&format!("/admin/jobs/{unknown}/retry"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/jobs?notice=job-retried");
    let r = root.get(r.location()).await;
    assert!(r.body.contains("The job is queued to run now."));
    let row = {
        let mut c = t.store.conn().await.unwrap();
        repo::get(&mut c, unknown).await.unwrap().unwrap()
    };
    assert_eq!(
        (row.state.as_str(), row.attempts, row.run_after),
        ("queued", 0, t.app.now_ms())
    );
    let log = {
        let mut c = t.store.conn().await.unwrap();
        audit::list(&mut c, &audit::Filter::default(), 10)
            .await
            .unwrap()
    };
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].action.as_str(), log[0].target_type.as_str()),
        ("job.retry", "job")
    );
    let r = root.get("/admin/audit").await;
    assert!(
        r.body
            .contains(&format!("retried the background job <bdi>#{unknown}</bdi>")),
        "{}",
        r.body
    );

    // A running job cannot be retried: the page again, with why.
    let r = root
        .post_form(&format!("/admin/jobs/{sweep}/retry"), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body
            .contains("This job is no longer failed or waiting for a retry")
    );
    assert!(r.body.contains("node-7"), "the page is shown again");
    // A job that does not exist.
    let r = root.post_form("/admin/jobs/999999/retry", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut c = t.store.conn().await.unwrap();
    assert_eq!(
        audit::list(&mut c, &audit::Filter::default(), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_jobs_page_is_for_site_admins_in_their_language() {
    let (t, unknown, _) = site().await;
    let mut anon = t.client();
    let r = anon.get("/admin/jobs").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?return_to="));
    let r = anon
        .post_form(&format!("/admin/jobs/{unknown}/retry"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut ann = t.login("ann").await;
    assert_eq!(ann.get("/admin/jobs").await.status, StatusCode::NOT_FOUND);
    let r = ann
        .post_form(&format!("/admin/jobs/{unknown}/retry"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut c = t.store.conn().await.unwrap();
    assert_eq!(
        repo::get(&mut c, unknown).await.unwrap().unwrap().state,
        "failed",
        "nothing changed"
    );
    drop(c);

    let mut root = t.login("root").await;
    let r = root.get("/admin/jobs?uselang=ar").await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains(r#"dir="rtl""#));
    assert!(b.contains("مهام الخلفية"));
    assert!(b.contains("الملخصات اليومية"));
    assert!(b.contains("أعد المحاولة الآن"));
    // Errors are shown as the machine wrote them, left to right.
    assert!(
        b.contains(r#"<pre class="job-error" dir="ltr">sendmail: exited with status 75</pre>"#)
    );
    // The administration's home page leads there.
    let r = root.get("/admin").await;
    assert!(r.body.contains(r#"href="/admin/jobs""#));
}
