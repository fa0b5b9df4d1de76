package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/domain"
)

// DB is what the token functions need of a database handle; *sqlx.DB,
// *sql.DB and their transactions all satisfy it.
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Token is a stored API token, without its secret.
type Token struct {
	ID int64
	// Prefix is the token's first characters (gpec_ and 8 more), enough for
	// a person to recognise it in a list, far too few to use it.
	Prefix     string
	Role       Role
	Scope      Scope
	Label      string
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: never expires
	RevokedAt  *time.Time
	LastUsedAt *time.Time // updated at most once a minute
}

// Principal is the caller a token authenticates.
func (t Token) Principal() Principal { return Principal{Role: t.Role, Scope: t.Scope, TokenID: t.ID} }

const (
	// TokenPrefix starts every gpec token, so that secret scanners and
	// people recognise one in a log or a repository.
	TokenPrefix = "gpec_"
	secretBytes = 32 // 256 bits from crypto/rand
	prefixChars = len(TokenPrefix) + 8
)

// lowercase base32 without padding: case-insensitive alphabet, no
// characters that need escaping in a header, a shell or a URL.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var tokenLen = len(TokenPrefix) + tokenEncoding.EncodedLen(secretBytes+4)

// newPlaintext draws a token: gpec_ + base32(32 random bytes + CRC-32 of
// them). The checksum lets Authenticate drop typos and random garbage
// without a database round trip; it adds no secrecy and needs none.
func newPlaintext() (string, error) {
	b := make([]byte, secretBytes+4)
	if _, err := rand.Read(b[:secretBytes]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint32(b[secretBytes:], crc32.ChecksumIEEE(b[:secretBytes]))
	return TokenPrefix + tokenEncoding.EncodeToString(b), nil
}

// wellFormed tells whether s has a gpec token's shape and checksum.
func wellFormed(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	b, err := tokenEncoding.DecodeString(s[len(TokenPrefix):])
	if err != nil || len(b) != secretBytes+4 {
		return false
	}
	return binary.BigEndian.Uint32(b[secretBytes:]) == crc32.ChecksumIEEE(b[:secretBytes])
}

// hashToken is what the tokens table stores. A plain SHA-256 is enough here
// (no salt, no bcrypt/argon2): those slow hashes protect low-entropy
// passwords against guessing, while a token holds 256 random bits that no
// one can enumerate; a fast, deterministic hash also lets the lookup use the
// unique index and costs microseconds per request instead of tens of
// milliseconds of CPU an attacker could make us burn.
func hashToken(plaintext string) [32]byte { return sha256.Sum256([]byte(plaintext)) }

// Create issues a token for role and scope, expiring at expires (zero: never),
// and returns its plaintext, to be shown once: only its hash is stored.
func Create(ctx context.Context, db DB, role Role, scope Scope, expires time.Time, label string) (string, Token, error) {
	if err := validate(role, scope); err != nil {
		return "", Token{}, err
	}
	if len(label) > 200 {
		return "", Token{}, errorf(domain.CodeInvalid, "a token label has at most 200 characters")
	}
	if !expires.IsZero() && !expires.After(time.Now()) {
		return "", Token{}, errorf(domain.CodeInvalid, "a token's expiry must be in the future")
	}
	plaintext, err := newPlaintext()
	if err != nil {
		return "", Token{}, err
	}
	h := hashToken(plaintext)
	var exp *time.Time
	if !expires.IsZero() {
		exp = &expires
	}
	lvl, code := territoryColumns(scope)
	row := db.QueryRowContext(ctx, `
		INSERT INTO tokens (prefix, hash, role, pole_id, siren, territory_level, territory_code, label, expires_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''), $6, $7, $8, $9)
		RETURNING `+tokenColumns,
		plaintext[:prefixChars], h[:], string(role), scope.PoleID, scope.Siren, lvl, code, label, exp)
	t, err := scanToken(row)
	if err != nil {
		return "", Token{}, err
	}
	return plaintext, t, nil
}

// List returns every token, revoked and expired ones included, oldest first.
func List(ctx context.Context, db DB) ([]Token, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Revoke stops token id from authenticating. Revoking a revoked token keeps
// its first revocation time. Running servers may still accept it for up to
// their cache TTL (Config.CacheTTL, 30 s by default); Middleware.Forget
// makes one server drop it at once.
func Revoke(ctx context.Context, db DB, id int64) error {
	var found bool
	err := db.QueryRowContext(ctx, `
		WITH r AS (UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM r)`, id).Scan(&found)
	if err != nil {
		return err
	}
	if !found {
		return errorf(domain.CodeNotFound, "no token with that id")
	}
	return nil
}

// Authenticate returns the principal of a token and the token's id, or an
// *domain.Error with code UNAUTHENTICATED when the token is malformed, unknown,
// expired or revoked. It touches last_used_at in the same statement, and
// only when the stored value is more than a minute old, so that a busy
// token does not turn every read into a write.
func Authenticate(ctx context.Context, db DB, plaintext string) (Principal, int64, error) {
	t, err := authenticate(ctx, db, plaintext)
	if err != nil {
		return Anonymous, 0, err
	}
	return t.Principal(), t.ID, nil
}

var (
	errBadToken = errorf(domain.CodeUnauthenticated, "invalid token")
	errExpired  = errorf(domain.CodeUnauthenticated, "token expired")
	errRevoked  = errorf(domain.CodeUnauthenticated, "token revoked")
)

func authenticate(ctx context.Context, db DB, plaintext string) (Token, error) {
	if !wellFormed(plaintext) {
		return Token{}, errBadToken
	}
	h := hashToken(plaintext)
	// The lookup is by the hash's value in a unique index: its timing can
	// tell at most how many leading bytes of a SHA-256 matched, which is no
	// help in finding a token. The compare below guards the equality
	// itself (constant time) against any collation or driver surprise.
	var (
		stored           []byte
		expired, revoked bool
	)
	row := db.QueryRowContext(ctx, `
		WITH t AS (
			SELECT `+tokenColumns+`, hash,
			       expires_at IS NOT NULL AND expires_at <= now() AS expired,
			       revoked_at IS NOT NULL AS revoked
			FROM tokens WHERE hash = $1
		), touch AS (
			UPDATE tokens SET last_used_at = now()
			FROM t
			WHERE tokens.id = t.id AND NOT t.expired AND NOT t.revoked
			  AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
		)
		SELECT * FROM t`, h[:])
	t, err := scanToken(row, &stored, &expired, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, errBadToken
	}
	if err != nil {
		return Token{}, err
	}
	if subtle.ConstantTimeCompare(stored, h[:]) != 1 {
		return Token{}, errBadToken
	}
	if revoked {
		return Token{}, errRevoked
	}
	if expired {
		return Token{}, errExpired
	}
	return t, nil
}

const tokenColumns = `id, prefix, role, coalesce(pole_id, ''), coalesce(siren, ''),
	territory_level, territory_code, label, created_at, expires_at, revoked_at, last_used_at`

type scanner interface{ Scan(dest ...any) error }

func scanToken(s scanner, extra ...any) (Token, error) {
	var (
		t         Token
		role      string
		lvl, code sql.NullString
	)
	dest := append([]any{&t.ID, &t.Prefix, &role, &t.Scope.PoleID, &t.Scope.Siren,
		&lvl, &code, &t.Label, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt}, extra...)
	if err := s.Scan(dest...); err != nil {
		return Token{}, err
	}
	t.Role = Role(role)
	if lvl.Valid {
		t.Scope.Territory = &Territory{Level: lvl.String, Code: code.String}
	}
	return t, nil
}

func territoryColumns(s Scope) (level, code *string) {
	if s.Territory == nil {
		return nil, nil
	}
	return &s.Territory.Level, &s.Territory.Code
}
