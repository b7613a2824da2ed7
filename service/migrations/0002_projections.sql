-- Read models. Each projection builds versions side by side (blue/green): a version is
-- 'building' from log index 0, 'serving' once switched in, 'retired' when replaced. Rows of
-- every read-model table carry their projection version, so a rebuild never touches what serves.

CREATE TABLE projection_state (
    projection  text NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    status      text NOT NULL CHECK (status IN ('building', 'serving', 'retired')),
    checkpoint  bigint NOT NULL DEFAULT -1,
    started_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, version)
);
CREATE UNIQUE INDEX projection_state_one_serving ON projection_state (projection)
    WHERE status = 'serving';

-- Documents folded per key (a promise, an organisation, …) with the columns lists filter on.
CREATE TABLE documents (
    projection     text NOT NULL,
    version        integer NOT NULL,
    key            text NOT NULL,
    doc            jsonb NOT NULL,
    organisations  text[] NOT NULL DEFAULT '{}',
    status         text,
    title          text,
    valid_from     date,
    valid_to       date,
    log_index      bigint NOT NULL,
    PRIMARY KEY (projection, version, key)
);
CREATE INDEX documents_organisations ON documents USING gin (organisations);
CREATE INDEX documents_status ON documents (projection, version, status);

-- Audit history: one row per event, who did what, when, from which organisation.
CREATE TABLE history (
    version          integer NOT NULL,
    log_index        bigint NOT NULL,
    event_id         uuid NOT NULL,
    stream_id        text NOT NULL,
    stream_version   integer NOT NULL,
    type             text NOT NULL,
    actor_issuer     text,
    actor_subject    text,
    organisation_id  text,
    roles            text[],
    client_id        text,
    command_id       text,
    occurred_at      timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL,
    PRIMARY KEY (version, log_index)
);
CREATE INDEX history_stream ON history (version, stream_id, stream_version);

GRANT SELECT, INSERT, UPDATE, DELETE ON projection_state, documents, history TO samverkan_app;
