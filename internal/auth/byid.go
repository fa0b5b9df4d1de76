package auth

import (
	"context"
	"database/sql"
	"errors"
)

// ByID returns the principal of token id while the token is valid (neither
// revoked nor expired). A signed download link acts for the token that
// asked for it, and must die with it: the link's check asks here.
func ByID(ctx context.Context, db DB, id int64) (Principal, error) {
	row := db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens
		WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, id)
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Anonymous, errRevoked
	}
	if err != nil {
		return Anonymous, err
	}
	return t.Principal(), nil
}
