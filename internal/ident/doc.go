// Package ident owns the validation of gpec's identifiers and enumerations as
// DESIGN.md fixes them: SIREN and SIRET (Luhn, with La Poste's exception),
// INSEE territory codes per level, pole slugs, referential codes, proficiency
// levels, horizon years, training modalities and the kinds of poles and
// skills. Each validator returns nil or an error whose message is a reason
// fit to show a user, in a line, without the value (callers report it).
package ident
