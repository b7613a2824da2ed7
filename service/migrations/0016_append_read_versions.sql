-- append_events checks the other streams a decision read: the dispatcher appends a command
-- decided on the state it holds, in one round trip, on condition that nothing the decision
-- rested on has moved.
--
-- Two parameters, both with defaults (callers without them are unchanged): `p_read_streams`
-- and `p_read_versions` name streams and the version each was read at (a stream without a row
-- is at version 0). When any of them is now at another version, the call raises SV003 and
-- writes nothing; the caller reads what is new and decides again. The check comes after the
-- command id's (a repeated command still gets its first result, whatever moved since) and
-- before the expected version's. Everything else is as in 0008.

DROP FUNCTION append_events(text, integer, uuid, text[], uuid[], text[], integer[], jsonb[],
                            jsonb, timestamptz[], text, text, bytea);

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
    p_command_hash bytea DEFAULT NULL,
    p_read_streams text[] DEFAULT NULL,
    p_read_versions integer[] DEFAULT NULL,
    OUT new_version integer,
    OUT event_ids uuid[],
    OUT duplicate boolean
)
    LANGUAGE plpgsql
    AS $$
DECLARE
    n integer := cardinality(p_event_ids);
    v integer;
    pk bigint;
    this_cluster bigint := nullif(current_setting('samverkan.cluster_id', true), '')::bigint;
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
            SELECT coalesce(max(e.stream_version), 0) INTO new_version
                FROM events e WHERE e.event_id = ANY (prior.event_ids);
            event_ids := prior.event_ids;
            duplicate := true;
            RETURN;
        END IF;
    END IF;

    IF p_read_streams IS NOT NULL AND EXISTS (
        SELECT 1 FROM unnest(p_read_streams, p_read_versions) AS r (stream_id, version)
        WHERE r.version IS DISTINCT FROM coalesce(
            (SELECT s.version FROM streams s WHERE s.stream_id = r.stream_id), 0)
    ) THEN
        RAISE EXCEPTION 'a stream the command was decided on has moved'
            USING ERRCODE = 'SV003';
    END IF;

    IF p_expected IS NULL THEN
        INSERT INTO streams AS s (stream_id, version, organisations)
            VALUES (p_stream_id, n, p_organisations)
            ON CONFLICT (stream_id) DO UPDATE
                SET version = s.version + n, updated_at = now(),
                    organisations = CASE WHEN s.organisations @> p_organisations
                        THEN s.organisations
                        ELSE ARRAY(SELECT DISTINCT unnest(s.organisations || p_organisations)) END
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
                organisations = CASE WHEN s.organisations @> p_organisations
                    THEN s.organisations
                    ELSE ARRAY(SELECT DISTINCT unnest(s.organisations || p_organisations)) END
            WHERE s.stream_id = p_stream_id AND s.version = p_expected
            RETURNING s.version INTO v;
        IF v IS NULL THEN
            RAISE EXCEPTION 'stream % is not at version %', p_stream_id, p_expected
                USING ERRCODE = 'SV001',
                      DETAIL = coalesce(
                          (SELECT version::text FROM streams WHERE stream_id = p_stream_id), '0');
        END IF;
    END IF;

    IF this_cluster IS NULL THEN
        this_cluster := cluster_id();
        PERFORM set_config('samverkan.cluster_id', this_cluster::text, false);
    END IF;

    IF n = 1 THEN
        INSERT INTO events (event_id, stream_id, stream_version, type, schema_version,
                            metadata, occurred_at, cluster_id)
            VALUES (p_event_ids[1], p_stream_id, v, p_types[1], p_schema_versions[1],
                    p_metadata, p_occurred_at[1], this_cluster)
            RETURNING id INTO pk;
        INSERT INTO payloads (event_pk, data) VALUES (pk, p_data[1]);
    ELSE
        WITH u AS (
            SELECT * FROM unnest(p_event_ids, p_types, p_schema_versions, p_data, p_occurred_at)
                WITH ORDINALITY AS u (event_id, type, schema_version, data, occurred_at, ord)
        ), ins AS (
            INSERT INTO events (event_id, stream_id, stream_version, type, schema_version,
                                metadata, occurred_at, cluster_id)
                SELECT u.event_id, p_stream_id, v - n + u.ord::integer, u.type, u.schema_version,
                       p_metadata, u.occurred_at, this_cluster
                FROM u
                RETURNING id, event_id
        )
        INSERT INTO payloads (event_pk, data)
            SELECT ins.id, u.data FROM ins JOIN u USING (event_id);
    END IF;

    new_version := v;
    event_ids := p_event_ids;
    duplicate := false;
END
$$;

REVOKE ALL ON FUNCTION append_events(text, integer, uuid, text[], uuid[], text[], integer[],
                                     jsonb[], jsonb, timestamptz[], text, text, bytea, text[],
                                     integer[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION append_events(text, integer, uuid, text[], uuid[], text[], integer[],
                                        jsonb[], jsonb, timestamptz[], text, text, bytea, text[],
                                        integer[])
    TO samverkan_app;
