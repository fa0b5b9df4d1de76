// Package refdata owns the reference data gpec ships: the territories of
// INSEE COG 2024, the 46 pôles de compétitivité, and the ROME v460 job and
// skill referentials of France Travail, converted once by ./convert into the
// import formats of DESIGN.md and embedded in the binary, so that neither a
// build nor a run needs the published source files. data/PROVENANCE.md
// states origins, versions and licences.
//
// Files gives the importable CSVs; naf_roles.csv (which ROME roles each NAF
// division employs) is not a kind the importer knows, and only feeds the
// seed generator through NAFRoles.
package refdata
