-- Command ids (idempotency keys) belong to the caller's organisation and to one command.
--
-- Until now `commands` was keyed by the command id alone, so one organisation's id answered
-- another organisation's command with the first one's result, and an id used first by anyone
-- swallowed the rightful owner's later write. Now the key is (organisation, command id), and
-- each row keeps the command's type and a SHA-256 fingerprint of what it asked (type, target
-- stream, input, asking person; never the id or the request time), so a retry of the same
-- command returns the first result while a different command under the same id is refused
-- (SV002) and appends nothing.
--
-- Existing rows take their organisation and command type from the metadata of their first
-- event (the actor and command the dispatcher recorded). Their input was never kept, so their
-- fingerprint stays NULL: such a key matches a retry of the same command type on the same
-- stream. The table stays insert-only, so it is rebuilt rather than updated.

ALTER TABLE commands RENAME TO commands_before_0005;
ALTER TABLE commands_before_0005 RENAME CONSTRAINT commands_pkey TO commands_before_0005_pkey;

CREATE TABLE commands (
    organisation  text NOT NULL,
    command_id    uuid NOT NULL,
    stream_id     text NOT NULL,
    command_type  text NOT NULL,
    command_hash  bytea CHECK (octet_length(command_hash) = 32),
    event_ids     uuid[] NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation, command_id)
);

INSERT INTO commands (organisation, command_id, stream_id, command_type, command_hash,
                      event_ids, recorded_at)
    SELECT coalesce(e.metadata #>> '{actor,organisation_id}', ''), c.command_id, c.stream_id,
           coalesce(e.metadata ->> 'command', ''), NULL, c.event_ids, c.recorded_at
    FROM commands_before_0005 c
    LEFT JOIN events e ON e.event_id = c.event_ids[1];

DROP TABLE commands_before_0005;

CREATE TRIGGER commands_insert_only BEFORE UPDATE OR DELETE ON commands
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER commands_no_truncate BEFORE TRUNCATE ON commands
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

REVOKE ALL ON commands FROM PUBLIC;
GRANT SELECT, INSERT ON commands TO samverkan_app;

-- append_events gains the command's organisation, type and fingerprint, as trailing
-- parameters with defaults so that callers without a command (erase_payload, imports) keep
-- calling it with ten arguments. A known (organisation, command id) returns the first result
-- when it is the same command and raises SV002 when it is not; the insert into `commands`
-- comes first, so of two concurrent attempts under one key the second waits for the first.
DROP FUNCTION append_events(text, integer, uuid, text[], uuid[], text[], integer[], jsonb[],
                            jsonb, timestamptz[]);

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
    p_occurred_at timestamptz[],
    p_command_organisation text DEFAULT '',
    p_command_type text DEFAULT '',
    p_command_hash bytea DEFAULT NULL
) RETURNS TABLE (new_version integer, event_ids uuid[], duplicate boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    n integer := cardinality(p_event_ids);
    v integer;
    prior commands%ROWTYPE;
BEGIN
    IF p_command_id IS NOT NULL THEN
        INSERT INTO commands (organisation, command_id, stream_id, command_type, command_hash,
                              event_ids)
            VALUES (p_command_organisation, p_command_id, p_stream_id, p_command_type,
                    p_command_hash, p_event_ids)
            ON CONFLICT (organisation, command_id) DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO prior FROM commands c
                WHERE c.organisation = p_command_organisation AND c.command_id = p_command_id;
            -- The same rule as events.log.store.RecordedCommand.matches.
            IF prior.stream_id <> p_stream_id OR prior.command_type <> p_command_type
               OR (prior.command_hash IS NOT NULL
                   AND prior.command_hash IS DISTINCT FROM p_command_hash) THEN
                RAISE EXCEPTION 'command id % of % was used for a different command',
                                p_command_id, p_command_organisation
                    USING ERRCODE = 'SV002';
            END IF;
            RETURN QUERY
                SELECT coalesce(max(e.stream_version), 0), prior.event_ids, true
                FROM events e WHERE e.event_id = ANY (prior.event_ids);
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

    WITH u AS (
        SELECT * FROM unnest(p_event_ids, p_types, p_schema_versions, p_data, p_occurred_at)
            WITH ORDINALITY AS u (event_id, type, schema_version, data, occurred_at, ord)
    ), ins AS (
        INSERT INTO events (event_id, stream_id, stream_version, type, schema_version,
                            metadata, occurred_at)
            SELECT u.event_id, p_stream_id, v - n + u.ord::integer, u.type, u.schema_version,
                   p_metadata, u.occurred_at
            FROM u
            RETURNING id, event_id
    )
    INSERT INTO payloads (event_pk, data)
        SELECT ins.id, u.data FROM ins JOIN u USING (event_id);

    RETURN QUERY SELECT v, p_event_ids, false;
END
$$;

REVOKE ALL ON FUNCTION append_events(text, integer, uuid, text[], uuid[], text[], integer[],
                                     jsonb[], jsonb, timestamptz[], text, text, bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION append_events(text, integer, uuid, text[], uuid[], text[], integer[],
                                        jsonb[], jsonb, timestamptz[], text, text, bytea)
    TO samverkan_app;
