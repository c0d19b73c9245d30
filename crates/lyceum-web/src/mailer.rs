//! E-mail for notices, when the operator configured it (`[email]` in lyceum.toml): each
//! in-app notice is also mailed, once, in the recipient's language, to users who have an
//! address. Mail goes through the local `sendmail` interface (Postfix, Exim, msmtp…), so
//! Lyceum holds no SMTP credentials and queueing and retries are the mail system's job.

use crate::state::App;
use lyceum_i18n::Arg;
use lyceum_store::repo::notification_settings;
use lyceum_store::repo::notifications::{self, NoticeRow};
use lyceum_store::repo::users;
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The sendmail-compatible program (`-t -i` is passed: recipients from the headers).
    #[serde(default = "default_sendmail")]
    pub sendmail: String,
    /// The `From:` address (`Lyceum <learn@example.org>`).
    pub from: String,
}

fn default_sendmail() -> String {
    "/usr/sbin/sendmail".to_owned()
}

/// The message key of a notice kind; `None` for kinds this build does not know.
pub fn notice_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "feedback" => "lyceum-notice-feedback",
        "returned" => "lyceum-notice-returned",
        "reviews-needed" => "lyceum-notice-reviews-needed",
        "review-approved" => "lyceum-review-notification-approved",
        "review-sent-back" => "lyceum-review-notification-sent-back",
        "forked" => "lyceum-fork-notice-forked",
        "mod-hidden" => "lyceum-mod-notice-hidden",
        "mod-unhidden" => "lyceum-mod-notice-unhidden",
        "mod-warned" => "lyceum-mod-notice-warned",
        "mod-suspended" => "lyceum-mod-notice-suspended",
        "mod-unsuspended" => "lyceum-mod-notice-unsuspended",
        "mod-blocked" => "lyceum-mod-notice-blocked",
        // Discussion moderation (issue 15).
        "discussion-muted" => "lyceum-dmod-notice-muted",
        "discussion-banned" => "lyceum-dmod-notice-banned",
        "discussion-unmuted" => "lyceum-dmod-notice-unmuted",
        "discussion-post-hidden" => "lyceum-mod-notice-hidden",
        "discussion-post-deleted" => "lyceum-dmod-notice-post-deleted",
        "discussion-thread-locked" => "lyceum-dmod-notice-thread-locked",
        "discussion-post-approved" => "lyceum-dmod-notice-post-approved",
        "discussion-post-rejected" => "lyceum-dmod-notice-post-rejected",
        "wikitask-withdrawn" => "lyceum-wikitask-notice-withdrawn",
        "wikitask-flagged" => "lyceum-wikitask-notice-flagged",
        "discussion-reply" => "lyceum-discussion-notice-reply",
        "discussion-mention" => "lyceum-discussion-notice-mention",
        "discussion-answer" => "lyceum-discussion-notice-answer",
        // Issue 15: messages and announcements.
        "message" => "lyceum-notice-message",
        "announcement" => "lyceum-notice-announcement",
        _ => return None,
    })
}

