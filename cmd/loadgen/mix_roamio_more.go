package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	mailstandin "github.com/fiveapis/backend/transport/mail/standin"
)

// Roamio's rarer operations in the mixed workload (10): mailed codes, the
// e-mail settings and password reset they open, pictures (avatars and a
// comment's image, read back from the media routes), pinned comments, and
// the administrators' webhooks with a receiver that answers and one that
// is down.

// webhookEnv starts the webhook receivers' stand-in on a loopback port:
// /ok answers 204, /down 503. The server retries a delivery twice, 100 ms
// apart, before it parks it (the defaults are 8 attempts from 2 s: a
// parked delivery, the one an operator replays, would take minutes).
func (st *roamioState) webhookEnv(ctx context.Context, dir string) ([]string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("webhook stand-in: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	st.hooks = "http://" + ln.Addr().String()
	return []string{"ROAMIO_WEBHOOK_MAX_ATTEMPTS=2", "ROAMIO_WEBHOOK_BACKOFF=100ms"}, func() { _ = srv.Close() }, nil
}

// env starts Roamio's stand-ins: the webhook receivers, and the gateway
// to the Ralendar its users bind.
func (st *roamioState) env(ctx context.Context, dir string) ([]string, func(), error) {
	hooks, stopHooks, err := st.webhookEnv(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	link, stopLink, err := st.link.env(ctx, dir)
	if err != nil {
		stopHooks()
		return nil, nil, err
	}
	return append(hooks, link...), func() { stopLink(); stopHooks() }, nil
}

// setupMore makes the rarer actions' fixture: the two webhook endpoints,
// and a picture to upload.
func (st *roamioState) setupMore(ctx context.Context, m *mixEnv) error {
	st.admin, st.mail = m.Admin, m.Mail
	pic, err := travelPicture(96, 96, 3, true)
	if err != nil {
		return err
	}
	st.picture = pic
	if st.hooks == "" {
		return nil
	}
	// The receiver that is down hears of new trips only: its queue, sent
	// one delivery at a time, keeps up, and the parked deliveries stay
	// among the latest an operator sees.
	for path, events := range map[string][]string{"/ok": nil, "/down": {"trip.created"}} {
		var ep struct {
			ID int64 `json:"id"`
		}
		if err := m.C.call(ctx, http.MethodPost, "/api/v1/admin/webhooks/", m.Admin, map[string]any{"url": st.hooks + path, "events": events}, http.StatusCreated, &ep); err != nil {
			return err
		}
		if path == "/down" {
			st.downHook = ep.ID
		}
	}
	return nil
}

// clientIP is a client address of its own for each code request, sent as
// X-Forwarded-For (the server trusts it from loopback, as from the proxy
// of a deployment): codes are limited to 10 an hour per client address,
// and a day's users do not share one.
func (st *roamioState) clientIP() string {
	n := st.ips.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", 20+n>>16&0xff, n>>8&0xff, n&0xff)
}

// mailedToken asks for a code of purpose to addr, reads it from the mail
// stand-in and exchanges it for a verification token.
func (st *roamioState) mailedToken(ctx context.Context, w *mixWorker, addr, purpose string) (string, error) {
	seen := 0
	for _, msg := range st.mail.Messages() {
		if slices.Contains(msg.To, addr) {
			seen++
		}
	}
	body, err := json.Marshal(map[string]string{"email": addr, "type": purpose})
	if err != nil {
		return "", err
	}
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {st.clientIP()}}
	if _, err := w.Send(ctx, "POST /api/v1/auth/send_verification_code/", "/api/v1/auth/send_verification_code/", "", hdr, bytes.NewReader(body), http.StatusOK); err != nil {
		return "", err
	}
	code, err := resetCode(ctx, st.mail, addr, seen, 30*time.Second)
	if err != nil {
		return "", err
	}
	var v struct {
		Token string `json:"verification_token"`
	}
	if err := w.Call(ctx, "POST /api/v1/auth/verify_code/", "/api/v1/auth/verify_code/", "", map[string]string{"email": addr, "code": code, "type": purpose}, http.StatusOK, &v); err != nil {
		return "", err
	}
	return v.Token, nil
}

// emailSettings: a traveller moves their account to a new address
// (a code to the new one), then forgets the password and resets it by
// mail to the same one, so that the mix's other actions still log in.
// Each worker has its own account, and a worker runs one action at a time.
func (st *roamioState) emailSettings(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	rw.mu.Lock()
	defer rw.mu.Unlock()
	addr := w.Unique("rmmail") + "@example.com"
	tok, err := st.mailedToken(ctx, w, addr, "change_email")
	if err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/v1/users/change-email/", "/api/v1/users/change-email/", rw.bearer, map[string]string{"new_email": addr, "verification_token": tok}, http.StatusOK, nil); err != nil {
		return err
	}
	if tok, err = st.mailedToken(ctx, w, addr, "reset_password"); err != nil {
		return err
	}
	pw := userPassword(rw.name)
	return w.Call(ctx, "POST /api/v1/auth/reset_password/", "/api/v1/auth/reset_password/", "", map[string]string{
		"email": addr, "verification_token": tok, "new_password": pw, "password_confirm": pw}, http.StatusOK, nil)
}

