-- How a course offers its translations (issue 17), set by those who write it.
-- `outdated_shows`: what learners reading a language see where its translation was made
-- from an earlier text of the source: that translation, with a notice ('translation'),
-- or the source itself ('source').
-- `publish_threshold`: a language may be published only when at least this share (%) of
-- the course's segments is translated from the source as it is now (0: any time).
CREATE TABLE course_translation_settings (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    outdated_shows TEXT NOT NULL DEFAULT 'translation'
        CHECK (outdated_shows IN ('translation', 'source')),
    publish_threshold INTEGER NOT NULL DEFAULT 0
        CHECK (publish_threshold BETWEEN 0 AND 100),
    updated_at INTEGER NOT NULL
);
