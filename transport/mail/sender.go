// Package mail sends e-mail as a side effect of events: NewReaction builds
// the reaction (eventlog.Reaction) that renders the events it cares about
// into messages and hands them to an SMTP Sender. The projection engine runs
// it from its checkpoint, retries it with backoff and parks what keeps
// failing where an operator sees it (and can replay it). Nothing is sent from
// inside a command handler.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail.
type Message struct {
	// ID, when set, makes the Message-ID header: sending the same message
	// again (a re-delivered event, whose id a reaction puts here) gives the
	// same Message-ID. Empty: a random one.
	ID      string
	To      string
	Subject string
	Body    string // plain text, UTF-8
	// AlsoTo are further recipients; the To header lists them after To.
	AlsoTo []string
	// Attachments are sent as parts of a multipart/mixed message.
	Attachments []Attachment
}

// Attachment is a file attached to a message.
type Attachment struct {
	// Name is the file name the recipient sees (UTF-8).
	Name        string
	ContentType string
	Data        []byte
}

// Recipients are To and AlsoTo, in order.
func (m Message) Recipients() []string {
	return append([]string{m.To}, m.AlsoTo...)
}

// SMTPConfig configures the SMTP sender.
type SMTPConfig struct {
	// Addr is host:port of the SMTP server (SMTP_ADDR); empty disables mail.
	Addr string
	// From is the envelope and header sender (SMTP_FROM).
	From string
	// Username and Password authenticate with PLAIN when set (SMTP_USERNAME,
	// SMTP_PASSWORD); PLAIN is refused over an unencrypted connection except
	// to localhost.
	Username string
	Password string
	// StartTLS upgrades the connection when the server offers it (default
	// true; SMTP_STARTTLS=false turns it off).
	StartTLS bool
	// Timeout bounds one delivery (default 15 s).
	Timeout time.Duration
}

// SMTPSender delivers messages over SMTP with github.com/wneessen/go-mail
// (MIME composition, STARTTLS, authentication).
type SMTPSender struct {
	cfg  SMTPConfig
	host string
	port int
}

// NewSMTPSender returns a sender.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Addr == "" {
		return nil, errors.New("mail: no SMTP address")
	}
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("mail: SMTP address %q: bad port", cfg.Addr)
	}
	if cfg.From == "" {
		return nil, errors.New("mail: no sender address")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &SMTPSender{cfg: cfg, host: host, port: port}, nil
}

// Send delivers one message: one SMTP session, every recipient in it.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := Compose(s.cfg.From, m, time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	policy := gomail.NoTLS
	if s.cfg.StartTLS {
		policy = gomail.TLSOpportunistic
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port), gomail.WithTimeout(s.cfg.Timeout), gomail.WithHELO("localhost"),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}),
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("mail: client for %s: %w", s.cfg.Addr, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send to %s: %w", s.cfg.Addr, err)
	}
	return nil
}

func checkAddress(a string) error {
	if a == "" || strings.ContainsAny(a, "\r\n<>") || !strings.Contains(a, "@") {
		return fmt.Errorf("mail: bad recipient address")
	}
	return nil
}

// Compose builds a message: the subject as a UTF-8 encoded word, the body
// quoted-printable; with attachments, a multipart/mixed message whose first
// part is the body and whose other parts are the files (base64, the file
// name encoded). Header values cannot carry line breaks: a recipient with
// one is refused, a subject's become spaces.
func Compose(from string, m Message, now time.Time) (*gomail.Msg, error) {
	for _, to := range m.Recipients() {
		if err := checkAddress(to); err != nil {
			return nil, err
		}
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", from, err)
	}
	if err := msg.To(m.Recipients()...); err != nil {
		return nil, fmt.Errorf("mail: bad recipient address: %w", err)
	}
	msg.Subject(cleanHeader(m.Subject))
	msg.SetDateWithValue(now)
	if local := messageIDPart(m.ID); local != "" {
		domain := "localhost"
		if _, d, ok := strings.Cut(from, "@"); ok {
			domain = messageIDPart(d)
		}
		msg.SetMessageIDWithValue(local + "@" + domain)
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(m.Body, "\n", "\r\n"))
	for _, a := range m.Attachments {
		ct := a.ContentType
		if mt, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
			ct = "application/octet-stream"
		} else {
			ct = mt
		}
		if err := msg.AttachReader(cleanHeader(a.Name), bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("mail: attach %q: %w", a.Name, err)
		}
	}
	return msg, nil
}

// messageIDPart keeps the characters of id that may stand in a Message-ID's
// local part unquoted (letters, digits, '.', '-', '_').
func messageIDPart(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, id)
}

// cleanHeader keeps a header value on one line.
func cleanHeader(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }
