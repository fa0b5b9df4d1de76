DROP FUNCTION IF EXISTS rollup_part_changed_companies(bigint, text, integer);
