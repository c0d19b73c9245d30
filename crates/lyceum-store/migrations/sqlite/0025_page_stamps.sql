-- On PostgreSQL this migration lets each server keep course rows and learners' unit
-- states between requests, checked by stamps the database keeps (issue 16). SQLite has
-- one server reading in-process, which reads them whole on every page: nothing to do,
-- but every migration exists in both dialects.
SELECT 1;
