package hhu

import "time"

// DepartmentJSON is a department as 001's back end serializes one.
type DepartmentJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// UserJSON is a user as 001's original back end serialized one
// (UserSerializer: the mini-program reads first_name, last_name, email,
// username and department, an object or null), the user_meta of an
// address-book entry.
type UserJSON struct {
	ID         int64           `json:"id"`
	Username   string          `json:"username"`
	FirstName  string          `json:"first_name"`
	LastName   string          `json:"last_name"`
	Email      string          `json:"email"`
	IsStaff    bool            `json:"is_staff"`
	IsActive   bool            `json:"is_active"`
	DateJoined *time.Time      `json:"date_joined,omitempty"`
	Groups     []int64         `json:"groups"`
	Department *DepartmentJSON `json:"department"`
}
