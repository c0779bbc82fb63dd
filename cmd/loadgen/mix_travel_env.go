package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/mail/smtptest"
	"github.com/fiveapis/backend/transport/models/modelserver/standin"
)

// The travel log's stand-ins for the mixed workload (10): the model server
// of /api/weather, /api/style and /api/fsrcnn (the project's stand-in,
// transport/models/modelserver/standin) and an SMTP server that receives
// the password reset's codes (transport/mail/smtptest).

// travelStandins are the running stand-ins.
type travelStandins struct {
	models *http.Server
	smtp   *smtptest.Server
	tb     *travelSinkTB
}

// startTravelStandins starts both stand-ins on loopback ports and returns
// the server's environment for them.
func startTravelStandins() (*travelStandins, []string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("model stand-in: %w", err)
	}
	st := &travelStandins{models: &http.Server{Handler: standin.Handler(), ReadHeaderTimeout: 10 * time.Second}, tb: &travelSinkTB{}}
	go func() { _ = st.models.Serve(ln) }()
	if st.smtp, err = st.tb.startSMTP(); err != nil {
		_ = st.models.Close()
		return nil, nil, err
	}
	env := []string{"TRAVEL_MODEL_SERVER_URL=http://" + ln.Addr().String(),
		"SMTP_ADDR=" + st.smtp.Addr, "SMTP_STARTTLS=false", "SMTP_FROM=noreply@bench.example",
		// Every client of the bench comes from 127.0.0.1: the limit of
		// password attempts per address (100 in 15 minutes, logins
		// included) would refuse the day's logins after the first hundred.
		"LOGIN_LIMIT_PER_IP=0"}
	return st, env, nil
}

// stop stops both stand-ins.
func (st *travelStandins) stop() {
	_ = st.models.Close()
	st.tb.cleanup()
}

// resetCode waits up to limit for the newest mail to addr and returns the
// six-digit code it holds.
func (st *travelStandins) resetCode(ctx context.Context, addr string, seen int, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for {
		var mine []smtptest.Message
		for _, m := range st.smtp.Messages() {
			if slices.Contains(m.To, addr) {
				mine = append(mine, m)
			}
		}
		if len(mine) > seen {
			if code := travelCodeRE.FindString(mine[len(mine)-1].Body); code != "" {
				return code, nil
			}
			return "", fmt.Errorf("mail to %s holds no code: %.200s", addr, mine[len(mine)-1].Body)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no mail to %s within %s", addr, limit)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// travelCodeRE is a reset code in a mail's text.
var travelCodeRE = regexp.MustCompile(`\b\d{6}\b`)

// travelSinkTB is the testing.TB smtptest.Start asks for, outside a test: it
// keeps the clean-ups for stop and turns a failure to listen into an
// error. Start calls only Helper, Fatalf and Cleanup (the embedded nil TB
// makes any other call panic).
type travelSinkTB struct {
	testing.TB
	cleanups []func()
}

func (t *travelSinkTB) Helper()          {}
func (t *travelSinkTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *travelSinkTB) Fatalf(format string, a ...any) {
	panic(travelSinkFailure(fmt.Sprintf(format, a...)))
}

// travelSinkFailure is the panic of travelSinkTB.Fatalf.
type travelSinkFailure string

// startSMTP runs smtptest.Start, returning its failure as an error.
func (t *travelSinkTB) startSMTP() (s *smtptest.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(travelSinkFailure)
			if !ok {
				panic(r)
			}
			err = errors.New(string(f))
		}
	}()
	return smtptest.Start(t), nil
}

// cleanup runs the clean-ups, last first.
func (t *travelSinkTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
