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
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
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
	// SMTP_PASSWORD); Go refuses PLAIN over an unencrypted connection except
	// to localhost.
	Username string
	Password string
	// StartTLS upgrades the connection when the server offers it (default
	// true; SMTP_STARTTLS=false turns it off).
	StartTLS bool
	// Timeout bounds one delivery (default 15 s).
	Timeout time.Duration
}

// SMTPSender delivers messages over SMTP (net/smtp).
type SMTPSender struct {
	cfg SMTPConfig
}

// NewSMTPSender returns a sender.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Addr == "" {
		return nil, errors.New("mail: no SMTP address")
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("mail: SMTP address %q: %w", cfg.Addr, err)
	}
	if cfg.From == "" {
		return nil, errors.New("mail: no sender address")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &SMTPSender{cfg: cfg}, nil
}

// Send delivers one message.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	for _, to := range m.Recipients() {
		if err := checkAddress(to); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail: dial %s: %w", s.cfg.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %w", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("mail: EHLO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && s.cfg.StartTLS {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("mail: STARTTLS: %w", err)
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, host)); err != nil {
			return fmt.Errorf("mail: AUTH: %w", err)
		}
	}
	if err := c.Mail(s.cfg.From); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	for _, to := range m.Recipients() {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("mail: RCPT TO: %w", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(Compose(s.cfg.From, m, time.Now())); err != nil {
		return fmt.Errorf("mail: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: end of DATA: %w", err)
	}
	return c.Quit()
}

func checkAddress(a string) error {
	if a == "" || strings.ContainsAny(a, "\r\n<>") || !strings.Contains(a, "@") {
		return fmt.Errorf("mail: bad recipient address")
	}
	return nil
}

// Compose renders a message: UTF-8 subject as an encoded word, the body
// quoted-printable; with attachments, a multipart/mixed message whose first
// part is the body and whose other parts are the files (base64, the file
// name RFC 2231-encoded). Header values cannot carry line breaks.
func Compose(from string, m Message, now time.Time) []byte {
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := "localhost"
	if _, d, ok := strings.Cut(from, "@"); ok {
		domain = cleanHeader(d)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", cleanHeader(from))
	to := make([]string, 0, 1+len(m.AlsoTo))
	for _, r := range m.Recipients() {
		to = append(to, cleanHeader(r))
	}
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(to, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", cleanHeader(m.Subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", now.UTC().Format(time.RFC1123Z))
	if local := messageIDPart(m.ID); local != "" {
		fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", local, domain)
	} else {
		fmt.Fprintf(&b, "Message-ID: <%s.%s@%s>\r\n", strconv.FormatInt(now.UnixNano(), 36), hex.EncodeToString(id), domain)
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	if len(m.Attachments) == 0 {
		b.WriteString(textHeader + "\r\n")
		writeText(&b, m.Body)
		return b.Bytes()
	}
	mw := multipart.NewWriter(&b)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", mw.Boundary())
	text, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=UTF-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	writeText(text, m.Body)
	for _, a := range m.Attachments {
		ct := a.ContentType
		if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
			ct = "application/octet-stream"
		}
		name := cleanHeader(a.Name)
		part, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(mediaTypeOnly(ct), map[string]string{"name": name})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": name})},
			"Content-Transfer-Encoding": {"base64"},
		})
		writeBase64(part, a.Data)
	}
	_ = mw.Close()
	return b.Bytes()
}

const textHeader = "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"

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

func mediaTypeOnly(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

func writeText(w io.Writer, body string) {
	qp := quotedprintable.NewWriter(w)
	_, _ = qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	_ = qp.Close()
	_, _ = io.WriteString(w, "\r\n")
}

// writeBase64 writes data in base64 lines of 76 characters (RFC 2045).
func writeBase64(w io.Writer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		_, _ = io.WriteString(w, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	_, _ = io.WriteString(w, enc+"\r\n")
}
