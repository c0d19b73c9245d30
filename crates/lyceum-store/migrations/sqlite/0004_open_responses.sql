-- Open responses assessed by people: the learner's draft, every submitted version, files,
-- assessments (peer, self, staff; cancelled ones are kept, marked), who was asked to review
-- what, staff grading locks and graders' unsaved work, and in-app notifications. A
-- submission's workflow stage is computed from these on read; its final score is copied
-- into problem_states, the one score table grades read.

CREATE TABLE or_drafts (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    text TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, block_id)
);

CREATE TABLE or_submissions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    -- 1, 2, … per learner and block; two racing submits cannot both become version N.
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    -- 'active', 'returned' (for revision), 'superseded' (a later version exists).
    state TEXT NOT NULL DEFAULT 'active',
    peer_excused BOOLEAN NOT NULL DEFAULT FALSE,
    return_note TEXT NOT NULL DEFAULT '',
    submitted_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, block_id, version)
);
CREATE INDEX or_submissions_block ON or_submissions(block_id, state, submitted_at);
CREATE INDEX or_submissions_course ON or_submissions(course_id, state);

CREATE TABLE or_attachments (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    -- NULL while the file belongs to the learner's draft.
    submission_id INTEGER REFERENCES or_submissions(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX or_attachments_owner ON or_attachments(user_id, block_id);
CREATE INDEX or_attachments_submission ON or_attachments(submission_id);

CREATE TABLE or_assessments (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES or_submissions(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    assessor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- 'peer', 'self', 'staff'.
    step TEXT NOT NULL,
    -- A peer review written by a member of staff.
    by_staff BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON: criterion → option name; criterion → points; criterion → feedback.
    options TEXT NOT NULL,
    points TEXT NOT NULL,
    earned REAL NOT NULL,
    criterion_feedback TEXT NOT NULL DEFAULT '{}',
    overall_feedback TEXT NOT NULL DEFAULT '',
    cancelled_at INTEGER,
    cancelled_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    cancel_reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX or_assessments_submission ON or_assessments(submission_id);
CREATE INDEX or_assessments_assessor ON or_assessments(assessor_id, block_id, step);

CREATE TABLE or_peer_assignments (
    submission_id INTEGER NOT NULL REFERENCES or_submissions(id) ON DELETE CASCADE,
    reviewer_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    assigned_at INTEGER NOT NULL,
    done_at INTEGER,
    PRIMARY KEY (submission_id, reviewer_id)
);
CREATE INDEX or_peer_assignments_reviewer ON or_peer_assignments(reviewer_id, block_id);

CREATE TABLE or_locks (
    submission_id INTEGER PRIMARY KEY REFERENCES or_submissions(id) ON DELETE CASCADE,
    staff_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);

CREATE TABLE or_grader_drafts (
    submission_id INTEGER NOT NULL REFERENCES or_submissions(id) ON DELETE CASCADE,
    staff_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (submission_id, staff_id)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id INTEGER REFERENCES courses(id) ON DELETE CASCADE,
    -- A message key suffix: 'feedback', 'returned', 'reviews-needed'.
    kind TEXT NOT NULL,
    -- The page the notice leads to, and the title it names.
    link TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    emailed_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, created_at);
