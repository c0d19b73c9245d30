-- Each learner's private calendar feed of due dates. The token is the secret part of the
-- feed's URL (256 random bits); resetting it replaces the row, so the old URL stops working.
CREATE TABLE calendar_feeds (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- An open response counts as done once submitted (its completion rule); responses
-- submitted before that was recorded get their completion now, dated by the first version.
INSERT INTO completions (user_id, block_id, course_id, source, completed_at)
SELECT user_id, block_id, course_id, 'submit', MIN(submitted_at)
FROM or_submissions
GROUP BY user_id, block_id, course_id
ON CONFLICT (user_id, block_id) DO NOTHING;
