-- An activity record may count towards further commitments of the revision in force beside
-- its own (`also_counts_for`, each link explicit: one activity, several counts). Records
-- written before this have none.

ALTER TABLE activity_records ADD COLUMN also_counts_for text[] NOT NULL DEFAULT '{}';
