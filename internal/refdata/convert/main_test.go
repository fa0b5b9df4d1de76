package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun converts a miniature of the published files, including the
// quirks of the real ones: quoted fields, a BOM on one file, an
// ISO-8859-15 file named _utf8, work-context links to skip, one-digit NAF
// divisions.
func TestRun(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	files := map[string]string{
		"rome/unix_grand_domaine_v460_utf8.csv":         "\ufeff\"code_grand_domaine\",\"libelle_grand_domaine\"\n\"F\",\"Construction, Bâtiment et Travaux publics\"\n",
		"rome/unix_domaine_professionnel_v460_utf8.csv": "\"code_domaine_professionnel\",\"libelle_domaine_professionnel\"\n\"F17\",\"Travaux et gros œuvre\"\n",
		"rome/unix_referentiel_code_rome_v460_utf8.csv": "\"code_rome\",\"libelle_rome\"\n\"F1704\",\"Manœuvre bâtiment\"\n",
		"rome/unix_referentiel_competence_v460_utf8.csv": "\"code_ogr\",\"nature\",\"libelle_competence\",\"cat_comp\",\"sous_cat_comp\"\n" +
			"\"1\",\"Compétence\",\"Monter un échafaudage\",\"Savoir-faire\",\"Technique\"\n" +
			"\"2\",\"Macro-compétence\",\"Faire preuve de rigueur\",\"Savoir-être professionnel\",\"Transverse\"\n",
		"rome/unix_referentiel_savoir_v460_utf8.csv":           "\"code_ogr_savoir\",\"libelle_savoir\",\"categorie_savoir\"\n\"3\",\"Règles de sécurité\",\"Normes et procédés\"\n",
		"rome/unix_referentiel_contexte_travail_v460_utf8.csv": "\"code_ogr\",\"libelle_cont_travail\"\n\"9\",\"Travail en hauteur\"\n",
		"rome/unix_coherence_item_v460_utf8.csv": "\"code_rome\",\"code_ogr\",\"coeur_metier\"\n" +
			"\"F1704\",\"1\",\"Principale\"\n\"F1704\",\"2\",\"\"\n\"F1704\",\"3\",\"Émergente\"\n\"F1704\",\"9\",\"\"\n",
		"rome/unix_secteur_naf_v460_utf8.csv": "\"code_tech_secteur_naf\",\"code_secteur_naf\",\"libelle_secteur_naf\"\n\"2\",\"1\",\"Culture\"\n\"39\",\"41\",\"Construction de batiments\"\n",
		"rome/unix_arborescence_secteur_naf_v460_utf8.csv": "\"code_secteur_naf\",\"libelle_secteur_naf\",\"code_rome\",\"libelle_rome\"\n" +
			"\"41\",\"Construction de batiments\",\"F1704\",\"Man\xbduvre bâtiment\"\n\"1\",\"Culture\",\"F1704\",\"Man\xbduvre\"\n",
		"rome/version.txt":     "Numero de version : 60\n",
		"cog/regions.csv":      "\"REG\",\"LIBELLE\"\n\"11\",\"Île-de-France\"\n",
		"cog/departements.csv": "\"DEP\",\"REG\",\"LIBELLE\"\n\"75\",\"11\",\"Paris\"\n",
		"poles.csv":            "id,name,kind,region_code,label_2023,region_sourced,source\r\nx,Pôle X,competitiveness_pole,11,4 ans,no,https://example.org/x\r\n",
	}
	for name, body := range files {
		if strings.Contains(name, "arborescence") {
			// Re-encode the UTF-8 "â" as ISO-8859-15, like the real file.
			body = strings.ReplaceAll(body, "â", "\xe2")
		}
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(filepath.Join(src, "rome"), filepath.Join(src, "cog"), filepath.Join(src, "poles.csv"), out); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"territories.csv":   "level,code,name,parent_code\nregion,11,Île-de-France,\ndepartment,75,Paris,11\n",
		"poles.csv":         "id,name,kind,region_code,themes,website\nx,Pôle X,competitiveness_pole,11,,\n",
		"role_families.csv": "code,title,parent_code\nF,\"Construction, Bâtiment et Travaux publics\",\nF17,Travaux et gros œuvre,F\n",
		"roles.csv":         "code,title,family\nF1704,Manœuvre bâtiment,F17\n",
		"skills.csv":        "code,name,kind,category\n1,Monter un échafaudage,know_how,Technique\n2,Faire preuve de rigueur,soft,Transverse\n3,Règles de sécurité,knowledge,Normes et procédés\n",
		"role_skills.csv":   "role_code,skill_code,level,essential\nF1704,1,3,true\nF1704,2,2,false\nF1704,3,2,true\n",
		"naf_roles.csv":     "naf_division,naf_title,role_code\n01,Culture,F1704\n41,Construction de batiments,F1704\n",
	}
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != w {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, w)
		}
	}
	prov, err := os.ReadFile(filepath.Join(out, "PROVENANCE.md"))
	if err != nil || !strings.Contains(string(prov), "https://example.org/x") || !strings.Contains(string(prov), "France Travail – ROME v460") {
		t.Errorf("PROVENANCE.md lacks the pole's source or the ROME citation: %v", err)
	}
}

func TestLatin9(t *testing.T) {
	if got := string(latin9ToUTF8([]byte("Man\xbduvre \xe9t\xe9 \xa4"))); got != "Manœuvre été €" {
		t.Errorf("got %q", got)
	}
}
