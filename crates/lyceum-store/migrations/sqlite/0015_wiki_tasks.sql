-- Learning on the wikis (issue 14): what learners did on the wikis, read through the
-- Action API and kept per (learner, wiki), and the verdicts of wiki task blocks.

-- What was read last for a learner on a wiki, so each run fetches only what is new.
-- `username`: the name the contributions were read under (renames are followed through
-- the account's central id before each read). A wiki that failed is retried after
-- `next_at` (backoff); its failure is kept for the staff and the "last checked" line.
CREATE TABLE wiki_sync_state (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    wiki TEXT NOT NULL,
    username TEXT NOT NULL,
    -- The newest edit and upload already stored (ms); the next read starts there.
    edits_until INTEGER,
    uploads_until INTEGER,
    -- The last read that succeeded, and the last one that failed (with why, for staff).
    checked_at INTEGER,
    failed_at INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    next_at INTEGER,
    PRIMARY KEY (user_id, wiki)
);
CREATE INDEX wiki_sync_state_next ON wiki_sync_state(next_at);

-- A learner's edits, as `list=usercontribs` gave them, with what was computed from the
-- revision's content against its parent (NULL: not read yet).
CREATE TABLE wiki_edits (
    wiki TEXT NOT NULL,
    revid INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    parentid INTEGER NOT NULL,
    pageid INTEGER NOT NULL,
    ns INTEGER NOT NULL,
    title TEXT NOT NULL,
    edited_at INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sizediff INTEGER NOT NULL,
    is_new BOOLEAN NOT NULL,
    -- JSON array of change tag names.
    tags TEXT NOT NULL DEFAULT '[]',
    refs_added INTEGER,
    -- Seen reverted (`mw-reverted` tag) or gone (deleted or hidden) at a later read.
    reverted BOOLEAN NOT NULL DEFAULT FALSE,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (wiki, revid)
);
CREATE INDEX wiki_edits_user ON wiki_edits(user_id, wiki, edited_at);

-- A learner's uploads (`list=logevents&letype=upload`).
CREATE TABLE wiki_uploads (
    wiki TEXT NOT NULL,
    logid INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (wiki, logid)
);
CREATE INDEX wiki_uploads_user ON wiki_uploads(user_id, wiki, uploaded_at);

-- A learner's state on a wiki task: `status` 'not_started', 'done' or 'flagged';
-- `checked_at` the last check that read the wiki (by the learner or the sync job),
-- `check_error` why the last try could not ('' when it could). Credit confirmed by staff is never withdrawn
-- by a later re-check.
CREATE TABLE wiki_task_states (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'not_started',
    done_at INTEGER,
    flagged_at INTEGER,
    checked_at INTEGER,
    -- The last time a check was tried (succeeded or not): the per-learner rate limit.
    attempted_at INTEGER,
    check_error TEXT NOT NULL DEFAULT '',
    confirmed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    confirmed_at INTEGER,
    PRIMARY KEY (user_id, block_id)
);
CREATE INDEX wiki_task_states_course ON wiki_task_states(course_id, block_id);

-- The evidence a check found: one row per qualifying edit or upload, written once and
-- never changed except for the flag a later re-check sets ('reverted' or 'deleted').
CREATE TABLE wiki_task_evidence (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    wiki TEXT NOT NULL,
    -- A revision id, or for an upload its log id (`is_upload`).
    revid INTEGER NOT NULL,
    is_upload BOOLEAN NOT NULL DEFAULT FALSE,
    title TEXT NOT NULL,
    edited_at INTEGER NOT NULL,
    sizediff INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    found_at INTEGER NOT NULL,
    flag TEXT NOT NULL DEFAULT '',
    flagged_at INTEGER,
    PRIMARY KEY (user_id, block_id, wiki, revid, is_upload)
);

-- When a learner first opened a unit (the page's "seen" beacon), for tasks whose window
-- starts there.
CREATE TABLE unit_opens (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    first_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, unit_id)
);
