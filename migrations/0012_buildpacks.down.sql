ALTER TABLE apps DROP COLUMN build_cache_generation;
ALTER TABLE apps DROP COLUMN buildpacks;
