-- Discussions, messages and announcements (issue 15). Course discussions with threads,
-- replies and comments; moderation that never unenrols anyone (hide, soft delete, lock,
-- mute, ban); private messages between course members; course announcements; and how
-- each person wants to be told.

-- A course's discussion settings, set by its team. No row: the defaults.
CREATE TABLE discussion_settings (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    -- Learners may post anonymously to their peers (the team still sees who).
    allow_anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    -- Learners may write private messages to other learners (to staff: always).
    learner_messages BOOLEAN NOT NULL DEFAULT TRUE,
    -- An untrusted account's first post in the course waits for review by the team.
    hold_first_posts BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at INTEGER NOT NULL
);

-- Course-wide topics, set by the team. A unit's topic is not stored here: it is the
-- unit's discussion block (its `discussion_id`), read from the course tree.
CREATE TABLE discussion_topics (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    -- The topic's stable key, what threads name (`course-general`, a block's discussion_id).
    topic_key TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (course_id, topic_key)
);

-- A thread: a question or a discussion in a topic. Its opening text is its first post
-- (`discussion_posts.parent_id IS NULL AND depth = 0`).
CREATE TABLE discussion_threads (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    topic_key TEXT NOT NULL,
    -- question, discussion
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    pinned_at INTEGER,
    -- Closed (by staff, with a reason) or locked (by a moderator): no new replies.
    closed_at INTEGER,
    closed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    close_reason TEXT NOT NULL DEFAULT '',
    -- The reply marked as the answer (questions).
    answer_post_id INTEGER,
    -- Counts kept with each write, for lists that do not count per row.
    reply_count INTEGER NOT NULL DEFAULT 0,
    vote_count INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    -- Hidden by a moderator (kept, shown to the team and moderators with the reason);
    -- deleted softly (restorable); held for review (a first post).
    hidden_at INTEGER,
    hidden_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    hidden_reason TEXT NOT NULL DEFAULT '',
    deleted_at INTEGER,
    deleted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    held_at INTEGER
);
-- Lists in their order (pinned first, then the latest activity): a topic's, and the whole
-- course's; the page is read from the index, not sorted.
CREATE INDEX discussion_threads_topic ON discussion_threads(course_id, topic_key, (pinned_at IS NULL), last_activity_at DESC, id DESC);
CREATE INDEX discussion_threads_recent ON discussion_threads(course_id, (pinned_at IS NULL), last_activity_at DESC, id DESC);
CREATE INDEX discussion_threads_author ON discussion_threads(author_id, course_id);

-- Posts: a thread's opening post (depth 0), its replies (depth 1) and comments on a
-- reply (depth 2, `parent_id` the reply). Markdown as written and its sanitised HTML.
CREATE TABLE discussion_posts (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES discussion_posts(id) ON DELETE CASCADE,
    depth INTEGER NOT NULL,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    vote_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    -- The last edit: by whom, and the reason shown when it was not the author.
    edited_at INTEGER,
    edited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    edit_reason TEXT NOT NULL DEFAULT '',
    hidden_at INTEGER,
    hidden_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    hidden_reason TEXT NOT NULL DEFAULT '',
    deleted_at INTEGER,
    deleted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    held_at INTEGER
);
CREATE INDEX discussion_posts_thread ON discussion_posts(thread_id, depth, created_at);
CREATE INDEX discussion_posts_author ON discussion_posts(author_id, course_id, created_at);

-- Words of posts for search (any language: Unicode word boundaries, accents folded).
-- rowid = discussion_posts.id; the title of a thread is indexed with its opening post.
CREATE VIRTUAL TABLE discussion_search USING fts5(
    title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
);

CREATE TABLE discussion_votes (
    post_id INTEGER NOT NULL REFERENCES discussion_posts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

CREATE TABLE discussion_follows (
    thread_id INTEGER NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX discussion_follows_user ON discussion_follows(user_id);

-- When a person last read a thread: unread is `last_activity_at > read_at`.
CREATE TABLE discussion_reads (
    thread_id INTEGER NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX discussion_reads_user ON discussion_reads(user_id);

-- Mutes (until_at set) and bans (until_at NULL) from one course's discussions. The
-- person keeps learning; lifting keeps the row (lifted_at) for the record.
CREATE TABLE discussion_mutes (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    until_at INTEGER,
    reason TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    lifted_at INTEGER,
    lifted_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX discussion_mutes_user ON discussion_mutes(course_id, user_id, lifted_at);

-- Private messages between members of a course (learner and staff always; learners
-- among themselves where the course allows).
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    sender_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    recipient_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    -- Hidden by a moderator after a report (kept for the record).
    hidden_at INTEGER
);
CREATE INDEX messages_recipient ON messages(recipient_id, created_at);
CREATE INDEX messages_sender ON messages(sender_id, created_at);

-- A person who blocked another: no messages from them.
CREATE TABLE message_blocks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
);

-- Course announcements: on the course home, and sent as notices to an audience.
CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    -- all, not-started, not-passed
    audience TEXT NOT NULL DEFAULT 'all',
    recipients INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX announcements_course ON announcements(course_id, created_at);

-- How a person wants notices: in the app only, e-mail at once, or a daily digest.
CREATE TABLE notification_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- app, now, daily
    email TEXT NOT NULL DEFAULT 'now',
    digest_sent_at INTEGER,
    updated_at INTEGER NOT NULL
);
