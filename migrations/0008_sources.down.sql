DROP TABLE source_chunks;
DROP TABLE sources;
