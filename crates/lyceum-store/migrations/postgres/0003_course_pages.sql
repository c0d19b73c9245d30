-- A course's own pages, imported from Open edX's about/, info/ and tabs/ folders: About
-- texts, the handouts and updates of the Course info tab, and static tabs. Content is kept
-- as written (HTML, or JSON for the updates list) and sanitised on display.

CREATE TABLE course_pages (
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('about', 'info', 'tab')),
    slug TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (course_id, kind, slug)
);
