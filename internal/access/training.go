package access

import (
	"context"

	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/training"
)

// EnrolmentReader is whose enrolment rows the caller may read (DESIGN.md:
// a session's figures count every enrolment, its rows follow the reader):
// an administrator every one, a company its own employees', a pole
// manager its active members' today.
func EnrolmentReader(ctx context.Context) (training.Reader, error) {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return training.Reader{}, err
	}
	switch p.Role {
	case auth.RoleAdmin:
		return training.Reader{}, nil
	case auth.RoleCompany:
		return training.Reader{Siren: p.Scope.Siren}, nil
	case auth.RolePoleManager:
		return training.Reader{PoleID: p.Scope.PoleID, AsOf: domain.Today()}, nil
	}
	return training.Reader{}, forbidden("your token may not read enrolments")
}

// EnrollingCompany is the company whose enrolments the caller writes: a
// company token its own (siren empty or the same), an administrator the
// company it names. Pole managers and observatories write none.
func EnrollingCompany(ctx context.Context, siren string) (string, error) {
	p := auth.FromContext(ctx)
	if err := p.RequireRowLevel(); err != nil {
		return "", err
	}
	switch p.Role {
	case auth.RoleCompany:
		if siren == "" || siren == p.Scope.Siren {
			return p.Scope.Siren, nil
		}
		return "", forbidden("a company writes its own employees' enrolments only, not those of %s", siren)
	case auth.RoleAdmin:
		if siren == "" {
			return "", domain.Invalid("siren", "siren: an administrator names the company")
		}
		return siren, nil
	}
	return "", forbidden("only a company or an administrator writes enrolments")
}
