DROP TABLE IF EXISTS audit_log, events, domains, formations, releases, slugs, configs,
    collaborators, apps, tokens, users CASCADE;
DROP FUNCTION IF EXISTS append_only, releases_immutable;
