-- Trust for new accounts (issue 13). An account is trusted by a grant (a site admin, or
-- an admin of an organisation the person belongs to), by a trusted role (computed when
-- the session loads: never stored), by its Wikimedia standing, or by a track record
-- (account age and activity, stamped the first time a gated action finds it met).
-- `trust_source`: 'grant', 'wiki' or 'record'; NULL: not trusted by any of them.
ALTER TABLE users ADD COLUMN trust_source TEXT;
ALTER TABLE users ADD COLUMN trusted_at INTEGER;
ALTER TABLE users ADD COLUMN trusted_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN trust_reason TEXT NOT NULL DEFAULT '';
-- The Wikimedia standing read at the last Wikimedia login on the site's home wiki: the
-- user groups (JSON array) and edit count. NULL: never read (or the wiki was down).
ALTER TABLE users ADD COLUMN wiki_groups TEXT;
ALTER TABLE users ADD COLUMN wiki_editcount INTEGER;
ALTER TABLE users ADD COLUMN wiki_checked_at INTEGER;
-- The code of conduct: when the person accepted it, and which version of its text (a
-- hash of the text they were shown).
ALTER TABLE users ADD COLUMN conduct_accepted_at INTEGER;
ALTER TABLE users ADD COLUMN conduct_version TEXT;

-- Creation rate limits: how many times a user did an action in a fixed window
-- (`window_start` in ms, a multiple of the window's length). Old windows are swept.
CREATE TABLE rate_counts (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (user_id, action, window_start)
);
CREATE INDEX rate_counts_window ON rate_counts(window_start);
