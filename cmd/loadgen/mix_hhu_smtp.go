package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
)

// smtpSink is a stand-in mail relay on loopback for the mixed workload
// (10): it accepts every message and keeps none, so that the server's
// mail reactions (001's guide e-mails, the owner's notice of a moved or
// cancelled booking, the repair notices) deliver as they would in a day.
type smtpSink struct {
	ln   net.Listener
	wg   sync.WaitGroup
	msgs atomic.Int64 // messages accepted
}

// startSMTPSink listens on a loopback port and serves until stop.
func startSMTPSink() (*smtpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtp stand-in: %w", err)
	}
	s := &smtpSink{ln: ln}
	s.wg.Go(s.serve)
	return s, nil
}

// Addr is the sink's host:port (SMTP_ADDR).
func (s *smtpSink) Addr() string { return s.ln.Addr().String() }

// stop closes the listener and waits for its loop to end; a session still
// open ends when its client (the stopped server) has gone.
func (s *smtpSink) stop() {
	_ = s.ln.Close()
	s.wg.Wait()
	logf("10. hhu: the SMTP stand-in accepted %d messages", s.msgs.Load())
}

func (s *smtpSink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

// session answers one client: every command succeeds; DATA is read to
// its final "." and dropped.
func (s *smtpSink) session(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(line string) bool {
		_, err := w.WriteString(line + "\r\n")
		return err == nil && w.Flush() == nil
	}
	if !reply("220 bench SMTP stand-in") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.TrimSpace(line))
		if i := strings.IndexByte(verb, ' '); i > 0 {
			verb = verb[:i]
		}
		switch verb {
		case "QUIT":
			reply("221 bye")
			return
		case "DATA":
			if !reply("354 end with <CRLF>.<CRLF>") || !smtpSkipData(r) || !reply("250 queued") {
				return
			}
			s.msgs.Add(1)
		case "EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			if !reply("250 OK") {
				return
			}
		default:
			if !reply("502 not implemented") {
				return
			}
		}
	}
}

// smtpSkipData reads a message up to the line holding only ".".
func smtpSkipData(r *bufio.Reader) bool {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		if strings.TrimRight(line, "\r\n") == "." {
			return true
		}
	}
}

// hhuEnv starts the mail stand-in and returns the server's environment:
// the relay, and no per-address limit on password attempts (every
// account of the bench logs in from loopback, so the limit of 100 in 15
// minutes would refuse a realistic day's get-token after the set-up).
func hhuEnv(context.Context, string) ([]string, func(), error) {
	sink, err := startSMTPSink()
	if err != nil {
		return nil, nil, err
	}
	return []string{"SMTP_ADDR=" + sink.Addr(), "SMTP_FROM=hhu@example.com", "LOGIN_LIMIT_PER_IP=0"}, sink.stop, nil
}