/// Mail the notices not mailed yet of people who want them at once (the default);
/// returns how many mails went out. Notices of users without an address are marked too,
/// so they are not looked at again; so are those of people who want no e-mail (settled
/// without a mail); people on the daily digest wait for [`send_digests`].
pub async fn send_pending(app: &App) -> Result<usize, String> {
    let Some(cfg) = app.config().email.clone() else {
        return Ok(0);
    };
    let mut c = app.store().conn().await.map_err(|e| e.to_string())?;
    notification_settings::skip_app_only(&mut c, app.now_ms())
        .await
        .map_err(|e| e.to_string())?;
    let pending = notification_settings::unemailed_now(&mut c, 200)
        .await
        .map_err(|e| e.to_string())?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut ids: Vec<lyceum_core::UserId> = pending
        .iter()
        .map(|n| lyceum_core::UserId(n.user_id))
        .collect();
    ids.sort_unstable_by_key(|u| u.0);
    ids.dedup();
    let people: HashMap<i64, users::UserRow> = users::get_users(&mut c, &ids)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    drop(c);
    let mut sent = 0;
    for n in pending {
        let to = people
            .get(&n.user_id)
            .and_then(|u| u.email.clone().map(|e| (u, e)));
        if let Some((user, address)) = to.filter(|(_, a)| valid_address(a)) {
            let message = compose(app, &cfg, user, &address, &n);
            let (cfg, message) = (cfg.clone(), message.clone());
            let result = tokio::task::spawn_blocking(move || pipe(&cfg.sendmail, &message))
                .await
                .map_err(|e| e.to_string())?;
            if let Err(e) = result {
                // Leave it for the next round: the mail system may be back.
                tracing::warn!(notice = n.id, error = %e, "mailing a notice failed");
                continue;
            }
            sent += 1;
        }
        let mut c = app.store().conn().await.map_err(|e| e.to_string())?;
        notifications::mark_emailed(&mut c, n.id, app.now_ms())
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(sent)
}

/// The most notices one digest lists (the rest wait for the next one).
const DIGEST_MAX: i64 = 100;

/// The daily digests due: each person on the daily digest whose last one is a day old
/// gets one mail listing their notices not mailed yet, which are then marked mailed.
/// Returns how many mails went out. A person without an address is settled the same
/// way, without a mail; a failing mail system leaves the digest for the next round.
pub async fn send_digests(app: &App) -> Result<usize, String> {
    let Some(cfg) = app.config().email.clone() else {
        return Ok(0);
    };
    let now = app.now_ms();
    let mut c = app.store().conn().await.map_err(|e| e.to_string())?;
    let due = notification_settings::digests_due(&mut c, now, 100)
        .await
        .map_err(|e| e.to_string())?;
    if due.is_empty() {
        return Ok(0);
    }
    let people: HashMap<i64, users::UserRow> = users::get_users(&mut c, &due)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    drop(c);
    let mut sent = 0;
    for user in due {
        let mut c = app.store().conn().await.map_err(|e| e.to_string())?;
        let notices = notification_settings::unemailed_of(&mut c, user, DIGEST_MAX)
            .await
            .map_err(|e| e.to_string())?;
        drop(c);
        let Some(last) = notices.last().map(|n| n.id) else {
            continue;
        };
        let to = people
            .get(&user.0)
            .and_then(|u| u.email.clone().map(|e| (u, e)));
        if let Some((person, address)) = to.filter(|(_, a)| valid_address(a)) {
            let message = compose_digest(app, &cfg, person, &address, &notices);
            let program = cfg.sendmail.clone();
            let result = tokio::task::spawn_blocking(move || pipe(&program, &message))
                .await
                .map_err(|e| e.to_string())?;
            if let Err(e) = result {
                tracing::warn!(user = user.0, error = %e, "mailing a digest failed");
                continue;
            }
            sent += 1;
        }
        let mut c = app.store().conn().await.map_err(|e| e.to_string())?;
        notification_settings::digest_sent(&mut c, user, last, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(sent)
}

/// One notice as a line of text (its sentence, and the course on a line of its own).
fn notice_text(app: &App, lang: &str, n: &NoticeRow) -> String {
    let i18n = app.i18n();
    let text = match notice_key(&n.kind) {
        // The title is the author's, perhaps in another script: isolated (FSI … PDI).
        Some(key) => i18n.text(
            lang,
            key,
            &[Arg::from(crate::page::isolate_text(&n.subject))],
        ),
        None => n.subject.clone(),
    };
    // The course it is about, on a line of its own (isolated from the sentence around it
    // by the line break, so no bidi marks are needed in plain text).
    match n.course_title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(course) => format!(
            "{text}\r\n{}",
            i18n.text(lang, "lyceum-notice-course", &[Arg::from(one_line(course))])
        ),
        None => text,
    }
}

fn compose_digest(
    app: &App,
    cfg: &EmailConfig,
    user: &users::UserRow,
    address: &str,
    notices: &[NoticeRow],
) -> String {
    let lang = user.language.as_deref().unwrap_or("en");
    let i18n = app.i18n();
    let site = &app.config().site_name;
    let count = notices.len().to_string();
    let subject = format!(
        "[{site}] {}",
        i18n.text(
            lang,
            "lyceum-notice-digest-subject",
            &[Arg::from(count.as_str())]
        )
    );
    let mut body = i18n.text(
        lang,
        "lyceum-notice-digest-intro",
        &[Arg::from(count.as_str())],
    );
    body.push_str("\r\n");
    for n in notices {
        body.push_str(&format!(
            "\r\n* {}\r\n  {}{}\r\n",
            notice_text(app, lang, n).replace("\r\n", "\r\n  "),
            app.config().public_url,
            n.link
        ));
    }
    let footer = i18n.text(
        lang,
        "lyceum-notice-digest-footer",
        &[Arg::from(site.as_str())],
    );
    format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n{body}\r\n-- \r\n{footer}\r\n",
        one_line(&cfg.from),
        address.trim(),
        encode_header(&one_line(&subject)),
    )
}

/// Which account link a mail carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountMail {
    /// Verify an e-mail address (`/email/verify/TOKEN`, a week).
    Verify,
    /// Set a new password (`/password/reset/TOKEN`, an hour).
    Reset,
}

