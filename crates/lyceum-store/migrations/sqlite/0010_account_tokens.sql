-- Accounts: the single-use links mailed to people — verify an e-mail address (valid 7
-- days), reset a forgotten password (valid 1 hour). Only a SHA-256 of each token is
-- stored, so a copy of the database lets nobody use a link. A link is spent by setting
-- `used_at` (one conditional UPDATE: two clicks racing cannot both succeed); a newer link
-- of the same purpose voids the older ones. Rows are swept a day after they expire, and
-- go with their account (deleting an account removes them).
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- 'verify-email' or 'reset-password'
    purpose TEXT NOT NULL,
    -- The address the link was mailed to: verifying proves this address, not whatever
    -- the account holds by the time the link is opened.
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX account_tokens_user ON account_tokens(user_id, purpose);
CREATE INDEX account_tokens_expires ON account_tokens(expires_at);
