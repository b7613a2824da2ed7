-- Whether a document has a public view (a published promise or agreement, a held walk …),
-- kept beside it: the public lists and an anonymous caller's lists filter on it without
-- reading (and decompressing) every document of the projection, drafts included.

ALTER TABLE documents ADD COLUMN published boolean GENERATED ALWAYS AS (doc ? 'public') STORED;
