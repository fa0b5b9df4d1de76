-- Floor of 09_release_table: the stored cells of the table — the region's
-- departments × role family and their totals, the region's family totals and
-- its total — with a hidden cell's figures withheld, in one statement on the
-- primary key and the parent index.
-- params: releaseId releaseHorizon releaseRegion
SELECT dimension, level, code, name, value_code, value_label, suppressed, reason,
       CASE WHEN NOT suppressed THEN companies END AS companies,
       CASE WHEN NOT suppressed THEN headcount END AS headcount,
       CASE WHEN NOT suppressed THEN headcount - stayers END AS departures,
       CASE WHEN NOT suppressed THEN target END AS target,
       CASE WHEN NOT suppressed THEN target - stayers END AS role_gap
FROM release_cells
WHERE release_id = $1::bigint AND horizon = $2::int AND dimension IN ('none', 'role_family')
  AND ((level = 'department' AND parent_code = $3) OR (level = 'region' AND code = $3))
ORDER BY code, value_code
