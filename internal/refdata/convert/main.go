// Command convert turns the published reference files (France Travail ROME,
// INSEE COG, the list of pôles de compétitivité) into the import-format CSVs
// that package refdata embeds, plus PROVENANCE.md. It is run by hand when a
// new ROME or COG version is published; nothing at build or run time needs
// the source files:
//
//	go run ./internal/refdata/convert -rome DIR -cog DIR -poles FILE -out internal/refdata/data
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

func main() {
	romeDir := flag.String("rome", "", "folder of the ROME unix_*_v460_utf8.csv files")
	cogDir := flag.String("cog", "", "folder of INSEE COG regions.csv and departements.csv")
	polesFile := flag.String("poles", "", "poles.csv (id,name,kind,region_code,label_2023,region_sourced,source)")
	outDir := flag.String("out", "internal/refdata/data", "output folder")
	flag.Parse()
	if *romeDir == "" || *cogDir == "" || *polesFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*romeDir, *cogDir, *polesFile, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
}

// table is one source CSV, addressed by column name so that a reordered or
// widened publication still converts (or fails loudly on a missing column).
type table struct {
	name string
	cols map[string]int
	rows [][]string
}

func (t *table) get(row []string, col string) string { return row[t.cols[col]] }

func (t *table) need(cols ...string) error {
	for _, c := range cols {
		if _, ok := t.cols[c]; !ok {
			return fmt.Errorf("%s: no column %q", t.name, c)
		}
	}
	return nil
}

func readTable(path string, cols ...string) (*table, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	// Some ROME v460 files named *_utf8 are in fact ISO-8859-15
	// (unix_arborescence_secteur_naf): decode them rather than emit mojibake.
	if !utf8.Valid(raw) {
		raw = latin9ToUTF8(raw)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &table{name: filepath.Base(path), cols: map[string]int{}}
	for i, h := range header {
		t.cols[strings.TrimSpace(h)] = i
	}
	if err := t.need(cols...); err != nil {
		return nil, err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		t.rows = append(t.rows, rec)
	}
	return t, nil
}

// latin9ToUTF8 decodes ISO-8859-15: Latin-1 except for eight code points
// (œ and Œ are the ones French job titles use).
func latin9ToUTF8(b []byte) []byte {
	diff := map[byte]rune{0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ'}
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/8)
	for _, c := range b {
		if r, ok := diff[c]; ok {
			out.WriteRune(r)
		} else {
			out.WriteRune(rune(c))
		}
	}
	return out.Bytes()
}

func writeCSV(dir, name string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	fmt.Printf("%-18s %7d rows\n", name, len(rows))
	return os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644)
}

func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
}

