// Package project owns DESIGN.md's collaborative R&D projects of a pole
// (FUI, ANR, European programmes): a project, its partners (with whether
// each is an active member of the project's pole at asOf), its needs by
// site, role and year, the sum per role and year over the project's years,
// the skills its needs at a horizon H require beside the pole's gap of each
// without projects, and per pole the skills its running projects will need
// most at H that its members lack.
//
// Figures of scopes with projects (includeProjects) are package analytics';
// this package reads analytics only for the pole's gap without projects.
// Reads are batched: one statement per kind of read for any number of
// projects or poles (Loaders).
//
// Where DESIGN.md leaves room, this package decides:
//
//   - A project need "requires" a skill as every figure does: an essential
//     role–skill link, or any link with includeOptional.
//   - A pole's projects are listed by start year, then id; a company's
//     projects (those it is a partner of) likewise.
//   - The skills a pole's running projects will need most at H: the skills
//     that the needs at H of the pole's projects require (a need at H lies
//     within its project's years, so its project runs at H), with the
//     headcount of those needs; kept when the members lack the skill — the
//     pole's gap of it without projects is positive, or no role of the
//     pole's members requires it (required 0: no member is qualified by
//     role) —; ranked by that headcount descending, then the pole's gap
//     descending, then skill code.
package project
