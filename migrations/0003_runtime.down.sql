ALTER TABLE formations DROP COLUMN generation;
DROP TABLE cluster;
