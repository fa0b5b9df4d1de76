// Package auth owns who is calling gpec and what they may see: the
// Principal (admin, pole manager of one pole, member company of one SIREN,
// observatory of a territory or of the whole country, or anonymous) and the
// Scope the SQL layer applies for it; the API tokens that carry a principal
// (creation, listing, revocation, authentication; only a SHA-256 of each
// token is stored); and the HTTP middleware that turns an
// `Authorization: Bearer` header into a principal in the request context,
// with a per-token (or per-IP) rate limit and a cache of verified tokens
// that each request checks against the token revision (one primary-key
// read; migration 0010), so that a revocation applies at the token's next
// request on every instance. A look-up that fails for another reason than
// the token (the database is down) answers 503 UNAVAILABLE with
// Retry-After, never 401.
//
// It does not decide what a role may read: stores and resolvers do, with
// Principal.Scope and the Require* helpers, because only the database knows
// which companies are members of a pole or which sites lie in a territory.
package auth
