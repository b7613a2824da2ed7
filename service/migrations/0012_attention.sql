-- The first day a document may ask something of a party (a promise waiting for a signature,
-- an approval or a publication, or a planned follow-up due soon; a walk's finding overdue):
-- the inbox reads only the documents whose day has come instead of every document of the
-- organisation. 'infinity' when nothing waits on any day. Documents written before this have
-- none (NULL) and are read as before until their projection writes them again (or a rebuild).

ALTER TABLE documents ADD COLUMN attention_from date;
