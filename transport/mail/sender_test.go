package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/mail"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

func TestSMTPSender(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Addr: srv.Addr, From: "noreply@example.com", StartTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = s.Send(ctx, mail.Message{To: "ann@example.com", Subject: "【Roamio】验证码\r\nBcc: evil@example.com", Body: "您的验证码是:123456\n第二行 = ok"})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "ann@example.com", nil, 5*time.Second)
	if !strings.HasPrefix(m.Subject, "【Roamio】验证码") || !strings.Contains(m.Body, "123456") || !strings.Contains(m.Body, "第二行 = ok") {
		t.Errorf("message: %q %q", m.Subject, m.Body)
	}
	if strings.Contains(m.Raw, "\r\nBcc:") || len(m.To) != 1 {
		t.Errorf("header injection: %q", m.Raw)
	}
	for _, to := range []string{"", "a\r\nb@example.com", "<x@example.com>", "nobody"} {
		if err := s.Send(ctx, mail.Message{To: to, Subject: "s", Body: "b"}); err == nil {
			t.Errorf("recipient %q accepted", to)
		}
	}
	srv.FailNext(1)
	if err := s.Send(ctx, mail.Message{To: "bob@example.com", Subject: "s", Body: "b"}); err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("temporary failure: %v", err)
	}
	if _, err := mail.NewSMTPSender(mail.SMTPConfig{Addr: "nohost", From: "a@b.c"}); err == nil {
		t.Error("bad address accepted")
	}
}
