// Package dashboard owns gpec's web dashboard at /dashboard: the page, its
// scripts and style (web/: plain ES modules, no build step, the bar charts
// and the XLSX writer included), the map libraries it loads (vendor/,
// d3-geo and d3-array as published on npm) and the department and region
// contours it draws (geo/, IGN GEOFLA under Licence Ouverte, prepared by
// the geoprep command).
//
// Everything is embedded in the binary with go:embed and served by Handler
// itself, because gpec runs on closed networks; the page's
// Content-Security-Policy allows its own origin only. The dashboard holds
// no data and no privilege of its own: the browser calls the public
// GraphQL API at /graphql with the token the user pastes (kept in the
// tab's sessionStorage, never in a URL), so it shows exactly what that
// token may see, and the API's errors as the API words them.
//
// The browser tests (browser_test.go) start the real server on a test
// database with the demo seed and drive headless Chromium through each
// view; they skip when no Chromium is installed.
package dashboard
