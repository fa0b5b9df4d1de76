// Package seed owns gpec's synthetic datasets: `gpec seed` writes companies,
// sites, memberships, employees, skill assessments, declared needs and
// trainings in the import formats of DESIGN.md, on top of the embedded
// reference data (package refdata), for demos, tests and benchmarks.
//
// Every name it writes is invented and marked "(fictive)" or "(fictif)";
// SIRENs and SIRETs are Luhn-valid but drawn at random. Output depends only
// on the scale and the seed: the reference date is fixed at 2026-01-01, the
// random streams are per company, and nothing iterates over a map, so the
// same seed gives byte-identical files. Files are streamed, one company at
// a time, so the national scale (a million employees) runs in bounded
// memory.
package seed
