-- Each learner's private calendar feed of due dates. The token is the secret part of the
-- feed's URL (256 random bits); resetting it replaces the row, so the old URL stops working.
CREATE TABLE calendar_feeds (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