/// Mail an account link (verification, password reset) at once, in the person's language.
/// `Ok(false)` when the site does not mail. A failure is the caller's to log: the person
/// can ask again.
pub async fn send_account_link(
    app: &App,
    link: &lyceum_app::accounts::MailLink,
    kind: AccountMail,
) -> Result<bool, String> {
    let Some(cfg) = app.config().email.clone() else {
        return Ok(false);
    };
    if !valid_address(&link.email) {
        return Err("the account's address is not usable".to_owned());
    }
    let lang = link
        .language
        .as_deref()
        .filter(|l| app.is_ui_language(l))
        .unwrap_or("en");
    let (path, subject_key, body_key) = match kind {
        AccountMail::Verify => (
            "email/verify",
            "lyceum-account-mail-verify-subject",
            "lyceum-account-mail-verify-body",
        ),
        AccountMail::Reset => (
            "password/reset",
            "lyceum-account-mail-reset-subject",
            "lyceum-account-mail-reset-body",
        ),
    };
    let i18n = app.i18n();
    let site = app.config().site_name.as_str();
    let url = format!(
        "{}/{path}/{}",
        app.config().public_url.trim_end_matches('/'),
        link.token
    );
    let subject = format!(
        "[{site}] {}",
        i18n.text(lang, subject_key, &[Arg::from(site)])
    );
    let body = i18n.text(
        lang,
        body_key,
        &[Arg::from(one_line(&link.username)), Arg::from(site)],
    );
    let footer = i18n.text(lang, "lyceum-account-mail-footer", &[Arg::from(site)]);
    let message = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n{body}\r\n\r\n{url}\r\n\r\n-- \r\n{footer}\r\n",
        one_line(&cfg.from),
        link.email.trim(),
        encode_header(&one_line(&subject)),
    );
    tokio::task::spawn_blocking(move || pipe(&cfg.sendmail, &message))
        .await
        .map_err(|e| e.to_string())??;
    Ok(true)
}

/// No header injection: one plain address, no line breaks or separators.
pub fn valid_address(a: &str) -> bool {
    let a = a.trim();
    a.contains('@')
        && !a.contains(char::is_whitespace)
        && !a
            .chars()
            .any(|c| c.is_control() || matches!(c, ',' | ';' | '<' | '>'))
}

fn compose(
    app: &App,
    cfg: &EmailConfig,
    user: &users::UserRow,
    address: &str,
    n: &NoticeRow,
) -> String {
    let lang = user.language.as_deref().unwrap_or("en");
    let i18n = app.i18n();
    let text = notice_text(app, lang, n);
    let site = &app.config().site_name;
    let link = format!("{}{}", app.config().public_url, n.link);
    let footer = i18n.text(
        lang,
        "lyceum-notice-email-footer",
        &[Arg::from(site.as_str())],
    );
    let subject = format!("[{site}] {}", text.lines().next().unwrap_or_default());
    format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n{text}\r\n\r\n{link}\r\n\r\n-- \r\n{footer}\r\n",
        one_line(&cfg.from),
        address.trim(),
        encode_header(&one_line(&subject)),
    )
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// RFC 2047 encoded-word for a non-ASCII header (base64, UTF-8).
fn encode_header(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    use base64::Engine;
    format!(
        "=?utf-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(s)
    )
}

fn pipe(program: &str, message: &str) -> Result<(), String> {
    let mut child = Command::new(program)
        .args(["-t", "-i"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(message.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_cannot_inject_headers() {
        assert!(valid_address("lina@example.org"));
        assert!(!valid_address("lina@example.org\r\nBcc: x@y"));
        assert!(!valid_address("a@b, c@d"));
        assert!(!valid_address("nobody"));
    }

    #[test]
    fn non_ascii_subjects_are_encoded() {
        assert_eq!(encode_header("Hello"), "Hello");
        assert_eq!(encode_header("é"), "=?utf-8?B?w6k=?=");
    }
}
