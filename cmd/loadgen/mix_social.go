package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The QQ and AcWing logins in the mixed workload (10), against the
// stand-ins of sharedStandins. One account serves every API
// (docs/identity.md), so a QQ account bound through Roamio also logs in at
// Ralendar, and a Ralendar account made by AcWing binds QQ through Roamio.

// qqLoginState starts a QQ login at Roamio as a browser does: the state of
// the authorize URL, and the cookie that binds it to this browser.
func qqLoginState(ctx context.Context, w *mixWorker) (state, cookie string, err error) {
	a, err := w.Send(ctx, "GET /api/v1/auth/qq_login_url/", "/api/v1/auth/qq_login_url/", "", nil, nil, http.StatusOK)
	if err != nil {
		return "", "", err
	}
	var out struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(a.Body, &out); err != nil || out.State == "" {
		return "", "", fmt.Errorf("qq_login_url: no state in %.200s", a.Body)
	}
	var pairs []string
	for _, ck := range (&http.Response{Header: a.Header}).Cookies() {
		pairs = append(pairs, ck.Name+"="+ck.Value)
	}
	return out.State, strings.Join(pairs, "; "), nil
}

// qqCall sends a QQ login step to Roamio as the browser that started it.
func qqCall(ctx context.Context, w *mixWorker, op, path, bearer, cookie string, body any, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	hdr := http.Header{"Content-Type": {"application/json"}, "Cookie": {cookie}}
	a, err := w.Send(ctx, op, path, bearer, hdr, bytes.NewReader(raw), http.StatusOK)
	if err != nil || out == nil {
		return err
	}
	return decodeAnswer(a.Body, out)
}

// qq: a traveller binds a QQ account to their account, logs in with it at
// Roamio and at Ralendar, and unbinds it at one of the two (their password
// stays their other way in).
func (st *roamioState) qq(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	rw.mu.Lock()
	defer rw.mu.Unlock()
	qq := st.link.qq
	oid := qq.User(w.Unique("QQ用户"))
	state, cookie, err := qqLoginState(ctx, w)
	if err != nil {
		return err
	}
	if err := qqCall(ctx, w, "POST /api/v1/auth/qq_bind_existing/", "/api/v1/auth/qq_bind_existing/", rw.bearer, cookie,
		map[string]string{"code": qq.Code(oid), "state": state}, nil); err != nil {
		return err
	}
	if state, cookie, err = qqLoginState(ctx, w); err != nil {
		return err
	}
	var in struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := qqCall(ctx, w, "POST /api/v1/auth/qq_callback/", "/api/v1/auth/qq_callback/", "", cookie,
		map[string]string{"code": qq.Code(oid), "state": state}, &in); err != nil {
		return err
	}
	if in.User.ID != rw.id {
		return fmt.Errorf("qq_callback logged in user %d, want %d", in.User.ID, rw.id)
	}
	var ral struct {
		Access string `json:"access"`
	}
	if err := w.Call(ctx, "POST /api/auth/qq/callback/", "/api/auth/qq/callback/", "", map[string]string{"code": qq.Code(oid)}, http.StatusOK, &ral); err != nil {
		return err
	}
	if w.Rnd.IntN(2) == 0 {
		return w.Call(ctx, "DELETE /api/user/unbind/qq/", "/api/user/unbind/qq/", "Bearer "+ral.Access, nil, http.StatusOK, nil)
	}
	return w.Call(ctx, "DELETE /api/v1/auth/qq_unbind/", "/api/v1/auth/qq_unbind/", rw.bearer, nil, http.StatusOK, nil)
}

// socialSignUp: people sign up at Ralendar with QQ (the Android client's
// callback, then the seed's login) and with AcWing; an AcWing account adds
// QQ through Roamio and then lets AcWing go.
func (st *ralendarState) socialSignUp(ctx context.Context, w *mixWorker) error {
	qq, aw := st.shared.qq, st.shared.acwing
	if err := w.Call(ctx, "GET /api/auth/qq/login/", "/api/auth/qq/login/", "", nil, http.StatusOK, nil); err != nil {
		return err
	}
	oid := qq.User(w.Unique("日历QQ"))
	if err := w.Call(ctx, "POST /api/auth/qq/callback/", "/api/auth/qq/callback/", "", map[string]string{"code": qq.Code(oid)}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/auth/qq/login/", "/api/auth/qq/login/", "", map[string]string{"code": qq.Code(oid), "state": w.Unique("s")}, http.StatusOK, nil); err != nil {
		return err
	}
	var in struct {
		Access string `json:"access"`
	}
	if err := w.Call(ctx, "POST /api/auth/acwing/login/", "/api/auth/acwing/login/", "", map[string]string{"code": aw.Code(aw.User(w.Unique("acw")))}, http.StatusOK, &in); err != nil {
		return err
	}
	bearer := "Bearer " + in.Access
	state, cookie, err := qqLoginState(ctx, w)
	if err != nil {
		return err
	}
	if err := qqCall(ctx, w, "POST /api/v1/auth/qq_bind_existing/", "/api/v1/auth/qq_bind_existing/", bearer, cookie,
		map[string]string{"code": qq.Code(qq.User(w.Unique("QQ"))), "state": state}, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/user/unbind/acwing/", "/api/user/unbind/acwing/", bearer, nil, http.StatusOK, nil)
}
