-- One course, many languages (issue 17).
--
-- The course's source segments as last given ids (lyceum_core::translation::assign_ids),
-- taken from its published content at `content_version`: a JSON array of
-- {"id", "text", "html", "list"} in reading order. Ids are kept across edits, so a
-- translation made from an earlier text of its segment is found outdated.
CREATE TABLE course_segments (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    content_version INTEGER NOT NULL,
    segments TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A course's target languages: published ones are offered to learners.
CREATE TABLE course_languages (
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT FALSE,
    published_at INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (course_id, lang)
);

-- One translation of a segment: who made it, when, and the source text it was made from
-- (the revision it translated; a different text now = outdated, and the two texts give
-- the translator the source's diff).
CREATE TABLE translations (
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    text TEXT NOT NULL,
    source_text TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (course_id, lang, segment_id)
);

-- A learner's content language for a course (default: the interface language when the
-- course offers it, else its source language).
ALTER TABLE enrollments ADD COLUMN content_lang TEXT;

-- Changed by every translation saved and every language published or withdrawn: a node
-- keeps its translated copies of a course by it (read with the course, like
-- content_version), so a translated page costs no statement more.
ALTER TABLE courses ADD COLUMN translations_version INTEGER NOT NULL DEFAULT 0;
