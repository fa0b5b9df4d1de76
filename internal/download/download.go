// Package download owns signed download links: how a browser downloads a
// file of the API (an aggregates table, an export) by following a plain
// link, which cannot carry an Authorization header.
//
// A logged-in client asks the API for a link to one download URL (the
// downloadLink mutation, authenticated as usual); the link is that URL plus
// a `dl` parameter: the token's id, an expiry a few minutes ahead, a random
// nonce and an HMAC-SHA256 over them and the URL. Following it:
//
//   - works only for that exact path and query (any change breaks the MAC);
//   - works once: the nonce is spent on first use;
//   - works only until its expiry (5 minutes by default);
//   - acts as the token that asked for it, checked again at download time:
//     a token revoked or expired meanwhile kills its links, and every
//     access rule applies as for a request with the token itself.
//
// No bearer token ever goes into a URL (where logs, history and Referer
// headers would keep it); a leaked link is worth one download of one file
// for minutes. The key is random per process unless configured
// (GPEC_DOWNLOAD_SECRET), so that several servers behind one address can
// accept each other's links; nonces are remembered per process, so a link
// is single-use per server.
package download

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
)

// Param is the query parameter that carries a link's signature.
const Param = "dl"

// DefaultTTL is a link's lifetime unless configured.
const DefaultTTL = 5 * time.Minute

// Signer makes and checks links.
type Signer struct {
	key     []byte
	ttl     time.Duration
	allowed func(path string) bool
	now     func() time.Time

	mu    sync.Mutex
	spent map[[16]byte]time.Time // nonce → expiry, until the expiry passes
}

// NewSigner signs links to the paths allowed accepts, valid for ttl (0:
// DefaultTTL), with key (empty: a random key, links die with the process).
func NewSigner(key []byte, ttl time.Duration, allowed func(path string) bool) *Signer {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic("download: no randomness: " + err.Error())
		}
	}
	return &Signer{key: key, ttl: ttl, allowed: allowed, now: time.Now, spent: map[[16]byte]time.Time{}}
}

// TTL is a link's lifetime.
func (s *Signer) TTL() time.Duration { return s.ttl }

// canonical is the signed form of a target: its path and its query without
// Param, parameters sorted.
func canonical(u *url.URL) string {
	q := u.Query()
	q.Del(Param)
	return u.EscapedPath() + "?" + q.Encode()
}

// payload layout: token id (8 bytes), expiry in Unix seconds (8), nonce (16).
const payloadLen = 8 + 8 + 16

func (s *Signer) mac(payload []byte, target string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	m.Write([]byte(target))
	return m.Sum(nil)
}

// Sign returns a link to target (a path with its query, e.g.
// "/aggregates.csv?level=region&horizon=2030") for the caller of ctx, and
// when it expires. The caller must be authenticated with a token; the
// download itself checks what the token may read.
func (s *Signer) Sign(ctx context.Context, target string) (string, time.Time, error) {
	p := auth.FromContext(ctx)
	if err := p.RequireAuthenticated(); err != nil {
		return "", time.Time{}, err
	}
	u, err := url.Parse(target)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || u.Fragment != "" {
		return "", time.Time{}, domain.Invalid("url", "url is a path of this API with its query, e.g. /aggregates.csv?level=region&horizon=2030")
	}
	if !s.allowed(u.Path) {
		return "", time.Time{}, domain.Invalid("url", "%s is not a download of this API (/aggregates.csv, /aggregates.xlsx, /export/KIND.csv or .xlsx)", u.Path)
	}
	exp := s.now().Add(s.ttl).Truncate(time.Second)
	payload := make([]byte, payloadLen)
	binary.BigEndian.PutUint64(payload[0:], uint64(p.TokenID))
	binary.BigEndian.PutUint64(payload[8:], uint64(exp.Unix()))
	if _, err := rand.Read(payload[16:]); err != nil {
		return "", time.Time{}, err
	}
	sig := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload, canonical(u)))
	q := u.Query()
	q.Del(Param)
	q.Set(Param, sig)
	u.RawQuery = q.Encode()
	return u.String(), exp, nil
}

// errLink is every refusal of a link: which check failed is no business of
// whoever holds it.
var errLink = domain.Errorf(domain.CodeUnauthenticated, "this download link is invalid, used or expired: ask the API for a new one")

// check verifies a request's link and, when spend is set, spends its nonce;
// it returns the id of the token it acts for.
func (s *Signer) check(r *http.Request, spend bool) (int64, error) {
	parts := strings.Split(r.URL.Query().Get(Param), ".")
	if len(parts) != 2 {
		return 0, errLink
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	sig, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil || len(payload) != payloadLen {
		return 0, errLink
	}
	if !hmac.Equal(sig, s.mac(payload, canonical(r.URL))) {
		return 0, errLink
	}
	now := s.now()
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[8:])), 0)
	if !now.Before(exp) {
		return 0, errLink
	}
	var nonce [16]byte
	copy(nonce[:], payload[16:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, used := s.spent[nonce]; used {
		return 0, errLink
	}
	if !spend {
		return int64(binary.BigEndian.Uint64(payload[0:])), nil
	}
	for n, e := range s.spent {
		if !now.Before(e) {
			delete(s.spent, n) // expired links fail on their expiry alone
		}
	}
	s.spent[nonce] = exp
	return int64(binary.BigEndian.Uint64(payload[0:])), nil
}

// Middleware serves a request that carries a link (and no Authorization
// header) as the link's token, straight to download; any other request
// goes to authed, the usual authentication. A refused link is answered
// with fail.
func (s *Signer) Middleware(db auth.DB, download, authed http.Handler, fail func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.Query().Has(Param) || r.Header.Get("Authorization") != "" {
			authed.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			authed.ServeHTTP(w, r) // the handler refuses the method
			return
		}
		// A HEAD (a client probing the link) does not spend it.
		id, err := s.check(r, r.Method == http.MethodGet)
		var p auth.Principal
		if err == nil {
			p, err = auth.ByID(r.Context(), db, id)
			if domain.ErrorCode(err) == domain.CodeUnauthenticated {
				err = errLink
			}
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		// The link is in the address bar and history of the browser that
		// followed it; do not pass it on to anything the file links to.
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		download.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

type ctxKey struct{}

// WithSigner makes s available to the request's resolvers.
func WithSigner(ctx context.Context, s *Signer) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// FromContext is the request's signer; nil when the server has none.
func FromContext(ctx context.Context) *Signer {
	s, _ := ctx.Value(ctxKey{}).(*Signer)
	return s
}
