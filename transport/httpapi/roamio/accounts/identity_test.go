package accounts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
)

// Integration tests of the identity slice through the whole server: the
// PostgreSQL event store, the projection engine and the HTTP API.

func TestIdentityRegisterLoginMeRefresh(t *testing.T) {
	t.Parallel()
	clock := apptest.NewFakeClock()
	s := apptest.Start(t, apptest.WithClock(clock))
	u := s.NewUser(t)

	me := s.Do(t, "GET", "/api/v1/auth/me/", u.Bearer, nil).Map(t)
	if me["username"] != u.Username || me["id"] != u.ID || me["email"] != u.Username+"@example.com" {
		t.Fatalf("me: %v", me)
	}
	for _, id := range []string{u.Username, strings.ToUpper(u.Username), u.Username + "@EXAMPLE.com"} {
		r := s.Do(t, "POST", "/api/v1/auth/login/", "", map[string]string{"username": id, "password": u.Password})
		if r.Status != http.StatusOK || r.Header.Get("X-Event-Position") == "" {
			t.Fatalf("login as %s: %d %s", id, r.Status, r.Body)
		}
	}
	tok := s.Do(t, "POST", "/api/v1/token/", "", map[string]string{"username": u.Username, "password": u.Password})
	var pair struct{ Access, Refresh string }
	tok.JSON(t, &pair)
	if tok.Status != http.StatusOK || pair.Access == "" || pair.Refresh == "" {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}

	// The access token lives 5 minutes (the injected clock).
	clock.Advance(5*time.Minute + time.Second)
	if r := s.Do(t, "GET", "/api/v1/auth/me/", "Bearer "+pair.Access, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("expired access token: %d %s", r.Status, r.Body)
	}
	ref := s.Do(t, "POST", "/api/v1/token/refresh/", "", map[string]string{"refresh": pair.Refresh})
	var fresh struct{ Access string }
	ref.JSON(t, &fresh)
	if ref.Status != http.StatusOK || fresh.Access == "" {
		t.Fatalf("refresh: %d %s", ref.Status, ref.Body)
	}
	if r := s.Do(t, "GET", "/api/v1/auth/me/", "Bearer "+fresh.Access, nil); r.Status != http.StatusOK {
		t.Fatalf("refreshed access token: %d %s", r.Status, r.Body)
	}
	// A token signed with another key, or tampered with, is refused.
	parts := strings.Split(fresh.Access, ".")
	for name, bad := range map[string]string{
		"tampered signature": parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
		"no signature":       parts[0] + "." + parts[1] + ".",
		"refresh as access":  pair.Refresh,
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			if r := s.Do(t, "GET", "/api/v1/auth/me/", "Bearer "+bad, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		})
	}
	clock.Advance(15 * 24 * time.Hour)
	if r := s.Do(t, "POST", "/api/v1/token/refresh/", "", map[string]string{"refresh": pair.Refresh}); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh after 15 days: %d %s", r.Status, r.Body)
	}
}

func TestIdentityForgedTokenFromAnotherServer(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t)
	b := apptest.Start(t, apptest.WithConfig(func(c *app.Config) { c.SecretKey = "another-secret-key-for-signing-9876543210" }))
	u := b.NewUser(t) // user 2 on b (the admin is 1), signed with b's key
	a.NewUser(t)      // user 2 exists on a too
	if r := a.Do(t, "GET", "/api/v1/auth/me/", u.Bearer, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("token of another server: %d %s", r.Status, r.Body)
	}
}

