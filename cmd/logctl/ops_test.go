package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/transport/pgtest"
)

// TestStatusListsReactionsAndJobs: with SMTP configured, status lists the
// mail reactions among the projections (kind "reaction") and the jobs apart;
// a reaction's checkpoint can be reset like a projection's.
func TestStatusListsReactionsAndJobs(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	seed(t, dsn)
	base := testEnv(dsn)
	env := func(k string) string {
		if k == "SMTP_ADDR" {
			return "127.0.0.1:1" // never used: nothing runs here
		}
		return base(k)
	}
	out, err := logctl(t, env, "status", "-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Projections []struct{ Name, Kind string }
		Jobs        []struct {
			Name, Kind, Every string
			Runs              int
		}
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	kinds := map[string]string{}
	for _, p := range st.Projections {
		kinds[p.Name] = p.Kind
	}
	if kinds["identity"] != "projector" || kinds[app.MailWorkerName] != "reaction" || kinds[app.GuideMailWorkerName] != "reaction" {
		t.Errorf("kinds %v", kinds)
	}
	moveRecovery := false
	for _, j := range st.Jobs {
		if j.Kind != "job" || j.Every == "" {
			t.Errorf("job %+v", j)
		}
		moveRecovery = moveRecovery || j.Name == meetingroomscmd.MoveRecoveryJob && j.Every == "30s"
	}
	if !moveRecovery {
		t.Errorf("jobs %+v: no %s every 30s", st.Jobs, meetingroomscmd.MoveRecoveryJob)
	}
	out, err = logctl(t, env, "status")
	if err != nil || !strings.Contains(out, "JOB") || !strings.Contains(out, meetingroomscmd.MoveRecoveryJob) {
		t.Errorf("status table: %v\n%s", err, out)
	}
	if out, err := logctl(t, env, "reset-checkpoint", "-projection", app.MailWorkerName, "-to", "2"); err != nil || !strings.Contains(out, "2/2") {
		t.Errorf("reset a reaction's checkpoint: %v\n%s", err, out)
	}
	if out, err := logctl(t, env, "parked", "-projection", app.MailWorkerName); err != nil || !strings.Contains(out, "KIND") {
		t.Errorf("parked of a reaction: %v\n%s", err, out)
	}
}
