package mail_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/mail"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

func TestAttachmentsAndSeveralRecipients(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Addr: srv.Addr, From: "noreply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := bytes.Repeat([]byte("%PDF-1.4 二进制\x00\xff"), 500)
	m := mail.Message{To: "ann@example.com", AlsoTo: []string{"bob@example.com"}, Subject: "【服务指南】请假单",
		Body: "附件是请假单。\n第二行", Attachments: []mail.Attachment{{Name: "请假 单.pdf", ContentType: "application/pdf", Data: pdf}}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "bob@example.com", nil, 5*time.Second)
	if !slices.Equal(got.To, []string{"ann@example.com", "bob@example.com"}) {
		t.Errorf("recipients %v", got.To)
	}
	if got.Subject != m.Subject || strings.TrimRight(got.Body, "\r\n") != "附件是请假单。\r\n第二行" {
		t.Errorf("subject %q body %q", got.Subject, got.Body)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].Filename != "请假 单.pdf" ||
		got.Attachments[0].ContentType != "application/pdf" || !bytes.Equal(got.Attachments[0].Data, pdf) {
		for _, a := range got.Attachments {
			t.Errorf("attachment %q %s: %d bytes (want %d)", a.Filename, a.ContentType, len(a.Data), len(pdf))
		}
	}
	if err := s.Send(context.Background(), mail.Message{To: "a@example.com", AlsoTo: []string{"x\r\nBcc: y"}, Subject: "s"}); err == nil {
		t.Error("a bad further recipient was accepted")
	}
}
