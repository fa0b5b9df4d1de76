package export

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/testdb"
)

// TestLHEOExportsAsCSV: trainings and sessions imported from an LHÉO file
// export as CSV rows of DESIGN.md's formats, the skills of its ROME code
// included.
func TestLHEOExportsAsCSV(t *testing.T) {
	ctx := context.Background()
	d, _ := testdb.New(t)
	importDir(t, d, writeDir(t, dataset))
	const offer = `<?xml version="1.0" encoding="UTF-8"?>
<lheo xmlns="http://www.lheo.org/2.2"><offres>
<formation numero="L1">
 <domaine-formation><code-ROME>H2913</code-ROME></domaine-formation>
 <intitule-formation>Soudure, niveau 3</intitule-formation>
 <action numero="L1-A">
  <modalites-enseignement>0</modalites-enseignement>
  <lieu-de-formation><coordonnees><adresse><ligne>1 quai</ligne><codepostal>69002</codepostal><ville>Lyon</ville>
   <departement>69</departement><code-INSEE-commune>69123</code-INSEE-commune></adresse></coordonnees></lieu-de-formation>
  <session numero="P1"><periode><debut>20270104</debut><fin>20270108</fin></periode></session>
  <prix-total-TTC>990</prix-total-TTC><nombre-heures-total>35</nombre-heures-total>
 </action>
 <organisme-formation-responsable><nom-organisme>Forge &amp; Co</nom-organisme></organisme-formation-responsable>
</formation>
</offres></lheo>`
	src := importer.Source{Name: "offre.xml", Size: int64(len(offer)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(offer)), nil
	}}
	rep, err := importer.Import(ctx, d, []importer.Source{src}, importer.Options{})
	if err != nil || !rep.Committed {
		t.Fatalf("%v\n%s", err, rep)
	}
	for kind, want := range map[string]string{
		"trainings":         "L1-A,Forge & Co,\"Soudure, niveau 3\",69123,onsite,35.0,990.00\n",
		"training_sessions": "L1-A,P1,2027-01-04,2027-01-08,,\n",
		"training_skills":   "L1-A,S1,3\n", // H2913 requires S1 at 3 (S2 is optional)
	} {
		var b bytes.Buffer
		if err := ExportKind(ctx, d, kind, &b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "\n"+want) {
			t.Errorf("%s export lacks %q:\n%s", kind, want, b.String())
		}
	}
}
