-- API tokens (internal/auth). Only a SHA-256 of each token is stored: the
-- plaintext is shown once, at creation. The scope columns must match the role,
-- so that a token can never be read as wider than it was issued. Scope values
-- are not foreign keys on purpose: a token outlives a pole or a company being
-- re-imported, and a dangling scope simply matches no rows.
CREATE TABLE tokens (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  prefix          text NOT NULL CHECK (prefix ~ '^gpec_[a-z2-7]{8}$'),
  hash            bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
  role            text NOT NULL CHECK (role IN ('admin', 'pole_manager', 'company', 'observatory')),
  pole_id         text,
  siren           text CHECK (siren ~ '^[0-9]{9}$'),
  territory_level text CHECK (territory_level IN ('region', 'department', 'commune')),
  territory_code  text CHECK (territory_code ~ '^[0-9AB]{2,5}$'),
  label           text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz,
  revoked_at      timestamptz,
  last_used_at    timestamptz,
  CONSTRAINT tokens_expiry_after_creation CHECK (expires_at > created_at),
  -- An observatory sees one territory or, with both columns null, the whole country.
  CONSTRAINT tokens_territory_level_and_code CHECK ((territory_level IS NULL) = (territory_code IS NULL)),
  CONSTRAINT tokens_scope_matches_role CHECK (CASE role
    WHEN 'admin'        THEN pole_id IS NULL AND siren IS NULL AND territory_level IS NULL
    WHEN 'pole_manager' THEN pole_id IS NOT NULL AND siren IS NULL AND territory_level IS NULL
    WHEN 'company'      THEN pole_id IS NULL AND siren IS NOT NULL AND territory_level IS NULL
    WHEN 'observatory'  THEN pole_id IS NULL AND siren IS NULL
  END)
);
