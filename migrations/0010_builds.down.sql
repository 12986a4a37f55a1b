DROP TABLE build_output;
DROP TABLE builds;
DROP FUNCTION builds_settle_once();
