package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/identity"
)

// QQConfig configures QQ Connect's OAuth2 (web) code exchange.
type QQConfig struct {
	AppID       string // client_id / oauth_consumer_key
	AppKey      string // client_secret
	BaseURL     string // default https://graph.qq.com
	RedirectURI string // the registered callback; sent with the authorize URL and the token exchange
	Client      *http.Client
}

// QQ speaks QQ Connect's OAuth2: the authorize URL
// {BaseURL}/oauth2.0/authorize?response_type=code&client_id&redirect_uri&state;
// GET {BaseURL}/oauth2.0/token?grant_type=authorization_code&client_id
// &client_secret&code&redirect_uri&fmt=json → {"access_token", …} or
// {"error", "error_description"}; GET {BaseURL}/oauth2.0/me?access_token
// &fmt=json → {"client_id", "openid"}; GET {BaseURL}/user/get_user_info
// ?access_token&oauth_consumer_key&openid → {"ret", "msg", "nickname",
// "figureurl_qq_2", "figureurl_qq_1", …}.
type QQ struct{ cfg QQConfig }

// NewQQ returns the client; AppID and AppKey are required.
func NewQQ(cfg QQConfig) (*QQ, error) {
	if cfg.AppID == "" || cfg.AppKey == "" {
		return nil, errors.New("oauth: QQ app id and app key are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://graph.qq.com"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &QQ{cfg: cfg}, nil
}

// AuthorizeURL is where the user's browser goes to authorize the app; QQ
// redirects back to RedirectURI with code and state.
func (q *QQ) AuthorizeURL(state string) string {
	v := url.Values{"response_type": {"code"}, "client_id": {q.cfg.AppID}, "redirect_uri": {q.cfg.RedirectURI}, "state": {state}}
	return q.cfg.BaseURL + "/oauth2.0/authorize?" + v.Encode()
}

// Exchange turns an authorization code into the QQ account (the openid,
// nickname and avatar). A code QQ refuses is identity.ErrProviderRejected.
func (q *QQ) Exchange(ctx context.Context, code string) (identity.ProviderProfile, error) {
	if code == "" || len(code) > 256 {
		return identity.ProviderProfile{}, identity.ErrProviderRejected
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       int    `json:"error"`
		Description string `json:"error_description"`
	}
	v := url.Values{"grant_type": {"authorization_code"}, "client_id": {q.cfg.AppID}, "client_secret": {q.cfg.AppKey},
		"code": {code}, "redirect_uri": {q.cfg.RedirectURI}, "fmt": {"json"}}
	if err := getJSON(ctx, q.cfg.Client, q.cfg.BaseURL+"/oauth2.0/token?"+v.Encode(), &tok); err != nil {
		return identity.ProviderProfile{}, fmt.Errorf("oauth: QQ token: %w: %w", identity.ErrProviderUnavailable, err)
	}
	if tok.Error != 0 || tok.AccessToken == "" {
		return identity.ProviderProfile{}, fmt.Errorf("%w: QQ %d %s", identity.ErrProviderRejected, tok.Error, tok.Description)
	}
	var me struct {
		ClientID    string `json:"client_id"`
		OpenID      string `json:"openid"`
		Error       int    `json:"error"`
		Description string `json:"error_description"`
	}
	v = url.Values{"access_token": {tok.AccessToken}, "fmt": {"json"}}
	if err := getJSON(ctx, q.cfg.Client, q.cfg.BaseURL+"/oauth2.0/me?"+v.Encode(), &me); err != nil {
		return identity.ProviderProfile{}, fmt.Errorf("oauth: QQ openid: %w: %w", identity.ErrProviderUnavailable, err)
	}
	if me.Error != 0 || me.OpenID == "" {
		return identity.ProviderProfile{}, fmt.Errorf("%w: oauth: QQ openid error %d %s", identity.ErrProviderUnavailable, me.Error, me.Description)
	}
	if me.ClientID != "" && me.ClientID != q.cfg.AppID {
		// A token issued to another app must not log anyone in here.
		return identity.ProviderProfile{}, fmt.Errorf("%w: QQ token of another app", identity.ErrProviderRejected)
	}
	var info struct {
		Ret      int    `json:"ret"`
		Msg      string `json:"msg"`
		Nickname string `json:"nickname"`
		Figure2  string `json:"figureurl_qq_2"`
		Figure1  string `json:"figureurl_qq_1"`
	}
	v = url.Values{"access_token": {tok.AccessToken}, "oauth_consumer_key": {q.cfg.AppID}, "openid": {me.OpenID}}
	if err := getJSON(ctx, q.cfg.Client, q.cfg.BaseURL+"/user/get_user_info?"+v.Encode(), &info); err != nil {
		return identity.ProviderProfile{}, fmt.Errorf("oauth: QQ user info: %w: %w", identity.ErrProviderUnavailable, err)
	}
	if info.Ret != 0 {
		return identity.ProviderProfile{}, fmt.Errorf("%w: oauth: QQ user info error %d %s", identity.ErrProviderUnavailable, info.Ret, info.Msg)
	}
	avatar := info.Figure2
	if avatar == "" {
		avatar = info.Figure1
	}
	return identity.ProviderProfile{ExternalID: me.OpenID, Nickname: info.Nickname, AvatarURL: avatar}, nil
}
