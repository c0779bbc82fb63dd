package identity

import "context"

// APITokenByHash asks for the API token whose key has this SHA-256 (hex),
// with its user: what the "Authorization: Token" verifier needs.
type APITokenByHash struct {
	KeyHash string
}

// APITokenByHash returns the token (revoked ones too: the caller decides) or
// ErrNotFound.
func (q *Queries) APITokenByHash(ctx context.Context, qry APITokenByHash) (APIToken, error) {
	if len(qry.KeyHash) != 64 {
		return APIToken{}, ErrNotFound
	}
	return q.rm.APITokenByHash(ctx, qry.KeyHash)
}
