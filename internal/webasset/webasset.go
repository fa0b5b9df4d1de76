// Package webasset serves the static files that gpec embeds in its binary
// (GraphiQL's and the dashboard's scripts, styles and map contours): loaded
// once from an embedded file system, addressed by content hash so that a
// versioned URL can be cached for a year, gzipped once when that makes them
// smaller. It owns no route: each page's package mounts its own.
package webasset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Asset is one served file.
type Asset struct {
	ContentType string
	Body        []byte
	Hash        string // hex of a SHA-256 prefix of Body: the URL's "v" and the ETag

	gzipOnce sync.Once
	gzipped  []byte // nil when gzip does not make it smaller
}

// Load reads every file of dirs in fsys, by base name; skip names files
// that are not served (a page template). Two files of one name, or an
// unreadable one, are a build mistake: it panics with owner in the message.
func Load(owner string, fsys fs.FS, dirs []string, skip func(name string) bool) map[string]*Asset {
	m := map[string]*Asset{}
	for _, dir := range dirs {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			panic(owner + ": reading embedded " + dir + ": " + err.Error())
		}
		for _, e := range entries {
			if skip != nil && skip(e.Name()) {
				continue
			}
			body, err := fs.ReadFile(fsys, dir+"/"+e.Name())
			if err != nil {
				panic(owner + ": reading embedded " + e.Name() + ": " + err.Error())
			}
			if _, dup := m[e.Name()]; dup {
				panic(owner + ": two embedded files named " + e.Name())
			}
			sum := sha256.Sum256(body)
			m[e.Name()] = &Asset{ContentType: ContentType(e.Name()), Body: body, Hash: hex.EncodeToString(sum[:8])}
		}
	}
	return m
}

// ContentType is the media type of a served file, by its extension.
func ContentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".geojson":
		return "application/geo+json"
	case ".md":
		return "text/markdown; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// gzipBody is the gzip encoding of the asset, computed once, or nil when
// it would not be smaller.
func (a *Asset) gzipBody() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(a.Body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.Body) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// Serve writes a: immutable for a year when the request names its current
// hash (`?v=`), revalidated otherwise; gzipped when the client accepts it.
func Serve(w http.ResponseWriter, r *http.Request, a *Asset) {
	hd := w.Header()
	hd.Set("Content-Type", a.ContentType)
	hd.Add("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.Hash {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	body, etag := a.Body, `"`+a.Hash+`"`
	if gz := a.gzipBody(); gz != nil && acceptsGzip(r) {
		body, etag = gz, `"`+a.Hash+`-gzip"`
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip tells whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