func TestIdentityMalformedInputIs400(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	for _, tc := range []struct {
		path, body, field string
	}{
		{"/api/v1/auth/register/", `{"username": 5.5, "email": true, "password": [], "password_confirm": {}}`, "email"},
		{"/api/v1/auth/register/", `{"username": "x"`, "detail"},
		{"/api/v1/auth/login/", `{"username": null, "password": "x"}`, "username"},
		{"/api/v1/token/", `"just a string"`, "non_field_errors"},
		{"/api/v1/token/refresh/", `{"refresh": 1}`, "detail"},
		{"/auth/get-token/", `{"username": {}, "password": "x"}`, "username"},
		{"/auth/get-token/", `[`, "detail"},
	} {
		t.Run(tc.path+" "+tc.body, func(t *testing.T) {
			r := s.Do(t, "POST", tc.path, "", tc.body)
			if r.Status >= 500 || (r.Status != 400 && r.Status != 401) {
				t.Fatalf("%s %s: %d %s", tc.path, tc.body, r.Status, r.Body)
			}
			if _, ok := r.Map(t)[tc.field]; !ok {
				t.Errorf("%s %s: no %q in %s", tc.path, tc.body, tc.field, r.Body)
			}
		})
	}
}

func TestIdentityConcurrentRegistration(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	start := make(chan struct{})
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := s.Do(t, "POST", "/api/v1/auth/register/", "", map[string]string{
				"username": []string{"Contested", "contested", "CONTESTED"}[i%3], "email": fmt.Sprintf("c%d@example.com", i),
				"password": "long enough pw", "password_confirm": "long enough pw"})
			statuses[i] = r.Status
			if r.Status != http.StatusCreated && !strings.Contains(string(r.Body), `"username"`) {
				t.Errorf("loser answer: %d %s", r.Status, r.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for _, st := range statuses {
		if st == http.StatusCreated {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d registrations of one name succeeded: %v", created, statuses)
	}
}

func TestIdentityAPITokenSlidesAndExpires(t *testing.T) {
	t.Parallel()
	clock := apptest.NewFakeClock()
	s := apptest.Start(t, apptest.WithClock(clock))
	u := s.NewUser(t)
	getToken := func() string {
		t.Helper()
		r := s.Do(t, "POST", "/auth/get-token/", "", map[string]string{"username": u.Username, "password": u.Password})
		var out struct{ Token string }
		r.JSON(t, &out)
		if r.Status != http.StatusOK || len(out.Token) != 40 {
			t.Fatalf("get-token: %d %s", r.Status, r.Body)
		}
		return out.Token
	}
	key := getToken()
	use := func() int { return s.Do(t, "GET", "/api/v1/auth/me/", "Token "+key, nil).Status }
	if st := use(); st != http.StatusOK {
		t.Fatalf("fresh token: %d", st)
	}
	for range 3 { // 8 h 30 min in all, never 3 h without use
		clock.Advance(2*time.Hour + 50*time.Minute)
		if st := use(); st != http.StatusOK {
			t.Fatalf("token used within 3 h: %d", st)
		}
	}
	if again := getToken(); again != key {
		t.Errorf("a valid key is handed out again, got a new one")
	}
	clock.Advance(3*time.Hour + time.Second)
	if st := use(); st != http.StatusUnauthorized {
		t.Fatalf("token after 3 h of disuse: %d", st)
	}
	if fresh := getToken(); fresh == key {
		t.Error("expired key handed out again")
	}
}

func TestIdentityBootstrapAdminIsIdempotent(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	bearer := s.AdminBearer(t)
	me := s.Do(t, "GET", "/api/v1/auth/me/", bearer, nil).Map(t)
	if me["username"] != apptest.AdminUsername || me["is_admin"] != true {
		t.Fatalf("admin me: %v", me)
	}
	// A second server process on the same database bootstraps again.
	var db string
	if err := s.App.Pool().QueryRow(context.Background(), "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	second := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		u, err := url.Parse(c.Database.URL)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + db
		c.Database.URL = u.String()
		c.Database.EventStoreURL = s.EventStoreURL
	}))
	second.AdminBearer(t)
	ctx := context.Background()
	id := int64(me["id"].(float64))
	recs, err := s.App.Store().ReadStream(ctx, identity.UserStream(id), eventlog.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range recs {
		if r.Type != identity.EventUserLoggedIn {
			types = append(types, r.Type)
		}
	}
	// Granting the role is an event.
	if fmt.Sprint(types) != fmt.Sprint([]string{identity.EventUserRegistered, identity.EventAdminGranted}) {
		t.Errorf("admin stream: %v", types)
	}
	claims, err := s.App.Store().ReadStream(ctx, "username-"+apptest.AdminUsername, eventlog.ReadStreamOptions{})
	if err != nil || len(claims) != 1 {
		t.Errorf("admin username claimed %d times (%v)", len(claims), err)
	}
}

// TestIdentityRegistrationAddressIsErasable registers through every API
// that creates accounts (Roamio, Ralendar, 004, Magpie, QQ sign-up, the
// bootstrap admin): each writes UserRegistered_v2 with the address sealed,
// never in clear. An old v1 registration (address in clear) still replays.
// After erasing users and rebuilding the identity projection, their
// addresses are gone from the read model (the v1 one too).
func TestIdentityRegistrationAddressIsErasable(t *testing.T) {
	t.Parallel()
	qq := apptest.NewFakeQQ(qqAppID, qqAppKey, qqRedirect)
	provider := httptest.NewServer(qq)
	t.Cleanup(provider.Close)
	const magpieSecret = "magpie-secret-erasure"
	s := startQQ(t, provider.URL, apptest.NewFakeClock(), apptest.WithConfig(func(c *app.Config) {
		c.Magpie.AppSecret, c.Travel.AllowNoCaptcha = magpieSecret, true
	}))
	ctx := context.Background()
	c := apptest.NewClient(s)
	tag := apptest.RandomHex(4)
	addr := func(api string) string { return api + "_" + tag + "@Example.com" }

	users := map[string]int64{} // api → user id
	idOf := func(api, username string) {
		t.Helper()
		var id int64
		if err := s.App.Pool().QueryRow(ctx, `SELECT id FROM identity.users WHERE username_key = lower($1)`, username).Scan(&id); err != nil {
			t.Fatalf("%s user %s: %v", api, username, err)
		}
		users[api] = id
	}
	if r := c.Do(t, "POST", "/api/v1/auth/register/", "", map[string]any{"username": "roamio_" + tag, "email": addr("roamio"),
		"password": "pw-Roamio-1234", "password_confirm": "pw-Roamio-1234"}); r.Status != 201 || r.Body["user"].(map[string]any)["email"] != addr("roamio") {
		t.Fatalf("roamio register: %d %s", r.Status, r.Raw)
	}
	idOf("roamio", "roamio_"+tag)
	if r := c.Do(t, "POST", "/api/auth/register/", "", map[string]any{"username": "ralendar_" + tag, "email": addr("ralendar"),
		"password": "pw-Ralendar-1234"}); r.Status != 201 || r.Body["email"] != addr("ralendar") {
		t.Fatalf("ralendar register: %d %s", r.Status, r.Raw)
	}
	idOf("ralendar", "ralendar_"+tag)
	if r := apptest.NewClient(s).PostForm(t, "/user/register", map[string]string{"uname": "travel_" + tag, "email": addr("travel"),
		"password": "travel-pw-1", "no_captcha": "true"}); r.Body["code"] != 200.0 || r.Body["msg"] != "注册成功" {
		t.Errorf("want 200 %q, got %s", "注册成功", r.Raw)
	}
	idOf("travel", "travel_"+tag)
	salt := "1700000000-" + tag
	// 003 names the user after the address's first 30 characters (its
	// seed's rule, so those are public); the whole address is sealed.
	mail := strings.ToLower(addr("magpie_with_a_long_name"))
	if r := c.Do(t, "POST", "/api/lastest/auth/user/", "", map[string]any{"salt_id": salt, "email_of_google_play": mail,
		"app_key_verify": identitycmd.SHA1Hex(magpieSecret + salt + mail)}); r.Status != 201 {
		t.Fatalf("magpie create: %d %s", r.Status, r.Raw)
	}
	var magpieID int64
	if err := s.App.Pool().QueryRow(ctx, `SELECT id FROM identity.users WHERE email_key = $1`, mail).Scan(&magpieID); err != nil {
		t.Fatalf("magpie user: %v", err)
	}
	users["magpie"] = magpieID
	nick := "qq_" + tag
	if r := c.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(qq.User(nick)), "state": qqState(t, c)}); r.Status != 200 {
		t.Fatalf("qq sign-up: %d %s", r.Status, r.Raw)
	}
	idOf("qq", nick)
	idOf("admin", apptest.AdminUsername)

	// Every registration is v2; no address is in the log in clear.
	for api, id := range users {
		recs, err := s.App.Store().ReadStream(ctx, identity.UserStream(id), eventlog.ReadStreamOptions{})
		if err != nil || len(recs) == 0 || recs[0].Type != identity.EventUserRegistered {
			t.Fatalf("%s: user stream starts with %v (%v)", api, recs, err)
		}
		var e identity.UserRegistered
		if err := json.Unmarshal(recs[0].Data, &e); err != nil || e.LegacyEmail != "" {
			t.Errorf("%s: registration %s (%v)", api, recs[0].Data, err)
		}
		if (api == "qq" || api == "admin") != (e.EmailRef == "") {
			t.Errorf("%s: registration %s", api, recs[0].Data)
		}
	}
	// inLog counts the events whose data holds address, read through the
	// store (either event store).
	inLog := func(address string) int {
		t.Helper()
		n, after := 0, eventlog.Start
		for {
			page, err := s.App.Store().ReadAll(ctx, eventlog.ReadAllOptions{After: after, Max: 500})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range page {
				if strings.Contains(strings.ToLower(string(ev.Data)), strings.ToLower(address)) {
					n++
				}
				after = ev.Position
			}
			if len(page) < 500 {
				return n
			}
		}
	}
	for _, address := range []string{addr("roamio"), addr("ralendar"), addr("travel"), mail} {
		if n := inLog(address); n != 0 {
			t.Errorf("%s is in %d events in clear", address, n)
		}
	}

	// An old log: a v1 registration, the address in clear, replays.
	oldID := users["admin"] + 1000
	v1 := fmt.Sprintf(`{"user_id":%d,"username":"old_%s","email":"%s","registered_at":"2025-01-01T00:00:00Z"}`, oldID, tag, addr("old"))
	res, err := s.App.Store().Append(ctx, identity.UserStream(oldID), eventlog.NoStream(),
		[]eventlog.EventData{{ID: uuid.NewString(), Type: identity.EventUserRegisteredV1, Data: []byte(v1), Metadata: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.WaitFor(ctx, res.Position, identityq.ProjectionName); err != nil {
		t.Fatal(err)
	}
	email := func(id int64) string {
		t.Helper()
		var e string
		if err := s.App.Pool().QueryRow(ctx, `SELECT email FROM identity.users WHERE id = $1`, id).Scan(&e); err != nil {
			t.Fatalf("user %d: %v", id, err)
		}
		return e
	}
	if e := email(oldID); e != addr("old") {
		t.Errorf("v1 registration: %q", e)
	}

	// Erase Roamio's, 004's, Magpie's and the v1 user, then rebuild.
	users["v1"] = oldID
	erased := []string{"roamio", "travel", "magpie", "v1"}
	for _, api := range erased {
		if err := s.App.Vault().Erase(ctx, identity.UserDataSubject(users[api])); err != nil {
			t.Fatal(err)
		}
	}
	before, err := s.App.Engine().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gen := 0
	for _, st := range before {
		if st.Name == identityq.ProjectionName {
			gen = st.ActiveGeneration
		}
	}
	if err := s.App.Engine().Rebuild(ctx, identityq.ProjectionName); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		sts, err := s.App.Engine().Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		done := false
		for _, st := range sts {
			done = done || (st.Name == identityq.ProjectionName && st.ActiveGeneration > gen && !st.Rebuilding)
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("identity projection not rebuilt: %+v", sts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, api := range erased {
		if e := email(users[api]); e != "" {
			t.Errorf("%s: erased address still in the read model: %q", api, e)
		}
	}
	if e := email(users["ralendar"]); e != addr("ralendar") {
		t.Errorf("ralendar (not erased) after rebuild: %q", e)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/login/", "", map[string]string{"username": addr("ralendar"), "password": "pw-Ralendar-1234"}); r.Status != 200 {
		t.Errorf("login by a sealed address: %d %s", r.Status, r.Raw)
	}
}
