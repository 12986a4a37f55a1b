DROP TABLE git_refs;
DROP TABLE git_objects;
