package identity

import "context"

// SocialAccounts asks for the provider accounts bound to a user.
type SocialAccounts struct {
	UserID int64
}

// SocialAccounts returns them, ordered by provider (none: empty).
func (q *Queries) SocialAccounts(ctx context.Context, qry SocialAccounts) ([]SocialAccount, error) {
	if qry.UserID <= 0 {
		return nil, nil
	}
	return q.rm.SocialAccounts(ctx, qry.UserID)
}
