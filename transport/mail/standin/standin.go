// Package standin runs a small SMTP server in process, the stand-in of a
// mail relay for the tests (through smtptest) and the load generator: it
// speaks enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
// for net/smtp, keeps what arrives, and can be told to refuse deliveries.
package standin

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// Fataler is what WaitFor reports a timeout to (a testing.TB).
type Fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Message is a delivered message.
type Message struct {
	From    string
	To      []string
	Raw     string
	Subject string
	// Body is the decoded text body (of a multipart message: its first
	// text/plain part).
	Body string
	// Attachments are the decoded parts of a multipart message that carry a
	// file name.
	Attachments []Attachment
}

// Attachment is a file attached to a delivered message.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Server is a running stand-in SMTP server.
type Server struct {
	Addr string
	ln   net.Listener

	mu       sync.Mutex
	msgs     []Message
	failNext int
	arrived  chan struct{}
	wg       sync.WaitGroup
}

// Listen runs a server on a loopback port until Close.
func Listen() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mail stand-in: listen: %w", err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, arrived: make(chan struct{}, 1)}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	_ = s.ln.Close()
	s.wg.Wait()
}

// FailNext makes the next n deliveries fail with a temporary error (451).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits until a message to addr arrived whose body satisfies match
// (nil: any) and returns it; it fails the test after timeout.
func (s *Server) WaitFor(t Fataler, to string, match func(Message) bool, timeout time.Duration) Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, m := range s.Messages() {
			for _, rcpt := range m.To {
				if strings.EqualFold(rcpt, to) && (match == nil || match(m)) {
					return m
				}
			}
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("mail stand-in: no message to %s within %s (have %d)", to, timeout, len(s.Messages()))
		}
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(c)
		}()
	}
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(line string) {
		_, _ = w.WriteString(line + "\r\n")
		_ = w.Flush()
	}
	reply("220 smtptest ESMTP ready")
	var from string
	var to []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-smtptest\r\n250-8BITMIME\r\n250 SIZE 10485760")
		case "HELO":
			reply("250 smtptest")
		case "MAIL":
			from = addr(arg)
			to = nil
			reply("250 OK")
		case "RCPT":
			to = append(to, addr(arg))
			reply("250 OK")
		case "DATA":
			s.mu.Lock()
			fail := s.failNext > 0
			if fail {
				s.failNext--
			}
			s.mu.Unlock()
			if fail {
				reply("451 4.3.0 try again later")
				continue
			}
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.store(from, to, b.String())
			reply("250 OK queued")
		case "RSET":
			from, to = "", nil
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

func addr(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, ' '); i >= 0 {
		a = a[:i]
	}
	return strings.Trim(a, "<>")
}

func (s *Server) store(from string, to []string, raw string) {
	m := Message{From: from, To: to, Raw: raw}
	if pm, err := mail.ReadMessage(strings.NewReader(raw)); err == nil {
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(pm.Header.Get("Subject")); err == nil {
			m.Subject = subj
		}
		decodeEntity(&m, textproto.MIMEHeader(pm.Header), pm.Body)
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
}

// decodeEntity decodes a MIME entity into m: the first text part becomes the
// body, parts with a file name attachments, multiparts are walked.
func decodeEntity(m *Message, h textproto.MIMEHeader, body io.Reader) {
	ct, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			decodeEntity(m, p.Header, p)
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return
	}
	_, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if decoded, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
		name = decoded // RFC 2047 words in a file name, as mail readers accept them
	}
	if name != "" {
		m.Attachments = append(m.Attachments, Attachment{Filename: name, ContentType: ct, Data: data})
		return
	}
	if m.Body == "" && (ct == "" || ct == "text/plain") {
		m.Body = string(data)
	}
}
