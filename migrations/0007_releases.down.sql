DROP TABLE IF EXISTS release_employment, release_cells, releases;
DROP FUNCTION IF EXISTS gpec_release_frozen();
