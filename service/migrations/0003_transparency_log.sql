-- The transparency log over `log`: leaves, Merkle nodes, signed checkpoints, witness
-- cosignatures, and erasure of payloads without breaking the tree.
--
-- Everything is insert-only except `payload_salts`, whose rows can be deleted only by
-- `erase_payload`, and only after an `erasures` row for the same log index exists. A leaf holds
-- the payload as a salted commitment, so deleting the salt (crypto-shredding) leaves every
-- leaf, node and checkpoint verifiable. What the runtime reads of a payload goes through
-- `event_payloads`, which yields NULL for an erased event.

-- The exact RFC 8785 bytes of each log row's envelope and their RFC 9162 leaf hash.
CREATE TABLE leaves (
    log_index  bigint PRIMARY KEY REFERENCES log (log_index),
    leaf       bytea NOT NULL,
    leaf_hash  bytea NOT NULL CHECK (octet_length(leaf_hash) = 32)
);

-- The salt of each payload commitment; deletable by erasure only.
CREATE TABLE payload_salts (
    log_index  bigint PRIMARY KEY REFERENCES log (log_index),
    salt       bytea NOT NULL CHECK (octet_length(salt) = 32)
);

-- Perfect subtrees: node (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
CREATE TABLE merkle_nodes (
    level  smallint NOT NULL CHECK (level >= 0 AND level < 64),
    idx    bigint NOT NULL CHECK (idx >= 0),
    hash   bytea NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, idx)
);

-- C2SP checkpoints signed by the log key: `note` is the whole signed note.
CREATE TABLE checkpoints (
    size       bigint PRIMARY KEY CHECK (size > 0),
    root       bytea NOT NULL CHECK (octet_length(root) = 32),
    note       text NOT NULL,
    signed_at  timestamptz NOT NULL DEFAULT now()
);

-- One cosignature/v1 line per witness per checkpoint.
CREATE TABLE cosignatures (
    size         bigint NOT NULL REFERENCES checkpoints (size),
    witness      text NOT NULL,
    line         text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (size, witness)
);
-- Finality asks for each witness's largest cosigned size.
CREATE INDEX cosignatures_by_witness ON cosignatures (witness, size);

-- The trail of erasures: who asked, who authorised, why. The leaf stays; the salt goes.
CREATE TABLE erasures (
    log_index      bigint PRIMARY KEY REFERENCES log (log_index),
    erased_at      timestamptz NOT NULL DEFAULT now(),
    reason         text NOT NULL CHECK (reason <> ''),
    erased_by      text NOT NULL CHECK (erased_by <> ''),
    authorised_by  text NOT NULL CHECK (authorised_by <> ''),
    CHECK (erased_by <> authorised_by)
);

CREATE TRIGGER leaves_insert_only BEFORE UPDATE OR DELETE ON leaves
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER leaves_no_truncate BEFORE TRUNCATE ON leaves
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER merkle_nodes_insert_only BEFORE UPDATE OR DELETE ON merkle_nodes
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER merkle_nodes_no_truncate BEFORE TRUNCATE ON merkle_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_insert_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER cosignatures_insert_only BEFORE UPDATE OR DELETE ON cosignatures
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER cosignatures_no_truncate BEFORE TRUNCATE ON cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER erasures_insert_only BEFORE UPDATE OR DELETE ON erasures
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER erasures_no_truncate BEFORE TRUNCATE ON erasures
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A salt may be deleted only once its erasure is recorded; never updated or truncated.
CREATE FUNCTION refuse_unrecorded_erasure() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND EXISTS (SELECT 1 FROM erasures x WHERE x.log_index = OLD.log_index) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% on % is refused: salts go only by a recorded erasure', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER payload_salts_erasure_only BEFORE UPDATE OR DELETE ON payload_salts
    FOR EACH ROW EXECUTE FUNCTION refuse_unrecorded_erasure();
CREATE TRIGGER payload_salts_no_truncate BEFORE TRUNCATE ON payload_salts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Erase one event's payload: record who and why, then shred the salt, in one transaction.
-- Runs with the owner's rights so the runtime role needs no DELETE on payload_salts.
CREATE FUNCTION erase_payload(
    p_event_id uuid,
    p_reason text,
    p_erased_by text,
    p_authorised_by text
) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    idx bigint;
BEGIN
    SELECT l.log_index INTO idx FROM log l JOIN events e ON e.id = l.event_pk
        WHERE e.event_id = p_event_id;
    IF idx IS NULL THEN
        RAISE EXCEPTION 'event % is not in the log', p_event_id USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO erasures (log_index, reason, erased_by, authorised_by)
        VALUES (idx, p_reason, p_erased_by, p_authorised_by);
    DELETE FROM payload_salts WHERE log_index = idx;
    RETURN idx;
END
$$;

-- The payload as the runtime may read it: NULL once erased. The view runs with its owner's
-- rights, so it keeps working once the runtime role loses SELECT on events.data.
CREATE VIEW event_payloads AS
    SELECT e.id AS event_pk, l.log_index,
           CASE WHEN x.log_index IS NULL THEN e.data END AS data,
           x.log_index IS NOT NULL AS erased
    FROM events e
    LEFT JOIN log l ON l.event_pk = e.id
    LEFT JOIN erasures x ON x.log_index = l.log_index;

REVOKE ALL ON leaves, payload_salts, merkle_nodes, checkpoints, cosignatures, erasures,
    event_payloads FROM PUBLIC;
GRANT SELECT, INSERT ON leaves, payload_salts, merkle_nodes, checkpoints, cosignatures, erasures
    TO samverkan_app;
GRANT SELECT ON event_payloads TO samverkan_app;
REVOKE ALL ON FUNCTION erase_payload(uuid, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erase_payload(uuid, text, text, text) TO samverkan_app;
