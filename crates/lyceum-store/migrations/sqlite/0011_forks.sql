-- Forks under CC BY-SA: a course copied from another with the link to its source kept,
-- so the fork can credit it and take the source's later changes; and personal spaces,
-- the organisation of one person where a volunteer adapts a course before an
-- organisation adopts it.

-- A personal space is an organisation owned by one person: unlisted, and so are its
-- courses until they are moved into an organisation.
ALTER TABLE organizations ADD COLUMN personal_user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
CREATE UNIQUE INDEX organizations_personal ON organizations(personal_user_id);

-- One row per fork. The source's key, title, licence and authors are copied so the
-- attribution survives the source being renamed, moved or deleted.
CREATE TABLE course_forks (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    source_course_id INTEGER REFERENCES courses(id) ON DELETE SET NULL,
    source_key TEXT NOT NULL,
    source_title TEXT NOT NULL,
    source_license TEXT NOT NULL,
    -- JSON array of the source's authors' shown names (from its revisions), as of the
    -- version last taken from it.
    source_authors TEXT NOT NULL DEFAULT '[]',
    -- The source's content version copied at the fork, and the latest one pulled from.
    forked_version INTEGER NOT NULL,
    synced_version INTEGER NOT NULL,
    forked_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    forked_at INTEGER NOT NULL,
    -- The fork's published content differs from what it took from the source ("changes
    -- were made"); set when the fork publishes.
    modified BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX course_forks_source ON course_forks(source_course_id);

-- Which source block each of a fork's blocks came from, and the revisions on both sides
-- when they last agreed: the source changed a block when its published revision is past
-- `source_revision`; the fork changed it when its (draft) revision is past `revision`.
CREATE TABLE fork_blocks (
    block_id INTEGER PRIMARY KEY REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    source_block_id INTEGER NOT NULL,
    source_revision INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    UNIQUE (course_id, source_block_id)
);
