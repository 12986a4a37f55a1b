-- An app's buildpack installations, in order (empty: the bundled
-- buildpacks detect the app), and the generation of its build cache:
-- purging the cache moves the app to a new, empty one.
ALTER TABLE apps ADD COLUMN buildpacks text[] NOT NULL DEFAULT '{}';
ALTER TABLE apps ADD COLUMN build_cache_generation integer NOT NULL DEFAULT 0;
