// Package oauth calls the OAuth / code-exchange endpoints of the
// identity providers (WeChat's jscode2session for 001, AcWing and QQ
// Connect), at configurable base URLs so tests run a local stand-in server,
// and keeps the OAuth states it issues (its numbered migrations).
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

// WeChatConfig configures the mini-program code exchange.
type WeChatConfig struct {
	AppID   string
	Secret  string
	BaseURL string // default https://api.weixin.qq.com
	Client  *http.Client
}

// WeChat exchanges mini-program login codes (wx.login's jscode) for the
// user's openid: GET {BaseURL}/sns/jscode2session?appid&secret&js_code&
// grant_type=authorization_code → {"openid", "session_key", "unionid"} or
// {"errcode", "errmsg"}.
type WeChat struct{ cfg WeChatConfig }

// NewWeChat returns the client; AppID and Secret are required.
func NewWeChat(cfg WeChatConfig) (*WeChat, error) {
	if cfg.AppID == "" || cfg.Secret == "" {
		return nil, errors.New("oauth: WeChat app id and secret are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.weixin.qq.com"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &WeChat{cfg: cfg}, nil
}

// Code2Session returns the openid of a login code.
func (w *WeChat) Code2Session(ctx context.Context, code string) (string, error) {
	if code == "" || len(code) > 256 {
		return "", identity.ErrProviderRejected
	}
	q := url.Values{"appid": {w.cfg.AppID}, "secret": {w.cfg.Secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.cfg.BaseURL+"/sns/jscode2session?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("oauth: WeChat: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", fmt.Errorf("oauth: WeChat: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("oauth: WeChat: HTTP %d", resp.StatusCode)
	}
	var out struct {
		OpenID  string `json:"openid"`
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", fmt.Errorf("oauth: WeChat: %w", err)
	}
	switch {
	case out.ErrCode == 40029 || out.ErrCode == 40163 || out.ErrCode == 40226:
		return "", fmt.Errorf("%w: %d %s", identity.ErrProviderRejected, out.ErrCode, out.ErrMsg)
	case out.ErrCode != 0:
		return "", fmt.Errorf("oauth: WeChat error %d %s", out.ErrCode, out.ErrMsg)
	case out.OpenID == "":
		return "", fmt.Errorf("oauth: WeChat: no openid")
	}
	return out.OpenID, nil
}
