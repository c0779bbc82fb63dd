// Package ralendarremote talks to the Ralendar of another deployment over
// HTTP for Roamio's bound accounts: the OAuth 2.0 authorization-code flow
// against that Ralendar's provider (/oauth/authorize/ for the user,
// /api/oauth/token/ for the server), and its calendar API with the
// account's access token (/api/events/…). Every call is bounded by a
// timeout, and a circuit breaker stops calling a Ralendar that keeps
// failing for a cool-down, so a request never hangs on it.
//
// Failures are the domain's faults: ralendarlink.ErrRemoteUnavailable (no
// answer, a timeout, a 5xx, or the circuit open), ErrTokenExpired (the
// access token refused: 401), ErrTokenExchangeFailed (a code or refresh
// token refused), and a RALENDAR_REFUSED Invalid fault carrying the other
// side's answer for other 4xx answers.
package ralendarremote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/ralendarlink"
)

// Config is the other Ralendar and this server's client registration there.
type Config struct {
	// BaseURL is the other Ralendar's API root (…/api).
	BaseURL string
	// AuthorizeURL is the page its users authorize on (default: BaseURL's
	// origin + /oauth/authorize/).
	AuthorizeURL string
	ClientID     string
	ClientSecret string
	// RedirectURI is where the other Ralendar sends the user back (the
	// Roamio web client's callback page).
	RedirectURI string
	// Scope asked for (default "calendar:read calendar:write user:read").
	Scope string
	// Timeout bounds one call (default 5 s).
	Timeout time.Duration
	// BreakerFailures consecutive failures open the circuit for
	// BreakerCooldown (defaults 3 and 30 s).
	BreakerFailures int
	BreakerCooldown time.Duration
	// Now is the clock token expiries and the breaker go by (default
	// time.Now).
	Now func() time.Time
}

// Client calls one other Ralendar.
type Client struct {
	cfg  Config
	http *http.Client
	now  func() time.Time

	mu        sync.Mutex
	failures  int
	openUntil time.Time
}

// New returns the client.
func New(cfg Config) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.AuthorizeURL == "" {
		if u, err := url.Parse(cfg.BaseURL); err == nil {
			cfg.AuthorizeURL = u.Scheme + "://" + u.Host + "/oauth/authorize/"
		}
	}
	if cfg.Scope == "" {
		cfg.Scope = "calendar:read calendar:write user:read"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = 3
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = 30 * time.Second
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{cfg: cfg, http: &http.Client{Timeout: cfg.Timeout}, now: now}
}

// Remote names the other Ralendar (its API root), as bindings record it.
func (c *Client) Remote() string { return c.cfg.BaseURL }

// AuthorizeURL is the page the user authorizes this server on, carrying
// state.
func (c *Client) AuthorizeURL(state string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {c.cfg.ClientID}, "redirect_uri": {c.cfg.RedirectURI},
		"scope": {c.cfg.Scope}, "state": {state}}
	sep := "?"
	if strings.Contains(c.cfg.AuthorizeURL, "?") {
		sep = "&"
	}
	return c.cfg.AuthorizeURL + sep + q.Encode()
}

// TokenSet is a token answer.
type TokenSet struct {
	Access        string
	Refresh       string
	AccessExpires time.Time
	Profile       ralendarlink.Profile
}

type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	User         *struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		Email    string `json:"email"`
		Avatar   string `json:"avatar"`
	} `json:"user"`
}

