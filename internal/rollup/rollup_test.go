package rollup_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/rollup"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var today = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// builder is a Builder of one part (the aggregates) running build.
func builder(build func(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key) error) rollup.Builder {
	return rollup.Builder{
		Parts: func(context.Context, sqlx.QueryerContext) ([]string, error) {
			return []string{rollup.AggregatesPart}, nil
		},
		Build: func(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, _ []string) error {
			return build(ctx, tx, run, k)
		},
	}
}

// counting is a builder that records the keys it was asked to build.
func counting(built *[]rollup.Key) rollup.Builder {
	return builder(func(_ context.Context, _ *sqlx.Tx, _ int64, k rollup.Key) error {
		*built = append(*built, k)
		return nil
	})
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	var built []rollup.Key
	heard := 0
	r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{counting(&built)}, Today: func() time.Time { return today },
		OnBuild: func(_ time.Duration, err error) {
			if err == nil {
				heard++
			}
		}}

	// No declared need: this year + 3 only.
	keys, err := r.DefaultKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Horizon != 2029 || !keys[0].AsOf.Equal(today) || keys[0].RetirementAge != 64 {
		t.Fatalf("default keys without needs: %+v", keys)
	}

	// Needs at 2027 and 2031 (and one out of range) add their horizons.
	db.MustExec(`INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie')`)
	db.MustExec(`INSERT INTO territories (level, code, name, parent_code) VALUES ('department', '31', 'Haute-Garonne', '76')`)
	db.MustExec(`INSERT INTO role_families (code, title) VALUES ('H', 'Industrie')`)
	db.MustExec(`INSERT INTO roles (code, title, family) VALUES ('H1', 'Rôle', 'H')`)
	db.MustExec(`INSERT INTO companies (siren, name) VALUES ('732829320', 'A')`)
	db.MustExec(`INSERT INTO sites (siret, siren, territory_code) VALUES ('73282932000074', '732829320', '31')`)
	for _, h := range []int{2027, 2031, 2050} {
		db.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount) SELECT '73282932000074', id, $1, 1 FROM roles`, h)
	}
	keys, err = r.DefaultKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var horizons []int
	for _, k := range keys {
		horizons = append(horizons, k.Horizon)
	}
	if len(horizons) != 3 || horizons[0] != 2029 || horizons[1] != 2027 || horizons[2] != 2031 {
		t.Fatalf("default horizons %v, want [2029 2027 2031]", horizons)
	}

	// A refresh builds them all; a second one builds nothing.
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: complete %v, err %v", complete, err)
	}
	if len(built) != 3 || heard != 3 {
		t.Fatalf("built %d keys (OnBuild heard %d), want 3", len(built), heard)
	}
	if runs, _, _ := r.Refresh(ctx); len(runs) != 0 {
		t.Fatalf("a second refresh built %d rollups", len(runs))
	}
	for _, k := range keys {
		if _, ok, err := rollup.Fresh(ctx, db, k); err != nil || !ok {
			t.Fatalf("%s is not fresh (err %v)", k, err)
		}
	}

	// A write makes every rollup stale, and the next refresh rebuilds them
	// and drops the stale ones.
	db.MustExec(`UPDATE needs SET headcount = 2 WHERE horizon_year = 2027`)
	for _, k := range keys {
		if _, ok, _ := rollup.Fresh(ctx, db, k); ok {
			t.Fatalf("%s still fresh after a write", k)
		}
	}
	if runs, _, err := r.Refresh(ctx); err != nil || len(runs) != 3 {
		t.Fatalf("after a write the refresh built %d (err %v), want 3", len(runs), err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM rollup_runs`); err != nil || n != 3 {
		t.Fatalf("%d rollup runs kept (err %v), want 3", n, err)
	}

	// The next day: yesterday's rollups are dropped by the first build.
	r.Today = func() time.Time { return today.AddDate(0, 0, 1) }
	if _, _, err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM rollup_runs WHERE as_of < $1`, today.AddDate(0, 0, 1)); err != nil || n != 0 {
		t.Fatalf("%d rollups of past dates kept (err %v)", n, err)
	}
}

func TestBuildFailsWhole(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	boom := errors.New("boom")
	var built []rollup.Key
	r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{counting(&built), builder(func(context.Context, *sqlx.Tx, int64, rollup.Key) error { return boom })}}
	k := rollup.Key{AsOf: today, Horizon: 2029, RetirementAge: 64}
	if _, err := r.Build(ctx, k); !errors.Is(err, boom) {
		t.Fatalf("Build: %v, want boom", err)
	}
	if _, ok, _ := rollup.Fresh(ctx, db, k); ok {
		t.Fatal("a failed build left a rollup")
	}
}

func TestOneBuildAtATime(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	k := rollup.Key{AsOf: today, Horizon: 2029, RetirementAge: 64}
	inner := &rollup.Refresher{DB: db}
	var innerErr error
	outer := &rollup.Refresher{DB: db, Builders: []rollup.Builder{builder(func(ctx context.Context, _ *sqlx.Tx, _ int64, k rollup.Key) error {
		_, innerErr = inner.Build(ctx, k) // another session, while this one holds the lock
		return nil
	})}}
	if _, err := outer.Build(ctx, k); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(innerErr, rollup.ErrBusy) {
		t.Fatalf("a concurrent build: %v, want ErrBusy", innerErr)
	}
}

func TestBuildRefusesBadKeys(t *testing.T) {
	db, _ := testdb.New(t)
	r := &rollup.Refresher{DB: db}
	for _, k := range []rollup.Key{
		{AsOf: today, Horizon: 2025, RetirementAge: 64},
		{AsOf: today, Horizon: 2029, RetirementAge: 0},
		{AsOf: today.Add(time.Hour), Horizon: 2029, RetirementAge: 64},
	} {
		if _, err := r.Build(context.Background(), k); err == nil {
			t.Errorf("Build(%s) built a rollup no request can use", k)
		}
	}
}

// polesBuilder is a Builder of every pole's part and the aggregates, which
// records each build as "asOf/horizon:parts" ("all" for a whole one).
func polesBuilder(mu *sync.Mutex, built *[]string) rollup.Builder {
	return rollup.Builder{
		Parts: func(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
			var poles []string
			if err := sqlx.SelectContext(ctx, q, &poles, `SELECT id FROM poles ORDER BY id`); err != nil {
				return nil, err
			}
			parts := []string{rollup.AggregatesPart}
			for _, p := range poles {
				parts = append(parts, rollup.PolePart(p))
			}
			return parts, nil
		},
		Build: func(_ context.Context, _ *sqlx.Tx, _ int64, k rollup.Key, parts []string) error {
			label := "all"
			if parts != nil {
				label = strings.Join(parts, ",")
			}
			mu.Lock()
			defer mu.Unlock()
			*built = append(*built, fmt.Sprintf("%s/%d:%s", k.AsOf.Format(time.DateOnly), k.Horizon, label))
			return nil
		},
	}
}

// TestCampaignKeys: each campaign's reference date is kept fresh at its
// horizons and at year + 3, for its pole only, and its rollups survive the
// builds of later dates; other past dates do not.
func TestCampaignKeys(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	var mu sync.Mutex
	var built []string
	r := &rollup.Refresher{DB: db, Builders: []rollup.Builder{polesBuilder(&mu, &built)}, Today: func() time.Time { return today }}
	db.MustExec(`INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie')`)
	db.MustExec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('p', 'P', 'cluster', '76'), ('q', 'Q', 'cluster', '76')`)
	db.MustExec(`INSERT INTO campaigns (pole_id, id, title, opens_on, closes_on, reference_date, horizons) VALUES
		('p', '2024', 'A', '2024-03-01', '2024-04-30', NULL, NULL),
		('p', '2025', 'B', '2025-03-01', '2025-04-30', '2025-06-30', '{2026,2028}')`)
	keys, err := r.DefaultKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, fmt.Sprintf("%s/%d", k.AsOf.Format(time.DateOnly), k.Horizon))
	}
	want := []string{"2026-11-25/2029", "2025-06-30/2026", "2025-06-30/2028", "2024-04-30/2025", "2024-04-30/2027", "2024-04-30/2029"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("keys %v, want %v", got, want)
	}
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: %v %v", complete, err)
	}
	// The campaigns' keys hold pole p's part only, built before today's
	// whole rollup.
	wantBuilt := "2025-06-30/2026:pole:p 2025-06-30/2028:pole:p 2024-04-30/2025:pole:p 2024-04-30/2027:pole:p 2024-04-30/2029:pole:p 2026-11-25/2029:all"
	if got := strings.Join(built, " "); got != wantBuilt {
		t.Fatalf("built %s\nwant  %s", got, wantBuilt)
	}
	camp := rollup.Key{AsOf: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), Horizon: 2026, RetirementAge: 64}
	fresh := func(k rollup.Key, part string) bool {
		t.Helper()
		_, ok, err := rollup.FreshParts(ctx, db, k, false, []string{part})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !fresh(camp, rollup.PolePart("p")) || fresh(camp, rollup.PolePart("q")) || fresh(camp, rollup.AggregatesPart) {
		t.Fatalf("campaign key: pole p fresh %v (want true), pole q %v and the aggregates %v (want false)",
			fresh(camp, rollup.PolePart("p")), fresh(camp, rollup.PolePart("q")), fresh(camp, rollup.AggregatesPart))
	}
	if _, ok, _ := rollup.Fresh(ctx, db, camp); ok {
		t.Fatal("a campaign's partial rollup is Fresh as a whole")
	}
	if _, ok, err := rollup.FreshParts(ctx, db, camp, true, []string{rollup.PolePart("p")}); err != nil || !ok {
		t.Fatalf("the run with projects of the campaign's key does not answer (err %v)", err)
	}
	if runs, _, _ := r.Refresh(ctx); len(runs) != 0 {
		t.Fatalf("a second refresh built %d rollups", len(runs))
	}

	// A campaign of pole q at the same date adds q's part to the key's
	// rollup, and nothing else is built.
	built = nil
	db.MustExec(`INSERT INTO campaigns (pole_id, id, title, opens_on, closes_on, reference_date, horizons) VALUES
		('q', '2025', 'B', '2025-03-01', '2025-04-30', '2025-06-30', '{2026}')`)
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: %v %v", complete, err)
	}
	// (2026, and 2028: the year + 3 of every campaign)
	if got, want := strings.Join(built, " "), "2025-06-30/2026:pole:q 2025-06-30/2028:pole:q"; got != want {
		t.Fatalf("after q's campaign built %s, want %s", got, want)
	}
	if !fresh(camp, rollup.PolePart("p")) || !fresh(camp, rollup.PolePart("q")) {
		t.Fatal("campaign key: poles p and q are not both fresh")
	}

	// A rollup of another past date is dropped by the next whole build; the
	// campaigns' are kept.
	if _, err := r.Build(ctx, rollup.Key{AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Horizon: 2026, RetirementAge: 64}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Build(ctx, keys[0]); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM rollup_runs WHERE NOT projects`); err != nil || n != len(keys) {
		t.Fatalf("%d runs kept, want %d", n, len(keys))
	}
	r.MaxCampaignKeys = 2
	if keys, _ := r.DefaultKeys(ctx); len(keys) != 3 {
		t.Errorf("with at most 2 campaign keys: %v", keys)
	}
	r.MaxCampaignKeys = -1
	if keys, _ := r.DefaultKeys(ctx); len(keys) != 1 {
		t.Errorf("without campaign keys: %v", keys)
	}
}

