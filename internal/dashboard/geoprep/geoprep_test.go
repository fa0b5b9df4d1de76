package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestSimplifyRoundsAndDropsRedundantPoints(t *testing.T) {
	r := ring{{0, 0}, {1.00001, 0}, {2, 0.0001}, {2, 1}, {2.0000004, 1}, {0, 1}, {0, 0}}
	got := simplify(r, 0.004)
	want := ring{{0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// Exterior rings come out clockwise and holes counter-clockwise, whatever
// their input winding: d3-geo reads a counter-clockwise exterior as the
// whole sphere but the shape.
func TestWinding(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.geojson")
	out := filepath.Join(dir, "out.geojson")
	ccw := [][2]float64{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}
	hole := [][2]float64{{1, 1}, {1, 2}, {2, 2}, {2, 1}, {1, 1}} // clockwise
	fc := map[string]any{"type": "FeatureCollection", "features": []any{
		map[string]any{"type": "Feature", "properties": map[string]any{"code": "01", "nom": "Ain", "extra": "x"},
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ccw, hole}}},
	}}
	b, _ := json.Marshal(fc)
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out, 0.004); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Features []struct {
			Properties map[string]string
			Geometry   struct {
				Type        string
				Coordinates []ring
			}
		}
	}
	b, _ = os.ReadFile(out)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	f := got.Features[0]
	if len(f.Properties) != 2 || f.Properties["code"] != "01" || f.Properties["nom"] != "Ain" {
		t.Fatalf("properties %v", f.Properties)
	}
	if f.Geometry.Type != "Polygon" || len(f.Geometry.Coordinates) != 2 {
		t.Fatalf("geometry %+v", f.Geometry)
	}
	if a := signedArea(f.Geometry.Coordinates[0]); a >= 0 {
		t.Fatalf("exterior ring counter-clockwise (area %v)", a)
	}
	if a := signedArea(f.Geometry.Coordinates[1]); a <= 0 {
		t.Fatalf("hole clockwise (area %v)", a)
	}
}
