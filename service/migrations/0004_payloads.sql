-- Payloads leave the insert-only `events` table for `payloads`, so that erasure can really
-- remove one: `events` keeps the envelope (ids, stream, type, times, metadata) and stays
-- insert-only; `payloads` holds each event's data, and a row there can be replaced only by
-- `erase_payload`, which swaps the original for a redacted copy (personal fields blanked)
-- after recording the erasure. The leaf holds a salted commitment to the ORIGINAL payload;
-- the salt goes with it, so the tree stays verifiable and the original cannot be confirmed.
--
-- Erasure also appends a `PayloadErased` event to the stream `erasures`, in the same
-- transaction: the erasure itself is in the tamper-evident log, and projections re-fold the
-- affected stream from the redacted payloads when they reach it.

CREATE TABLE payloads (
    event_pk  bigint PRIMARY KEY REFERENCES events (id),
    data      jsonb NOT NULL,
    redacted  boolean NOT NULL DEFAULT false
);

INSERT INTO payloads (event_pk, data) SELECT id, data FROM events;

DROP VIEW event_payloads;
ALTER TABLE events DROP COLUMN data;

-- A payload row may be deleted only once the erasure of its (sequenced) event is recorded;
-- a redacted row, once written, is final. Never updated, never truncated.
CREATE FUNCTION refuse_unrecorded_payload_erasure() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT OLD.redacted AND EXISTS (
        SELECT 1 FROM erasures x JOIN log l ON l.log_index = x.log_index
        WHERE l.event_pk = OLD.event_pk) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% on % is refused: payloads go only by a recorded erasure', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER payloads_erasure_only BEFORE UPDATE OR DELETE ON payloads
    FOR EACH ROW EXECUTE FUNCTION refuse_unrecorded_payload_erasure();
CREATE TRIGGER payloads_no_truncate BEFORE TRUNCATE ON payloads
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Appending now writes the envelope to `events` and the data to `payloads` in one statement.
CREATE OR REPLACE FUNCTION append_events(
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

-- Erase one event's payload: record who and why, shred the salt, replace the payload with
-- its redacted copy and append `PayloadErased`, all in one transaction. The caller computes
-- the redaction (it knows which fields of the event type are personal). Runs with the
-- owner's rights so the runtime role needs no DELETE anywhere.
DROP FUNCTION erase_payload(uuid, text, text, text);

CREATE FUNCTION erase_payload(
    p_event_id uuid,
    p_reason text,
    p_erased_by text,
    p_authorised_by text,
    p_redacted jsonb,
    p_erasure_event_id uuid,
    p_metadata jsonb
) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    pk bigint;
    idx bigint;
    sid text;
BEGIN
    SELECT e.id, l.log_index, e.stream_id INTO pk, idx, sid
        FROM events e LEFT JOIN log l ON l.event_pk = e.id
        WHERE e.event_id = p_event_id;
    IF pk IS NULL THEN
        RAISE EXCEPTION 'event % does not exist', p_event_id USING ERRCODE = 'no_data_found';
    END IF;
    IF idx IS NULL THEN
        RAISE EXCEPTION 'event % is not sequenced yet; erase it once it is in the log', p_event_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO erasures (log_index, reason, erased_by, authorised_by)
        VALUES (idx, p_reason, p_erased_by, p_authorised_by);
    DELETE FROM payload_salts WHERE log_index = idx;
    DELETE FROM payloads WHERE event_pk = pk;
    INSERT INTO payloads (event_pk, data, redacted) VALUES (pk, p_redacted, true);
    PERFORM append_events(
        'erasures', NULL, NULL, '{}'::text[], ARRAY[p_erasure_event_id], ARRAY['PayloadErased'],
        ARRAY[1],
        ARRAY[jsonb_build_object('event_id', p_event_id::text, 'log_index', idx,
                                 'stream_id', sid, 'erased_by', p_erased_by,
                                 'authorised_by', p_authorised_by)],
        p_metadata, ARRAY[now()]);
    RETURN idx;
END
$$;

-- The payload as the runtime may read it for verification: NULL once erased.
CREATE VIEW event_payloads AS
    SELECT p.event_pk, l.log_index,
           CASE WHEN x.log_index IS NULL THEN p.data END AS data,
           x.log_index IS NOT NULL AS erased
    FROM payloads p
    LEFT JOIN log l ON l.event_pk = p.event_pk
    LEFT JOIN erasures x ON x.log_index = l.log_index;

REVOKE ALL ON payloads, event_payloads FROM PUBLIC;
GRANT SELECT, INSERT ON payloads TO samverkan_app;
GRANT SELECT ON event_payloads TO samverkan_app;
REVOKE ALL ON FUNCTION erase_payload(uuid, text, text, text, jsonb, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erase_payload(uuid, text, text, text, jsonb, uuid, jsonb)
    TO samverkan_app;