// TestLoopSeesNewCampaigns: a new campaign leaves the rollups fresh (no
// figure reads campaigns) and the loop builds its keys, for its pole.
func TestLoopSeesNewCampaigns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, _ := testdb.New(t)
	var mu sync.Mutex
	var built []string
	r := &rollup.Refresher{DB: db, Today: func() time.Time { return today }, Builders: []rollup.Builder{polesBuilder(&mu, &built)}}
	db.MustExec(`INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie')`)
	db.MustExec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('p', 'P', 'cluster', '76')`)
	go r.Loop(ctx, 20*time.Millisecond)
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			got := len(built)
			mu.Unlock()
			if got >= n {
				return
			}
		}
		t.Fatalf("the loop built %d keys, want %d", len(built), n)
	}
	waitFor(1) // today's, whose build commits after its builder ran
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, ok, err := rollup.Fresh(ctx, db, rollup.Key{AsOf: today, Horizon: 2029, RetirementAge: 64}); err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("today's rollup did not become fresh")
		}
	}
	db.MustExec(`INSERT INTO campaigns (pole_id, id, title, opens_on, closes_on) VALUES ('p', '2025', 'A', '2025-03-01', '2025-04-30')`)
	if _, ok, err := rollup.Fresh(ctx, db, rollup.Key{AsOf: today, Horizon: 2029, RetirementAge: 64}); err != nil || !ok {
		t.Fatalf("a new campaign made today's rollup stale (err %v)", err)
	}
	waitFor(1 + 3) // 2025-04-30 at 2026, 2028 and 2030 (2028 also year + 3)
	mu.Lock()
	defer mu.Unlock()
	if got := built[len(built)-1]; got != "2025-04-30/2030:pole:p" {
		t.Errorf("last key built %s, want 2025-04-30/2030:pole:p", got)
	}
}

// TestParts: a write to a company makes the parts of its poles and the
// aggregates stale, not the other poles'; a write dated after a rollup's
// asOf leaves it fresh; a write committed during a part's rebuild leaves
// that part stale; the referential makes every part stale.
func TestParts(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	db.MustExec(`INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie')`)
	db.MustExec(`INSERT INTO territories (level, code, name, parent_code) VALUES ('department', '31', 'Haute-Garonne', '76')`)
	db.MustExec(`INSERT INTO role_families (code, title) VALUES ('H', 'Industrie')`)
	db.MustExec(`INSERT INTO roles (code, title, family) VALUES ('H1', 'Rôle', 'H')`)
	db.MustExec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('a', 'A', 'cluster', '76'), ('b', 'B', 'cluster', '76')`)
	db.MustExec(`INSERT INTO companies (siren, name) VALUES ('732829320', 'A1'), ('552100554', 'B1')`)
	db.MustExec(`INSERT INTO sites (siret, siren, territory_code) VALUES ('73282932000074', '732829320', '31'), ('55210055400013', '552100554', '31')`)
	db.MustExec(`INSERT INTO memberships (pole_id, siren, since) VALUES ('a', '732829320', '2020-01-01'), ('b', '552100554', '2020-01-01')`)

	// During a rebuild, write writes to company A1 from another session,
	// committed before the rebuild commits.
	var write string
	r := &rollup.Refresher{DB: db, Today: func() time.Time { return today }, Builders: []rollup.Builder{{
		Parts: func(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
			return []string{rollup.PolePart("a"), rollup.PolePart("b"), rollup.AggregatesPart}, nil
		},
		Build: func(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, parts []string) error {
			if write != "" {
				db.MustExec(write)
			}
			return nil
		},
	}}}
	k := rollup.Key{AsOf: today, Horizon: 2029, RetirementAge: 64}
	if _, err := r.Build(ctx, k); err != nil {
		t.Fatal(err)
	}
	stale := func() string {
		t.Helper()
		s, ok, err := r.StaleParts(ctx, k)
		if err != nil || !ok {
			t.Fatalf("stale parts: %v (rollup exists: %v)", err, ok)
		}
		return strings.Join(s, " ")
	}
	if s := stale(); s != "" {
		t.Fatalf("after a build, stale: %s", s)
	}

	// A need of A1's site: pole a and the aggregates.
	db.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount) SELECT '73282932000074', id, 2029, 3 FROM roles`)
	if s := stale(); s != "pole:a aggregates" {
		t.Fatalf("after a write to A1, stale: %q, want pole:a and the aggregates", s)
	}
	if _, ok, _ := rollup.FreshParts(ctx, db, k, false, []string{rollup.PolePart("b")}); !ok {
		t.Fatal("pole b's part is not fresh after a write to a company of pole a")
	}
	if _, ok, _ := rollup.FreshParts(ctx, db, k, false, []string{rollup.PolePart("a"), rollup.PolePart("b")}); ok {
		t.Fatal("poles a and b read as fresh together")
	}
	runs, complete, err := r.Refresh(ctx)
	if err != nil || !complete || len(runs) != 2 {
		t.Fatalf("refresh: %d rebuilds (complete %v, err %v), want 2 parts", len(runs), complete, err)
	}
	if s := stale(); s != "" {
		t.Fatalf("after the refresh, stale: %s", s)
	}

	// A need declared after asOf changes nothing at asOf.
	db.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount, declared_on) SELECT '55210055400013', id, 2029, 3, $1::date + 1 FROM roles`, today)
	if s := stale(); s != "" {
		t.Fatalf("after a need dated after asOf, stale: %s", s)
	}
	db.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount, declared_on) SELECT '55210055400013', id, 2029, 3, $1::date FROM roles`, today)
	if s := stale(); s != "pole:b aggregates" {
		t.Fatalf("after a need dated asOf, stale: %q, want pole:b and the aggregates", s)
	}

	// A write committed while pole b's part is being rebuilt: the rebuild
	// did not see it, so the part stays stale.
	write = `UPDATE companies SET name = 'B1 bis' WHERE siren = '552100554'`
	if _, err := r.Rebuild(ctx, k, []string{rollup.PolePart("b")}); err != nil {
		t.Fatal(err)
	}
	write = ""
	if s := stale(); s != "pole:b aggregates" {
		t.Fatalf("after a write during the rebuild of pole b, stale: %q", s)
	}
	if _, err := r.Rebuild(ctx, k, []string{rollup.PolePart("b"), rollup.AggregatesPart}); err != nil {
		t.Fatal(err)
	}
	if s := stale(); s != "" {
		t.Fatalf("after the rebuild, stale: %s", s)
	}
	var changes int
	if err := db.Get(&changes, `SELECT count(*) FROM rollup_changes WHERE since <= $1::date`, today); err != nil || changes != 0 {
		t.Fatalf("%d changes seen by every part kept (err %v)", changes, err)
	}

	// The referential: every part.
	db.MustExec(`UPDATE roles SET title = 'Rôle 2'`)
	if s := stale(); s != "pole:a pole:b aggregates" {
		t.Fatalf("after a write to the referential, stale: %q", s)
	}

	// A part the rollup has no row for (a pole created after its build)
	// is judged by the whole build's snapshot: stale once a write of its
	// scope escaped it.
	if _, err := r.Build(ctx, k); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`DELETE FROM rollup_parts WHERE part = 'pole:b'`)
	if s := stale(); s != "" {
		t.Fatalf("a part without a row, no write since the build: stale %q", s)
	}
	db.MustExec(`UPDATE companies SET name = 'B1 ter' WHERE siren = '552100554'`)
	if s := stale(); s != "pole:b aggregates" {
		t.Fatalf("a part without a row, after a write to its pole: stale %q", s)
	}
}

