-- Observatory releases (#11): fixed tables of the territorial aggregates at a
-- reference date, protected as a whole by statistical secrecy. A release is
-- written once, while it is BUILDING; afterwards deletion is the only change
-- it ever sees (the triggers below refuse the rest), so its figures never
-- follow a later import.

CREATE TABLE releases (
  id                     bigserial PRIMARY KEY,
  reference_date         date NOT NULL,
  status                 text NOT NULL DEFAULT 'BUILDING' CHECK (status IN ('BUILDING', 'PUBLISHED', 'FAILED')),
  -- 0..1 while BUILDING, 1 once built.
  progress               double precision NOT NULL DEFAULT 0,
  horizons               integer[] NOT NULL,
  retirement_age         integer NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  build_seconds          double precision,
  -- Counts kept with the release: cells (of every table, level, dimension and
  -- horizon), hidden (territory, dimension, value) keys by cause, and the
  -- headcount they hide against the headcount of every key.
  cell_count             integer,
  hidden_primary         integer,
  hidden_secondary       integer,
  hidden_headcount       bigint,
  total_headcount        bigint,
  size_bytes             bigint,
  -- The role families' grand domains when built (family code -> grand domain
  -- code): the audit's nesting equations, kept so that a later change to the
  -- referential does not change what the release's audit proves.
  family_domains         jsonb,
  -- Why a FAILED release failed (the audit's first violations, or an error).
  failure                text
);
CREATE INDEX releases_date ON releases (reference_date DESC, id DESC);

-- One cell of one table: (territory, dimension, value) at one horizon. A
-- territory's total is the row of dimension 'none' (value ''), the same cell
-- for every dimension. The figures are the true ones; a suppressed cell's are
-- withheld by the readers, never stored as null, so that an audit can be
-- rerun. largest and second are the two largest company contributions to
-- the headcount (the primary rules' inputs).
CREATE TABLE release_cells (
  release_id   bigint NOT NULL REFERENCES releases ON DELETE CASCADE,
  horizon      integer NOT NULL,
  dimension    text NOT NULL,
  level        text NOT NULL CHECK (level IN ('country', 'region', 'department')),
  code         text NOT NULL,
  parent_code  text NOT NULL,
  name         text NOT NULL,
  value_code   text NOT NULL,
  value_label  text NOT NULL,
  companies    integer NOT NULL,
  headcount    integer NOT NULL,
  stayers      integer NOT NULL,
  target       integer NOT NULL,
  required     integer NOT NULL,
  qualified    integer NOT NULL,
  largest      integer NOT NULL,
  second       integer NOT NULL,
  suppressed   boolean NOT NULL,
  reason       text CHECK (reason IN ('FREQUENCY', 'DOMINANCE', 'P_PERCENT', 'SECONDARY')),
  PRIMARY KEY (release_id, dimension, horizon, level, code, value_code)
);
CREATE INDEX release_cells_parent ON release_cells (release_id, dimension, horizon, level, parent_code);

-- Employment indicators of a release, for the year before its reference date.
CREATE TABLE release_employment (
  release_id   bigint NOT NULL REFERENCES releases ON DELETE CASCADE,
  year         integer NOT NULL,
  level        text NOT NULL CHECK (level IN ('country', 'region', 'department')),
  code         text NOT NULL,
  parent_code  text NOT NULL,
  name         text NOT NULL,
  companies    integer NOT NULL,
  created      integer NOT NULL,
  maintained   integer NOT NULL,
  suppressed   boolean NOT NULL,
  reason       text CHECK (reason IN ('FREQUENCY', 'GROUP_DISCLOSURE', 'SECONDARY')),
  PRIMARY KEY (release_id, level, code)
);

-- A release is immutable once built: its row changes only while BUILDING, its
-- cells are inserted only then and never updated.
CREATE FUNCTION gpec_release_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'releases' THEN
    IF OLD.status <> 'BUILDING' THEN
      RAISE EXCEPTION 'release % is % and cannot change; delete it instead', OLD.id, OLD.status;
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'release cells never change; delete the release instead';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM releases r WHERE r.id = NEW.release_id AND r.status = 'BUILDING') THEN
    RAISE EXCEPTION 'release % is not building: its cells cannot change', NEW.release_id;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER releases_frozen BEFORE UPDATE ON releases
  FOR EACH ROW EXECUTE FUNCTION gpec_release_frozen();
CREATE TRIGGER release_cells_frozen BEFORE INSERT OR UPDATE ON release_cells
  FOR EACH ROW EXECUTE FUNCTION gpec_release_frozen();
CREATE TRIGGER release_employment_frozen BEFORE INSERT OR UPDATE ON release_employment
  FOR EACH ROW EXECUTE FUNCTION gpec_release_frozen();
