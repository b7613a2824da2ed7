-- The event store: insert-only events and log, the mutable per-stream head, idempotent commands.
-- Runs as the owner role; the runtime role gets INSERT/SELECT on the insert-only tables only.

-- The cluster's own identity. A dump restored into another cluster keeps its rows' tx_id values,
-- which belong to the old cluster's transaction counter; tagging each row with the cluster it was
-- written in lets the sequencer tell those rows (all long committed) from this cluster's own.
CREATE FUNCTION cluster_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT system_identifier::bigint FROM pg_control_system() $$;

CREATE TABLE streams (
    stream_id      text PRIMARY KEY,
    version        integer NOT NULL CHECK (version >= 0),
    organisations  text[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL UNIQUE,
    stream_id       text NOT NULL,
    stream_version  integer NOT NULL CHECK (stream_version >= 1),
    type            text NOT NULL,
    schema_version  integer NOT NULL DEFAULT 1,
    data            jsonb NOT NULL,
    metadata        jsonb NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    cluster_id      bigint NOT NULL DEFAULT cluster_id(),
    UNIQUE (stream_id, stream_version)
);
-- The sequencer's scan: this cluster's rows in (tx_id, id) order.
CREATE INDEX events_sequencing ON events (cluster_id, tx_id, id);

CREATE TABLE commands (
    command_id   uuid PRIMARY KEY,
    stream_id    text NOT NULL,
    event_ids    uuid[] NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- The global order, dense from 0: the Merkle leaf index. Written by the sequencer only.
CREATE TABLE log (
    log_index     bigint PRIMARY KEY CHECK (log_index >= 0),
    event_pk      bigint NOT NULL UNIQUE REFERENCES events (id),
    sequenced_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% on % is refused: the table is insert-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_insert_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER log_insert_only BEFORE UPDATE OR DELETE ON log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER commands_insert_only BEFORE UPDATE OR DELETE ON commands
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER commands_no_truncate BEFORE TRUNCATE ON commands
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- append: one round trip per command. The expected version is checked on the stream row
-- BEFORE any event row (and so any identity value) is drawn; a conflict raises SV001 with the
-- actual version in DETAIL. A command id seen before returns the first result and appends
-- nothing. A stream's version counts its events, so expected 0 = the stream must not exist
-- yet, n > 0 = exactly version n, NULL = any version (imports only).
CREATE FUNCTION append_events(
    p_stream_id text,
    p_expected integer,
    p_command_id uuid,
    p_organisations text[],
    p_event_ids uuid[],
    p_types text[],
    p_schema_versions integer[],
    p_data jsonb[],
    p_metadata jsonb,
    p_occurred_at timestamptz[]
) RETURNS TABLE (new_version integer, event_ids uuid[], duplicate boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    n integer := cardinality(p_event_ids);
    v integer;
    prior uuid[];
BEGIN
    IF p_command_id IS NOT NULL THEN
        INSERT INTO commands (command_id, stream_id, event_ids)
            VALUES (p_command_id, p_stream_id, p_event_ids)
            ON CONFLICT (command_id) DO NOTHING;
        IF NOT FOUND THEN
            SELECT c.event_ids INTO prior FROM commands c WHERE c.command_id = p_command_id;
            RETURN QUERY
                SELECT coalesce(max(e.stream_version), 0), prior, true
                FROM events e WHERE e.event_id = ANY (prior);
            RETURN;
        END IF;
    END IF;

    IF p_expected IS NULL THEN
        INSERT INTO streams AS s (stream_id, version, organisations)
            VALUES (p_stream_id, n, p_organisations)
            ON CONFLICT (stream_id) DO UPDATE
                SET version = s.version + n, updated_at = now(),
                    organisations = ARRAY(SELECT DISTINCT unnest(s.organisations || p_organisations))
            RETURNING s.version INTO v;
    ELSIF p_expected = 0 THEN
        INSERT INTO streams (stream_id, version, organisations)
            VALUES (p_stream_id, n, p_organisations)
            ON CONFLICT (stream_id) DO NOTHING
            RETURNING version INTO v;
        IF v IS NULL THEN
            RAISE EXCEPTION 'stream % already exists', p_stream_id
                USING ERRCODE = 'SV001',
                      DETAIL = (SELECT version::text FROM streams WHERE stream_id = p_stream_id);
        END IF;
    ELSE
        UPDATE streams s
            SET version = s.version + n, updated_at = now(),
                organisations = ARRAY(SELECT DISTINCT unnest(s.organisations || p_organisations))
            WHERE s.stream_id = p_stream_id AND s.version = p_expected
            RETURNING s.version INTO v;
        IF v IS NULL THEN
            RAISE EXCEPTION 'stream % is not at version %', p_stream_id, p_expected
                USING ERRCODE = 'SV001',
                      DETAIL = coalesce(
                          (SELECT version::text FROM streams WHERE stream_id = p_stream_id), '0');
        END IF;
    END IF;

    INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data,
                        metadata, occurred_at)
        SELECT u.event_id, p_stream_id, v - n + u.ord::integer, u.type, u.schema_version, u.data,
               p_metadata, u.occurred_at
        FROM unnest(p_event_ids, p_types, p_schema_versions, p_data, p_occurred_at)
             WITH ORDINALITY AS u (event_id, type, schema_version, data, occurred_at, ord);

    RETURN QUERY SELECT v, p_event_ids, false;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT SELECT, INSERT ON events, commands, log TO samverkan_app;
GRANT SELECT, INSERT, UPDATE ON streams TO samverkan_app;
GRANT EXECUTE ON FUNCTION append_events(text, integer, uuid, text[], uuid[], text[], integer[],
                                        jsonb[], jsonb, timestamptz[]) TO samverkan_app;
GRANT EXECUTE ON FUNCTION cluster_id() TO samverkan_app;
