// Package smtptest gives tests the mail relay's stand-in (package
// standin), stopped when the test ends.
package smtptest

import (
	"testing"

	mailstandin "github.com/fiveapis/backend/transport/mail/standin"
)

type (
	// Server is a running stand-in SMTP server.
	Server = mailstandin.Server
	// Message is a delivered message.
	Message = mailstandin.Message
	// Attachment is a file attached to a delivered message.
	Attachment = mailstandin.Attachment
)

// Start runs a server on a loopback port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := mailstandin.Listen()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Close)
	return s
}
