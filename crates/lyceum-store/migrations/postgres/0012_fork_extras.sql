-- A course moved out of a personal space into an organisation changes its key; the old
-- key stays an alias so links to it (shared with a group, in a fork's attribution, in
-- notices) keep working: the pages redirect to the course's key now.
CREATE TABLE course_key_aliases (
    old_key TEXT PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX course_key_aliases_course ON course_key_aliases(course_id);
