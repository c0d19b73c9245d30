-- Studio: people and organisations, course teams, drafts and publishing, review, and
-- the audit log of everything administrators do.

-- Accounts: blocking (with the reason shown to admins), a site grant to create courses,
-- anonymising deletion, and a verified e-mail address.
ALTER TABLE users ADD COLUMN blocked_at INTEGER;
ALTER TABLE users ADD COLUMN blocked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN can_create_courses BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;

-- Organisations: a logo (a media file) and whether their courses need review before
-- they are published.
ALTER TABLE organizations ADD COLUMN logo_sha256 TEXT;
ALTER TABLE organizations ADD COLUMN logo_content_type TEXT;
ALTER TABLE organizations ADD COLUMN requires_review BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE org_members (
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members(user_id);

-- Courses: a status everyone sees (draft, review, published, archived; 'published'
-- stays the flag learners' queries read), enrolment dates, a card image, and when the
-- course was last reviewed.
ALTER TABLE courses ADD COLUMN status TEXT NOT NULL DEFAULT 'draft';
UPDATE courses SET status = 'published' WHERE published;
ALTER TABLE courses ADD COLUMN enrollment_start_at INTEGER;
ALTER TABLE courses ADD COLUMN enrollment_end_at INTEGER;
-- The card image is one of the course's files (`assets`), by name.
ALTER TABLE courses ADD COLUMN card_image TEXT;
ALTER TABLE courses ADD COLUMN last_reviewed_at INTEGER;
ALTER TABLE courses ADD COLUMN created_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX courses_status ON courses(status);

-- Drafts. `blocks` holds what learners see; a block created in a draft and never
-- published (or removed by a publish) is not live. `block_drafts` holds the changed
-- blocks of a course's draft only: the draft is the published tree with these rows laid
-- over it. Publishing copies them into `blocks` in one transaction and empties them.
ALTER TABLE blocks ADD COLUMN live BOOLEAN NOT NULL DEFAULT TRUE;
CREATE TABLE block_drafts (
    block_id INTEGER PRIMARY KEY REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    parent_id INTEGER,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    release_at INTEGER,
    content TEXT NOT NULL,
    revision INTEGER NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at INTEGER NOT NULL
);
CREATE INDEX block_drafts_course ON block_drafts(course_id);

-- A revision now records the release date too (outline edits are revisions).
ALTER TABLE block_revisions ADD COLUMN release_at INTEGER;
CREATE INDEX block_revisions_author ON block_revisions(author_id);

-- Each publish: who made which content version live, and how much changed.
CREATE TABLE course_publications (
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    published_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    published_at INTEGER NOT NULL,
    changed_blocks INTEGER NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (course_id, version)
);

-- Review of a course before publication (organisations that require it) and later
-- re-reviews: submissions, comments, approvals and send-backs, in order.
CREATE TABLE course_reviews (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX course_reviews_course ON course_reviews(course_id);

-- Everything administrators and course teams do to people, organisations and courses:
-- who, what, to what, when and why. Rows are never updated; a deleted actor's rows stay.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_created ON audit_log(created_at);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);

-- Site settings an admin changes at run time (sign-up open, review interval), by key.
CREATE TABLE site_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
