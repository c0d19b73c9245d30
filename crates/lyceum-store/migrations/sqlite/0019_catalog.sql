-- The catalog at 10^4 courses (issue 16). A page of cards walks this index in catalog
-- order and stops after one page, instead of sorting every listed course per view.
-- (SQLite sorts NULLs first, so `start_at DESC` already puts courses without a start last.)
CREATE INDEX courses_catalog ON courses(status, start_at DESC, title, id)
    WHERE published AND hidden_at IS NULL;

-- The catalog's filters (languages, organisations, how many courses each) count every
-- listed course, so each node keeps them and asks only this number per view: any change
-- to a course or an organisation bumps it, and a node whose number differs counts again.
CREATE TABLE site_versions (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO site_versions (name, version) VALUES ('catalog', 1);

CREATE TRIGGER catalog_courses_insert AFTER INSERT ON courses
BEGIN UPDATE site_versions SET version = version + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER catalog_courses_update AFTER UPDATE ON courses
BEGIN UPDATE site_versions SET version = version + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER catalog_courses_delete AFTER DELETE ON courses
BEGIN UPDATE site_versions SET version = version + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER catalog_orgs_insert AFTER INSERT ON organizations
BEGIN UPDATE site_versions SET version = version + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER catalog_orgs_update AFTER UPDATE ON organizations
BEGIN UPDATE site_versions SET version = version + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER catalog_orgs_delete AFTER DELETE ON organizations
BEGIN UPDATE site_versions SET version = version + 1 WHERE name = 'catalog'; END;
