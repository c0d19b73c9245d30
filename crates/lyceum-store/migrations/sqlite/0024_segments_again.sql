-- A video's cues became segments (issue 17): every course's segments are taken again
-- from its content on their next read. Ids already given are kept (they are assigned
-- again from the stored segments), so no translation is lost or moved.
UPDATE course_segments SET content_version = -1;