func run(romeDir, cogDir, polesFile, outDir string) error {
	rome := func(kind string) string { return filepath.Join(romeDir, "unix_"+kind+"_v460_utf8.csv") }
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}

	// Territories: INSEE COG 2024, names as LIBELLE (with accents).
	regs, err := readTable(filepath.Join(cogDir, "regions.csv"), "REG", "LIBELLE")
	if err != nil {
		return err
	}
	deps, err := readTable(filepath.Join(cogDir, "departements.csv"), "DEP", "REG", "LIBELLE")
	if err != nil {
		return err
	}
	regionNames := map[string]string{}
	var regionRows, depRows [][]string
	for _, r := range regs.rows {
		code, name := regs.get(r, "REG"), regs.get(r, "LIBELLE")
		regionNames[code] = name
		regionRows = append(regionRows, []string{"region", code, name, ""})
	}
	for _, r := range deps.rows {
		code, reg := deps.get(r, "DEP"), deps.get(r, "REG")
		if _, ok := regionNames[reg]; !ok {
			return fmt.Errorf("department %s: unknown region %s", code, reg)
		}
		depRows = append(depRows, []string{"department", code, deps.get(r, "LIBELLE"), reg})
	}
	sortRows(regionRows)
	sortRows(depRows)
	// Regions first so that a reader streaming the file meets parents first.
	if err := writeCSV(outDir, "territories.csv", []string{"level", "code", "name", "parent_code"},
		append(regionRows, depRows...)); err != nil {
		return err
	}

	// Poles: the source's own columns; themes and website stay empty because
	// the source does not give them. Sources go to PROVENANCE.md.
	poles, err := readTable(polesFile, "id", "name", "kind", "region_code", "label_2023", "region_sourced", "source")
	if err != nil {
		return err
	}
	var poleRows, poleSources [][]string
	for _, r := range poles.rows {
		id, reg := poles.get(r, "id"), poles.get(r, "region_code")
		if _, ok := regionNames[reg]; !ok {
			return fmt.Errorf("pole %s: unknown region %s", id, reg)
		}
		poleRows = append(poleRows, []string{id, poles.get(r, "name"), poles.get(r, "kind"), reg, "", ""})
		poleSources = append(poleSources, []string{id, poles.get(r, "name"), reg,
			poles.get(r, "label_2023"), poles.get(r, "region_sourced"), poles.get(r, "source")})
	}
	sortRows(poleRows)
	// poleSources keep the source's order: its "(idem)" cells refer to the
	// row above.
	if err := writeCSV(outDir, "poles.csv", []string{"id", "name", "kind", "region_code", "themes", "website"}, poleRows); err != nil {
		return err
	}

	// Role families: grand domaines (A) and domaines professionnels (A11).
	gds, err := readTable(rome("grand_domaine"), "code_grand_domaine", "libelle_grand_domaine")
	if err != nil {
		return err
	}
	dps, err := readTable(rome("domaine_professionnel"), "code_domaine_professionnel", "libelle_domaine_professionnel")
	if err != nil {
		return err
	}
	families := map[string]bool{}
	var familyRows [][]string
	for _, r := range gds.rows {
		code := gds.get(r, "code_grand_domaine")
		families[code] = true
		familyRows = append(familyRows, []string{code, gds.get(r, "libelle_grand_domaine"), ""})
	}
	for _, r := range dps.rows {
		code := dps.get(r, "code_domaine_professionnel")
		parent := code[:1]
		if !families[parent] {
			return fmt.Errorf("domaine %s: unknown grand domaine %s", code, parent)
		}
		families[code] = true
		familyRows = append(familyRows, []string{code, dps.get(r, "libelle_domaine_professionnel"), parent})
	}
	sortRows(familyRows)
	if err := writeCSV(outDir, "role_families.csv", []string{"code", "title", "parent_code"}, familyRows); err != nil {
		return err
	}

	// Roles: family = domaine professionnel, the first three characters.
	romes, err := readTable(rome("referentiel_code_rome"), "code_rome", "libelle_rome")
	if err != nil {
		return err
	}
	roles := map[string]string{}
	var roleRows [][]string
	for _, r := range romes.rows {
		code := romes.get(r, "code_rome")
		if len(code) < 3 || !families[code[:3]] {
			return fmt.Errorf("role %s: unknown domaine professionnel", code)
		}
		roles[code] = romes.get(r, "libelle_rome")
		roleRows = append(roleRows, []string{code, roles[code], code[:3]})
	}
	sortRows(roleRows)
	if err := writeCSV(outDir, "roles.csv", []string{"code", "title", "family"}, roleRows); err != nil {
		return err
	}

	// Skills: ROME competences (savoir-faire and savoir-être, Compétence and
	// Macro-compétence rows alike) and savoirs (knowledge).
	comps, err := readTable(rome("referentiel_competence"), "code_ogr", "libelle_competence", "cat_comp", "sous_cat_comp")
	if err != nil {
		return err
	}
	savs, err := readTable(rome("referentiel_savoir"), "code_ogr_savoir", "libelle_savoir", "categorie_savoir")
	if err != nil {
		return err
	}
	skills := map[string]bool{}
	var skillRows [][]string
	addSkill := func(code, name, kind, category string) error {
		if skills[code] {
			return fmt.Errorf("skill %s listed twice", code)
		}
		skills[code] = true
		skillRows = append(skillRows, []string{code, name, kind, category})
		return nil
	}
	for _, r := range comps.rows {
		var kind string
		switch c := comps.get(r, "cat_comp"); c {
		case "Savoir-faire":
			kind = "know_how"
		case "Savoir-être professionnel", "Savoir-être":
			kind = "soft"
		default:
			return fmt.Errorf("competence %s: unknown cat_comp %q", comps.get(r, "code_ogr"), c)
		}
		if err := addSkill(comps.get(r, "code_ogr"), comps.get(r, "libelle_competence"), kind, comps.get(r, "sous_cat_comp")); err != nil {
			return err
		}
	}
	for _, r := range savs.rows {
		if err := addSkill(savs.get(r, "code_ogr_savoir"), savs.get(r, "libelle_savoir"), "knowledge", savs.get(r, "categorie_savoir")); err != nil {
			return err
		}
	}
	sortRows(skillRows)
	if err := writeCSV(outDir, "skills.csv", []string{"code", "name", "kind", "category"}, skillRows); err != nil {
		return err
	}

	// Role skills: the documented default levels, since ROME publishes none.
	ctxs, err := readTable(rome("referentiel_contexte_travail"), "code_ogr")
	if err != nil {
		return err
	}
	contexts := map[string]bool{}
	for _, r := range ctxs.rows {
		contexts[ctxs.get(r, "code_ogr")] = true
	}
	items, err := readTable(rome("coherence_item"), "code_rome", "code_ogr", "coeur_metier")
	if err != nil {
		return err
	}
	var linkRows [][]string
	seen := map[[2]string]bool{}
	skipped := 0
	for _, r := range items.rows {
		role, code := items.get(r, "code_rome"), items.get(r, "code_ogr")
		if _, ok := roles[role]; !ok {
			return fmt.Errorf("coherence_item: unknown role %s", role)
		}
		if contexts[code] {
			skipped++
			continue
		}
		if !skills[code] {
			return fmt.Errorf("coherence_item: %s links %s, which is neither a skill nor a work context", role, code)
		}
		if seen[[2]string{role, code}] {
			return fmt.Errorf("coherence_item: %s–%s listed twice", role, code)
		}
		seen[[2]string{role, code}] = true
		level, essential := "2", "false"
		switch c := items.get(r, "coeur_metier"); c {
		case "Principale":
			level, essential = "3", "true"
		case "Émergente":
			essential = "true"
		case "":
		default:
			return fmt.Errorf("coherence_item: unknown coeur_metier %q", c)
		}
		linkRows = append(linkRows, []string{role, code, level, essential})
	}
	sortRows(linkRows)
	fmt.Printf("(%d work-context links skipped)\n", skipped)
	if err := writeCSV(outDir, "role_skills.csv", []string{"role_code", "skill_code", "level", "essential"}, linkRows); err != nil {
		return err
	}

	// NAF division → ROME codes. In unix_arborescence_secteur_naf,
	// code_secteur_naf is the NAF rév. 2 division (its labels match
	// unix_secteur_naf's code_secteur_naf, not code_tech_secteur_naf).
	sectors, err := readTable(rome("secteur_naf"), "code_secteur_naf", "libelle_secteur_naf")
	if err != nil {
		return err
	}
	sectorTitles := map[string]string{}
	for _, r := range sectors.rows {
		sectorTitles[sectors.get(r, "code_secteur_naf")] = sectors.get(r, "libelle_secteur_naf")
	}
	tree, err := readTable(rome("arborescence_secteur_naf"), "code_secteur_naf", "libelle_secteur_naf", "code_rome")
	if err != nil {
		return err
	}
	var nafRows [][]string
	for _, r := range tree.rows {
		div, role := tree.get(r, "code_secteur_naf"), tree.get(r, "code_rome")
		title, ok := sectorTitles[div]
		if !ok || title != tree.get(r, "libelle_secteur_naf") {
			return fmt.Errorf("arborescence_secteur_naf: sector %s %q is not a NAF division of unix_secteur_naf", div, tree.get(r, "libelle_secteur_naf"))
		}
		if _, ok := roles[role]; !ok {
			return fmt.Errorf("arborescence_secteur_naf: unknown role %s", role)
		}
		if len(div) == 1 {
			div = "0" + div // NAF divisions are written with two digits (01.11Z)
		}
		nafRows = append(nafRows, []string{div, title, role})
	}
	sortRows(nafRows)
	nafRows = slices.CompactFunc(nafRows, func(a, b []string) bool { return slices.Equal(a, b) })
	if err := writeCSV(outDir, "naf_roles.csv", []string{"naf_division", "naf_title", "role_code"}, nafRows); err != nil {
		return err
	}

	version, err := os.ReadFile(filepath.Join(romeDir, "version.txt"))
	if err != nil {
		return err
	}
	return writeProvenance(outDir, string(version), poleSources)
}

