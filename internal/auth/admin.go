package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gpec-project/gpec/internal/domain"
)

// CheckScope refuses a scope naming what the database does not hold: a
// pole, a company or a territory nobody imported. validate checks shapes
// only, and the tokens table has no foreign keys on purpose (a token may
// outlive a re-import); issuing a token, a typo must still be caught rather
// than produce a token that silently sees nothing.
func CheckScope(ctx context.Context, db DB, s Scope) error {
	var what, id string
	var found bool
	var err error
	switch {
	case s.PoleID != "":
		what, id = "pole", s.PoleID
		err = db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM poles WHERE id = $1)`, s.PoleID).Scan(&found)
	case s.Siren != "":
		what, id = "company", s.Siren
		err = db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM companies WHERE siren = $1)`, s.Siren).Scan(&found)
	case s.Territory != nil:
		what, id = "territory", s.Territory.Level+":"+s.Territory.Code
		err = db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM territories WHERE level = $1 AND code = $2)`,
			s.Territory.Level, s.Territory.Code).Scan(&found)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	if !found {
		return errorf(domain.CodeNotFound, fmt.Sprintf("no %s %s in the database", what, id))
	}
	return nil
}

// Validate checks that scope has the shape role needs, with the message
// Create would give, before anything is asked of the database.
func Validate(role Role, scope Scope) error { return validate(role, scope) }

// Check returns the token a plaintext authenticates, like Authenticate,
// for callers that need the whole token (its scope, its expiry).
func Check(ctx context.Context, db DB, plaintext string) (Token, error) {
	return authenticate(ctx, db, plaintext)
}

// ErrAlreadyRevoked is what RevokeRef answers for a token revoked before.
var ErrAlreadyRevoked = errors.New("already revoked")

// Find returns the one token ref names: its id (digits) or the prefix
// shown by List (gpec_ and 8 characters, or any leading part of it from
// gpec_ and 4 characters on). A prefix matching several tokens is refused,
// listing their ids.
func Find(ctx context.Context, db DB, ref string) (Token, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		row := db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = $1`, id)
		t, err := scanToken(row)
		if errors.Is(err, sql.ErrNoRows) {
			return Token{}, errorf(domain.CodeNotFound, fmt.Sprintf("no token with id %d", id))
		}
		return t, err
	}
	ref = strings.ToLower(strings.TrimSpace(ref))
	// A whole token pasted by mistake: its prefix is enough, and the rest
	// must not end up in an error message.
	if len(ref) > prefixChars {
		ref = ref[:prefixChars]
	}
	if !strings.HasPrefix(ref, TokenPrefix) || len(ref) < len(TokenPrefix)+4 ||
		strings.Trim(ref[len(TokenPrefix):], "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return Token{}, errorf(domain.CodeInvalid, "a token is named by its id or by its prefix as `token list` shows it (gpec_ and at least 4 more characters)")
	}
	rows, err := db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE starts_with(prefix, $1) ORDER BY id LIMIT 11`, ref)
	if err != nil {
		return Token{}, err
	}
	defer rows.Close()
	var found []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return Token{}, err
		}
		found = append(found, t)
	}
	if err := rows.Err(); err != nil {
		return Token{}, err
	}
	switch len(found) {
	case 0:
		return Token{}, errorf(domain.CodeNotFound, fmt.Sprintf("no token with prefix %s", ref))
	case 1:
		return found[0], nil
	}
	ids := make([]string, 0, len(found))
	for i, t := range found {
		if i == 10 {
			ids = append(ids, "…")
			break
		}
		ids = append(ids, strconv.FormatInt(t.ID, 10))
	}
	return Token{}, errorf(domain.CodeInvalid, fmt.Sprintf("prefix %s matches several tokens (ids %s): give the id", ref, strings.Join(ids, ", ")))
}

// RevokeRef revokes the token ref names (see Find) and returns it. A token
// revoked before keeps its revocation time and the error is
// ErrAlreadyRevoked, so that the caller can say so.
func RevokeRef(ctx context.Context, db DB, ref string) (Token, error) {
	t, err := Find(ctx, db, ref)
	if err != nil {
		return Token{}, err
	}
	row := db.QueryRowContext(ctx, `
		WITH old AS (SELECT revoked_at IS NOT NULL AS before FROM tokens WHERE id = $1 FOR UPDATE)
		UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) FROM old WHERE id = $1
		RETURNING `+tokenColumns+`, old.before`, t.ID)
	var before bool
	if t, err = scanToken(row, &before); err != nil {
		return Token{}, err
	}
	if before {
		return t, ErrAlreadyRevoked
	}
	return t, nil
}

// DeleteStale deletes the revoked and expired tokens whose label starts
// with labelPrefix, and the tokens of ids: for issuers that replace their
// own tokens (serve's demo tokens) and must not leave a pile behind.
func DeleteStale(ctx context.Context, db DB, labelPrefix string, ids []int64) error {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	_, err := db.ExecContext(ctx, `DELETE FROM tokens
		WHERE (starts_with(label, $1) AND (revoked_at IS NOT NULL OR expires_at <= now()))
		   OR id = ANY($2::bigint[])`, labelPrefix, "{"+strings.Join(list, ",")+"}")
	return err
}
