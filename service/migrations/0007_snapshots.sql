-- Snapshots of folded states, so that time travel and a dispatcher with a cold cache need not
-- fold a long stream from its first event. A row is one decider's state of one stream after
-- its event `stream_version` (log index `log_index`), as the UTF-8 bytes of its JSON (bytea:
-- read back as it was written, with no jsonb parsing on the way in or out). The log stays the
-- authority: a snapshot is only a shortcut to a fold of the same events and may be deleted at
-- any time.
--
-- `erasures` is how many erasures of the stream's events were recorded when the state was
-- folded. Readers use a snapshot only while that count is still the stream's count, and
-- recording an erasure deletes the stream's snapshots in the same transaction, so no
-- snapshot ever hands out a payload that an erasure has blanked.

CREATE TABLE snapshots (
    name            text NOT NULL,
    stream_id       text NOT NULL,
    stream_version  integer NOT NULL CHECK (stream_version > 0),
    log_index       bigint NOT NULL,
    erasures        integer NOT NULL CHECK (erasures >= 0),
    state           bytea NOT NULL,
    PRIMARY KEY (name, stream_id, stream_version)
);

CREATE FUNCTION drop_erased_snapshots() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    DELETE FROM snapshots s
        USING log l JOIN events e ON e.id = l.event_pk
        WHERE l.log_index = NEW.log_index AND s.stream_id = e.stream_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER erasures_drop_snapshots AFTER INSERT ON erasures
    FOR EACH ROW EXECUTE FUNCTION drop_erased_snapshots();

REVOKE ALL ON snapshots FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON snapshots TO samverkan_app;
REVOKE ALL ON FUNCTION drop_erased_snapshots() FROM PUBLIC;
