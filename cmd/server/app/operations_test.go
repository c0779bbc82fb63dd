package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/identity"
)

// TestOperatorsSeeEveryConsumer: the engine runs the mail reactions and the
// move-recovery job beside the projectors, and the operators' routes show
// them all: the status lists each with its kind, the parked list of every
// consumer has a mail that kept failing, and the replay route sends it.
func TestOperatorsSeeEveryConsumer(t *testing.T) {
	t.Parallel()
	s, smtp := startWithMail(t, nil)
	admin := s.AdminBearer(t)
	u := s.NewUser(t)
	email := u.Username + "@example.com"
	smtp.FailNext(2) // MailMaxAttempts is 2
	if r := newClient(s).do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "verify_email"}); r.status != 200 {
		t.Fatalf("send: %d %s", r.status, r.raw)
	}

	type parkedEvent struct {
		ID         int64
		Kind       string
		Projection string
		Consumer   string
		Type       string
		Attempts   int
		Error      string
	}
	var parked struct{ Parked []parkedEvent }
	deadline := time.Now().Add(15 * time.Second)
	for len(parked.Parked) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing parked")
		}
		time.Sleep(50 * time.Millisecond)
		r := s.Do(t, http.MethodGet, "/api/admin/projections/parked/", admin, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("every consumer's parked events: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &parked)
	}
	p := parked.Parked[0]
	if len(parked.Parked) != 1 || p.Kind != "reaction" || p.Projection != app.MailWorkerName || p.Consumer != app.MailWorkerName ||
		p.Type != identity.EventVerificationCodeRequested || p.Attempts != 2 || !strings.Contains(p.Error, "451") {
		t.Fatalf("parked %+v", parked.Parked)
	}
	if r := s.Do(t, http.MethodGet, "/api/admin/projections/"+app.MailWorkerName+"/parked/", admin, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), p.Type) {
		t.Fatalf("the reaction's parked events: %d %s", r.Status, r.Body)
	}

	var status struct {
		Projections []struct {
			Name         string
			Kind         string
			Parked       int
			EverySeconds float64 `json:"every_seconds"`
		}
	}
	s.Do(t, http.MethodGet, "/api/admin/projections/", admin, nil).JSON(t, &status)
	kinds := map[string]string{}
	for _, c := range status.Projections {
		kinds[c.Name] = c.Kind
		switch c.Name {
		case app.MailWorkerName:
			if c.Parked != 1 {
				t.Errorf("status of %s: %+v", c.Name, c)
			}
		case meetingroomscmd.MoveRecoveryJob:
			if c.EverySeconds != meetingroomscmd.MoveRecoveryInterval.Seconds() {
				t.Errorf("status of %s: %+v", c.Name, c)
			}
		}
	}
	for name, kind := range map[string]string{
		"identity": "projector", app.MailWorkerName: "reaction", app.GuideMailWorkerName: "reaction",
		app.RepairMailWorkerName: "reaction", app.ReservationMailWorkerName: "reaction", meetingroomscmd.MoveRecoveryJob: "job",
	} {
		if kinds[name] != kind {
			t.Errorf("status lists %s as %q, want %q", name, kinds[name], kind)
		}
	}

	if r := s.Do(t, http.MethodPost, fmt.Sprintf("/api/admin/parked/%d/replay/", p.ID), admin, nil); r.Status != http.StatusOK {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	if msg := smtp.WaitFor(t, email, nil, 5*time.Second); codeRE.FindString(msg.Body) == "" {
		t.Errorf("replayed mail: %q", msg.Body)
	}
	s.Do(t, http.MethodGet, "/api/admin/projections/parked/", admin, nil).JSON(t, &parked)
	if len(parked.Parked) != 0 {
		t.Fatalf("still parked: %+v", parked.Parked)
	}
	if r := s.Do(t, http.MethodGet, "/api/admin/projections/parked/", u.Bearer, nil); r.Status != http.StatusForbidden {
		t.Errorf("a user lists parked events: %d", r.Status)
	}
}
