-- Failed-login limits, kept in the database so they hold across server processes and
-- under any concurrency (an attempt takes its slot with one atomic upsert before the
-- password is checked), and the addresses each account last logged in from, which the
-- account-wide limit leaves alone. Bucket keys and addresses are stored hashed, so this
-- table is not a list of what people typed into the username field.
CREATE TABLE login_limits (
    bucket TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);
CREATE INDEX login_limits_window ON login_limits(window_start);

CREATE TABLE login_trusted_addresses (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address_hash TEXT NOT NULL,
    last_success_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, address_hash)
);
CREATE INDEX login_trusted_addresses_age ON login_trusted_addresses(last_success_at);
