package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
)

type feature struct {
	Type       string            `json:"type"`
	Properties map[string]string `json:"properties"`
	Geometry   struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

type outFeature struct {
	Type       string            `json:"type"`
	Properties map[string]string `json:"properties"`
	Geometry   outGeometry       `json:"geometry"`
}

type outGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

type ring [][2]float64

func main() {
	in := flag.String("in", "", "input GeoJSON FeatureCollection")
	out := flag.String("out", "", "output GeoJSON")
	tol := flag.Float64("tolerance", 0.004, "drop a point nearer than this (degrees) to the segment of its neighbours")
	flag.Parse()
	if err := run(*in, *out, *tol); err != nil {
		fmt.Fprintln(os.Stderr, "geoprep:", err)
		os.Exit(1)
	}
}

func run(in, out string, tol float64) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var fc struct {
		Features []feature `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var feats []outFeature
	for _, f := range fc.Features {
		var polys [][]ring
		switch f.Geometry.Type {
		case "Polygon":
			var p []ring
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return err
			}
			polys = [][]ring{p}
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
				return err
			}
		default:
			return fmt.Errorf("feature %s: geometry %s not handled", f.Properties["code"], f.Geometry.Type)
		}
		var kept [][]ring
		for _, p := range polys {
			var rings []ring
			for i, r := range p {
				r = simplify(r, tol)
				if len(r) < 4 {
					continue // an islet smaller than the tolerance
				}
				// Exterior clockwise, holes counter-clockwise (d3-geo's convention).
				if (signedArea(r) > 0) == (i == 0) {
					reverse(r)
				}
				rings = append(rings, r)
			}
			if len(rings) > 0 && len(rings[0]) >= 4 {
				kept = append(kept, rings)
			}
		}
		g := outGeometry{Type: "MultiPolygon", Coordinates: kept}
		if len(kept) == 1 {
			g = outGeometry{Type: "Polygon", Coordinates: kept[0]}
		}
		feats = append(feats, outFeature{Type: "Feature", Properties: map[string]string{"code": f.Properties["code"], "nom": f.Properties["nom"]}, Geometry: g})
	}
	body, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(body, '\n'), 0o644)
}

// simplify rounds to 3 decimals and drops points within tol of the line
// through their kept predecessor and their successor (a single pass, enough
// for shapes already simplified upstream).
func simplify(r ring, tol float64) ring {
	round := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	var out ring
	for i, pt := range r {
		q := [2]float64{round(pt[0]), round(pt[1])}
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		if len(out) >= 2 && i < len(r)-1 {
			a := out[len(out)-2]
			if dist(out[len(out)-1], a, q) < tol {
				out[len(out)-1] = q
				continue
			}
		}
		out = append(out, q)
	}
	if len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// dist is the distance from p to the segment a–b.
func dist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := dx*dx + dy*dy
	if l == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// signedArea is positive for a counter-clockwise ring (x east, y north).
func signedArea(r ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

func reverse(r ring) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}
