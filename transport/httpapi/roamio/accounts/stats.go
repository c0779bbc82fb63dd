package accounts

import (
	"context"
	"fmt"
)

// TravelCounts are a user's trips (all of them, and the public ones) and
// comments.
type TravelCounts struct {
	Trips, PublicTrips, Comments int
}

// TravelStats counts users' trips and comments; the trips and comments
// modules implement it over their read models. Until they are wired it is
// nil and every count is 0: without those modules no trip or comment can
// exist.
type TravelStats interface {
	TravelCounts(ctx context.Context, userIDs []int64) (map[int64]TravelCounts, error)
}

// statsAnswer is the counts as the answers carry them (the "stats" object
// the web client reads, and the seed's top-level counts).
type statsAnswer struct {
	TripsCount       int `json:"trips_count"`
	PublicTripsCount int `json:"public_trips_count"`
	CommentsCount    int `json:"comments_count"`
}

func statsOf(c TravelCounts) statsAnswer {
	return statsAnswer{TripsCount: c.Trips, PublicTripsCount: c.PublicTrips, CommentsCount: c.Comments}
}

// travelCounts reads the counts of users (absent: all 0).
func (m *Module) travelCounts(ctx context.Context, userIDs ...int64) (map[int64]TravelCounts, error) {
	if m.d.Stats == nil || len(userIDs) == 0 {
		return map[int64]TravelCounts{}, nil
	}
	counts, err := m.d.Stats.TravelCounts(ctx, userIDs)
	if err != nil {
		return nil, fmt.Errorf("travel counts of %d users: %w", len(userIDs), err)
	}
	return counts, nil
}
