package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"time"

	mailstandin "github.com/fiveapis/backend/transport/mail/standin"
	"github.com/fiveapis/backend/transport/models/modelserver/standin"
)

// The travel log's stand-in for the mixed workload (10): the model server
// of /api/weather, /api/style and /api/fsrcnn (the project's stand-in,
// transport/models/modelserver/standin). Mail goes to the mix's SMTP
// stand-in (mixEnv.Mail).

// startModelStandin starts the model server's stand-in on a loopback port
// and returns the server's environment for it and how to stop it.
func startModelStandin() ([]string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("model stand-in: %w", err)
	}
	srv := &http.Server{Handler: standin.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return []string{"TRAVEL_MODEL_SERVER_URL=http://" + ln.Addr().String()}, func() { _ = srv.Close() }, nil
}

// resetCode waits up to limit for the newest mail to addr and returns the
// six-digit code it holds.
func resetCode(ctx context.Context, mail *mailstandin.Server, addr string, seen int, limit time.Duration) (string, error) {
	codeRE := regexp.MustCompile(`\b\d{6}\b`) // a reset code in a mail's text
	deadline := time.Now().Add(limit)
	for {
		var mine []mailstandin.Message
		for _, m := range mail.Messages() {
			if slices.Contains(m.To, addr) {
				mine = append(mine, m)
			}
		}
		if len(mine) > seen {
			if code := codeRE.FindString(mine[len(mine)-1].Body); code != "" {
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