// TestCompanyChanges: a pole part made stale by writes to its companies'
// rows lists those companies; a change of its memberships, the referential
// or more than MaxIncrementalCompanies companies asks for a whole rebuild,
// as does a part without a snapshot of its own; a write committed during
// the rebuild is not listed, and leaves the part stale.
func TestCompanyChanges(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	db.MustExec(`INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie')`)
	db.MustExec(`INSERT INTO territories (level, code, name, parent_code) VALUES ('department', '31', 'Haute-Garonne', '76')`)
	db.MustExec(`INSERT INTO role_families (code, title) VALUES ('H', 'Industrie')`)
	db.MustExec(`INSERT INTO roles (code, title, family) VALUES ('H1', 'Rôle', 'H')`)
	db.MustExec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('a', 'A', 'cluster', '76'), ('b', 'B', 'cluster', '76')`)
	// 60 companies of pole a, the first also of pole b.
	// (With Luhn's check digits.)
	db.MustExec(`INSERT INTO companies (siren, name)
SELECT (SELECT b || d FROM generate_series(0, 9) d WHERE gpec_luhn_ok(b || d) LIMIT 1), 'C' || i
FROM generate_series(1, 60) i, lpad(i::text, 8, '0') b`)
	db.MustExec(`INSERT INTO sites (siret, siren, territory_code)
SELECT (SELECT siren || '0001' || d FROM generate_series(0, 9) d WHERE gpec_siret_ok(siren || '0001' || d) LIMIT 1), siren, '31'
FROM companies`)
	var c []string // c[i-1] is company Ci
	if err := db.Select(&c, `SELECT siren FROM companies ORDER BY siren`); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO memberships (pole_id, siren, since) SELECT 'a', siren, '2020-01-01' FROM companies`)
	db.MustExec(`INSERT INTO memberships (pole_id, siren, since) VALUES ('b', $1, '2020-01-01')`, c[0])

	type got struct {
		sirens []string
		ok     bool
	}
	var write string
	seen := map[string]got{}
	r := &rollup.Refresher{DB: db, Today: func() time.Time { return today }, Builders: []rollup.Builder{{
		Parts: func(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
			return []string{rollup.PolePart("a"), rollup.PolePart("b")}, nil
		},
		Build: func(ctx context.Context, tx *sqlx.Tx, run int64, k rollup.Key, parts []string) error {
			for _, p := range parts {
				s, ok, err := rollup.CompanyChanges(ctx, tx, run, p)
				if err != nil {
					return err
				}
				seen[p] = got{s, ok}
			}
			if write != "" {
				db.MustExec(write)
			}
			return nil
		},
	}}}
	k := rollup.Key{AsOf: today, Horizon: 2029, RetirementAge: 64}
	if _, err := r.Build(ctx, k); err != nil {
		t.Fatal(err)
	}
	check := func(what, part string, want []string, ok bool) {
		t.Helper()
		clear(seen)
		if _, err := r.Rebuild(ctx, k, []string{part}); err != nil {
			t.Fatal(err)
		}
		g := seen[part]
		if g.ok != ok || (ok && strings.Join(g.sirens, " ") != strings.Join(want, " ")) {
			t.Fatalf("%s: %s lists %v (by company: %v), want %v (%v)", what, part, g.sirens, g.ok, want, ok)
		}
	}
	check("nothing written", "pole:a", nil, true)

	db.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount) SELECT s.siret, r.id, 2029, 3 FROM roles r, sites s WHERE s.siren = $1`, c[1])
	db.MustExec(`UPDATE companies SET name = 'C1 bis' WHERE siren = $1`, c[0])
	db.MustExec(`INSERT INTO needs (siret, role_id, horizon_year, headcount, declared_on) SELECT s.siret, r.id, 2029, 3, $1::date + 1 FROM roles r, sites s WHERE s.siren = $2`, today, c[2])
	check("two companies written (and one after asOf)", "pole:a", c[:2], true)
	check("one company of two poles", "pole:b", c[:1], true)

	// A membership changes its pole whole, and its company's other poles
	// by company.
	db.MustExec(`UPDATE memberships SET until = '2030-01-01' WHERE siren = $1 AND pole_id = 'b'`, c[0])
	check("a membership of b", "pole:b", nil, false)
	check("a membership of b, seen from a", "pole:a", c[:1], true)

	db.MustExec(`UPDATE roles SET title = 'Rôle 2'`)
	check("the referential", "pole:a", nil, false)

	db.MustExec(`UPDATE companies SET name = name || ' bis' WHERE siren <= $1`, c[49])
	check("50 companies", "pole:a", c[:50], true)
	db.MustExec(`UPDATE companies SET name = name || ' ter' WHERE siren <= $1`, c[50])
	check("51 companies", "pole:a", nil, false)
	for _, siren := range c[:51] {
		db.MustExec(`UPDATE companies SET name = name || ' quater' WHERE siren = $1`, siren)
	}
	check("51 companies one by one", "pole:a", nil, false)

	// A write committed during the rebuild: not listed, the part stays
	// stale, and the next rebuild lists it.
	if _, err := r.Rebuild(ctx, k, []string{rollup.PolePart("b")}); err != nil {
		t.Fatal(err)
	}
	write = `UPDATE companies SET name = 'C7 bis' WHERE siren = '` + c[6] + `'`
	check("a write during the rebuild", "pole:a", nil, true)
	write = ""
	if stale, _, err := r.StaleParts(ctx, k); err != nil || strings.Join(stale, " ") != "pole:a" {
		t.Fatalf("after a write during the rebuild, stale %v (err %v)", stale, err)
	}
	check("after a write during the rebuild", "pole:a", c[6:7], true)

	// A pole without a part of its own: whole.
	db.MustExec(`DELETE FROM rollup_parts WHERE part = 'pole:b'`)
	check("no part row", "pole:b", nil, false)
}

// TestTodayFirst: after a write, today's stale parts of every builder are
// rebuilt before the campaigns' keys' (answers of today wait for them; a
// trend derives a campaign's point meanwhile), whatever the builders' order.
func TestTodayFirst(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.New(t)
	var mu sync.Mutex
	var built []string
	poles, aggregates := polesBuilder(&mu, &built), polesBuilder(&mu, &built)
	onlyParts := func(b rollup.Builder, keep func(string) bool) rollup.Builder {
		all := b.Parts
		b.Parts = func(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
			parts, err := all(ctx, q)
			var out []string
			for _, p := range parts {
				if keep(p) {
					out = append(out, p)
				}
			}
			return out, err
		}
		return b
	}
	isAggregates := func(p string) bool { return p == rollup.AggregatesPart }
	r := &rollup.Refresher{DB: db, Today: func() time.Time { return today }, Builders: []rollup.Builder{
		onlyParts(poles, func(p string) bool { return !isAggregates(p) }), onlyParts(aggregates, isAggregates)}}
	db.MustExec(`INSERT INTO territories (level, code, name) VALUES ('region', '76', 'Occitanie')`)
	db.MustExec(`INSERT INTO poles (id, name, kind, region_code) VALUES ('p', 'P', 'cluster', '76'), ('q', 'Q', 'cluster', '76')`)
	db.MustExec(`INSERT INTO campaigns (pole_id, id, title, opens_on, closes_on, reference_date, horizons) VALUES
		('p', '2025', 'B', '2025-03-01', '2025-04-30', '2025-06-30', '{2028}')`)
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: %v %v", complete, err)
	}
	built = nil
	db.MustExec(`INSERT INTO rollup_changes (scope, since) VALUES ('pole:p', '-infinity'), ('aggregates', '-infinity')`)
	if _, complete, err := r.Refresh(ctx); err != nil || !complete {
		t.Fatalf("refresh: %v %v", complete, err)
	}
	want := "2026-11-25/2029:pole:p 2026-11-25/2029:aggregates 2025-06-30/2028:pole:p"
	if got := strings.Join(built, " "); got != want {
		t.Fatalf("after a write, built %s\nwant  %s", got, want)
	}
}
