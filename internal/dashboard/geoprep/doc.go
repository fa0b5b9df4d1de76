// Command geoprep turns the IGN GEOFLA contours (GeoJSON, WGS 84, as
// simplified by the france-geojson project) into the files the dashboard
// ships in ../geo: coordinates rounded to 3 decimals (about 100 m, finer
// than a pixel of a map of France), points that rounding or a tolerance
// make redundant dropped, rings wound clockwise as d3-geo expects (its
// spherical polygons would otherwise cover the whole globe but the shape),
// and only the `code` and `nom` properties kept.
//
//	go run ./internal/dashboard/geoprep -in departements-version-simplifiee.geojson -out internal/dashboard/geo/departements.geojson
package main
