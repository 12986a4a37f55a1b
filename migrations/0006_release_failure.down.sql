CREATE OR REPLACE FUNCTION releases_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.app_id <> OLD.app_id OR NEW.version <> OLD.version
       OR NEW.description <> OLD.description OR NEW.slug_id IS DISTINCT FROM OLD.slug_id
       OR NEW.config_id <> OLD.config_id OR NEW.user_id IS DISTINCT FROM OLD.user_id
       OR NEW.user_email <> OLD.user_email OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'releases are immutable';
    END IF;
    IF NEW.status <> OLD.status AND OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'release v% already %', OLD.version, OLD.status;
    END IF;
    RETURN NEW;
END $$;
