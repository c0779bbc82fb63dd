package webhookshttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	webhookstransport "github.com/fiveapis/backend/transport/webhooks"
)

// receiver is a real local HTTP endpoint that fails its first FailFirst
// requests (500) and records what it accepted.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	calls     int
	accepted  []delivery
	srv       *httptest.Server
}

type delivery struct {
	ID, Event, Timestamp, Signature string
	Body                            []byte
	Data                            map[string]any
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	r := &receiver{failFirst: failFirst}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls++
		if r.calls <= r.failFirst {
			http.Error(w, "down for a while", http.StatusInternalServerError)
			return
		}
		var env struct {
			Event string
			Data  map[string]any
		}
		_ = json.Unmarshal(body, &env)
		r.accepted = append(r.accepted, delivery{ID: req.Header.Get("X-Webhook-Id"), Event: req.Header.Get("X-Webhook-Event"),
			Timestamp: req.Header.Get("X-Webhook-Timestamp"), Signature: req.Header.Get("X-Webhook-Signature"), Body: body, Data: env.Data})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.accepted...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type endpointOut struct {
	ID     int64
	Secret string
	Events []string
}

func TestWebhooksDeliverEveryTripChangeOnceSignedInOrder(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.Roamio.WebhookMaxAttempts, c.Roamio.WebhookBackoff, c.Roamio.WebhookPoll = 30, 10*time.Millisecond, 20*time.Millisecond
	}))
	admin, user := s.AdminBearer(t), s.NewUser(t)
	flaky, steady := newReceiver(t, 3), newReceiver(t, 0)

	s.Do(t, "POST", "/api/v1/admin/webhooks/", user.Bearer, map[string]any{"url": flaky.srv.URL}).Want(t, "user registers", http.StatusForbidden)
	r := s.Do(t, "POST", "/api/v1/admin/webhooks/", admin, map[string]any{"url": "ftp://x"})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("ftp url: %d %s", r.Status, r.Body)
	}
	var a, b endpointOut
	s.Do(t, "POST", "/api/v1/admin/webhooks/", admin, map[string]any{"url": flaky.srv.URL + "/hook"}).Want(t, "register flaky", http.StatusCreated).JSON(t, &a)
	s.Do(t, "POST", "/api/v1/admin/webhooks/", admin, map[string]any{"url": steady.srv.URL, "events": []string{"trip.created", "trip.updated", "trip.deleted"}}).
		Want(t, "register steady", http.StatusCreated).JSON(t, &b)
	if len(a.Events) != 4 || a.Secret == "" || a.Secret == b.Secret {
		t.Fatalf("endpoints: %+v %+v", a, b)
	}

	var trip struct {
		Slug string
		ID   int64
	}
	s.Do(t, "POST", "/api/v1/trip-plans/", user.Bearer, map[string]any{"title": "一", "visibility": "public"}).Want(t, "create", http.StatusCreated).JSON(t, &trip)
	path := "/api/v1/trip-plans/" + trip.Slug + "/"
	s.Do(t, "PATCH", path, user.Bearer, map[string]any{"title": "二"}).Want(t, "edit", http.StatusOK)
	s.Do(t, "POST", fmt.Sprintf("/api/v1/trip-plans/%d/events/", trip.ID), user.Bearer, map[string]any{"title": "出发"}).Want(t, "item", http.StatusCreated)
	s.Do(t, "PATCH", path, user.Bearer, map[string]any{"status": "published"}).Want(t, "publish", http.StatusOK)
	s.Do(t, "DELETE", path, user.Bearer, nil).Want(t, "delete", http.StatusNoContent)

	wantA := []string{"trip.created", "trip.updated", "trip.itinerary_updated", "trip.updated", "trip.deleted"}
	wantB := []string{"trip.created", "trip.updated", "trip.updated", "trip.deleted"}
	waitFor(t, "every delivery", func() bool { return len(flaky.got()) >= len(wantA) && len(steady.got()) >= len(wantB) })
	time.Sleep(200 * time.Millisecond) // a duplicate would arrive now

	for _, tc := range []struct {
		name string
		r    *receiver
		ep   endpointOut
		want []string
	}{{"flaky", flaky, a, wantA}, {"steady", steady, b, wantB}} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.r.got()
			if len(got) != len(tc.want) {
				t.Fatalf("%d deliveries, want %d (once each)", len(got), len(tc.want))
			}
			seen := map[string]bool{}
			for i, d := range got {
				if d.Event != tc.want[i] {
					t.Errorf("delivery %d: %s, want %s (in order)", i, d.Event, tc.want[i])
				}
				if seen[d.ID] {
					t.Errorf("event %s delivered twice", d.ID)
				}
				seen[d.ID] = true
				ts, _ := strconv.ParseInt(d.Timestamp, 10, 64)
				if want := webhookstransport.Sign(tc.ep.Secret, ts, d.Body); d.Signature != want || time.Since(time.Unix(ts, 0)) > time.Minute {
					t.Errorf("delivery %d: signature %s, want %s (timestamp %s)", i, d.Signature, want, d.Timestamp)
				}
				if d.Data["trip_id"] != float64(trip.ID) {
					t.Errorf("delivery %d: data %v", i, d.Data)
				}
			}
			if got[0].Data["slug"] != trip.Slug || got[1].Data["title"] != "二" {
				t.Errorf("data: %v, %v", got[0].Data, got[1].Data)
			}
		})
	}

	var ds []struct {
		Event     string
		Attempts  int
		Delivered bool
	}
	s.Do(t, "GET", fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries/", a.ID), admin, nil).Want(t, "deliveries", http.StatusOK).JSON(t, &ds)
	attempts := 0
	for _, d := range ds {
		attempts += d.Attempts
		if !d.Delivered {
			t.Errorf("delivery not marked delivered: %+v", d)
		}
	}
	if len(ds) != len(wantA) || attempts != len(wantA)+3 {
		t.Errorf("%d deliveries with %d attempts, want %d with %d (three failed first)", len(ds), attempts, len(wantA), len(wantA)+3)
	}
}

