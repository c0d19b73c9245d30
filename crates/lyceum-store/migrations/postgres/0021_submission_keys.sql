-- Only submissions sent with an idempotency key are indexed by it. With every submission
-- in it (the key NULL in most), the index looked as good as the one on
-- (user_id, block_id, attempt) to the planner, which then read a learner's submissions
-- through it to find their latest attempt: every submission, where one index step
-- suffices. Uniqueness is the same (NULL keys never collided).
DROP INDEX problem_submissions_key;
CREATE UNIQUE INDEX problem_submissions_key ON problem_submissions(user_id, block_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
