package identity

import "context"

// ContactInfoOf asks for a user's address-book entry.
type ContactInfoOf struct {
	UserID int64
}

// ContactInfo returns it (the zero entry when none was set).
func (q *Queries) ContactInfo(ctx context.Context, qry ContactInfoOf) (ContactInfo, error) {
	if qry.UserID <= 0 {
		return ContactInfo{}, ErrNotFound
	}
	return q.rm.ContactInfo(ctx, qry.UserID)
}
