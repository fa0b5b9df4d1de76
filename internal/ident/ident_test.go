package ident

import (
	"testing"
	"time"
)

func TestSiren(t *testing.T) {
	for _, s := range []string{
		"443061841", // Google France
		"552032534", // Danone
		"383474814", // Airbus
		"356000000", // La Poste
	} {
		if err := Siren(s); err != nil {
			t.Errorf("Siren(%q) = %v, want valid", s, err)
		}
	}
	for name, s := range map[string]string{
		"ErrChecksum": "443061842",
		"ErrShort":    "44306184",
		"ErrLong":     "4430618410",
		"ErrLetters":  "44306184A",
		"ErrSpaces":   "443 061 841",
	} {
		t.Run(name, func(t *testing.T) {
			if Siren(s) == nil {
				t.Errorf("Siren(%q) passed", s)
			}
		})
	}
}

func TestSiret(t *testing.T) {
	valid := []string{"44306184100047", "35600000052135"}
	for _, s := range valid {
		if err := Siret(s); err != nil {
			t.Errorf("Siret(%q) = %v, want valid", s, err)
		}
	}
	for name, s := range map[string]string{
		"ErrChecksum":     "44306184100048",
		"ErrSirenInvalid": "44306184200047",
		"ErrLaPosteSum":   "35600000052136",
		"ErrShort":        "4430618410004",
		"ErrLetters":      "4430618410004X",
	} {
		t.Run(name, func(t *testing.T) {
			if Siret(s) == nil {
				t.Errorf("Siret(%q) passed", s)
			}
		})
	}
	if luhn("35600000052135") {
		t.Errorf("test data: the La Poste SIRET should fail plain Luhn, to exercise the exception")
	}
	if err := SiretOf("44306184100047", "443061841"); err != nil {
		t.Error(err)
	}
	if SiretOf("44306184100047", "552032534") == nil {
		t.Error("SiretOf accepted another company's SIRET")
	}
}

func TestTerritoryCode(t *testing.T) {
	ok := [][2]string{
		{"region", "84"}, {"region", "11"}, {"region", "01"},
		{"department", "01"}, {"department", "69"}, {"department", "95"},
		{"department", "2A"}, {"department", "2B"}, {"department", "971"}, {"department", "976"},
		{"commune", "69123"}, {"commune", "2A004"}, {"commune", "97411"}, {"commune", "01001"},
	}
	for _, c := range ok {
		if err := TerritoryCode(c[0], c[1]); err != nil {
			t.Errorf("TerritoryCode(%s, %s) = %v", c[0], c[1], err)
		}
	}
	bad := [][2]string{
		{"region", "8"}, {"region", "845"}, {"region", "2A"},
		{"department", "00"}, {"department", "96"}, {"department", "977"}, {"department", "2C"},
		{"commune", "6912"}, {"commune", "2C004"}, {"commune", "691234"},
		{"city", "69123"},
	}
	for _, c := range bad {
		if TerritoryCode(c[0], c[1]) == nil {
			t.Errorf("TerritoryCode(%s, %s) passed", c[0], c[1])
		}
	}
	for code, want := range map[string]string{"69": "department", "974": "department", "2B": "department", "69123": "commune"} {
		if got, err := PlaceLevel(code); err != nil || got != want {
			t.Errorf("PlaceLevel(%s) = %s, %v", code, got, err)
		}
	}
	for _, code := range []string{"84x", "1", "", "6912"} {
		if _, err := PlaceLevel(code); err == nil {
			t.Errorf("PlaceLevel(%q) passed", code)
		}
	}
}

func TestCodesAndEnums(t *testing.T) {
	for _, s := range []string{"aerospace-valley", "minalogic", "pole-2"} {
		if err := PoleID(s); err != nil {
			t.Errorf("PoleID(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"Aerospace", "a--b", "-a", "a-", "a b", ""} {
		if PoleID(s) == nil {
			t.Errorf("PoleID(%q) passed", s)
		}
	}
	for _, s := range []string{"H1206", "100023", "x", "é", string(make([]rune, 64))} {
		if err := Code(s); err != nil {
			t.Errorf("Code(%q) = %v", s, err)
		}
	}
	if Code("") == nil || Code(string(make([]byte, 65))) == nil {
		t.Error("Code accepted an empty or 65-character code")
	}
	for l := 0; l <= 4; l++ {
		if Proficiency(l) != nil {
			t.Errorf("Proficiency(%d)", l)
		}
	}
	if Proficiency(-1) == nil || Proficiency(5) == nil || Proficiency(7) == nil {
		t.Error("Proficiency accepted out of range")
	}
	if RequiredLevel(0) == nil || RequiredLevel(5) == nil || RequiredLevel(1) != nil || RequiredLevel(4) != nil {
		t.Error("RequiredLevel bounds")
	}
	asOf := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if Horizon(2026, asOf) != nil || Horizon(2030, asOf) != nil || Horizon(2025, asOf) == nil {
		t.Error("Horizon bounds")
	}
	if Modality("remote") != nil || Modality("Remote") == nil || Modality("hybrid") == nil {
		t.Error("Modality")
	}
	if PoleKind("cluster") != nil || PoleKind("pole") == nil {
		t.Error("PoleKind")
	}
	if SkillKind("soft") != nil || SkillKind("hard") == nil {
		t.Error("SkillKind")
	}
	if NAF("25.62B") != nil || NAF("2562B") == nil || NAF("25.62b") == nil {
		t.Error("NAF")
	}
}

func TestCompleteLuhn(t *testing.T) {
	for _, prefix := range []string{"73282932", "00000000", "99999999", "5420221200001"} {
		s := CompleteLuhn(prefix)
		if len(s) != len(prefix)+1 || !luhn(s) || s[:len(prefix)] != prefix {
			t.Errorf("CompleteLuhn(%q) = %q", prefix, s)
		}
	}
	if CompleteLuhn("73282932") != "732829320" {
		t.Errorf("Danone's SIREN is 732829320")
	}
}
