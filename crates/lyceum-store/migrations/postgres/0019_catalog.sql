-- The catalog at 10^4 courses (issue 16). A page of cards walks this index in catalog
-- order and stops after one page, instead of sorting every listed course per view.
CREATE INDEX courses_catalog ON courses(status, start_at DESC NULLS LAST, title, id)
    WHERE published AND hidden_at IS NULL;

-- The catalog's filters (languages, organisations, how many courses each) count every
-- listed course, so each node keeps them and asks only this number per view: any change
-- to a course or an organisation bumps it, and a node whose number differs counts again.
CREATE TABLE site_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO site_versions (name, version) VALUES ('catalog', 1);

-- Bumped at commit (a deferred trigger), so the row is locked only while a transaction
-- commits: a long import does not hold up every other course change. A node that reads
-- the new number sees the change with it, as both become visible at the same commit.
CREATE FUNCTION lyceum_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE site_versions SET version = version + 1 WHERE name = 'catalog';
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER catalog_courses AFTER INSERT OR UPDATE OR DELETE ON courses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lyceum_catalog_changed();
CREATE CONSTRAINT TRIGGER catalog_orgs AFTER INSERT OR UPDATE OR DELETE ON organizations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lyceum_catalog_changed();
