// Package campaign owns DESIGN.md's campaigns and trends ("Campaigns and
// trends"): a pole's yearly survey of its members, opened by its manager;
// its follow-up (members on the reference date, respondents, non-respondents,
// response rate); a member company's answer (its needs and assessments,
// written through the importer so that every row is checked as an import
// row is); the campaign's figures at its reference date and horizons; and
// trends of any role or skill figure across a pole's campaigns or a list of
// dates, with the skills whose gap moved most between two campaigns.
//
// Figures come from package analytics (Engine.Series: every point of a
// trend in the same two statements); follow-ups are one statement for any
// number of campaigns.
//
// Where DESIGN.md leaves room, this package decides:
//
//   - A campaign's id is unique within its pole (the natural key is
//     [pole_id, id]); opening one whose key exists is a conflict.
//   - The figures of a campaign are asked at one of its horizons; another
//     horizon is refused (the campaign's figures are those of its horizons).
//   - A trend lists the skills (roles) with a figure at some point, by code,
//     unless codes are given; a point where one has no figure counts 0
//     (coverage null).
//   - Skills whose gap moved most between two campaigns are the skills of
//     the pole's figures at either campaign (at year(reference date) + k),
//     ranked by the change of gap (grew: largest increase first; shrank:
//     largest decrease first), then code; unchanged ones are in neither list.
package campaign
