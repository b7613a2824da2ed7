-- A promise's activity records (genomförda insatser) in rows of their own, beside the promise
-- document: recording one activity writes one row and a document that does not grow with the
-- records, instead of rewriting every record the promise holds. `position` is the record's
-- place in the promise's list (1 for the first reported), which only grows, so (key, position)
-- stays a stable cursor; a correction or a void rewrites the record's row in place.
--
-- The promise documents keep the rest of the state and the derived progress; their
-- `state.activities` and `public.activities` are read from here (projections.activities).

CREATE TABLE activity_records (
    projection     text NOT NULL,
    version        integer NOT NULL,
    key            text NOT NULL,
    position       integer NOT NULL CHECK (position >= 1),
    record_id      text NOT NULL,
    commitment_id  text NOT NULL,
    revision_no    integer NOT NULL,
    occurred_on    date NOT NULL,
    place_ids      text[] NOT NULL,
    performed_by   text[] NOT NULL,
    quantity       bigint NOT NULL,
    summary        text NOT NULL,
    voided         boolean NOT NULL,
    PRIMARY KEY (projection, version, key, position)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON activity_records TO samverkan_app;

-- Documents written before this migration carry the records inside them: move them out.
INSERT INTO activity_records (projection, version, key, position, record_id, commitment_id,
                              revision_no, occurred_on, place_ids, performed_by, quantity,
                              summary, voided)
SELECT d.projection, d.version, d.key, a.ord, a.rec ->> 'record_id', a.rec ->> 'commitment_id',
       (a.rec ->> 'revision_no')::integer, (a.rec ->> 'occurred_on')::date,
       ARRAY(SELECT jsonb_array_elements_text(coalesce(a.rec -> 'place_ids', '[]'))),
       ARRAY(SELECT jsonb_array_elements_text(coalesce(a.rec -> 'performed_by', '[]'))),
       (a.rec ->> 'quantity')::bigint, a.rec ->> 'summary',
       coalesce((a.rec ->> 'voided')::boolean, false)
FROM documents d
CROSS JOIN LATERAL jsonb_array_elements(d.doc -> 'state' -> 'activities')
     WITH ORDINALITY AS a(rec, ord)
WHERE d.projection = 'promises' AND jsonb_typeof(d.doc -> 'state' -> 'activities') = 'array';

UPDATE documents SET doc = doc #- '{state,activities}' #- '{public,activities}'
WHERE projection = 'promises' AND (doc -> 'state' ? 'activities' OR doc -> 'public' ? 'activities');
