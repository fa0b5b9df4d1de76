package campaign_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/campaign"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/importer"
	"github.com/gpec-project/gpec/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The hand-checked fixture. Pole "p" has four members on 2026-04-30 (Alpha,
// Bravo — which leaves on 2026-05-01 —, Delta, Echo) and Charlie, which joins
// on 2026-07-01. Role R requires skill S at level 3 (essential).
//
//   - Alpha's employee a1: S undated 4, 2025-01-10 → 2, 2026-06-01 → 3
//     (latest-wins with an undated row): level 4 before 2025-01-10, 2 from
//     then, 3 from 2026-06-01. Alpha's site declared, for R at 2029, 5
//     undated then 2 on 2026-03-15 (a need re-declared lower), and 0 at 2031
//     on 2026-03-15 (a declared 0).
//   - Bravo's employee b1: S undated 3; it answered campaign 2026 by an
//     assessment only (its T level on 2026-04-10).
//   - Charlie's employee c1 (not assessed); it declared a need on
//     2026-03-20, inside the window, but joined after the reference date.
//   - Delta has no employee and never answered; Echo declared on
//     2026-05-05, after the window.
//
// Campaigns: 2025 (window 2025-03-01..2025-04-30), 2026 (2026-03-01..
// 2026-04-30, reference 2026-04-30, horizons 2027|2029|2031 by default),
// 2027 (2027-03-01..2027-04-30).
type fixture struct {
	db                                 *sqlx.DB
	dsn                                string
	alpha, bravo, charlie, delta, echo string
	svc                                *campaign.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, dsn := testdb.New(t)
	f := &fixture{db: db, dsn: dsn, svc: &campaign.Service{DB: db, Engine: &analytics.Engine{DB: db}}}
	f.alpha, f.bravo, f.charlie = ident.CompleteLuhn("10000000"), ident.CompleteLuhn("20000000"), ident.CompleteLuhn("30000000")
	f.delta, f.echo = ident.CompleteLuhn("40000000"), ident.CompleteLuhn("50000000")
	site := func(siren string) string { return ident.CompleteLuhn(siren + "0001") }
	files := map[string]string{
		"territories.csv": "level,code,name,parent_code\nregion,76,Occitanie,\ndepartment,31,Haute-Garonne,76\n",
		"roles.csv":       "code,title\nR,Role R\nQ,Role Q\n",
		"skills.csv":      "code,name,kind\nS,Skill S,know_how\nT,Skill T,soft\n",
		"role_skills.csv": "role_code,skill_code,level,essential\nR,S,3,true\nQ,T,2,true\n",
		"poles.csv":       "id,name,kind,region_code\np,Pole,cluster,76\n",
		"companies.csv": fmt.Sprintf("siren,name\n%s,Alpha\n%s,Bravo\n%s,Charlie\n%s,Delta\n%s,Echo\n",
			f.alpha, f.bravo, f.charlie, f.delta, f.echo),
		"memberships.csv": fmt.Sprintf("pole_id,siren,since,until\np,%s,2020-01-01,\np,%s,2020-01-01,2026-05-01\np,%s,2026-07-01,\np,%s,2020-01-01,\np,%s,2020-01-01,\n",
			f.alpha, f.bravo, f.charlie, f.delta, f.echo),
		"sites.csv": fmt.Sprintf("siret,siren,territory_code\n%s,%s,31\n%s,%s,31\n%s,%s,31\n%s,%s,31\n%s,%s,31\n",
			site(f.alpha), f.alpha, site(f.bravo), f.bravo, site(f.charlie), f.charlie, site(f.delta), f.delta, site(f.echo), f.echo),
		"employees.csv": fmt.Sprintf("siren,employee_ref,siret,role_code,birth_year,entry_date\n%s,a1,%s,R,1980,2020-01-01\n%s,b1,%s,R,1980,2020-01-01\n%s,c1,%s,R,1980,2020-01-01\n",
			f.alpha, site(f.alpha), f.bravo, site(f.bravo), f.charlie, site(f.charlie)),
		"employee_skills.csv": fmt.Sprintf("siren,employee_ref,skill_code,assessed_on,level\n%s,a1,S,,4\n%s,a1,S,2025-01-10,2\n%s,a1,S,2026-06-01,3\n%s,b1,S,,3\n%s,b1,T,2026-04-10,1\n",
			f.alpha, f.alpha, f.alpha, f.bravo, f.bravo),
		"needs.csv": fmt.Sprintf("siret,role_code,horizon_year,declared_on,headcount\n%s,R,2029,,5\n%s,R,2029,2026-03-15,2\n%s,R,2031,2026-03-15,0\n%s,R,2029,2026-03-20,4\n%s,R,2029,2026-05-05,1\n",
			site(f.alpha), site(f.alpha), site(f.alpha), site(f.charlie), site(f.echo)),
		"campaigns.csv": "pole_id,id,title,opens_on,closes_on,reference_date,horizons\n" +
			"p,2025,Survey 2025,2025-03-01,2025-04-30,,\np,2026,Survey 2026,2026-03-01,2026-04-30,,\np,2027,Survey 2027,2027-03-01,2027-04-30,,\n",
	}
	var src []importer.Source
	for _, k := range importer.Kinds() {
		if c, ok := files[k+".csv"]; ok {
			src = append(src, importer.UploadSource(k+".csv", int64(len(c)), strings.NewReader(c)))
		}
	}
	rep, err := importer.Import(context.Background(), db, src, importer.Options{})
	if err != nil || !rep.Committed {
		t.Fatalf("fixture: %v\n%v", err, rep)
	}
	return f
}

