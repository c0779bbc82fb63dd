package accounts

import "time"

// userBrief is the "user" of login answers.
type userBrief struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

type profileBrief struct {
	Avatar *string `json:"avatar"`
	Bio    string  `json:"bio"`
	Level  string  `json:"level"`
}

type registeredUser struct {
	userBrief
	Profile profileBrief `json:"profile"`
}

type tokensAnswer struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh"`
	User    any    `json:"user"`
}

// defaultLevel is a new traveller's level until profiles arrive.
const defaultLevel = "novice"

// meProfile is the caller's profile: the seed's fields, and the web
// client's avatar_url (the same link as avatar) and visited_countries.
type meProfile struct {
	Avatar           *string `json:"avatar"`
	AvatarURL        *string `json:"avatar_url"`
	Bio              string  `json:"bio"`
	Birthday         *string `json:"birthday"`
	Tags             string  `json:"tags"`
	VisitedCountries string  `json:"visited_countries"`
	Level            string  `json:"level"`
	EmailVerified    bool    `json:"email_verified"`
}

// meAnswer is the caller's account: the seed's fields (top-level counts,
// is_admin) and the web client's (stats, is_staff, is_superuser).
type meAnswer struct {
	ID               int64           `json:"id"`
	Username         string          `json:"username"`
	Email            string          `json:"email"`
	Profile          meProfile       `json:"profile"`
	SocialAccounts   []socialAccount `json:"social_accounts"`
	TripsCount       int             `json:"trips_count"`
	PublicTripsCount int             `json:"public_trips_count"`
	CommentsCount    int             `json:"comments_count"`
	Stats            statsAnswer     `json:"stats"`
	IsAdmin          bool            `json:"is_admin"`
	IsStaff          bool            `json:"is_staff"`
	IsSuperuser      bool            `json:"is_superuser"`
	DateJoined       time.Time       `json:"date_joined"`
}

type socialAccount struct {
	Provider  string `json:"provider"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

type userSummary struct {
	ID               int64        `json:"id"`
	Username         string       `json:"username"`
	Profile          profileBrief `json:"profile"`
	TripsCount       int          `json:"trips_count"`
	PublicTripsCount int          `json:"public_trips_count"`
}

type detailProfile struct {
	Avatar           *string `json:"avatar"`
	AvatarURL        *string `json:"avatar_url"`
	Bio              string  `json:"bio"`
	Birthday         *string `json:"birthday"`
	Tags             string  `json:"tags"`
	Level            string  `json:"level"`
	VisitedCountries string  `json:"visited_countries"`
}

// publicProfile is a user's profile as GET /users/{id}/profile/ shows it
// (the web client's UserProfileSerializer): no birthday.
type publicProfile struct {
	Avatar           *string `json:"avatar"`
	AvatarURL        *string `json:"avatar_url"`
	Bio              string  `json:"bio"`
	Tags             string  `json:"tags"`
	Level            string  `json:"level"`
	VisitedCountries string  `json:"visited_countries"`
}

// profileAnswer is GET /users/{id}/profile/: the web client's user with its
// stats object, and the counts at the top level as the seed's user detail
// has them. Email only for the user and admins.
type profileAnswer struct {
	ID               int64         `json:"id"`
	Username         string        `json:"username"`
	Email            *string       `json:"email,omitempty"`
	DateJoined       time.Time     `json:"date_joined"`
	IsAdmin          bool          `json:"is_admin"`
	IsStaff          bool          `json:"is_staff"`
	IsSuperuser      bool          `json:"is_superuser"`
	Profile          publicProfile `json:"profile"`
	Stats            statsAnswer   `json:"stats"`
	TripsCount       int           `json:"trips_count"`
	PublicTripsCount int           `json:"public_trips_count"`
	CommentsCount    int           `json:"comments_count"`
}
