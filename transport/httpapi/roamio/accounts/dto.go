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

type meProfile struct {
	Avatar        *string `json:"avatar"`
	Bio           string  `json:"bio"`
	Birthday      *string `json:"birthday"`
	Tags          string  `json:"tags"`
	Level         string  `json:"level"`
	EmailVerified bool    `json:"email_verified"`
}

type meAnswer struct {
	ID             int64           `json:"id"`
	Username       string          `json:"username"`
	Email          string          `json:"email"`
	Profile        meProfile       `json:"profile"`
	SocialAccounts []socialAccount `json:"social_accounts"`
	TripsCount     int             `json:"trips_count"`
	CommentsCount  int             `json:"comments_count"`
	IsAdmin        bool            `json:"is_admin"`
	DateJoined     time.Time       `json:"date_joined"`
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
	Bio              string  `json:"bio"`
	Birthday         *string `json:"birthday"`
	Tags             string  `json:"tags"`
	Level            string  `json:"level"`
	VisitedCountries string  `json:"visited_countries"`
}
