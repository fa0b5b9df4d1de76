package csvio

import (
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

type row struct {
	line  int
	cells []string
}

func readAll(t *testing.T, src io.Reader) (*Reader, []row, []*Error) {
	t.Helper()
	r, err := NewReader("f.csv", src)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []row
	var errs []*Error
	for {
		err := r.Next()
		if err == io.EOF {
			return r, rows, errs
		}
		var e *Error
		if errors.As(err, &e) {
			errs = append(errs, e)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row{r.Line(), append([]string(nil), r.Record()...)})
	}
}

func TestDelimiterAndLines(t *testing.T) {
	in := "code;Name ; note\n" +
		"a;\"multi\nline\";x\n" +
		"b;\"semi;colon\";y\r\n" +
		"c;plain;z\n"
	r, rows, errs := readAll(t, strings.NewReader(in))
	if r.Delimiter() != ';' || len(errs) != 0 {
		t.Fatalf("delimiter %q errs %v", r.Delimiter(), errs)
	}
	if strings.Join(r.Header(), "|") != "code|name|note" {
		t.Errorf("header %v", r.Header())
	}
	wantLines := []int{2, 4, 5}
	for i, w := range wantLines {
		if rows[i].line != w {
			t.Errorf("row %d at line %d, want %d", i, rows[i].line, w)
		}
	}
	if rows[0].cells[1] != "multi\nline" || rows[1].cells[1] != "semi;colon" {
		t.Errorf("cells %v", rows)
	}
}

func TestEncodings(t *testing.T) {
	cases := map[string]struct {
		in   []byte
		enc  string
		want string
	}{
		"UTF8":    {[]byte("name\nÉcole d'ingénieurs Œuvre\n"), EncodingUTF8, "École d'ingénieurs Œuvre"},
		"BOM":     {append([]byte{0xEF, 0xBB, 0xBF}, "name\nCafé\n"...), EncodingUTF8BOM, "Café"},
		"Win1252": {[]byte("name\n\xc9cole \x9cuvre \x80 \x92s\n"), EncodingWindows1252, "École œuvre € ’s"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			// One byte at a time, so that sequences are cut between reads.
			r, rows, errs := readAll(t, iotest.OneByteReader(strings.NewReader(string(c.in))))
			if len(errs) != 0 || len(rows) != 1 {
				t.Fatalf("rows %v errs %v", rows, errs)
			}
			if rows[0].cells[0] != c.want || r.Encoding() != c.enc {
				t.Errorf("got %q (%s), want %q (%s)", rows[0].cells[0], r.Encoding(), c.want, c.enc)
			}
			if r.Header()[0] != "name" {
				t.Errorf("header %q", r.Header())
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Run("ErrEmpty", func(t *testing.T) {
		_, err := NewReader("f.csv", strings.NewReader(""))
		var e *Error
		if !errors.As(err, &e) || e.Line != 1 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrMixedHeader", func(t *testing.T) {
		_, err := NewReader("f.csv", strings.NewReader("a,b;c\n"))
		if err == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("ErrShortRowAndBareQuote", func(t *testing.T) {
		_, rows, errs := readAll(t, strings.NewReader("a,b,c\n1,2\n1,x\"y,3\n4,5,6\n"))
		if len(errs) != 2 || errs[0].Line != 2 || errs[1].Line != 3 || len(rows) != 1 || rows[0].line != 4 {
			t.Fatalf("rows %v errs %v", rows, errs)
		}
	})
	t.Run("Bind", func(t *testing.T) {
		r, err := NewReader("f.csv", strings.NewReader("Code, extra ,code\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, errs := r.Bind([]string{"code", "title"}, []string{"code", "title"})
		if len(errs) != 3 { // extra unknown, code twice, title missing
			t.Fatalf("errs %v", errs)
		}
	})
}

func TestCells(t *testing.T) {
	for _, v := range []string{"=SUM(A1)", "+33", "-x", "@cmd", "'=x", "''-y", "plain", "'quoted", ""} {
		if got := Clean(Neutralise(v)); got != v {
			t.Errorf("round trip of %q gave %q", v, got)
		}
	}
	if Neutralise("=1") != "'=1" || Neutralise("a=1") != "a=1" {
		t.Error("Neutralise")
	}
	for in, want := range map[string]bool{"true": true, "OUI": true, "1": true, "false": false, "non": false, "0": false} {
		if got, err := ParseBool(in); err != nil || got != want {
			t.Errorf("ParseBool(%q)", in)
		}
	}
	if _, err := ParseBool("yes"); err == nil {
		t.Error("ParseBool(yes)")
	}
	if _, err := ParseDate("2024-02-30"); err == nil {
		t.Error("ParseDate accepted 30 February")
	}
	if _, err := ParseDate("2024-2-3"); err == nil {
		t.Error("ParseDate accepted 2024-2-3")
	}
	for in, want := range map[string]string{"12,5": "12.5", "007": "7", "0.25": "0.25", "35": "35"} {
		if got, err := ParseDecimal(in, 7, 2); err != nil || got != want {
			t.Errorf("ParseDecimal(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"-1", "1.234", "1e3", "12.", ".5", "12345678"} {
		if _, err := ParseDecimal(in, 7, 2); err == nil {
			t.Errorf("ParseDecimal(%q) passed", in)
		}
	}
}

// TestPlainRecordsMatchCSV reads random files, with and without quotes,
// empty lines, \r\n and \r, long lines and no final newline, with Next's
// own splitting and with encoding/csv alone: records, their lines and the
// errors must be the same.
func TestPlainRecordsMatchCSV(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	pieces := []string{"a", "bc", "12", " ", "é", "\r", "\n", "\r\n", ",", ",", ",", "\"", "\"q\"", "\"x,\ny\"", "\n\n"}
	for n := range 3000 {
		var b strings.Builder
		b.WriteString("c1,c2,c3\n")
		for range r.IntN(30) {
			// Most lines plain; a quote now and then.
			p := pieces[:len(pieces)-4]
			if r.IntN(8) == 0 {
				p = pieces
			}
			for range r.IntN(12) {
				b.WriteString(p[r.IntN(len(p))])
			}
			if r.IntN(20) == 0 {
				b.WriteString(strings.Repeat("z", 70_000)) // longer than the buffer
			}
			if r.IntN(10) > 0 {
				b.WriteString("\n")
			}
		}
		in := b.String()
		read := func(plain bool) (rows []row, errs []string) {
			plainRecords = plain
			defer func() { plainRecords = true }()
			rd, err := NewReader("f.csv", strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			for {
				err := rd.Next()
				if err == io.EOF {
					return rows, errs
				}
				if err != nil {
					errs = append(errs, err.Error())
					continue
				}
				rows = append(rows, row{rd.Line(), append([]string(nil), rd.Record()...)})
			}
		}
		gotRows, gotErrs := read(true)
		wantRows, wantErrs := read(false)
		if !reflect.DeepEqual(gotRows, wantRows) || !reflect.DeepEqual(gotErrs, wantErrs) {
			t.Fatalf("file %d %q:\nplain %v %v\ncsv   %v %v", n, in, gotRows, gotErrs, wantRows, wantErrs)
		}
	}
}
