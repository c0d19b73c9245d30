-- Problems and grades: each learner's state on each problem, every submission (for the
-- grading method, answer export and idempotent retries), staff score overrides, and a
-- log of every grading action. Grades themselves are computed from these and the
-- course's grading policy on read, so they are never stale.

ALTER TABLE courses ADD COLUMN grading_policy TEXT NOT NULL DEFAULT '';

CREATE TABLE problem_states (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- The learner's current answers (last submitted, or cleared by Reset).
    answers TEXT NOT NULL DEFAULT '{}',
    -- Per-input results of the last graded submission.
    results TEXT NOT NULL DEFAULT '{}',
    -- The score per the problem's grading method, raw (before weight); NULL = never graded.
    raw_earned REAL,
    raw_possible REAL,
    seed INTEGER NOT NULL DEFAULT 1,
    hints_shown INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, block_id)
);
CREATE INDEX problem_states_course ON problem_states(course_id, user_id);
CREATE INDEX problem_states_block ON problem_states(block_id);

CREATE TABLE problem_submissions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    answers TEXT NOT NULL,
    results TEXT NOT NULL,
    raw_earned REAL NOT NULL,
    raw_possible REAL NOT NULL,
    idempotency_key TEXT,
    submitted_at INTEGER NOT NULL,
    -- Two requests can never both become attempt N.
    UNIQUE (user_id, block_id, attempt)
);
CREATE UNIQUE INDEX problem_submissions_key ON problem_submissions(user_id, block_id, idempotency_key);
CREATE INDEX problem_submissions_course ON problem_submissions(course_id, block_id);

CREATE TABLE score_overrides (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    -- Points on the problem's weighted scale.
    earned REAL NOT NULL,
    reason TEXT NOT NULL,
    staff_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, block_id)
);
CREATE INDEX score_overrides_course ON score_overrides(course_id, user_id);

CREATE TABLE grade_actions (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    -- NULL when the action concerns every learner (rescoring a problem).
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER REFERENCES blocks(id) ON DELETE SET NULL,
    staff_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX grade_actions_course ON grade_actions(course_id, created_at);
