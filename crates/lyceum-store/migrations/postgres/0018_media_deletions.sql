-- Deletion candidates of the media store on S3 (issue 16). An object store cannot tell
-- an object published again from the one a removal looked at, so removal goes through
-- this table: the sweep records a candidate, then in one transaction locks it, checks
-- again that no row refers to the content, deletes the object and the candidate. An
-- operation that publishes the same content deletes its candidate inside its own
-- transaction: it waits for a sweep holding the row and publishes after the deletion,
-- or takes the candidate away before the sweep locks it. (Named `content_hash`, not
-- `sha256`: nothing here refers to a file, and the media-reference test knows it.)
CREATE TABLE media_deletions (
    content_hash TEXT PRIMARY KEY,
    marked_at BIGINT NOT NULL
);
