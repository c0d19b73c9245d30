-- Background work as a job table shared by every node (issue 16): each job is claimed by
-- one node at a time (`FOR UPDATE SKIP LOCKED`) under a lease that node renews while it
-- works, so a job runs once whichever node takes it, and a job whose node died (its lease
-- ran out) is taken again by another. Failures go back to the queue with a backoff until
-- the job's attempts are spent, then stay `failed` with the error for the admins to see.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    -- What to run: the name a handler is registered under (`mail`, `sweep` …).
    kind TEXT NOT NULL,
    -- Periodic work names its slot (`mail:2026-12-07T02:13`), so however many nodes
    -- enqueue it, a slot is one job. NULL for one-off jobs.
    dedupe_key TEXT UNIQUE,
    -- The handler's input, a JSON value.
    payload TEXT NOT NULL DEFAULT '{}',
    -- queued | running | done | failed
    state TEXT NOT NULL DEFAULT 'queued',
    -- Attempts begun (a claim counts one); the fence of completion and failure.
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    -- Attempts that failed (an error, a panic, a node that died), never reset: for metrics.
    failures INTEGER NOT NULL DEFAULT 0,
    -- Not claimed before this time (ms): when it was enqueued for, or its next retry.
    run_after INTEGER NOT NULL,
    -- The node running it and until when its lease holds (ms), while running.
    lease_owner TEXT,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    CHECK (state IN ('queued', 'running', 'done', 'failed'))
);
-- The claim: the oldest due queued job, or a running one whose lease ran out.
CREATE INDEX jobs_due ON jobs (run_after) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
-- The admin page and metrics (counts by kind and state, the latest failures) and the
-- sweep of old finished jobs.
CREATE INDEX jobs_state_kind ON jobs (state, kind);
CREATE INDEX jobs_finished ON jobs (state, finished_at);
