package app

import (
	"context"
	"time"

	"github.com/fiveapis/backend/transport/httpapi/roamio"
	"github.com/fiveapis/backend/transport/ratelimit"

	tripscmd "github.com/fiveapis/backend/commands/trips"
	"github.com/fiveapis/backend/domain/trips"
	identityproj "github.com/fiveapis/backend/projections/identity"
	tripsproj "github.com/fiveapis/backend/projections/trips"
	commentsq "github.com/fiveapis/backend/queries/comments"
	identityq "github.com/fiveapis/backend/queries/identity"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi"
	accountshttp "github.com/fiveapis/backend/transport/httpapi/roamio/accounts"
	tripshttp "github.com/fiveapis/backend/transport/httpapi/roamio/trips"
)

// wireTrips builds Roamio's trip plans: the projector, the routes
// (/api/v1/trip-plans/, /api/v1/trips/ and the itinerary items) with
// anonymous callers identified by a digest keyed with the server's secret.
func wireTrips(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "trips", Events: trips.Events(), Projectors: tripsproj.All()}
	links, cal, err := ralendarLinks(p)
	if err != nil {
		return m, err
	}
	m.Routes = []httpapi.Routes{roamioConventions(p), tripshttp.New(tripshttp.Deps{
		Commands:  tripscmd.New(p.Runner, p.Clock, nil),
		Queries:   tripsq.New(p.Pool),
		Users:     identityq.New(identityproj.NewReader(p.Pool)),
		Comments:  commentCounts{commentsq.New(p.Pool)},
		Calendar:  cal,
		Clock:     p.Clock,
		Secret:    p.Secret,
		PublicURL: p.Config.HTTP.PublicURL,
	})}
	addRalendarLinks(&m, links)
	return m, nil
}

// travelStats counts users' trips for the account routes
// (accountshttp.TravelStats) over the trips read model.
type travelStats struct {
	trips    *tripsq.Queries
	comments *commentsq.Queries
}

func (s travelStats) TravelCounts(ctx context.Context, userIDs []int64) (map[int64]accountshttp.TravelCounts, error) {
	counts, err := s.trips.TripCounts(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	ncomments, err := s.comments.UserCounts(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]accountshttp.TravelCounts, len(userIDs))
	for _, id := range userIDs {
		c := counts[id]
		out[id] = accountshttp.TravelCounts{Trips: c.Trips, PublicTrips: c.PublicTrips, Comments: ncomments[id]}
	}
	return out, nil
}

// commentCounts counts trips' comments for the trip routes
// (tripshttp.CommentCounts): a trip's comments are those of its slug's page.
type commentCounts struct{ comments *commentsq.Queries }

func (c commentCounts) CommentCounts(ctx context.Context, pages []string) (map[string]int, error) {
	return c.comments.PageCounts(ctx, pages)
}

// roamioConventions is /api/v1/'s CORS and request limits per hour, the
// counters in Redis shared by every process (ratelimit.Limiter).
func roamioConventions(p *Platform) roamio.Conventions {
	cfg := p.Config
	return roamio.Conventions{Origins: cfg.Roamio.CORSOrigins, AnonymousPerHour: cfg.Roamio.AnonymousPerHour,
		UserPerHour: cfg.Roamio.UserPerHour,
		Limiter:     hourlyLimiter{ratelimit.New(p.Redis, cfg.Identity.RateLimitNamespace+"roamio:requests", p.Logger)}}
}

// hourlyLimiter adapts a ratelimit.Limiter to roamio.Limiter.
type hourlyLimiter struct{ lim *ratelimit.Limiter }

func (l hourlyLimiter) Hit(ctx context.Context, key string, max int, window time.Duration) (bool, time.Duration, error) {
	d, err := l.lim.Hit(ctx, ratelimit.Rule{Key: key, Max: max, Window: window})
	return d.Allowed, d.RetryAfter, err
}
