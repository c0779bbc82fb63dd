package apptest

import oauthstandin "github.com/fiveapis/backend/transport/oauth/standin"

// FakeQQ is the stand-in of QQ Connect's OAuth2 (transport/oauth/standin):
// serve it with httptest and point QQ_API_URL at it.
type FakeQQ = oauthstandin.QQ

// NewFakeQQ is QQ Connect for the app appID (secret appKey) with the
// registered redirect URIs.
func NewFakeQQ(appID, appKey string, redirects ...string) *FakeQQ {
	return oauthstandin.NewQQ(appID, appKey, redirects...)
}

// AvatarURL is the avatar (figureurl_qq_2) FakeQQ gives openid.
func AvatarURL(openid string) string { return oauthstandin.QQAvatarURL(openid) }
