// Package lheo reads training offers published in LHÉO (Langage harmonisé
// d'échange d'informations sur l'offre de formation, the French standard of
// decree 2015-742, as Carif-Oref and France Travail publish them) and turns
// them into rows of gpec's trainings, training_sessions and training_skills
// files, which the importer then checks and merges like CSV files, all or
// nothing.
//
// Version: LHÉO 2.2/2.3 (the elements below are the same in both). The file
// is read token by token (encoding/xml's Decoder), one <formation> held in
// memory at a time, and rows are written to the caller's writers as each
// formation ends: a regional feed of 100 MB converts in bounded memory.
//
// Read, under the root <lheo> > <offres>:
//
//	<formation numero>                      one offer; its actions become trainings
//	  <intitule-formation>                  the trainings' title (mandatory)
//	  <domaine-formation><code-ROME>        roles whose essential skills the trainings teach
//	  <action numero>                       one training: id = its numero, else the
//	                                        formation's numero + "-" + its rank
//	    <modalites-enseignement>            0 onsite, 1 blended, 2 remote (mandatory)
//	    <lieu-de-formation>…<adresse>       the training's territory: <code-INSEE-commune>
//	      <code-INSEE-commune>, <departement> when known, else <departement> (mandatory)
//	    <nombre-heures-total>               duration_hours
//	    <prix-total-TTC>                    cost_eur
//	    <session numero>                    one session: id = its numero, else its start
//	      <periode><debut>, <fin>           dates AAAAMMJJ (mandatory; unknown dates
//	                                        00000000, 99999999, AAAAMM00 are refused)
//	  <organisme-formation-responsable>
//	    <nom-organisme>                     the provider (else <raison-sociale>; mandatory)
//
// Everything else (contacts, objectives, FORMACODE and NSF codes,
// certifications, funders, <extras>…) is ignored, as are the <lheo-leger>
// summaries. An action whose ROME codes are known and which has no
// training_skills row in the database teaches each essential skill of those
// roles at the level the role requires it (the highest when several roles
// require it), written as training_skills rows. Sessions carry no seat
// limit (LHÉO publishes none per session).
//
// Each bad entry (wrong root, missing mandatory element, bad date or
// number, unknown ROME code or territory, an id given twice) is reported
// with its element and line; the importer then writes nothing.
package lheo
