//! Private messages between members of a course (issue 15). Learners and the course
//! team may always write to each other; learners to learners only where the course
//! allows it (its discussion settings). A person who blocked the sender gets nothing
//! (the sender is told only that the message cannot be delivered); suspended people
//! cannot write. Bodies are Markdown, sanitised, with an untrusted author's links
//! `nofollow ugc`; writing counts against the messages' quota (`trust::Creation::Message`).
//! A message is reported to the moderators as a report about its sender, quoting it.

use crate::trust::{Creation, check_rate, effective};
use crate::{Env, Error, Result};
use lyceum_core::permissions::Actor;
use lyceum_core::sanitize::{Links, try_markdown_to_html, with_links};
use lyceum_core::{CourseId, DomainError, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::messages::{self as repo, MessageRow, NewMessage, SharedCourseRow};
use lyceum_store::repo::notifications::{self, NewNotice};
use lyceum_store::repo::users::{self, UserRow};

/// The longest message (the same as written feedback).
pub const BODY: limits::TextLimit = limits::FEEDBACK;
/// Messages one page of a conversation shows.
pub const PAGE: i64 = 50;
/// Conversations the list shows.
pub const CONVERSATIONS: i64 = 200;

fn login(actor: &Actor) -> Result<UserId> {
    actor
        .user
        .ok_or_else(|| Error::forbidden("lyceum-error-login-required"))
}

/// A person by username, not deleted; anyone else is not found.
async fn person(db: &mut impl Db, username: &str) -> Result<UserRow> {
    users::find_user_by_key(db, &lyceum_core::user::username_key(username))
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(Error::not_found)
}

#[cfg(test)]
mod tests {
    #[test]
    fn conversation_paths_are_one_segment() {
        assert_eq!(super::conversation_path("ana"), "/messages/ana");
        assert_eq!(
            super::conversation_path("Ana María/x?y"),
            "/messages/Ana%20Mar%C3%ADa%2Fx%3Fy"
        );
    }
}

/// Whether two members of a course may write to each other there.
fn may_write(c: &SharedCourseRow) -> bool {
    c.a_staff || c.b_staff || c.learner_messages
}

/// A course the sender may write in to the other person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseChoice {
    pub key: String,
    pub title: String,
}

/// Send `body` to `to` as a member of course `course_key`. Answers the message's id.
/// Not a member of that course, either of them: not found. Two learners of a course that
/// does not allow it: forbidden. Blocked by the recipient: forbidden, saying only that it
/// cannot be delivered.
pub async fn send(env: &Env, actor: &Actor, to: &str, course_key: &str, body: &str) -> Result<i64> {
    let me = login(actor)?;
    if actor.suspended {
        return Err(Error::forbidden("lyceum-message-error-suspended"));
    }
    let body = limits::clean(body, BODY).map_err(Error::invalid)?;
    if body.trim().is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-message-error-empty",
        )));
    }
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let other = person(&mut tx, to).await?;
    if other.id() == me {
        return Err(Error::invalid(DomainError::new(
            "lyceum-message-error-self",
        )));
    }
    let shared = repo::shared_courses(&mut tx, me, other.id()).await?;
    let course = shared
        .iter()
        .find(|c| c.course_key == course_key.trim())
        .ok_or_else(Error::not_found)?;
    if !may_write(course) {
        return Err(Error::forbidden("lyceum-message-error-learners"));
    }
    if repo::blocked(&mut tx, other.id(), me).await? {
        return Err(Error::forbidden("lyceum-message-error-undeliverable"));
    }
    let actor = effective(&mut tx, now, actor).await?;
    check_rate(&mut tx, now, &actor, Creation::Message).await?;
    let html = with_links(Links::of(actor.trusted), || try_markdown_to_html(&body))
        .map_err(Error::invalid)?;
    let id = repo::insert(
        &mut tx,
        &NewMessage {
            course: CourseId(course.id),
            sender: me,
            recipient: other.id(),
            body: &body,
            html: &html,
            now,
        },
    )
    .await?;
    let sender = users::get_user(&mut tx, me)
        .await?
        .ok_or_else(Error::not_found)?;
    notifications::notify(
        &mut tx,
        &NewNotice {
            user: other.id(),
            course: Some(CourseId(course.id)),
            kind: "message",
            link: &conversation_path(&sender.username),
            subject: sender.shown_name(),
            now,
        },
    )
    .await?;
    // Replying reads what the other person wrote.
    repo::mark_read(&mut tx, me, other.id(), now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The conversation page with a person: `/messages/` and the username as one path
/// segment (usernames may hold spaces and any script).
pub fn conversation_path(username: &str) -> String {
    let mut out = String::from("/messages/");
    for b in username.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One conversation in the list.
#[derive(Clone, Debug)]
pub struct ConversationLine {
    pub username: String,
    pub display_name: String,
    pub last_at: i64,
    /// The latest message's beginning (Markdown as written, cut short).
    pub snippet: String,
    pub last_from_me: bool,
    pub unread: i64,
}

/// The actor's conversations, latest first, with unread counts: one statement.
pub async fn conversations(env: &Env, actor: &Actor) -> Result<Vec<ConversationLine>> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    let rows = repo::conversations(&mut c, me, CONVERSATIONS).await?;
    Ok(rows
        .into_iter()
        .map(|r| ConversationLine {
            snippet: snippet(&r.last_body),
            username: r.username,
            display_name: r.display_name,
            last_at: r.last_at,
            last_from_me: r.last_from_me,
            unread: r.unread,
        })
        .collect())
}

/// The first line of a message, at most 120 characters.
fn snippet(body: &str) -> String {
    let line = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut s: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        s.push('…');
    }
    s
}