func (f *fixture) campaigns(t *testing.T) []*campaign.Campaign {
	t.Helper()
	cs, err := f.svc.ByPoles(context.Background(), []string{"p"})
	if err != nil {
		t.Fatal(err)
	}
	return cs["p"]
}

func TestGolden(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	cs := f.campaigns(t)
	if len(cs) != 3 || cs[0].ID != "2025" || cs[2].ID != "2027" {
		t.Fatalf("campaigns %+v", cs)
	}
	c26 := cs[1]
	if !c26.ReferenceDate().Equal(day("2026-04-30")) || !reflect.DeepEqual(c26.Horizons(), []int{2027, 2029, 2031}) {
		t.Fatalf("defaults: %v %v", c26.ReferenceDate(), c26.Horizons())
	}

	t.Run("FollowUp", func(t *testing.T) {
		fu, err := f.svc.FollowUps(ctx, []campaign.Key{c26.Key(), cs[0].Key()})
		if err != nil {
			t.Fatal(err)
		}
		got := fu[c26.Key()]
		// Charlie answered in the window but joined after the reference
		// date: neither a member nor a respondent. Bravo left after it: a
		// member, and a respondent by an assessment only. Echo declared
		// after the window.
		want := []campaign.Member{{f.alpha, "Alpha", true}, {f.bravo, "Bravo", true}, {f.delta, "Delta", false}, {f.echo, "Echo", false}}
		if !reflect.DeepEqual(got.Members, want) {
			t.Fatalf("members %+v", got.Members)
		}
		if got.Respondents() != 2 || *got.ResponseRate() != 0.5 || len(got.NonRespondents()) != 2 || got.NonRespondents()[0].Name != "Delta" {
			t.Errorf("respondents %d rate %v non %+v", got.Respondents(), *got.ResponseRate(), got.NonRespondents())
		}
		// 2025: nobody answered between 2025-03-01 and 2025-04-30.
		if r := fu[cs[0].Key()]; len(r.Members) != 4 || r.Respondents() != 0 || *r.ResponseRate() != 0 {
			t.Errorf("2025: %+v", r)
		}
	})

	t.Run("FiguresAtReferenceDate", func(t *testing.T) {
		e := &analytics.Engine{DB: f.db}
		pole := analytics.Scope{PoleID: "p"}
		at := func(asOf string, h int) (analytics.RoleGap, analytics.SkillGap) {
			p := analytics.Params{AsOf: day(asOf), Horizon: h}
			r, err := e.RoleGaps(ctx, []analytics.Scope{pole}, p, analytics.RoleByCode, 0)
			if err != nil {
				t.Fatal(err)
			}
			s, err := e.SkillGaps(ctx, []analytics.Scope{pole}, p, analytics.SkillByCode, 0)
			if err != nil {
				t.Fatal(err)
			}
			var rg analytics.RoleGap
			var sg analytics.SkillGap
			for _, g := range r[pole].Items {
				if g.RoleCode == "R" {
					rg = g
				}
			}
			for _, g := range s[pole].Items {
				if g.SkillCode == "S" {
					sg = g
				}
			}
			return rg, sg
		}
		// 2026-04-30, H 2029: Alpha's need re-declared lower (2) wins over
		// its undated 5; Bravo's site has no need (its headcount, 1); a1 is
		// at level 2 (the 2025-01-10 row supersedes the undated 4), b1 at 3.
		r, s := at("2026-04-30", 2029)
		if r.Target != 3 || r.Stayers != 2 || s.Required != 3 || s.Qualified != 1 || s.Gap != 2 {
			t.Errorf("2026-04-30 H2029: role %+v skill %+v", r, s)
		}
		// The day before the re-declaration: the undated 5.
		if r, _ := at("2026-03-14", 2029); r.Target != 6 {
			t.Errorf("2026-03-14 H2029 target %d, want 5 + 1", r.Target)
		}
		// A declared 0 is a need of 0, not the absence of one.
		if r, _ := at("2026-04-30", 2031); r.Target != 1 {
			t.Errorf("2026-04-30 H2031 target %d, want 0 + 1", r.Target)
		}
		// Before 2025-01-10 the undated 4 counts: a1 qualified.
		if _, s := at("2024-12-31", 2029); s.Qualified != 2 {
			t.Errorf("2024-12-31 qualified %d, want 2", s.Qualified)
		}
		// On 2026-06-01, a1's new assessment (3) counts from its own day.
		if _, s := at("2026-06-01", 2029); s.Qualified != 1 {
			t.Errorf("2026-06-01 qualified %d, want 1 (a1; Bravo left)", s.Qualified)
		}
	})

	t.Run("TrendOverCampaigns", func(t *testing.T) {
		tr, err := f.svc.Trend(ctx, campaign.TrendRequest{Scope: analytics.Scope{PoleID: "p"}, Points: campaign.CampaignPoints(cs, 3), SkillCodes: []string{"S"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Skills) != 1 {
			t.Fatalf("skills %+v", tr.Skills)
		}
		// 2025-04-30 H2028: targets 1 + 1, a1 at 2 → gap 1. 2026-04-30
		// H2029: gap 2 (above). 2027-04-30 H2030: Bravo gone, Charlie in
		// (c1 unassessed), a1 at 3 → required 2, qualified 1, gap 1.
		var gaps []int
		var changes []string
		for _, p := range tr.Skills[0].Points {
			gaps = append(gaps, p.Gap.Value)
			if p.Gap.Change == nil {
				changes = append(changes, "null")
			} else {
				changes = append(changes, fmt.Sprint(*p.Gap.Change))
			}
		}
		if !reflect.DeepEqual(gaps, []int{1, 2, 1}) || !reflect.DeepEqual(changes, []string{"null", "1", "-1"}) {
			t.Errorf("gaps %v changes %v", gaps, changes)
		}
		if tr.Points[1].Horizon != 2029 || tr.Points[2].Campaign.ID != "2027" {
			t.Errorf("points %+v", tr.Points)
		}
		grew, shrank, err := f.svc.GapMoves(ctx, "p", cs[0], cs[1], 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(grew) != 1 || grew[0].Code != "S" || grew[0].Change != 1 || len(shrank) != 0 {
			t.Errorf("moves 2025→2026: grew %+v shrank %+v", grew, shrank)
		}
	})

	t.Run("TrendsBatched", func(t *testing.T) {
		// The trends of several companies over the same points, asked
		// concurrently (sibling fields), are one Series: two statements.
		db, st := testdb.OpenCounting(t, f.dsn)
		l := campaign.NewLoaders(&campaign.Service{DB: db, Engine: &analytics.Engine{DB: db}}, 20*time.Millisecond)
		points := campaign.CampaignPoints(cs, 3)
		sirens := []string{f.alpha, f.bravo, f.charlie, f.delta, f.echo}
		got := make([]*campaign.Trend, len(sirens))
		errs := make(chan error, len(sirens))
		for i, s := range sirens {
			go func() {
				var err error
				got[i], err = l.Trend(ctx, campaign.TrendRequest{Scope: analytics.Scope{Siren: s}, Points: points})
				errs <- err
			}()
		}
		for range sirens {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if n := st.Count(); n != 2 {
			t.Errorf("%d statements for %d trends, want 2", n, len(sirens))
		}
		// Alpha's S: a1's level 2 at 2025 and 2026 (gaps 1, then the need
		// of 2 at 2029 → 2), 3 at 2027 (gap 0).
		var gaps []int
		for _, p := range got[0].Skills[0].Points {
			gaps = append(gaps, p.Gap.Value)
		}
		if got[0].Skills[0].Code != "S" || !reflect.DeepEqual(gaps, []int{1, 2, 0}) {
			t.Errorf("Alpha's trend %+v", got[0].Skills)
		}
	})

	t.Run("Answer", func(t *testing.T) {
		today := day("2026-04-20")
		// A bad row fails the whole answer, naming the row and the field.
		_, err := campaign.AnswerOf(ctx, f.db, f.delta, []campaign.NeedInput{
			{Siret: ident.CompleteLuhn(f.delta + "0001"), RoleCode: "R", HorizonYear: 2029, Headcount: 2},
			{Siret: ident.CompleteLuhn(f.delta + "0001"), RoleCode: "NOPE", HorizonYear: 2029, Headcount: 2},
		}, []campaign.AssessmentInput{{EmployeeRef: "a1", SkillCode: "S", Level: 3}}, today, 0, nil)
		if err == nil || domain.ErrorCode(err) != domain.CodeInvalid ||
			!strings.Contains(err.Error(), "needs row 2, roleCode: unknown role code") ||
			!strings.Contains(err.Error(), "assessments row 1, employeeRef: unknown employee") {
			t.Fatalf("bad answer: %v", err)
		}
		fu, _ := f.svc.FollowUps(ctx, []campaign.Key{c26.Key()})
		if fu[c26.Key()].Respondents() != 2 {
			t.Fatal("a refused answer was written")
		}
		// Another company's site is refused; so is a need dated another day.
		if _, err := campaign.AnswerOf(ctx, f.db, f.delta, []campaign.NeedInput{
			{Siret: ident.CompleteLuhn(f.alpha + "0001"), RoleCode: "R", HorizonYear: 2029, Headcount: 2}}, nil, today, 0, nil); err == nil ||
			!strings.Contains(err.Error(), "needs row 1, siret: this row is not of company "+f.delta) {
			t.Errorf("other company's site: %v", err)
		}
		yesterday := day("2026-04-19")
		if _, err := campaign.AnswerOf(ctx, f.db, f.delta, []campaign.NeedInput{
			{Siret: ident.CompleteLuhn(f.delta + "0001"), RoleCode: "R", HorizonYear: 2029, Headcount: 2, DeclaredOn: &yesterday}}, nil, today, 0, nil); err == nil ||
			!strings.Contains(err.Error(), "needs row 1, declaredOn:") {
			t.Errorf("need dated yesterday: %v", err)
		}
		// A good answer: Delta becomes a respondent of campaign 2026.
		a, err := campaign.AnswerOf(ctx, f.db, f.delta, []campaign.NeedInput{
			{Siret: ident.CompleteLuhn(f.delta + "0001"), RoleCode: "R", HorizonYear: 2029, Headcount: 2}}, nil, today, 0, nil)
		if err != nil || a.Needs.Inserted != 1 {
			t.Fatalf("answer: %v %+v", err, a)
		}
		fu, _ = f.svc.FollowUps(ctx, []campaign.Key{c26.Key()})
		if got := fu[c26.Key()]; got.Respondents() != 3 || got.NonRespondents()[0].Name != "Echo" {
			t.Errorf("after Delta's answer: %+v", got)
		}
		// An assessment with its real date, not in the future.
		future := day("2026-04-21")
		if _, err := campaign.AnswerOf(ctx, f.db, f.alpha, nil, []campaign.AssessmentInput{
			{EmployeeRef: "a1", SkillCode: "S", Level: 4, AssessedOn: &future}}, today, 0, nil); err == nil ||
			!strings.Contains(err.Error(), "assessments row 1, assessedOn:") {
			t.Errorf("future assessment: %v", err)
		}
	})

	t.Run("Open", func(t *testing.T) {
		ref := day("2028-06-30")
		c, err := f.svc.Open(ctx, campaign.OpenInput{PoleID: "p", ID: "2028", Title: " Survey 2028 ", OpensOn: day("2028-03-01"),
			ClosesOn: day("2028-04-30"), ReferenceDate: &ref, Horizons: []int{2030, 2029}})
		if err != nil || c.Title != "Survey 2028" || !reflect.DeepEqual(c.Horizons(), []int{2030, 2029}) || !c.ReferenceDate().Equal(ref) {
			t.Fatalf("open: %v %+v", err, c)
		}
		for name, in := range map[string]campaign.OpenInput{
			"CONFLICT":       {PoleID: "p", ID: "2028", Title: "x", OpensOn: day("2028-03-01"), ClosesOn: day("2028-04-30")},
			"NOT_FOUND":      {PoleID: "q", ID: "2028", Title: "x", OpensOn: day("2028-03-01"), ClosesOn: day("2028-04-30")},
			"closesOn":       {PoleID: "p", ID: "x1", Title: "x", OpensOn: day("2028-03-01"), ClosesOn: day("2028-02-01")},
			"referenceDate":  {PoleID: "p", ID: "x2", Title: "x", OpensOn: day("2028-03-01"), ClosesOn: day("2028-04-30"), ReferenceDate: &[]time.Time{day("2028-04-01")}[0]},
			"horizons":       {PoleID: "p", ID: "x3", Title: "x", OpensOn: day("2028-03-01"), ClosesOn: day("2028-04-30"), Horizons: []int{2027}},
			"horizons twice": {PoleID: "p", ID: "x4", Title: "x", OpensOn: day("2028-03-01"), ClosesOn: day("2028-04-30"), Horizons: []int{2029, 2029}},
		} {
			_, err := f.svc.Open(ctx, in)
			var de *domain.Error
			if err == nil || !asDomain(err, &de) || (de.Code != name && !strings.HasPrefix(name, de.Field)) {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func asDomain(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}