// A delivery that keeps failing is parked (the receiver fails its first
// three calls, three attempts are allowed); an operator's replay puts it
// back into the queue and the receiver, up again, gets it once.
func TestWebhookParkedAfterRepeatedFailure(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.Roamio.WebhookMaxAttempts, c.Roamio.WebhookBackoff, c.Roamio.WebhookPoll = 3, 10*time.Millisecond, 20*time.Millisecond
	}))
	admin, user := s.AdminBearer(t), s.NewUser(t)
	down := newReceiver(t, 3)
	var ep endpointOut
	s.Do(t, "POST", "/api/v1/admin/webhooks/", admin, map[string]any{"url": down.srv.URL, "events": []string{"trip.created"}}).
		Want(t, "register", http.StatusCreated).JSON(t, &ep)
	s.Do(t, "POST", "/api/v1/trip-plans/", user.Bearer, map[string]any{"title": "x"}).Want(t, "create", http.StatusCreated)
	type deliveryOut struct {
		EventID   string `json:"event_id"`
		Attempts  int
		Delivered bool
		Parked    bool
		Replays   int
		LastError string `json:"last_error"`
	}
	var ds []deliveryOut
	deliveries := fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries/", ep.ID)
	waitFor(t, "the delivery parked", func() bool {
		s.Do(t, "GET", deliveries, admin, nil).Want(t, "deliveries", http.StatusOK).JSON(t, &ds)
		return len(ds) == 1 && ds[0].Parked
	})
	if ds[0].Delivered || ds[0].Attempts != 3 || ds[0].LastError == "" {
		t.Errorf("deliveries = %+v", ds)
	}
	// The reaction itself never parks: a down endpoint is its own queue's matter.
	if parked, err := s.App.Engine().Parked(context.Background(), app.WebhookReactionName); err != nil || len(parked) != 0 {
		t.Errorf("reaction parked %v (%v)", parked, err)
	}
	replay := deliveries + ds[0].EventID + "/replay/"

	t.Run("only administrators replay", func(t *testing.T) {
		s.Do(t, "POST", replay, user.Bearer, nil).Want(t, "user", http.StatusForbidden)
		s.Do(t, "POST", replay, "", nil).Want(t, "anonymous", http.StatusUnauthorized)
	})
	t.Run("an unknown delivery is 404", func(t *testing.T) {
		s.Do(t, "POST", deliveries+"00000000-0000-0000-0000-000000000000/replay/", admin, nil).Want(t, "unknown", http.StatusNotFound)
		s.Do(t, "POST", fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries/%s/replay/", ep.ID+1000, ds[0].EventID), admin, nil).
			Want(t, "other endpoint", http.StatusNotFound)
	})
	t.Run("the replayed delivery arrives once", func(t *testing.T) {
		var d deliveryOut
		s.Do(t, "POST", replay, admin, nil).Want(t, "replay", http.StatusOK).JSON(t, &d)
		if d.Parked || d.Replays != 1 || d.Attempts != 0 {
			t.Errorf("replayed = %+v, want pending with a fresh budget", d)
		}
		waitFor(t, "the replayed delivery", func() bool {
			s.Do(t, "GET", deliveries, admin, nil).Want(t, "deliveries", http.StatusOK).JSON(t, &ds)
			return len(ds) == 1 && ds[0].Delivered
		})
		if got := down.got(); len(got) != 1 || got[0].ID != ds[0].EventID || got[0].Event != "trip.created" {
			t.Errorf("receiver got %+v", got)
		}
		if ds[0].Parked || ds[0].Replays != 1 || ds[0].Attempts != 1 {
			t.Errorf("delivered = %+v", ds[0])
		}
	})
	t.Run("a delivered one is not replayed", func(t *testing.T) {
		r := s.Do(t, "POST", replay, admin, nil).Want(t, "again", http.StatusConflict).Map(t)
		if r["error_code"] != "CONFLICT" {
			t.Errorf("answer %v", r)
		}
	})
	s.Do(t, "DELETE", fmt.Sprintf("/api/v1/admin/webhooks/%d/", ep.ID), admin, nil).Want(t, "remove", http.StatusNoContent)
	s.Do(t, "GET", fmt.Sprintf("/api/v1/admin/webhooks/%d/", ep.ID), admin, nil).Want(t, "removed", http.StatusNotFound)
}

