package apptest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// RandomHex is n random bytes in hex, for fresh names.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Client is a browser: a fixed client address (X-Forwarded-For, which the
// server trusts from loopback), the cookies the server set, and headers
// sent with every request.
type Client struct {
	S       *Server
	IP      string
	Cookies []*http.Cookie
	Headers map[string]string
}

// NewClient is a client from a random public address.
func NewClient(s *Server) *Client {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &Client{S: s, IP: fmt.Sprintf("203.%d.%d.%d", b[0], b[1], b[2])}
}

// Reply is an answer with its body decoded as a JSON object (when it is
// one).
type Reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// Do sends a request: body is JSON-encoded unless it is a string (sent as
// is, as JSON); auth is the Authorization header when not empty. The
// answer's cookies replace the client's of the same name.
func (c *Client) Do(t testing.TB, method, path, auth string, body any) Reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, c.S.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return c.Send(t, req)
}

// PostForm posts a urlencoded form, as the original 004 clients do.
func (c *Client) PostForm(t testing.TB, path string, form map[string]string) Reply {
	t.Helper()
	v := url.Values{}
	for k, x := range form {
		v.Set(k, x)
	}
	req, err := http.NewRequest(http.MethodPost, c.S.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Send(t, req)
}

// Send sends a prepared request with the client's address, headers and
// cookies, and keeps the cookies of the answer.
func (c *Client) Send(t testing.TB, req *http.Request) Reply {
	t.Helper()
	if c.IP != "" {
		req.Header.Set("X-Forwarded-For", c.IP)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	for _, ck := range c.Cookies {
		req.AddCookie(ck)
	}
	resp, err := c.S.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		kept := c.Cookies[:0]
		for _, old := range c.Cookies {
			if old.Name != ck.Name {
				kept = append(kept, old)
			}
		}
		c.Cookies = kept
		if ck.MaxAge >= 0 && ck.Value != "" {
			c.Cookies = append(c.Cookies, ck)
		}
	}
	r := Reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// Via returns the same browser (address and cookies as they are now)
// talking to another server process.
func (c *Client) Via(s *Server) *Client {
	return &Client{S: s, IP: c.IP, Cookies: append([]*http.Cookie(nil), c.Cookies...)}
}

// Cookie returns the client's cookie name (nil when it has none).
func (c *Client) Cookie(name string) *http.Cookie {
	for _, ck := range c.Cookies {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// FakeClock is a clock a test moves by hand.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock starts at the current second.
func NewFakeClock() *FakeClock { return &FakeClock{now: time.Now().UTC().Truncate(time.Second)} }

// Now implements the clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Code finds the six-digit verification code in a mail body ("" when
// none).
func Code(body string) string { return regexp.MustCompile(`\b\d{6}\b`).FindString(body) }

// StartWithMail starts a server whose mail goes to an in-process SMTP
// server, with its own rate-limit namespace; clock (nil: the real one)
// drives the commands.
func StartWithMail(t *testing.T, clock *FakeClock, more ...Option) (*Server, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.Start(t)
	opts := []Option{WithConfig(func(c *app.Config) {
		c.Mail.SMTPAddr = smtp.Addr
		c.Mail.SMTPFrom = "noreply@roamio.test"
		c.Mail.MaxAttempts = 2
		c.Mail.RetryBackoff = 10 * time.Millisecond
	})}
	if clock != nil {
		opts = append(opts, WithClock(clock))
	}
	return Start(t, append(opts, more...)...), smtp
}
