//! Notices by e-mail: mailed once, in the recipient's language, through the configured
//! sendmail program; kept for the next round when the mail system fails; never to users
//! without an address; the address is set in preferences only when the site mails.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_store::repo::{notifications, users};
use lyceum_web::mailer::{self, EmailConfig};
use std::path::Path;

/// A sendmail stand-in that appends each message (and its arguments) to `out`.
fn fake_sendmail(dir: &Path, fail: bool) -> String {
    let script = dir.join(if fail { "failing-sendmail" } else { "sendmail" });
    let out = dir.join("mail.out");
    let body = if fail {
        "#!/bin/sh\necho 'mail system down' >&2\nexit 75\n".to_owned()
    } else {
        format!(
            "#!/bin/sh\necho \"ARGS: $*\" >> '{0}'\ncat >> '{0}'\necho '--END--' >> '{0}'\n",
            out.display()
        )
    };
    std::fs::write(&script, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

async fn notice(t: &TestApp, user: lyceum_core::UserId, kind: &str) {
    let mut c = t.store.conn().await.unwrap();
    notifications::notify(
        &mut c,
        &notifications::NewNotice {
            user,
            course: None,
            kind,
            link: "/courses/x/unit/u1#block-3",
            subject: "Mission statement",
            now: 0,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn notices_are_mailed_once_in_the_recipients_language() {
    let dir = tempfile::tempdir().unwrap();
    let sendmail = fake_sendmail(dir.path(), false);
    let t = TestApp::with(backend(), |c| {
        c.email = Some(EmailConfig {
            sendmail,
            from: "Lyceum <learn@lyceum.test>".into(),
        })
    })
    .await;
    let lina = t.user("lina", false).await;
    let sam = t.user("sam", false).await;
    {
        let mut c = t.store.conn().await.unwrap();
        users::set_email(&mut c, lina, Some("lina@example.org"))
            .await
            .unwrap();
        users::set_language(&mut c, lina, "fr").await.unwrap();
    }
    notice(&t, lina, "feedback").await;
    notice(&t, sam, "returned").await; // sam has no address

    assert_eq!(mailer::send_pending(&t.app).await.unwrap(), 1);
    let out = std::fs::read_to_string(dir.path().join("mail.out")).unwrap();
    assert!(out.starts_with("ARGS: -t -i\n"), "{out}");
    assert!(out.contains("To: lina@example.org\r\n"), "{out}");
    assert!(
        out.contains("From: Lyceum <learn@lyceum.test>\r\n"),
        "{out}"
    );
    // The subject is encoded (it is not ASCII); the body is French, with the link.
    assert!(out.contains("Subject: =?utf-8?B?"), "{out}");
    assert!(
        out.contains("Vous avez un nouveau retour sur « \u{2068}Mission statement\u{2069} »"),
        "{out}"
    );
    assert!(
        out.contains("http://lyceum.test/courses/x/unit/u1#block-3"),
        "{out}"
    );
    // Nothing twice; sam's notice is settled without a mail.
    assert_eq!(mailer::send_pending(&t.app).await.unwrap(), 0);
    let out2 = std::fs::read_to_string(dir.path().join("mail.out")).unwrap();
    assert_eq!(out, out2);
    // The in-app notices are untouched (still unread).
    let mut c = t.store.conn().await.unwrap();
    assert_eq!(notifications::unread_count(&mut c, lina).await.unwrap(), 1);
}

#[tokio::test]
async fn a_failing_mail_system_keeps_the_notice_for_later() {
    let dir = tempfile::tempdir().unwrap();
    let sendmail = fake_sendmail(dir.path(), true);
    let t = TestApp::with(backend(), |c| {
        c.email = Some(EmailConfig {
            sendmail,
            from: "learn@lyceum.test".into(),
        })
    })
    .await;
    let lina = t.user("lina", false).await;
    {
        let mut c = t.store.conn().await.unwrap();
        users::set_email(&mut c, lina, Some("lina@example.org"))
            .await
            .unwrap();
    }
    notice(&t, lina, "feedback").await;
    assert_eq!(mailer::send_pending(&t.app).await.unwrap(), 0);
    let mut c = t.store.conn().await.unwrap();
    assert_eq!(
        notifications::unemailed(&mut c, 10).await.unwrap().len(),
        1,
        "kept for the next round"
    );
}

#[tokio::test]
async fn without_email_configured_nothing_is_mailed_and_no_verification_is_promised() {
    let t = TestApp::new().await;
    let lina = t.user("lina", false).await;
    notice(&t, lina, "feedback").await;
    assert_eq!(mailer::send_pending(&t.app).await.unwrap(), 0);
    let mut c = t.login("lina").await;
    let r = c.get("/preferences").await;
    assert_eq!(r.status, StatusCode::OK);
    // The address is kept with the account (issue 12), but the page says it is neither
    // verified nor used, and offers no verification.
    assert!(r.body.contains("name=\"email\""));
    assert!(r.body.contains("This site does not send e-mail"));
    assert!(!r.body.contains("/preferences/email/resend"));
    let r = c
        .post_form(
            "/preferences",
            &[("display_name", ""), ("email", "lina@example.org")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        c.get("/preferences")
            .await
            .body
            .contains("value=\"lina@example.org\"")
    );
    assert_eq!(
        mailer::send_pending(&t.app).await.unwrap(),
        0,
        "still nothing mailed"
    );
}

#[tokio::test]
async fn the_address_is_set_and_checked_in_preferences() {
    let t = TestApp::with(backend(), |c| {
        c.email = Some(EmailConfig {
            sendmail: "/bin/false".into(),
            from: "learn@lyceum.test".into(),
        })
    })
    .await;
    let lina = t.user("lina", false).await;
    let mut c = t.login("lina").await;
    let r = c.get("/preferences").await;
    assert!(r.body.contains("name=\"email\""), "{}", r.body);
    let r = c
        .post_form(
            "/preferences",
            &[
                ("display_name", "Lina"),
                ("email", "lina@example.org\r\nBcc: x@y"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("is not an e-mail address"), "{}", r.body);
    let r = c
        .post_form(
            "/preferences",
            &[("display_name", "Lina"), ("email", " lina@example.org ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut db = t.store.conn().await.unwrap();
    let u = users::get_user(&mut db, lina).await.unwrap().unwrap();
    assert_eq!(u.email.as_deref(), Some("lina@example.org"));
}
