package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/identity"
)

// AcWingConfig configures AcWing's OAuth2 (AcApp) code exchange.
type AcWingConfig struct {
	AppID   string
	Secret  string
	BaseURL string // default https://www.acwing.com
	Client  *http.Client
}

// AcWing exchanges an authorization code: GET
// {BaseURL}/third_party/api/oauth2/access_token/?appid&secret&code →
// {"access_token", "openid", …} or {"errcode", "errmsg"}; then GET
// {BaseURL}/third_party/api/meta/identity/getinfo/?access_token&openid →
// {"username", "photo"}.
type AcWing struct{ cfg AcWingConfig }

// NewAcWing returns the client; AppID and Secret are required.
func NewAcWing(cfg AcWingConfig) (*AcWing, error) {
	if cfg.AppID == "" || cfg.Secret == "" {
		return nil, errors.New("oauth: AcWing app id and secret are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://www.acwing.com"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &AcWing{cfg: cfg}, nil
}

func getJSON(ctx context.Context, client *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return json.Unmarshal(body, v)
}

// Exchange turns a code into the AcWing account.
func (a *AcWing) Exchange(ctx context.Context, code string) (identity.ProviderProfile, error) {
	if code == "" || len(code) > 256 {
		return identity.ProviderProfile{}, identity.ErrProviderRejected
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		OpenID      string `json:"openid"`
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
	}
	q := url.Values{"appid": {a.cfg.AppID}, "secret": {a.cfg.Secret}, "code": {code}}
	if err := getJSON(ctx, a.cfg.Client, a.cfg.BaseURL+"/third_party/api/oauth2/access_token/?"+q.Encode(), &tok); err != nil {
		return identity.ProviderProfile{}, fmt.Errorf("oauth: AcWing token: %w: %w", identity.ErrProviderUnavailable, err)
	}
	if tok.ErrCode != 0 || tok.AccessToken == "" || tok.OpenID == "" {
		return identity.ProviderProfile{}, fmt.Errorf("%w: AcWing %d %s", identity.ErrProviderRejected, tok.ErrCode, tok.ErrMsg)
	}
	var info struct {
		Username string `json:"username"`
		Photo    string `json:"photo"`
		ErrCode  int    `json:"errcode"`
	}
	q = url.Values{"access_token": {tok.AccessToken}, "openid": {tok.OpenID}}
	if err := getJSON(ctx, a.cfg.Client, a.cfg.BaseURL+"/third_party/api/meta/identity/getinfo/?"+q.Encode(), &info); err != nil {
		return identity.ProviderProfile{}, fmt.Errorf("oauth: AcWing user info: %w: %w", identity.ErrProviderUnavailable, err)
	}
	if info.ErrCode != 0 {
		return identity.ProviderProfile{}, fmt.Errorf("%w: oauth: AcWing user info error %d", identity.ErrProviderUnavailable, info.ErrCode)
	}
	return identity.ProviderProfile{ExternalID: tok.OpenID, Nickname: info.Username, AvatarURL: info.Photo}, nil
}