// Exchange trades an authorization code for tokens and the account.
func (c *Client) Exchange(ctx context.Context, code string) (TokenSet, error) {
	return c.token(ctx, map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": c.cfg.RedirectURI})
}

// Refresh trades the refresh token for a new access token (the refresh
// token is kept when the answer has none).
func (c *Client) Refresh(ctx context.Context, refresh string) (TokenSet, error) {
	t, err := c.token(ctx, map[string]string{"grant_type": "refresh_token", "refresh_token": refresh})
	if err == nil && t.Refresh == "" {
		t.Refresh = refresh
	}
	return t, err
}

func (c *Client) token(ctx context.Context, body map[string]string) (TokenSet, error) {
	body["client_id"], body["client_secret"] = c.cfg.ClientID, c.cfg.ClientSecret
	start := c.now()
	status, raw, err := c.call(ctx, http.MethodPost, "/oauth/token/", "", body)
	if err != nil {
		return TokenSet{}, err
	}
	if status != http.StatusOK {
		// invalid_grant, invalid_client: the code or refresh token is no good.
		return TokenSet{}, ralendarlink.ErrTokenExchangeFailed.Wrap(fmt.Errorf("token endpoint answered %d", status))
	}
	var t tokenJSON
	if err := json.Unmarshal(raw, &t); err != nil || t.AccessToken == "" {
		return TokenSet{}, ralendarlink.ErrRemoteUnavailable.Wrap(errors.New("token endpoint: unreadable answer"))
	}
	out := TokenSet{Access: t.AccessToken, Refresh: t.RefreshToken, AccessExpires: start.Add(time.Duration(t.ExpiresIn) * time.Second)}
	if t.User != nil {
		out.Profile = ralendarlink.Profile{RemoteUserID: t.User.ID, Username: t.User.Username, Email: t.User.Email, Avatar: t.User.Avatar}
	}
	return out, nil
}

// Do calls the calendar API with the account's access token: method,
// path under the API root (/events/…), an optional JSON body. It answers
// the status and body of a 2xx answer; other answers are faults.
func (c *Client) Do(ctx context.Context, access, method, path string, body any) (int, json.RawMessage, error) {
	status, raw, err := c.call(ctx, method, path, access, body)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case status >= 200 && status < 300:
		return status, raw, nil
	case status == http.StatusUnauthorized:
		return status, nil, ralendarlink.ErrTokenExpired
	case status == http.StatusNotFound:
		return status, nil, ralendarlink.ErrAccountNotFound.Wrap(fmt.Errorf("%s %s: 404", method, path))
	}
	var details map[string]any
	if json.Unmarshal(raw, &details) != nil {
		details = map[string]any{}
	}
	return status, nil, &fault.Error{Kind: fault.Invalid, Code: "RALENDAR_REFUSED", Message: "Ralendar 拒绝了请求", Details: details}
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 4 << 20

// call makes one request through the breaker: no answer, a timeout or a
// 5xx is a failure (ErrRemoteUnavailable); any other answer is returned.
func (c *Client) call(ctx context.Context, method, path, bearer string, body any) (int, []byte, error) {
	if c.cfg.BaseURL == "" {
		return 0, nil, ralendarlink.ErrRemoteUnavailable.Wrap(errors.New("no Ralendar configured"))
	}
	if err := c.allow(); err != nil {
		return 0, nil, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("request %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Roamio-Ralendar/1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.record(false)
		// The error names the URL, never a token.
		return 0, nil, ralendarlink.ErrRemoteUnavailable.Wrap(fmt.Errorf("%s %s: %w", method, path, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil || resp.StatusCode >= 500 {
		c.record(false)
		return 0, nil, ralendarlink.ErrRemoteUnavailable.Wrap(fmt.Errorf("%s %s: answered %d", method, path, resp.StatusCode))
	}
	c.record(true)
	return resp.StatusCode, raw, nil
}

// allow refuses calls while the circuit is open.
func (c *Client) allow() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if wait := c.openUntil.Sub(c.now()); wait > 0 {
		f := *ralendarlink.ErrRemoteUnavailable
		f.RetryAfterSeconds = int(wait/time.Second) + 1
		return f.Wrap(errors.New("circuit open after repeated failures"))
	}
	return nil
}

// record counts consecutive failures; BreakerFailures of them open the
// circuit (one call is let through after the cool-down).
func (c *Client) record(ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok {
		c.failures = 0
		return
	}
	c.failures++
	if c.failures >= c.cfg.BreakerFailures {
		c.openUntil = c.now().Add(c.cfg.BreakerCooldown)
		c.failures = c.cfg.BreakerFailures - 1
	}
}

// EventPath is an event's path under the API root.
func EventPath(id int64) string { return "/events/" + strconv.FormatInt(id, 10) + "/" }
