-- Governance once anyone can publish: people report content and people, moderators (a
-- site role, and per organisation: org_members.role 'moderator') act on a queue, and
-- every action is kept so the person affected can read why and appeal.

-- Site moderators, and suspension: no publishing or creating until the date.
ALTER TABLE users ADD COLUMN is_moderator BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN suspended_until INTEGER;
ALTER TABLE users ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';

-- Hidden content keeps all its data and history: hiding is neither deleting nor a draft
-- change, and survives publishing (publish updates blocks in place).
ALTER TABLE courses ADD COLUMN hidden_at INTEGER;
ALTER TABLE courses ADD COLUMN hidden_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE courses ADD COLUMN hidden_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE blocks ADD COLUMN hidden_at INTEGER;
ALTER TABLE blocks ADD COLUMN hidden_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE blocks ADD COLUMN hidden_reason TEXT NOT NULL DEFAULT '';

-- One row per moderation action: what the notice to the person affected shows, and what
-- an appeal is about.
CREATE TABLE moderation_actions (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- hide, unhide, warn, suspend, block, dismiss
    action TEXT NOT NULL,
    -- course, block, user
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    -- The course the target belongs to (course and block targets).
    course_id INTEGER REFERENCES courses(id) ON DELETE SET NULL,
    -- The person affected (user targets).
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- What the target was called when the action was taken.
    subject TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    until_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX moderation_actions_user ON moderation_actions(user_id);
CREATE INDEX moderation_actions_course ON moderation_actions(course_id);

-- Reports, and appeals against an action (kind 'appeal', action_id set), in one queue.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'report',
    reporter_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- course, block, user (later post)
    target_type TEXT NOT NULL,
    -- A course key, a block id, a user id — as text.
    target_id TEXT NOT NULL,
    -- The same target as a reference, for reading its title (block and user targets).
    block_id INTEGER REFERENCES blocks(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    -- The course the target belongs to, and its organisation: the organisation's
    -- moderators see it too. None for people: site moderators only.
    course_id INTEGER REFERENCES courses(id) ON DELETE CASCADE,
    org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
    action_id INTEGER REFERENCES moderation_actions(id) ON DELETE CASCADE,
    -- spam, harassment, copyright, misinformation, other; 'appeal' for appeals
    reason TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    -- open, resolved, dismissed
    status TEXT NOT NULL DEFAULT 'open',
    resolution TEXT NOT NULL DEFAULT '',
    resolved_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    resolved_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX reports_open ON reports(status, org_id);
CREATE INDEX reports_target ON reports(target_type, target_id, status);
CREATE INDEX reports_reporter ON reports(reporter_id, created_at);
