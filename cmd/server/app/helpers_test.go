package app_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// Helpers of the operations tests, over apptest's client (the account and
// HHU tests moved next to their APIs).

// client is a browser (apptest.Client).
type client struct{ c *apptest.Client }

// reply is an answer with its body decoded.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// newClient is a client from a random public address.
func newClient(s *apptest.Server) *client { return &client{apptest.NewClient(s)} }

func (c *client) do(t *testing.T, method, path, auth string, body any) reply {
	t.Helper()
	r := c.c.Do(t, method, path, auth, body)
	return reply{status: r.Status, header: r.Header, body: r.Body, raw: r.Raw}
}

// codeRE finds a verification code in a mail.
var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// startWithMail starts a server whose mail goes to an in-process SMTP
// server.
func startWithMail(t *testing.T, clock *apptest.FakeClock, more ...apptest.Option) (*apptest.Server, *smtptest.Server) {
	t.Helper()
	return apptest.StartWithMail(t, clock, more...)
}
