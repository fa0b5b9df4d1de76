-- Searches (skills(search:), roles, trainings, companies, poles,
-- territories) are ILIKE '%text%' matches: without an index each one scans
-- its table, and a long pattern is matched against every row (33,671
-- skills: a 10 KB pattern took seconds). Trigram GIN indexes answer them
-- from the index for any pattern of 3 characters or more; shorter ones
-- still scan, which at 100 characters at most (internal/limits) is cheap.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the
-- owner of the database can create it without being superuser. Where it
-- cannot be created (no contrib package, or a role without CREATE on the
-- database), the migration still applies, without the indexes, and says
-- so in a NOTICE; searches then work as before, only slower. Running this
-- migration again after installing pg_trgm is not needed: create the
-- extension and the indexes below by hand, with the same names.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm cannot be created (%): searches run without trigram indexes', SQLERRM;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX skills_name_trgm ON skills USING gin (name gin_trgm_ops);
    CREATE INDEX skills_code_trgm ON skills USING gin (code gin_trgm_ops);
    CREATE INDEX roles_title_trgm ON roles USING gin (title gin_trgm_ops);
    CREATE INDEX roles_code_trgm ON roles USING gin (code gin_trgm_ops);
    CREATE INDEX trainings_title_trgm ON trainings USING gin (title gin_trgm_ops);
    CREATE INDEX trainings_provider_trgm ON trainings USING gin (provider gin_trgm_ops);
    CREATE INDEX companies_name_trgm ON companies USING gin (name gin_trgm_ops);
    CREATE INDEX territories_name_trgm ON territories USING gin (name gin_trgm_ops);
  END IF;
END
$$;

-- Every change to a token that can narrow what it may do (revocation,
-- deletion, expiry, scope, role) increments token_revision.revision in the
-- same transaction. Servers cache verified tokens, and each request reads
-- this one row (one primary-key read on the authentication pool, which
-- queries never use) before trusting its cache: a revocation applies at the
-- token's next request on every instance. Touching last_used_at does not
-- count.
CREATE TABLE token_revision (
  singleton bool PRIMARY KEY DEFAULT true CHECK (singleton),
  revision  bigint NOT NULL
);
INSERT INTO token_revision VALUES (true, 1);

CREATE FUNCTION gpec_bump_token_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE token_revision SET revision = revision + 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER tokens_changed AFTER UPDATE ON tokens FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
        OR OLD.role IS DISTINCT FROM NEW.role OR OLD.pole_id IS DISTINCT FROM NEW.pole_id
        OR OLD.siren IS DISTINCT FROM NEW.siren OR OLD.territory_level IS DISTINCT FROM NEW.territory_level
        OR OLD.territory_code IS DISTINCT FROM NEW.territory_code OR OLD.hash IS DISTINCT FROM NEW.hash)
  EXECUTE FUNCTION gpec_bump_token_revision();
CREATE TRIGGER tokens_deleted AFTER DELETE ON tokens FOR EACH STATEMENT
  EXECUTE FUNCTION gpec_bump_token_revision();
