-- Where a projection version last changed: the log index of the last batch that wrote any of
-- its rows. Its checkpoint moves with every event of the log, most of which a given
-- projection writes nothing for; what its readers have read stays the same until this moves,
-- so kept public pages and anonymous answers are kept by it
-- (service.web.public.freshness.STANDING) instead of by the checkpoint. Until a version
-- writes again, it changed at the latest where its checkpoint stands now.

ALTER TABLE projection_state ADD COLUMN changed_at bigint NOT NULL DEFAULT -1;
UPDATE projection_state SET changed_at = checkpoint;
