package migrate_test

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/testdb"
	"github.com/gpec-project/gpec/migrations"
)

// Migration 0024 rewrote the SIREN and SIRET checks as loops: they must
// answer as the SQL versions of 0001 (recreated here as temporary
// functions from 0024's down migration) for every kind of input.
func TestLuhnChecksAnswerAsBefore(t *testing.T) {
	d, _ := testdb.New(t)
	conn := d.MustBegin()
	defer conn.Rollback()
	// The SQL versions are what 0024's down migration puts back.
	old, err := migrations.FS.ReadFile("0024_luhn_plpgsql.down.sql")
	if err != nil {
		t.Fatal(err)
	}
	ref := strings.NewReplacer("CREATE OR REPLACE FUNCTION gpec_luhn_ok", "CREATE FUNCTION pg_temp.luhn_sql",
		"CREATE OR REPLACE FUNCTION gpec_siret_ok", "CREATE FUNCTION pg_temp.siret_sql",
		"ELSE gpec_luhn_ok(siret)", "ELSE pg_temp.luhn_sql(siret)").Replace(string(old))
	if strings.Contains(ref, "gpec_") {
		// It would replace the functions under test.
		t.Fatalf("the down migration changed shape; the reference still names gpec_ functions:\n%s", ref)
	}
	conn.MustExec(ref)
	rng := rand.New(rand.NewSource(7))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.Intn(10))
		}
		return string(b)
	}
	inputs := []string{"", "0", "00000000000000", "356000000", "35600000000048", "3560000000004a", "a", " 732829320", "７32829320"}
	for i := 0; i < 4000; i++ {
		switch i % 8 {
		case 0:
			inputs = append(inputs, ident.CompleteLuhn(digits(8)))
		case 1:
			inputs = append(inputs, ident.CompleteLuhn(digits(13)))
		case 2:
			inputs = append(inputs, "356000000"+digits(5))
		case 3:
			inputs = append(inputs, digits(1+rng.Intn(20)))
		case 4:
			s := []byte(digits(14))
			s[rng.Intn(14)] = "x -.a/"[rng.Intn(6)]
			inputs = append(inputs, string(s))
		default:
			inputs = append(inputs, digits(9+5*rng.Intn(2)))
		}
	}
	var rows []struct {
		S                              string
		Luhn, LuhnSQL, Siret, SiretSQL bool
	}
	if err := conn.Select(&rows, `SELECT s, gpec_luhn_ok(s) AS luhn, pg_temp.luhn_sql(s) AS luhnsql,
	       gpec_siret_ok(s) AS siret, pg_temp.siret_sql(s) AS siretsql
	FROM unnest($1::text[]) s`, pq.Array(inputs)); err != nil {
		t.Fatal(err)
	}
	valid := 0
	for _, r := range rows {
		if r.Luhn != r.LuhnSQL || r.Siret != r.SiretSQL {
			t.Errorf("%q: luhn %v (SQL %v), siret %v (SQL %v)", r.S, r.Luhn, r.LuhnSQL, r.Siret, r.SiretSQL)
		}
		if r.Siret {
			valid++
		}
	}
	// The draw must reach both answers of the SIRET check.
	if valid < 500 || valid > len(rows)-500 {
		t.Fatalf("%d valid SIRETs among %d inputs: the draw is lopsided", valid, len(rows))
	}
	t.Log(strconv.Itoa(valid) + " valid SIRETs among " + strconv.Itoa(len(rows)))
}
