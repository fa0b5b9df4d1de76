// Package auth owns who is calling gpec and what they may see: the
// Principal (admin, pole manager of one pole, member company of one SIREN,
// observatory of a territory or of the whole country, or anonymous) and the
// Scope the SQL layer applies for it; the API tokens that carry a principal
// (creation, listing, revocation, authentication; only a SHA-256 of each
// token is stored); and the HTTP middleware that turns an
// `Authorization: Bearer` header into a principal in the request context,
// with a short authentication cache and a per-token (or per-IP) rate limit.
//
// It does not decide what a role may read: stores and resolvers do, with
// Principal.Scope and the Require* helpers, because only the database knows
// which companies are members of a pole or which sites lie in a territory.
package auth
