-- Browser sessions: mutable operational state beside the log, never part of it. The cookie
-- carries only a random id; the table keeps its SHA-256, so a dump or a replica of this table
-- holds no usable cookie. A session ends when it expires or is revoked (logout, an org_admin),
-- and a revoked session stays revoked.

CREATE TABLE sessions (
    id_hash          bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    provider         text NOT NULL,
    principal        jsonb NOT NULL,
    organisation_id  text NOT NULL,
    subject          text NOT NULL,
    person_id        text,
    csrf             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    revoked_by       text,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
-- An org_admin's revocation finds one person's live sessions in one organisation, by the
-- provider's subject or by the person id.
CREATE INDEX sessions_live_by_subject ON sessions (organisation_id, subject)
    WHERE revoked_at IS NULL;
CREATE INDEX sessions_live_by_person ON sessions (organisation_id, person_id)
    WHERE revoked_at IS NULL;
-- The purge of expired sessions walks this index.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE FUNCTION sessions_stay_revoked() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'session already revoked: revocation is final'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER sessions_revocation_is_final BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_stay_revoked();

-- Delete at most p_limit expired sessions; the runtime role has no DELETE on the table, so it
-- can remove a session only once it expired (a live one it can only revoke).
CREATE FUNCTION purge_expired_sessions(p_limit integer) RETURNS integer
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    WITH gone AS (
        DELETE FROM sessions
        WHERE id_hash IN (
            SELECT id_hash FROM sessions WHERE expires_at < now()
            ORDER BY expires_at LIMIT p_limit
        )
        RETURNING 1
    )
    SELECT count(*)::integer FROM gone
$$;

REVOKE ALL ON sessions FROM PUBLIC;
GRANT SELECT, INSERT ON sessions TO samverkan_app;
GRANT UPDATE (revoked_at, revoked_by) ON sessions TO samverkan_app;
REVOKE ALL ON FUNCTION purge_expired_sessions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_expired_sessions(integer) TO samverkan_app;
