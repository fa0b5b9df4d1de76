package lheo

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Synthetic writes an LHÉO file of the fixtures' shape, for benchmarks:
// offers of two actions with two sessions each, until at least size bytes
// are written. Actions are placed in the communes given (in turn) and
// their offers name the ROME codes given (in turn); ids are unique.
func Synthetic(w io.Writer, size int64, communes, romes []string) (formations int, err error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<16)
	fmt.Fprint(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<lheo xmlns=\"http://www.lheo.org/2.2\">\n<offres>\n")
	for i := 0; cw.n+int64(bw.Buffered()) < size; i++ {
		commune := communes[i%len(communes)]
		fmt.Fprintf(bw, `<formation numero="SYN%07d">
<domaine-formation><code-FORMACODE>22454</code-FORMACODE><code-ROME>%s</code-ROME></domaine-formation>
<intitule-formation>Formation synthétique %d</intitule-formation>
<objectif-formation>Objectif de la formation %d, décrit en quelques phrases comme dans un flux régional.</objectif-formation>
<resultats-attendus>Attestation de fin de formation.</resultats-attendus>
<contenu-formation>Contenu détaillé : module 1, module 2, module 3, mise en situation professionnelle.</contenu-formation>
<certifiante>0</certifiante>
<contact-formation><coordonnees><telfixe><numtel>0400000000</numtel></telfixe></coordonnees></contact-formation>
<parcours-de-formation>1</parcours-de-formation>
<code-niveau-entree>0</code-niveau-entree>
`, i, romes[i%len(romes)], i, i)
		for a := 1; a <= 2; a++ {
			fmt.Fprintf(bw, `<action numero="SYN%07d-%d">
<rythme-formation>Temps plein</rythme-formation><code-public-vise>80056</code-public-vise>
<niveau-entree-obligatoire>0</niveau-entree-obligatoire><modalites-alternance>Aucune</modalites-alternance>
<modalites-enseignement>%d</modalites-enseignement><conditions-specifiques>Aucune</conditions-specifiques>
<prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>
<lieu-de-formation><coordonnees><adresse><ligne>1 rue de la Formation</ligne><codepostal>00000</codepostal><ville>Ville</ville>
<departement>%s</departement><code-INSEE-commune>%s</code-INSEE-commune></adresse></coordonnees></lieu-de-formation>
<modalites-entrees-sorties>0</modalites-entrees-sorties>
`, i, a, (i+a)%3, department(commune), commune)
			for s := 1; s <= 2; s++ {
				fmt.Fprintf(bw, `<session numero="S%d"><periode><debut>2027%02d01</debut><fin>2027%02d15</fin></periode>
<adresse-inscription><adresse><ligne>1 rue de la Formation</ligne><codepostal>00000</codepostal><ville>Ville</ville></adresse></adresse-inscription></session>
`, s, 2*s+a, 2*s+a)
			}
			fmt.Fprintf(bw, "<prix-total-TTC>%d</prix-total-TTC><nombre-heures-total>%d</nombre-heures-total>\n</action>\n", 500+i%3000, 7*(1+i%20))
		}
		fmt.Fprintf(bw, `<organisme-formation-responsable><numero-activite>11750000000</numero-activite>
<SIRET-organisme-formation><SIRET>55203253400109</SIRET></SIRET-organisme-formation>
<nom-organisme>Organisme %d</nom-organisme><raison-sociale>Organisme %d</raison-sociale>
<coordonnees-organisme><coordonnees><ligne>1 rue</ligne></coordonnees></coordonnees-organisme>
<contact-organisme><coordonnees><courriel>contact@example.org</courriel></coordonnees></contact-organisme>
</organisme-formation-responsable>
</formation>
`, i%500, i%500)
		formations++
	}
	fmt.Fprint(bw, "</offres>\n</lheo>\n")
	if err := bw.Flush(); err != nil {
		return formations, err
	}
	return formations, cw.err
}

// department is the department of an INSEE commune code.
func department(commune string) string {
	if strings.HasPrefix(commune, "97") && len(commune) >= 3 {
		return commune[:3]
	}
	if len(commune) >= 2 {
		return commune[:2]
	}
	return commune
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
