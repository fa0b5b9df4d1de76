CREATE OR REPLACE FUNCTION gpec_luhn_ok(digits text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT digits ~ '^[0-9]+$' AND (
    SELECT sum(CASE WHEN (length(digits) - i) % 2 = 1
                    THEN (CASE WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END)
                    ELSE d END) % 10 = 0
    FROM (SELECT i, substr(digits, i, 1)::int AS d
          FROM generate_series(1, length(digits)) AS i) AS s)
$$;

CREATE OR REPLACE FUNCTION gpec_siret_ok(siret text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT siret ~ '^[0-9]{14}$' AND CASE
    WHEN left(siret, 9) = '356000000' THEN
      (SELECT sum(substr(siret, i, 1)::int) FROM generate_series(1, 14) AS i) % 5 = 0
    ELSE gpec_luhn_ok(siret) END
$$;
