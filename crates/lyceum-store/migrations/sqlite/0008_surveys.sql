-- Survey responses: one per learner and survey, its answers as JSON by question id. The
-- learner is kept even for anonymous surveys (one response each, completion, credit and
-- before/after pairs need it); anonymity is what the report shows, never who answered.
CREATE TABLE survey_responses (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    answers TEXT NOT NULL,
    -- First submitted; kept when an editable response is changed.
    submitted_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, block_id)
);
CREATE INDEX survey_responses_block ON survey_responses(block_id);
