// Package aggregates owns the territorial aggregates of DESIGN.md ("GPEC
// territoriale"): role and skill figures by territory (regions, or the
// departments of a region or of all France), crossed with at most one fixed
// dimension, with their margins, under statistical secrecy for observatories;
// the employment indicators by territory; the ordering of their rows; and
// their CSV export.
//
// # How a result is computed
//
// One SQL statement (contributionsSQL, sql.go) computes, for every
// (territory, dimension value, company), the company's figures there: its
// active employees at asOf (headcount), its stayers at H, its target (declared
// need for (site, role, H), else the site's headcount of the role, summed over
// its sites and roles), and for the skill-category dimension its required and
// qualified figures. A company appears in a cell when it has at least one
// active employee or one declared need in it (DESIGN.md, "Statistical
// secrecy"), even with a headcount of 0. Everything else happens in Go on those
// contributions: the cells and the margins (each territory over the dimension,
// each dimension value over the territories, the grand total) are sums of
// contributions, and secrecy.Apply decides, on the same contributions, which
// figure sets are published. A margin is therefore never a sum of published
// cells: it is computed from data, then secrecy decides about it like about any
// cell. The number of statements is fixed (one, plus one to check and name the
// parent territory when there is one, plus one to look up a rollup),
// whatever the number of territories.
//
// # Rollups
//
// Without a pole scope and with essential links, a fresh rollup (package
// rollup; BuildRollup and fromRollup in rollup.go) replaces the
// contributions: it holds every cell, territory total and margin of every
// level and dimension with its sums, its number of companies and its
// largest company's headcount, which is all secrecy needs
// (secrecy.ApplySummaries). The result is the same as from the
// contributions (rollup_test.go), with no company in memory.
//
// # Dimensions
//
//   - none: one figure set per territory (Result.RowTotals) and the total.
//   - role_family: roles.family.
//   - grand_domain: the parent (first level) of the role's family in
//     role_families; a family without a parent is its own grand domain.
//   - skill_category: skills.category of the skills the role requires.
//   - pole: the poles in which the company has an active membership at asOf;
//     a company in several poles counts in each.
//   - naf_section: the NAF rév. 2 section (A–U) of companies.naf's division.
//
// Roles without a family, families without a row in role_families, skills
// without a category, companies without a NAF code or with an unknown division,
// and companies without any active membership (pole dimension) fall in the
// value with the empty code (a real code is never empty), labelled "… non
// renseigné(e)", so that every dimension covers the same population as the
// none dimension.
//
// The role_family, grand_domain and naf_section dimensions partition the
// employees: a margin's headcount, departures and target are those of the
// territory (or of France). The pole and skill_category dimensions do not: a
// company in two poles, an employee whose role requires skills of two
// categories, counts in each cell, and a margin, being the sum of its cells
// (the equations secrecy protects are sums), counts them once per cell.
// Companies is always the number of distinct companies, also in margins.
//
// Skill figures (Required, Qualified, Gap, Coverage) exist only with the
// skill_category dimension: Required is the sum of required(s) and Qualified
// the sum of qualified(s) over the skills s of the category that the cell's
// roles require (DESIGN.md's definitions, restricted to the cell's sites),
// Gap = Required − Qualified and Coverage = Qualified / Required (null when
// Required = 0). In that dimension Headcount, Departures, Target and RoleGap
// are those of the employees (and declared needs) whose role requires a
// skill of the category.
//
// # Secrecy and scope
//
// Query.Enforce applies primary and secondary secrecy table by table
// (package secrecy): a suppressed figure set publishes null for every
// figure, with its reason. No API caller sets it any more: free queries let
// tables be combined to recover hidden cells, so observatories read releases
// (package release, built from ReleaseCellsSQL) and get FORBIDDEN here. Other callers get the same cells unsuppressed,
// limited to their scope (Scope.PoleID: the sites of that pole's members with
// an active membership at asOf). There is no company filter, on purpose: an
// observatory groups only by whole territories and fixed dimensions.
//
// # Employment indicators
//
// Employment (employment.go) gives DESIGN.md's employment indicators for a
// year Y by territory: the companies with an active membership in a pole (or
// in the scope's pole) on 31 December Y and a site in the territory, and the
// share of them whose headcount in the territory on 31 December Y is greater
// than (created) or at least (maintained) that on 31 December Y−1. Headcount
// in the territory, not the company's whole headcount: a company growing
// elsewhere did not create jobs here. A total judges each company on its
// headcount summed over the rows. Under secrecy a figure set over fewer than 3
// companies is suppressed FREQUENCY, with secondary secrecy between the
// territories and their total; no dominance rule, the figures being counts of
// companies.
//
// Ordering and First (ordering.go) apply after secrecy, to the rows by a
// measure of their total; a suppressed or null value sorts last. Column totals
// and the grand total always cover every row, shown or not.
package aggregates