func writeProvenance(dir, romeVersion string, poleSources [][]string) error {
	var b strings.Builder
	b.WriteString(provenanceHead)
	b.WriteString("\nROME `version.txt`, first lines as published:\n\n```\n")
	lines := strings.Split(strings.ReplaceAll(romeVersion, "\r\n", "\n"), "\n")
	n := 0
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" && n < 4 {
			b.WriteString(l + "\n")
			n++
		}
	}
	b.WriteString("```\n\n")
	b.WriteString(provenancePoles)
	b.WriteString("| id | name | region_code | label 2023 | region_sourced | source |\n|---|---|---|---|---|---|\n")
	for _, r := range poleSources {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if b.Len() == 0 {
		return errors.New("empty provenance")
	}
	return os.WriteFile(filepath.Join(dir, "PROVENANCE.md"), []byte(b.String()), 0o644)
}

const provenanceHead = `# Reference data: provenance and licences

Generated by ` + "`go run ./internal/refdata/convert`" + ` from the published files below; do not
edit by hand. The CSVs are in gpec's import formats (UTF-8, comma-separated, header
row); ` + "`naf_roles.csv`" + ` is not imported, the seed generator reads it.

| file | origin | version | licence |
|---|---|---|---|
| territories.csv | INSEE, Code officiel géographique (COG) 2024: ` + "`regions.csv`, `departements.csv`" + ` (18 regions, 101 departments; names = ` + "`LIBELLE`" + `) | COG 2024 | Licence Ouverte / Etalab 2.0 |
| role_families.csv, roles.csv, skills.csv, role_skills.csv, naf_roles.csv | France Travail open data, Répertoire Opérationnel des Métiers et des Emplois, files ` + "`unix_*_v460_utf8.csv`" + ` | ROME 4.0 version 60 (Sept. 2025) | Licence Ouverte / Etalab 2.0 — cite "France Travail – ROME v460" |
| poles.csv | 46 French pôles de compétitivité (phase V labels 2023–2026 and two named in 2012) with a home region; sources per pole below | labels 2023–2026 | facts (press releases of the labelling, cited per row) |

How ROME maps onto the model:

- role_families: grand domaines (` + "`unix_grand_domaine`" + `, e.g. ` + "`A`" + `, no parent) and domaines
  professionnels (` + "`unix_domaine_professionnel`" + `, e.g. ` + "`A11`" + `, parent = its first letter).
- roles: ` + "`unix_referentiel_code_rome`" + ` (` + "`code_rome`, `libelle_rome`" + `); family = domaine professionnel
  (first three characters of the code).
- skills: ` + "`unix_referentiel_competence`" + ` (` + "`code_ogr`" + `; ` + "`cat_comp`" + ` "Savoir-faire" → know_how,
  "Savoir-être professionnel" → soft, Compétence and Macro-compétence rows alike; category =
  ` + "`sous_cat_comp`" + `) and ` + "`unix_referentiel_savoir`" + ` (` + "`code_ogr_savoir`" + ` → knowledge; category =
  ` + "`categorie_savoir`" + `).
- role_skills: ` + "`unix_coherence_item`" + ` (` + "`coeur_metier`" + `): Principale → essential, level 3;
  Émergente → essential, level 2; empty → optional, level 2. Links to work contexts
  (` + "`unix_referentiel_contexte_travail`" + `) are skipped: they are not skills. ROME publishes no
  levels: these are gpec's documented defaults, and a pole can import its own.
- naf_roles: ` + "`unix_arborescence_secteur_naf`" + `; its ` + "`code_secteur_naf`" + ` is the NAF rév. 2 division
  (two digits here, e.g. ` + "`01`" + `), titled as in ` + "`unix_secteur_naf`" + ` (published without accents).

Notes on the published files: the ROME v460 files carry no byte-order mark, and
` + "`unix_arborescence_secteur_naf_v460_utf8.csv`" + ` is in fact ISO-8859-15 (e.g. "Manœuvre"): the
converter detects and decodes it.
`

const provenancePoles = `## Pôles: sources

` + "`region_sourced = no`" + ` marks a home region taken from general knowledge, not from the cited
source. Themes and websites are left empty in poles.csv because the sources do not give them.
Rows in the order of the source file ("idem" refers to the row above).

`
