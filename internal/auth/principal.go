package auth

import (
	"context"
	"fmt"
	"regexp"

	"github.com/gpec-project/gpec/internal/domain"
)

// Role is what a principal is to gpec.
type Role string

// Roles. The zero Role is the anonymous caller, so that a missing principal
// is never mistaken for a privileged one.
const (
	RoleAnonymous   Role = ""
	RoleAdmin       Role = "admin"
	RolePoleManager Role = "pole_manager"
	RoleCompany     Role = "company"
	RoleObservatory Role = "observatory"
)

func (r Role) String() string {
	if r == RoleAnonymous {
		return "anonymous"
	}
	return string(r)
}

// Territory is a node of the region > department > commune tree; a code
// alone is ambiguous (84 is a region and a department), so the level always
// goes with it.
type Territory struct {
	Level string // region, department or commune
	Code  string
}

// Scope says which rows a principal may read; the SQL layer applies it,
// because membership and geography live in the database.
//
//   - admin: zero Scope, everything.
//   - pole_manager: PoleID; the sites of the companies with an active
//     membership of that pole (row level).
//   - company: Siren; that company's sites only (row level).
//   - observatory: Territory, the sites in its whole subtree, or nil for the
//     whole country; aggregates only, under statistical secrecy.
//   - anonymous: zero Scope; what it may see is the caller's decision
//     (deny by default).
type Scope struct {
	PoleID    string
	Siren     string
	Territory *Territory
}

// Principal is the authenticated caller of one request.
type Principal struct {
	Role  Role
	Scope Scope
	// TokenID is the token that authenticated the request, 0 for anonymous.
	TokenID int64
}

// Anonymous is the principal of a request without credentials.
var Anonymous = Principal{}

// Authenticated tells whether the caller presented a valid token.
func (p Principal) Authenticated() bool { return p.Role != RoleAnonymous }

// IsAdmin tells whether the caller may see and change everything.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// AggregatesOnly tells whether the caller may only read territorial
// aggregates (never a company's or a site's own rows).
func (p Principal) AggregatesOnly() bool { return p.Role == RoleObservatory }

// UnderSecrecy tells whether statistical secrecy must be applied to the
// aggregates this caller reads (DESIGN.md: tokens with the observatory role).
func (p Principal) UnderSecrecy() bool { return p.Role == RoleObservatory }

// RequireAuthenticated refuses anonymous callers.
func (p Principal) RequireAuthenticated() error {
	if !p.Authenticated() {
		return errorf(domain.CodeUnauthenticated, "authentication required: send Authorization: Bearer <token>")
	}
	return nil
}

// RequireAdmin refuses everyone but administrators (referentials, imports, tokens).
func (p Principal) RequireAdmin() error {
	if err := p.RequireAuthenticated(); err != nil {
		return err
	}
	if p.Role != RoleAdmin {
		return errorf(domain.CodeForbidden, "this operation is reserved to administrators")
	}
	return nil
}

// RequireRowLevel refuses callers that may not read individual companies'
// or sites' rows: observatories (aggregates only) and anonymous callers. The
// rows a pole manager or a company may read are still limited by Scope.
func (p Principal) RequireRowLevel() error {
	if err := p.RequireAuthenticated(); err != nil {
		return err
	}
	if p.Role == RoleObservatory {
		return errorf(domain.CodeForbidden, "observatory tokens may read territorial aggregates only")
	}
	return nil
}

// RequirePole refuses callers that may not read pole poleID as a whole
// (its strategy, its members): only administrators and that pole's manager.
func (p Principal) RequirePole(poleID string) error {
	if err := p.RequireAuthenticated(); err != nil {
		return err
	}
	if p.Role == RoleAdmin || (p.Role == RolePoleManager && p.Scope.PoleID == poleID) {
		return nil
	}
	return errorf(domain.CodeForbidden, fmt.Sprintf("this token may not read pole %q", poleID))
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal in ctx, or Anonymous when there is none,
// so that forgetting the middleware fails closed.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(ctxKey{}).(Principal)
	return p
}

var (
	poleSlug       = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	sirenShape     = regexp.MustCompile(`^[0-9]{9}$`)
	regionCode     = regexp.MustCompile(`^[0-9]{2}$`)
	departmentCode = regexp.MustCompile(`^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$`)
	communeCode    = regexp.MustCompile(`^([0-9]{2}|2A|2B)[0-9]{3}$`)
)

// luhnOK checks a SIREN's checksum (DESIGN.md: 9 digits, Luhn-valid).
func luhnOK(digits string) bool {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// validate checks that scope is exactly what role needs, as the tokens
// table's CHECK does, but with messages a token issuer can act on.
func validate(role Role, s Scope) error {
	bad := func(msg string) error { return errorf(domain.CodeInvalid, msg) }
	switch role {
	case RoleAdmin:
		if s != (Scope{}) {
			return bad("an admin token takes no scope")
		}
	case RolePoleManager:
		if !poleSlug.MatchString(s.PoleID) || s.Siren != "" || s.Territory != nil {
			return bad("a pole_manager token needs a pole id (a slug such as aerospace-valley) and nothing else")
		}
	case RoleCompany:
		if !sirenShape.MatchString(s.Siren) || !luhnOK(s.Siren) || s.PoleID != "" || s.Territory != nil {
			return bad("a company token needs a valid SIREN (9 digits, Luhn) and nothing else")
		}
	case RoleObservatory:
		if s.PoleID != "" || s.Siren != "" {
			return bad("an observatory token takes a territory (or none for the whole country) and nothing else")
		}
		if t := s.Territory; t != nil {
			ok := false
			switch t.Level {
			case "region":
				ok = regionCode.MatchString(t.Code)
			case "department":
				ok = departmentCode.MatchString(t.Code)
			case "commune":
				ok = communeCode.MatchString(t.Code)
			}
			if !ok {
				return bad(fmt.Sprintf("territory %s %q is not a valid INSEE code for that level", t.Level, t.Code))
			}
		}
	default:
		return bad(fmt.Sprintf("unknown role %q (admin, pole_manager, company or observatory)", string(role)))
	}
	return nil
}
