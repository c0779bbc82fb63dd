package magpie

import (
	"strconv"

	identityq "github.com/fiveapis/backend/queries/identity"
)

type userObject struct {
	DateJoined  string  `json:"date_joined"`
	Email       string  `json:"email"`
	FirstName   string  `json:"first_name"`
	ID          int64   `json:"id"`
	LastLogin   *string `json:"last_login"`
	LastName    string  `json:"last_name"`
	ResourceURI string  `json:"resource_uri"`
	Username    string  `json:"username"`
	APIKey      any     `json:"api_key,omitempty"`
}

const tastypieTime = "2006-01-02T15:04:05.000000"

func objectOf(u identityq.User) userObject {
	o := userObject{DateJoined: u.DateJoined.UTC().Format(tastypieTime), Email: u.Email, ID: u.ID,
		ResourceURI: Prefix + strconv.FormatInt(u.ID, 10) + "/", Username: u.Username}
	if !u.LastLogin.IsZero() {
		s := u.LastLogin.UTC().Format(tastypieTime)
		o.LastLogin = &s
	}
	return o
}

func envelope(objects []userObject) map[string]any {
	return map[string]any{
		"meta":    map[string]any{"limit": 20, "next": nil, "offset": 0, "previous": nil, "total_count": len(objects)},
		"objects": objects,
	}
}

// UserObject is a user as the resources embed one (creator, operator,
// principal, author).
func UserObject(u identityq.User) any { return objectOf(u) }
