package domain

import (
	"errors"
	"fmt"
)

// Error codes, as the API shows them in extensions.code.
const (
	CodeInvalid         = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeForbidden       = "FORBIDDEN"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL"
)

// Error is an error meant for the user: its message is safe to show. Any
// other error is internal: logged, never shown.
type Error struct {
	Code    string
	Message string
	// Field names the argument or input field at fault, when there is one.
	Field string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns a user-facing error with a code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a BAD_USER_INPUT error naming the argument at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a user-facing error, or CodeInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
