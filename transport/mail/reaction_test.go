package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/mail"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

func TestReactionRendersAndSends(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Addr: srv.Addr, From: "noreply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	filter := eventlog.Filter{Categories: []string{"note"}}
	render := func(_ context.Context, env eventlog.Envelope) (mail.Message, bool, error) {
		switch env.Recorded.Type {
		case "Quiet_v1":
			return mail.Message{}, false, nil
		case "Broken_v1":
			return mail.Message{}, false, errors.New("no such user")
		}
		return mail.Message{To: "ann@example.com", Subject: "note", Body: string(env.Recorded.Data)}, true, nil
	}
	r := mail.NewReaction("mail_notes", filter, render, s)
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Name != "mail_notes" || r.Filter.Categories[0] != "note" || r.MaxAttempts != mail.DefaultMaxAttempts || r.Backoff != mail.DefaultBackoff || r.Raw {
		t.Fatalf("reaction %+v", r)
	}
	env := func(typ string) eventlog.Envelope {
		return eventlog.Envelope{Recorded: eventlog.RecordedEvent{ID: "6f1c2e9a-0000-4000-8000-00000000abcd", StreamID: "note-1", Type: typ, Data: []byte("hello")}}
	}
	ctx := context.Background()

	t.Run("a rendered event is sent with a Message-ID from its id", func(t *testing.T) {
		if err := r.Handle(ctx, env("Noted_v1")); err != nil {
			t.Fatal(err)
		}
		m := srv.WaitFor(t, "ann@example.com", nil, 5*time.Second)
		if m.Body != "hello\r\n" || !strings.Contains(m.Raw, "Message-ID: <6f1c2e9a-0000-4000-8000-00000000abcd@example.com>") {
			t.Fatalf("message %q", m.Raw)
		}
	})
	t.Run("an event that needs no mail sends nothing", func(t *testing.T) {
		before := len(srv.Messages())
		if err := r.Handle(ctx, env("Quiet_v1")); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Messages()); n != before {
			t.Fatalf("%d messages, want %d", n, before)
		}
	})
	t.Run("a render error is the reaction's error", func(t *testing.T) {
		if err := r.Handle(ctx, env("Broken_v1")); err == nil || !strings.Contains(err.Error(), "no such user") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a refused delivery is the reaction's error", func(t *testing.T) {
		srv.FailNext(1)
		if err := r.Handle(ctx, env("Noted_v1")); err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("got %v", err)
		}
	})
}
