// Package analytics owns the gap engine of DESIGN.md ("Analytics — exact
// definitions"): role and skill figures of scopes, trainings near a
// territory, and a pole's strategy (critical skills, shared training
// opportunities, mobility paths, employment indicators).
//
// Every figure is computed in PostgreSQL by set-based SQL, batched across
// parents: each method takes a slice of scopes, requests or pole ids and
// answers all of them with a fixed number of statements (one; two for
// SharedTrainingOpportunities, whose trainings are a second batch), arrays
// passed with pq.Array and unnested, each parent's list ordered and cut with
// row_number() so that a top-10 ships ten rows, with its total. A method may
// run one more statement first: the look-up of a fresh rollup (rollup.go).
//
// # Rollups
//
// Whole-pole scopes with essential links, with or without the plan and
// projects, are answered from the rollup of (asOf, H, A) when package
// rollup has one built from the current data (with projects, its run with
// projects):
// BuildRollup fills it from the same fragments as the live statements (one
// pass over every pole's (member, department) units, whose figures add up),
// and the methods read it by index. The units' figures are kept with the
// rollup, so that a pole whose part is stale through writes to a few of its
// companies recomputes only theirs (buildRollup). Until it is rebuilt, a
// pole request is derived from the part, minus what it kept for the few
// companies plus their figures now (derive in derived.go), in one
// snapshot, and kept for the data version. Any other request, or a pole request while no rollup can
// answer, computes from the data; every path gives the same answers
// (rollup_test.go and derived_test.go compare them on random data).
//
// # Steps
//
// A pole's skill and role gaps at another date than a fresh rollup's
// (essential links, no plan or projects) read the pole's steps when they
// answer that date (steps.go, rollup.StepsFresh): the change of each role
// figure (headcount, stayers, target) and of each skill's judged counts
// (qualified, upskillable minus the level-1 pairs, internal pool) on each
// day a fact changes them, and their values every 10,000 changes; required,
// the level needed and the unassessed stayers of level-1 links are derived
// from the roles' figures at read time, as figuresCTE's demand and
// unassessed CTEs do (stepsFiguresCTE). BuildSteps computes them for one
// pole at a time from the members' periods, their employees' days in the
// pole, the target of every declared (site, role) through time and each
// stayer's level through time (stepsDeltas). steps_test.go compares their
// answers with the naive reference on and the day before every fact's date.
//
// When a few companies' writes dated on or before the date escaped the
// steps, the answer is derived (lookupStepsDerivation): the steps plus
// those companies' changes up to the date now, minus the changes their
// writers kept for them before writing (KeepStepsPrior, called by the
// importer through Options.BeforeWrite; migration 0025).
// steps_derived_test.go compares the derived answers with the reference
// after a company's import.
//
// Where each figure is computed:
//
//   - scopes (a company's sites, a pole's active members' sites, a
//     territory's subtree, their intersections): scopeUnitsCTE in
//     figures_sql.go; a pole's member companies and their departments:
//     poleMembersCTE, companyUnitsCTE, departmentUnitsCTE.
//   - active employee, stayer at H (decided once per query, in emp),
//     headcount, stayers, departures, target, roleGap: figuresCTE (emp,
//     site_role, site_need, role_fig); RoleGaps in roles.go.
//   - the level of a skill at asOf (the latest assessment undated or dated
//     on or before asOf, undated the oldest: assessedBy and the assessment
//     CTE; raised by the completions dated on or before asOf and after that
//     assessment: completedBy and the taught and assessed CTEs) and the
//     planned level of withPlan (enrolments in sessions ending by 31
//     December of H: plannedBy, taught; qualified_with_plan in judged and
//     skill_fig; the pole rollups hold qualified_with_plan and the members
//     with a positive gapAfterPlan: plannedSkillsSQL),
//     and the declared need
//     at asOf (the latest row of its (site, role, H) key: declaredBy and
//     site_need): figuresCTE.
//   - target with projects (includeProjects: the project needs of year H
//     at the scope's sites, of the scope's pole's projects when it involves
//     a pole): projectFigures in projects_sql.go, derived from figuresCTE;
//     the strategy's statements with projects likewise. A pole's figures
//     with projects read the rollup's run with projects when it is fresh
//     (projectsRollupSteps in rollup.go: the units' figures plus the few
//     units' project needs), else compute live.
//   - the figures of scopes at several (asOf, H) points at once, for
//     campaigns and trends: Series in series.go (seriesCTE, derived from the
//     same fragments; a pole's points read their rollups when all are fresh,
//     and a point without one derives from its own date's stale rollup or
//     another date's when few companies changed: deltaSeries in
//     series_delta.go).
//   - the upcoming sessions of a shared training opportunity:
//     UpcomingSessions in sessions.go.
//   - required and the level needed for trainings (demand), qualified and
//     upskillable (assessed, judged, unassessed), internalPool (top_level,
//     judged): figuresCTE;
//     SkillGaps in skills.go, which derives gap and coverage in Go from the
//     two integers.
//   - trainings near a territory and their distance: TrainingsNear in
//     trainings.go.
//   - critical skills, shared training opportunities, mobility paths and
//     similarity: strategy.go.
//   - employment indicators: employment.go.
//
// Where DESIGN.md leaves room, this package decides:
//
//   - A Scope is the intersection of the sets its set fields name, so a
//     company within a department is a scope too (shared opportunities are
//     computed on such units).
//   - Roles whose figures are all zero are left out (headcount = target = 0),
//     and so are skills whose required, qualified, upskillable and
//     internalPool are all zero.
//   - "The roles requiring s in the scope", for the level needed, are the
//     roles with a headcount or a target in the scope; LevelNeeded is 0 when
//     none requires s (a skill shown only for its internal pool).
//   - internalPool: a role "does not require" s when it has no counting link
//     (an optional link does not count unless includeOptional); a skill that
//     no role requires has no internal pool.
//   - Orders break ties by code in byte order (COLLATE "C"); a null coverage
//     sorts after every number.
//   - Critical skills rank every skill of the pole's figures, not only those
//     with a positive gap; a member's own gap is over all its sites.
//   - Trainings: T of a company scope is the set of its sites' departments,
//     a training's distance the smallest over them; a remote training is at
//     distance 0 wherever it is registered; a department-level training is not
//     "inside" a commune; an unknown duration ranks last.
//   - Shared opportunities: LevelNeeded is the highest level needed by the
//     counted companies' sites in the department; ordered by learners, then
//     companies (both descending), then department code, then skill code.
//   - Mobility: two roles without a common required skill have similarity 0;
//     ties after similarity and people go by from siren, from role code, to
//     siren, to role code.
//   - Employment: a member with no employees at either date maintains its
//     jobs (0 >= 0).
//
// Package reference holds a naive, in-memory implementation of the same
// definitions that the tests compare this package with.
package analytics
