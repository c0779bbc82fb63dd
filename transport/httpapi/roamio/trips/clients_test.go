package tripshttp_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// TestRoamioWebClientContentCalls replays the Vue web client's trip, trip
// plan, trip event and comment calls as it sends them (clients.md §1) and
// checks the type of every field it reads.
func TestRoamioWebClientContentCalls(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	me, other := s.NewUser(t), s.NewUser(t)
	var slug string
	var id float64

	t.Run("tripPlan.js createTripPlan", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/v1/trip-plans/", me.Bearer, editorPlan("云南之旅")).Want(t, "create", http.StatusCreated)
		apptest.CheckReads(t, decode(t, r), map[string]string{"slug": "string"})
		m := r.Map(t)
		slug, id = m["slug"].(string), m["id"].(float64)
	})
	t.Run("tripPlan.js getTripPlan and updateTripPlan (merged object), publish, makePublic", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/v1/trip-plans/"+slug+"/", me.Bearer, nil).Want(t, "get", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"overview": "object", "config": "object", "slug": "string"})
		loaded := r.Map(t)
		loaded["description"] = "改"
		r = s.Do(t, "PATCH", "/api/v1/trip-plans/"+slug+"/", me.Bearer, loaded).Want(t, "update", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"slug": "string|absent"})
		s.Do(t, "PATCH", "/api/v1/trip-plans/"+slug+"/", me.Bearer, map[string]any{"status": "published"}).Want(t, "publish", http.StatusOK)
		s.Do(t, "PATCH", "/api/v1/trip-plans/"+slug+"/", me.Bearer, map[string]any{"visibility": "public"}).Want(t, "make public", http.StatusOK)
	})
	t.Run("trip.js getTripList", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/v1/trips/", "", nil).Want(t, "list", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"results.0.slug": "string", "results.0.name": "string", "results.0.description": "string",
			"results.0.stats.views": "int", "results.0.stats.likes": "int", "results.0.stats.comments_count": "int"})
	})
	t.Run("trip.js getTripDetail", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/v1/trip-plans/"+slug+"/", other.Bearer, nil).Want(t, "detail", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"name": "string", "description": "string", "theme_color": "string",
			"start_date": "null|string", "end_date": "null|string", "overview.basicInfo": "object", "overview.highlights": "list",
			"overview.itinerary": "list", "overview.budget": "object", "overview.tips": "list", "stats.views": "int", "stats.likes": "int",
			"visibility": "string", "author.id": "int", "slug": "string", "background_music": "string"})
	})
	t.Run("trip.js likeTrip, checkinTrip, getTripStats, getTripComments", func(t *testing.T) {
		s.Do(t, "POST", "/api/v1/trips/"+slug+"/like/", "", nil).Want(t, "like", http.StatusOK)
		s.Do(t, "POST", "/api/v1/trips/"+slug+"/checkin/", "", nil).Want(t, "checkin", http.StatusOK)
		r := s.Do(t, "GET", "/api/v1/trips/"+slug+"/stats/", "", nil).Want(t, "stats", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"views": "int", "likes": "int", "comments_count": "int"})
		r = s.Do(t, "GET", "/api/v1/trips/"+slug+"/comments/", "", nil).Want(t, "comments", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"results": "list"})
	})
	t.Run("trip.js getTripPlanStats, likeTripPlan, viewTripPlan", func(t *testing.T) {
		s.Do(t, "POST", "/api/v1/trip-plans/"+slug+"/like/", other.Bearer, nil).Want(t, "like plan", http.StatusOK)
		r := s.Do(t, "POST", "/api/v1/trip-plans/"+slug+"/view/", other.Bearer, nil).Want(t, "view plan", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"views": "int", "likes": "int"})
		r = s.Do(t, "GET", "/api/v1/trip-plans/"+slug+"/stats/", "", nil).Want(t, "plan stats", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"views": "int", "likes": "int"})
	})
	t.Run("tripPlan.js getMyTrips, cloneTripPlan, deleteTripPlan", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/v1/trip-plans/my_trips/", me.Bearer, nil).Want(t, "mine", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"results": "list"})
		r = s.Do(t, "POST", "/api/v1/trip-plans/"+slug+"/clone/", other.Bearer, nil).Want(t, "clone", http.StatusCreated)
		apptest.CheckReads(t, decode(t, r), map[string]string{"slug": "string"})
		clone := r.Map(t)["slug"].(string)
		s.Do(t, "DELETE", "/api/v1/trip-plans/"+clone+"/", other.Bearer, nil).Want(t, "delete", http.StatusNoContent)
	})
	t.Run("events.js", func(t *testing.T) {
		base := fmt.Sprintf("/api/v1/trip-plans/%d/events/", int64(id))
		body := map[string]any{"title": "飞机起飞", "description": "", "eventTime": "2025-11-15T10:00",
			"location": map[string]any{"name": "机场", "address": "", "lat": nil, "lng": nil},
			"reminder": map[string]any{"enabled": true, "time": 30, "method": "email"}}
		r := s.Do(t, "POST", base, me.Bearer, body).Want(t, "create", http.StatusCreated)
		apptest.CheckReads(t, decode(t, r), map[string]string{"event_time": "string", "reminder.enabled": "bool"})
		eid := int64(r.Map(t)["id"].(float64))
		r = s.Do(t, "GET", base, me.Bearer, nil).Want(t, "list", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"0.id": "int", "0.title": "string", "0.location.name": "string",
			"0.reminder.enabled": "bool", "0.reminder.time": "int", "0.reminder.method": "string"})
		s.Do(t, "PUT", fmt.Sprintf("%s%d/", base, eid), me.Bearer, body).Want(t, "put", http.StatusOK)
		r = s.Do(t, "POST", fmt.Sprintf("%s%d/toggle_complete/", base, eid), me.Bearer, nil).Want(t, "toggle", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"status": "string", "is_completed": "bool"})
		r = s.Do(t, "POST", base+"batch_create_from_local/", me.Bearer, map[string]any{"events": []any{body, body}}).Want(t, "batch", http.StatusCreated)
		apptest.CheckReads(t, decode(t, r), map[string]string{"count": "int", "events": "list"})
		s.Do(t, "DELETE", fmt.Sprintf("%s%d/", base, eid), me.Bearer, nil).Want(t, "delete", http.StatusNoContent)
	})
	t.Run("comment.js createComment (reply JSON), getCommentList, likeComment, getCommentReplies", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/v1/comments/", other.Bearer, map[string]any{"content": "好", "page": slug}).Want(t, "post", http.StatusCreated)
		cid := r.Map(t)["id"].(float64)
		s.Do(t, "POST", "/api/v1/comments/", me.Bearer, map[string]any{"content": "谢", "page": slug, "parent": cid}).Want(t, "reply", http.StatusCreated)
		s.Do(t, "POST", fmt.Sprintf("/api/v1/comments/%d/like/", int64(cid)), me.Bearer, nil).Want(t, "like", http.StatusOK)
		r = s.Do(t, "GET", "/api/v1/comments/?trip="+slug+"&page_size=20", me.Bearer, nil).Want(t, "list", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"results.0.id": "int", "results.0.user.id": "int", "results.0.user.username": "string",
			"results.0.user.profile.avatar_url": "null|string", "results.0.content": "string", "results.0.image": "null|string",
			"results.0.video": "null|string", "results.0.timestamp": "string", "results.0.can_delete": "bool", "results.0.replies": "list",
			"results.0.replies.0.content": "string", "results.0.likes": "int", "results.0.user_liked": "bool"})
		r = s.Do(t, "GET", fmt.Sprintf("/api/v1/comments/%d/replies/", int64(cid)), "", nil).Want(t, "replies", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"0.content": "string"})
	})
	t.Run("user.js getUserProfile", func(t *testing.T) {
		r := s.Do(t, "GET", fmt.Sprintf("/api/v1/users/%d/profile/", int64(me.ID)), "", nil).Want(t, "profile", http.StatusOK)
		apptest.CheckReads(t, decode(t, r), map[string]string{"stats.comments_count": "int", "stats.trips_count": "int", "stats.public_trips_count": "int"})
		m := r.Map(t)["stats"].(map[string]any)
		if m["trips_count"] != float64(1) || m["public_trips_count"] != float64(1) || m["comments_count"] != float64(1) {
			t.Errorf("stats = %v", m)
		}
	})
}

func decode(t *testing.T, r apptest.Response) any {
	t.Helper()
	var v any
	r.JSON(t, &v)
	return v
}
