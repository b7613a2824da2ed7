-- A rebuild that folds the log in parts (projections.rebuild.fold_part): the streams are split
-- by a hash of their id into `parts` parts, each folded by a process of its own up to a common
-- log index, and each part commits its flushes with its own checkpoint here. The version's
-- checkpoint in projection_state stays where the parts began until every part has reached the
-- common index; then it moves there and these rows go, in one transaction. A rebuild resumed
-- after a crash finds its parts here and continues each from its checkpoint, with the same
-- number of parts (a stream's part depends on it).

CREATE TABLE rebuild_parts (
    projection  text NOT NULL,
    version     integer NOT NULL,
    part        integer NOT NULL CHECK (part >= 0 AND part < parts),
    parts       integer NOT NULL CHECK (parts >= 2),
    checkpoint  bigint NOT NULL,
    PRIMARY KEY (projection, version, part),
    FOREIGN KEY (projection, version) REFERENCES projection_state (projection, version)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON rebuild_parts TO samverkan_app;
