-- Media files are shared by content (SHA-256): after a delete, and in the media sweep,
-- the store asks whether any row still refers to a hash. These indexes answer that
-- without reading whole tables (see lyceum-store/src/repo/media.rs for the list).
CREATE INDEX assets_sha256 ON assets(sha256);
CREATE INDEX or_attachments_sha256 ON or_attachments(sha256);
