-- Servers on one PostgreSQL keep what a unit page reads, as SQLite's single server reads
-- it cheaply in-process (issue 16): each course's row, and each learner's state in each
-- unit they saw. A unit page then reads only what tells whether what a server holds is
-- still current, and the viewer's relation to the course; anything changed is read whole
-- again. Exact, not a time to live: the stamps are written in the same transaction as
-- the change they stand for.

-- A course row's stamp is its id and its tuple's `xmin`: PostgreSQL gives every new
-- version of a row the id of the transaction that wrote it, whichever columns changed. A
-- change to what a course row is read with from other rows (its organisation, a fork's
-- source, the count of its forks) touches the course rows that show it, so their `xmin`
-- moves too.
CREATE FUNCTION lyceum_touch_courses(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    UPDATE courses SET updated_at = updated_at WHERE id = ANY(ids);
$$;

CREATE FUNCTION lyceum_fork_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM lyceum_touch_courses(ARRAY[OLD.course_id, OLD.source_course_id]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM lyceum_touch_courses(ARRAY[NEW.course_id, NEW.source_course_id]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER fork_changed AFTER INSERT OR UPDATE OR DELETE ON course_forks
    FOR EACH ROW EXECUTE FUNCTION lyceum_fork_changed();

CREATE FUNCTION lyceum_org_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lyceum_touch_courses(ARRAY(SELECT c.id FROM courses c WHERE c.org_id = NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER org_changed AFTER UPDATE ON organizations
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION lyceum_org_changed();

-- A fork shows its source's key.
CREATE FUNCTION lyceum_course_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lyceum_touch_courses(ARRAY(
        SELECT f.course_id FROM course_forks f WHERE f.source_course_id = NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER course_key_changed AFTER UPDATE OF course_key ON courses
    FOR EACH ROW WHEN (OLD.course_key IS DISTINCT FROM NEW.course_key)
    EXECUTE FUNCTION lyceum_course_key_changed();

-- A learner's state in a unit (its blocks' completions and video positions, the unit's
-- own completion and bookmark) has a stamp, renewed from a sequence whenever any of it
-- changes. A unit never stamped has none, which is a stamp too.
CREATE SEQUENCE unit_stamp_seq;
CREATE TABLE unit_stamps (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
    stamp BIGINT NOT NULL,
    PRIMARY KEY (user_id, unit_id)
);
CREATE INDEX unit_stamps_unit ON unit_stamps(unit_id);

-- Once per statement over the rows it changed (`changed`), so a bulk insert stamps each
-- unit once. A row's block is its unit (the unit's completion, its bookmark) or in it (a
-- component's completion or video position): completions stamp both. Rows removed with
-- their learner or their block stamp nothing.
CREATE FUNCTION lyceum_unit_state_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most statements on the hot paths change nothing here (a completion already
    -- recorded: `ON CONFLICT DO NOTHING`); they stop at this cheap test.
    IF NOT EXISTS (SELECT FROM changed) THEN
        RETURN NULL;
    END IF;
    INSERT INTO unit_stamps (user_id, unit_id, stamp)
    SELECT t.user_id, t.unit_id, nextval('unit_stamp_seq') FROM (
        SELECT ch.user_id, b.parent_id AS unit_id FROM changed ch JOIN blocks b ON b.id = ch.block_id
            WHERE b.parent_id IS NOT NULL AND TG_TABLE_NAME <> 'bookmarks'
        UNION
        SELECT ch.user_id, ch.block_id FROM changed ch WHERE TG_TABLE_NAME <> 'video_progress'
    ) t
    WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)
      AND EXISTS (SELECT 1 FROM blocks b WHERE b.id = t.unit_id)
    ON CONFLICT (user_id, unit_id) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END
$$;
-- PostgreSQL allows a transition table only on a trigger of one event.
CREATE TRIGGER completions_added AFTER INSERT ON completions REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER completions_changed AFTER UPDATE ON completions REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER completions_removed AFTER DELETE ON completions REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER bookmarks_added AFTER INSERT ON bookmarks REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER bookmarks_changed AFTER UPDATE ON bookmarks REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER bookmarks_removed AFTER DELETE ON bookmarks REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER video_progress_added AFTER INSERT ON video_progress REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER video_progress_changed AFTER UPDATE ON video_progress REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
CREATE TRIGGER video_progress_removed AFTER DELETE ON video_progress REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION lyceum_unit_state_changed();
