-- Servers on one PostgreSQL keep the sessions they read (issue 16), so each must hear
-- when another changes what a session carries: the session itself, its user's account,
-- unread notifications and roles (the trusted-role test). These triggers announce every
-- such change on the channel `lyceum_sessions` (`SCHEMA s:ID_HASH` or `SCHEMA u:USER_ID`),
-- delivered when the change commits, whichever server or statement made it; a server
-- drops what an announcement of its own schema names (lyceum-web's
-- session::follow_changes). Channels are per database, so the schema tells apart sites
-- that share one database in schemas of their own.
CREATE FUNCTION lyceum_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('lyceum_sessions', current_schema() || ' s:' || r.id_hash);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('lyceum_sessions', current_schema() || ' u:' || r.id);
    ELSE
        PERFORM pg_notify('lyceum_sessions', current_schema() || ' u:' || r.user_id);
    END IF;
    RETURN NULL;
END
$$;
-- A new session is read before anyone keeps it: only changes and removals matter.
CREATE TRIGGER session_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION lyceum_session_changed();
CREATE TRIGGER session_user_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION lyceum_session_changed();
CREATE TRIGGER session_notices_changed AFTER INSERT OR UPDATE OR DELETE ON notifications
    FOR EACH ROW EXECUTE FUNCTION lyceum_session_changed();
CREATE TRIGGER session_org_roles_changed AFTER INSERT OR UPDATE OR DELETE ON org_members
    FOR EACH ROW EXECUTE FUNCTION lyceum_session_changed();
CREATE TRIGGER session_course_roles_changed AFTER INSERT OR UPDATE OR DELETE ON course_roles
    FOR EACH ROW EXECUTE FUNCTION lyceum_session_changed();
