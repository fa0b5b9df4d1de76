// Package training follows trainings to completion (DESIGN.md, "Training
// sessions"): the figures of each session at a reference date (seats,
// enrolled, completed, fill rate, free seats — counting every enrolment,
// whoever reads), the enrolment rows a reader may see (an administrator
// every one, a company its own employees', a pole manager its active
// members'), and a company's writes of enrolments and completions, which go
// through the importer so that they are checked, scoped and all-or-nothing
// exactly like an enrolments file (seats never overbooked).
//
// What completions do to levels, and the plan's effect on gaps, are figures
// of internal/analytics.
package training