/// One conversation's page.
#[derive(Clone, Debug)]
pub struct Conversation {
    pub other: UserRow,
    /// Newest first.
    pub messages: Vec<MessageRow>,
    /// The id to page back from (`before`), when there are older messages.
    pub older: Option<i64>,
    /// Courses the actor may write to the other person in (the latest message's first).
    pub courses: Vec<CourseChoice>,
    /// The actor blocked the other person.
    pub blocked: bool,
    /// Messages from the other person the actor has not read.
    pub unread: usize,
}

/// The actor's conversation with `username` (read only: marking read is [`mark_read`]).
/// Someone they share no course and no message with is not found.
pub async fn conversation(
    env: &Env,
    actor: &Actor,
    username: &str,
    before: Option<i64>,
) -> Result<Conversation> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    let other = person(&mut c, username).await?;
    if other.id() == me {
        return Err(Error::not_found());
    }
    let mut messages = repo::conversation(&mut c, me, other.id(), before, PAGE + 1).await?;
    let shared = repo::shared_courses(&mut c, me, other.id()).await?;
    if messages.is_empty() && shared.is_empty() && before.is_none() {
        return Err(Error::not_found());
    }
    let blocked = repo::blocked(&mut c, me, other.id()).await?;
    let older = if messages.len() as i64 > PAGE {
        messages.truncate(PAGE as usize);
        messages.last().map(|m| m.id)
    } else {
        None
    };
    let mut courses: Vec<CourseChoice> = shared
        .iter()
        .filter(|c| may_write(c))
        .map(|c| CourseChoice {
            key: c.course_key.clone(),
            title: c.title.clone(),
        })
        .collect();
    if let Some(latest) = messages.first()
        && let Some(at) = courses.iter().position(|c| c.key == latest.course_key)
    {
        let c = courses.remove(at);
        courses.insert(0, c);
    }
    let unread = messages
        .iter()
        .filter(|m| m.recipient_id == Some(me.0) && m.read_at.is_none())
        .count();
    Ok(Conversation {
        other,
        messages,
        older,
        courses,
        blocked,
        unread,
    })
}

/// Mark what `username` sent the actor read; how many were unread.
pub async fn mark_read(env: &Env, actor: &Actor, username: &str) -> Result<u64> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    let other = person(&mut c, username).await?;
    Ok(repo::mark_read(&mut c, me, other.id(), env.now_ms()).await?)
}

/// Messages the actor has not read.
pub async fn unread(env: &Env, actor: &Actor) -> Result<i64> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    Ok(repo::unread_count(&mut c, me).await?)
}

/// Block `username`: no more messages from them (they are not told).
pub async fn block(env: &Env, actor: &Actor, username: &str) -> Result<()> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    let other = person(&mut c, username).await?;
    if other.id() == me {
        return Err(Error::invalid(DomainError::new(
            "lyceum-message-error-self",
        )));
    }
    repo::block(&mut c, me, other.id(), env.now_ms()).await?;
    Ok(())
}

/// Unblock `username`; whether they were blocked.
pub async fn unblock(env: &Env, actor: &Actor, username: &str) -> Result<bool> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    let other = person(&mut c, username).await?;
    Ok(repo::unblock(&mut c, me, other.id()).await?)
}

/// The people the actor blocked.
pub async fn blocks(env: &Env, actor: &Actor) -> Result<Vec<repo::BlockedRow>> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    Ok(repo::blocks_of(&mut c, me).await?)
}

/// Report a message the actor received to the moderators: a report about its sender
/// (`moderation::Target::User`), the message quoted after the reporter's words. Only its
/// recipient may report it; any other message is not found. Answers the report's id.
pub async fn report(
    env: &Env,
    actor: &Actor,
    message: i64,
    reason: &str,
    text: &str,
) -> Result<i64> {
    let me = login(actor)?;
    let (sender, body, course) = {
        let mut c = env.store.conn().await?;
        let m = repo::get(&mut c, message)
            .await?
            .filter(|m| m.recipient_id == Some(me.0))
            .ok_or_else(Error::not_found)?;
        let sender = match m.sender_id {
            Some(s) => users::get_user(&mut c, UserId(s))
                .await?
                .filter(|u| u.deleted_at.is_none())
                .ok_or_else(Error::not_found)?,
            None => return Err(Error::not_found()),
        };
        (sender, m.body, m.course_key)
    };
    let text = limits::clean(text, limits::REPORT_TEXT).map_err(Error::invalid)?;
    let quoted: String = body.lines().map(|l| format!("> {l}\n")).collect::<String>();
    let full = format!(
        "{}\n\n[message {message}, {course}]\n{quoted}",
        text.trim_end()
    );
    let (full, _) = limits::clean_cut(full.trim_start(), limits::REPORT_TEXT);
    crate::moderation::report(
        env,
        actor,
        &crate::moderation::Target::User(sender.username.clone()),
        reason,
        &full,
    )
    .await
}

/// The teams of the courses the actor is enrolled in: the people they can always write to.
pub async fn team_contacts(env: &Env, actor: &Actor) -> Result<Vec<repo::TeamContactRow>> {
    let me = login(actor)?;
    let mut c = env.store.conn().await?;
    Ok(repo::team_contacts(&mut c, me, 200).await?)
}