// bindEmail: a new traveller confirms the address they registered with.
func (st *roamioState) bindEmail(ctx context.Context, w *mixWorker, bearer, addr string) error {
	tok, err := st.mailedToken(ctx, w, addr, "bind_email")
	if err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/v1/users/bind_email/", "/api/v1/users/bind_email/", bearer, map[string]string{"email": addr, "verification_token": tok}, http.StatusOK, nil)
}

// upload sends the picture as field of a multipart form to path.
func (st *roamioState) upload(ctx context.Context, w *mixWorker, op, path, bearer, field string, out any) error {
	b, err := travelFile(field, "photo.png", st.picture, nil)
	if err != nil {
		return err
	}
	a, err := w.Send(ctx, op, path, bearer, http.Header{"Content-Type": {b.ctype}}, bytes.NewReader(b.data), http.StatusOK)
	if err != nil {
		return err
	}
	return decodeAnswer(a.Body, out)
}

// mediaPath is the path of a media URL the API answered (absolute or not).
func mediaPath(u string) (string, error) {
	i := strings.Index(u, "/api/v1/media/")
	if i < 0 {
		return "", fmt.Errorf("not a media URL: %q", u)
	}
	return u[i:], nil
}

// avatar: a traveller changes their picture (the app's route or the web
// client's, in turn) and it is shown.
func (st *roamioState) avatar(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	op, path := "POST /api/v1/users/{id}/avatar/", fmt.Sprintf("/api/v1/users/%d/avatar/", rw.id)
	if w.Rnd.IntN(2) == 0 {
		op, path = "POST /api/v1/users/{id}/upload_avatar/", fmt.Sprintf("/api/v1/users/%d/upload_avatar/", rw.id)
	}
	var out struct {
		URL string `json:"avatar_url"`
	}
	if err := st.upload(ctx, w, op, path, rw.bearer, "avatar", &out); err != nil {
		return err
	}
	media, err := mediaPath(out.URL)
	if err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/v1/media/avatars/{key}", media, "", nil, http.StatusOK, nil)
}

// commentImage: a comment with a photo, the photo shown, the comment
// deleted again.
func (st *roamioState) commentImage(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	path, err := st.postComment(ctx, w, rw, "看这张")
	if err != nil {
		return err
	}
	var out struct {
		Image string `json:"image"`
	}
	if err := st.upload(ctx, w, "POST /api/v1/comments/{id}/add_image/", path+"add_image/", rw.bearer, "image", &out); err != nil {
		return err
	}
	media, err := mediaPath(out.Image)
	if err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/v1/media/comments/{key}", media, "", nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/v1/comments/{id}/", path, rw.bearer, nil, http.StatusNoContent, nil)
}

// pin: an administrator pins a comment of the popular trip, or unpins it.
func (st *roamioState) pin(ctx context.Context, w *mixWorker) error {
	id := st.top[w.Rnd.IntN(len(st.top))]
	return w.Call(ctx, "POST /api/v1/comments/{id}/pin/", fmt.Sprintf("/api/v1/comments/%d/pin/", id), st.admin,
		map[string]bool{"is_pinned": w.Rnd.IntN(2) == 0}, http.StatusOK, nil)
}

// webhooks: an administrator looks at the endpoints and the deliveries of
// the one that is down, replays a parked delivery, and registers an
// endpoint and removes it again.
func (st *roamioState) webhooks(ctx context.Context, w *mixWorker) error {
	if err := w.Call(ctx, "GET /api/v1/admin/webhooks/", "/api/v1/admin/webhooks/", st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	down := fmt.Sprintf("/api/v1/admin/webhooks/%d/", st.downHook)
	if err := w.Call(ctx, "GET /api/v1/admin/webhooks/{id}/", down, st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	var ds []struct {
		EventID string `json:"event_id"`
		Parked  bool   `json:"parked"`
	}
	if err := w.Call(ctx, "GET /api/v1/admin/webhooks/{id}/deliveries/", down+"deliveries/", st.admin, nil, http.StatusOK, &ds); err != nil {
		return err
	}
	// One worker replays at a time, so that no two replay the same one.
	if st.replaying.CompareAndSwap(false, true) {
		defer st.replaying.Store(false)
		for _, d := range ds {
			if d.Parked {
				if err := w.Call(ctx, "POST /api/v1/admin/webhooks/{id}/deliveries/{event_id}/replay/", down+"deliveries/"+d.EventID+"/replay/", st.admin, nil, http.StatusOK, nil); err != nil {
					return err
				}
				break
			}
		}
	}
	var ep struct {
		ID int64 `json:"id"`
	}
	if err := w.Call(ctx, "POST /api/v1/admin/webhooks/", "/api/v1/admin/webhooks/", st.admin, map[string]any{"url": st.hooks + "/ok", "events": []string{"trip.created"}}, http.StatusCreated, &ep); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/v1/admin/webhooks/{id}/", fmt.Sprintf("/api/v1/admin/webhooks/%d/", ep.ID), st.admin, nil, http.StatusNoContent, nil)
}

// roamioMoreState is the rarer actions' part of roamioState.
type roamioMoreState struct {
	admin   string
	mail    *mailstandin.Server
	picture []byte
	// hooks is the webhook stand-in's base URL; downHook the endpoint
	// registered at its /down.
	hooks     string
	downHook  int64
	ips       atomic.Uint32
	replaying atomic.Bool
}