// An endpoint that is down holds back only its own deliveries: the other
// endpoint gets every change promptly, and the down one gets each exactly
// once, in order, after it comes back (issue 15).
func TestWebhookDownEndpointDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.Roamio.WebhookMaxAttempts, c.Roamio.WebhookBackoff, c.Roamio.WebhookPoll = 1000, 50*time.Millisecond, 20*time.Millisecond
	}))
	admin, user := s.AdminBearer(t), s.NewUser(t)
	down, up := newReceiver(t, 1<<30), newReceiver(t, 0)
	var a, b endpointOut
	s.Do(t, "POST", "/api/v1/admin/webhooks/", admin, map[string]any{"url": down.srv.URL, "events": []string{"trip.created", "trip.updated"}}).
		Want(t, "register A", http.StatusCreated).JSON(t, &a)
	s.Do(t, "POST", "/api/v1/admin/webhooks/", admin, map[string]any{"url": up.srv.URL, "events": []string{"trip.created", "trip.updated"}}).
		Want(t, "register B", http.StatusCreated).JSON(t, &b)
	var trip struct{ Slug string }
	s.Do(t, "POST", "/api/v1/trip-plans/", user.Bearer, map[string]any{"title": "0"}).Want(t, "create", http.StatusCreated).JSON(t, &trip)
	const edits = 5
	for i := 1; i <= edits; i++ {
		s.Do(t, "PATCH", "/api/v1/trip-plans/"+trip.Slug+"/", user.Bearer, map[string]any{"title": strconv.Itoa(i)}).Want(t, "edit", http.StatusOK)
		waitFor(t, "B gets the change while A is down", func() bool { return len(up.got()) == i+1 })
	}
	if n := len(down.got()); n != 0 {
		t.Fatalf("A accepted %d while down", n)
	}
	down.mu.Lock()
	down.failFirst = 0 // A comes back
	down.mu.Unlock()
	waitFor(t, "A catches up", func() bool { return len(down.got()) >= edits+1 })
	time.Sleep(200 * time.Millisecond) // a duplicate would arrive now
	for name, r := range map[string]*receiver{"A": down, "B": up} {
		got := r.got()
		if len(got) != edits+1 {
			t.Errorf("%s: %d deliveries, want %d (once each)", name, len(got), edits+1)
			continue
		}
		for i, d := range got {
			want := strconv.Itoa(i)
			if d.Data["title"] != want {
				t.Errorf("%s delivery %d: title %v, want %s (in order)", name, i, d.Data["title"], want)
			}
		}
	}
}
