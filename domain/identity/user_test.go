package identity_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
)

var t0 = time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC)

func mustUsername(t *testing.T, s string) identity.Username {
	t.Helper()
	u, err := identity.NewUsername(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustEmail(t *testing.T, s string) identity.Email {
	t.Helper()
	e, err := identity.NewEmail(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func registered(id int64, name string) identity.UserRegistered {
	return identity.UserRegistered{UserID: id, Username: name, EmailDigest: identity.EmailDigest(name + "@example.com"), EmailRef: "pd1:" + name, PasswordHash: "$argon2id$hash-of-" + name, RegisteredAt: t0}
}

// then compares the decided events or error with the wanted ones.
func then(t *testing.T, got []eventlog.Event, err error, want []eventlog.Event, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("error = %v, want %v", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestUserDecisions(t *testing.T) {
	t.Parallel()
	now := t0.Add(time.Hour)
	admin := func() access.Actor {
		u, _ := identity.UserFromHistory([]eventlog.Event{registered(1, "root"), identity.AdminGranted{UserID: 1, GrantedAt: t0}})
		return identity.ActorOf(u)
	}()
	plain := access.Actor{UserID: 3}
	tests := []struct {
		name    string
		given   []eventlog.Event
		when    func(u *identity.User) ([]eventlog.Event, error)
		want    []eventlog.Event
		wantErr error
	}{
		{
			name:  "log in",
			given: []eventlog.Event{registered(2, "ann")},
			when:  func(u *identity.User) ([]eventlog.Event, error) { return u.LogIn("", now) },
			want:  []eventlog.Event{identity.UserLoggedIn{UserID: 2, Method: identity.LoginPassword, LoggedInAt: now}},
		},
		{
			name:  "admin grants admin",
			given: []eventlog.Event{registered(2, "ann")},
			when:  func(u *identity.User) ([]eventlog.Event, error) { return u.GrantAdmin(admin, now) },
			want:  []eventlog.Event{identity.AdminGranted{UserID: 2, GrantedBy: 1, GrantedAt: now}},
		},
		{
			name:  "system grants admin at bootstrap",
			given: []eventlog.Event{registered(2, "ann")},
			when:  func(u *identity.User) ([]eventlog.Event, error) { return u.GrantAdmin(access.System, now) },
			want:  []eventlog.Event{identity.AdminGranted{UserID: 2, Reason: "bootstrap", GrantedAt: now}},
		},
		{
			name:    "non-admin cannot grant",
			given:   []eventlog.Event{registered(2, "ann")},
			when:    func(u *identity.User) ([]eventlog.Event, error) { return u.GrantAdmin(plain, now) },
			wantErr: identity.ErrAdminRequired,
		},
		{
			name:  "granting an admin is a no-op",
			given: []eventlog.Event{registered(2, "ann"), identity.AdminGranted{UserID: 2, GrantedAt: t0}},
			when:  func(u *identity.User) ([]eventlog.Event, error) { return u.GrantAdmin(admin, now) },
			want:  nil,
		},
		{
			name:  "admin revokes admin",
			given: []eventlog.Event{registered(2, "ann"), identity.AdminGranted{UserID: 2, GrantedAt: t0}},
			when:  func(u *identity.User) ([]eventlog.Event, error) { return u.RevokeAdmin(admin, now) },
			want:  []eventlog.Event{identity.AdminRevoked{UserID: 2, RevokedBy: 1, RevokedAt: now}},
		},
		{
			name:  "revoked admin cannot grant",
			given: []eventlog.Event{registered(2, "ann")},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				ex, _ := identity.UserFromHistory([]eventlog.Event{registered(5, "ex"), identity.AdminGranted{UserID: 5}, identity.AdminRevoked{UserID: 5}})
				return u.GrantAdmin(identity.ActorOf(ex), now)
			},
			wantErr: identity.ErrAdminRequired,
		},
		{
			name:  "admin cannot revoke own role",
			given: []eventlog.Event{registered(1, "root"), identity.AdminGranted{UserID: 1, GrantedAt: t0}},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.RevokeAdmin(identity.ActorOf(u), now)
			},
			wantErr: identity.ErrRevokeOwnAdmin,
		},
		{
			name:  "first API token",
			given: []eventlog.Event{registered(2, "ann")},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.IssueAPIToken("tok-1", strings.Repeat("a", 64), "", now)
			},
			want: []eventlog.Event{identity.APITokenIssued{UserID: 2, TokenID: "tok-1", KeyHash: strings.Repeat("a", 64), IssuedAt: now}},
		},
		{
			name: "new API token supersedes the current one",
			given: []eventlog.Event{registered(2, "ann"),
				identity.APITokenIssued{UserID: 2, TokenID: "tok-1", KeyHash: strings.Repeat("a", 64), IssuedAt: t0}},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.IssueAPIToken("tok-2", strings.Repeat("b", 64), identity.RevokeExpired, now)
			},
			want: []eventlog.Event{
				identity.APITokenRevoked{UserID: 2, TokenID: "tok-1", Reason: identity.RevokeExpired, RevokedAt: now},
				identity.APITokenIssued{UserID: 2, TokenID: "tok-2", KeyHash: strings.Repeat("b", 64), IssuedAt: now},
			},
		},
		{
			name: "revoking a token that is not current is a no-op",
			given: []eventlog.Event{registered(2, "ann"),
				identity.APITokenIssued{UserID: 2, TokenID: "tok-1", KeyHash: strings.Repeat("a", 64), IssuedAt: t0},
				identity.APITokenRevoked{UserID: 2, TokenID: "tok-1", Reason: identity.RevokeLogout}},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.RevokeAPIToken("tok-1", identity.RevokeLogout, now)
			},
			want: nil,
		},
		{
			name:  "revoke refresh token",
			given: []eventlog.Event{registered(2, "ann")},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.RevokeRefreshToken("jti-1", now.Add(time.Hour), now)
			},
			want: []eventlog.Event{identity.RefreshTokenRevoked{UserID: 2, JTI: "jti-1", ExpiresAt: now.Add(time.Hour), RevokedAt: now}},
		},
		{
			name: "revoking twice is a no-op",
			given: []eventlog.Event{registered(2, "ann"),
				identity.RefreshTokenRevoked{UserID: 2, JTI: "jti-1", ExpiresAt: now.Add(time.Hour), RevokedAt: t0}},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.RevokeRefreshToken("jti-1", now.Add(time.Hour), now)
			},
			want: nil,
		},
		{
			name:  "revoking an expired refresh token is a no-op",
			given: []eventlog.Event{registered(2, "ann")},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.RevokeRefreshToken("jti-1", now.Add(-time.Second), now)
			},
			want: nil,
		},
		{
			name:  "change password",
			given: []eventlog.Event{registered(2, "ann")},
			when: func(u *identity.User) ([]eventlog.Event, error) {
				return u.ChangePassword("$argon2id$new", now)
			},
			want: []eventlog.Event{identity.PasswordChanged{UserID: 2, PasswordHash: "$argon2id$new", Reason: identity.PasswordReasonChange, ChangedAt: now}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, err := identity.UserFromHistory(tc.given)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.when(u)
			then(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestUserState(t *testing.T) {
	t.Parallel()
	if _, err := identity.UserFromHistory(nil); !errors.Is(err, identity.ErrUserNotFound) {
		t.Fatalf("empty history: %v", err)
	}
	u, err := identity.UserFromHistory([]eventlog.Event{
		registered(7, "Bob"),
		identity.UserLoggedIn{UserID: 7, LoggedInAt: t0.Add(time.Minute)},
		identity.PasswordChanged{UserID: 7, PasswordHash: "$new"},
		identity.AdminGranted{UserID: 7},
		identity.APITokenIssued{UserID: 7, TokenID: "t", KeyHash: strings.Repeat("c", 64), IssuedAt: t0},
		identity.RefreshTokenRevoked{UserID: 7, JTI: "j", ExpiresAt: t0.Add(time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID() != 7 || u.Username() != "Bob" || u.Email() != "" || u.EmailDigest() != identity.EmailDigest("bob@example.com") || !u.IsAdmin() || !u.IsActive() ||
		u.PasswordHash() != "$new" || !u.LastLogin().Equal(t0.Add(time.Minute)) || u.Stream() != "user-7" {
		t.Errorf("state not rebuilt: %+v", u)
	}
	if tok, ok := u.CurrentAPIToken(); !ok || tok.ID != "t" || tok.UserID != 7 {
		t.Errorf("current token = %+v %v", tok, ok)
	}
	if err := u.CheckRefresh("j"); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("revoked jti: %v", err)
	}
	if err := u.CheckRefresh("other"); err != nil {
		t.Errorf("other jti: %v", err)
	}
	if err := u.CheckPassword(func(h string) bool { return h == "$new" }); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := u.CheckPassword(func(string) bool { return false }); !errors.Is(err, identity.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	noPw, _ := identity.UserFromHistory([]eventlog.Event{identity.UserRegistered{UserID: 8, Username: "oauth"}})
	if err := noPw.CheckPassword(func(string) bool { return true }); !errors.Is(err, identity.ErrBadCredentials) {
		t.Errorf("account without password: %v", err)
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	got, err := identity.Register(3, mustUsername(t, " Ann "), mustEmail(t, "Ann@Example.com"), "pd1:sealed", "$h", t0)
	then(t, got, err, []eventlog.Event{identity.UserRegistered{UserID: 3, Username: "Ann",
		EmailDigest: identity.EmailDigest("ann@example.com"), EmailRef: "pd1:sealed", PasswordHash: "$h", RegisteredAt: t0}}, nil)
	got, err = identity.Register(4, mustUsername(t, "oauth"), identity.Email{}, "", "", t0)
	then(t, got, err, []eventlog.Event{identity.UserRegistered{UserID: 4, Username: "oauth", RegisteredAt: t0}}, nil)
	if _, err := identity.Register(0, mustUsername(t, "x"), identity.Email{}, "", "", t0); err == nil {
		t.Error("id 0 accepted")
	}
	if _, err := identity.Register(5, mustUsername(t, "x"), mustEmail(t, "x@example.com"), "", "", t0); err == nil {
		t.Error("address without its sealed reference accepted")
	}
}

// TestRegisteredV1 reads a v1 registration (the address in clear) through
// its upcaster: the aggregate works as for v2, knowing the address's digest.
func TestRegisteredV1(t *testing.T) {
	t.Parallel()
	typ, data, err := identity.UpcastUserRegisteredV1([]byte(`{"user_id":9,"username":"Old","email":"Old@Example.com","password_hash":"$h","registered_at":"2025-01-02T03:04:05Z"}`))
	if err != nil || typ != identity.EventUserRegistered {
		t.Fatalf("upcast: %s %v", typ, err)
	}
	var e identity.UserRegistered
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	want := identity.UserRegistered{UserID: 9, Username: "Old", EmailDigest: identity.EmailDigest("old@example.com"), LegacyEmail: "Old@Example.com",
		PasswordHash: "$h", RegisteredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("upcast (-want +got):\n%s", diff)
	}
	u, err := identity.UserFromHistory([]eventlog.Event{e})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email() != "Old@Example.com" || u.EmailDigest() != identity.EmailDigest("old@example.com") || !u.HasPassword() {
		t.Errorf("v1 user: %q %q", u.Email(), u.EmailDigest())
	}
	if ev := u.VerifyEmail(identity.EmailDigest("OLD@example.com"), t0); len(ev) != 1 {
		t.Errorf("verify the v1 address: %v", ev)
	}
	if _, _, err := identity.UpcastUserRegisteredV1([]byte(`{`)); err == nil {
		t.Error("broken v1 payload upcast")
	}
}

func TestClaims(t *testing.T) {
	t.Parallel()
	ann := mustUsername(t, "Ann")
	mail := mustEmail(t, "ANN@example.com")
	now := t0.Add(time.Hour)
	tests := []struct {
		name    string
		last    eventlog.Event
		when    func(last eventlog.Event) ([]eventlog.Event, error)
		want    []eventlog.Event
		wantErr error
	}{
		{
			name: "claim a free name",
			when: func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ClaimUsername(l, ann, 2, now, false) },
			want: []eventlog.Event{identity.UsernameClaimed{Username: "ann", UserID: 2, ClaimedAt: now}},
		},
		{
			name:    "name held by another",
			last:    identity.UsernameClaimed{Username: "ann", UserID: 1, ClaimedAt: t0},
			when:    func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ClaimUsername(l, ann, 2, now, false) },
			wantErr: identity.ErrUsernameTaken,
		},
		{
			name: "abandoned claim is taken over",
			last: identity.UsernameClaimed{Username: "ann", UserID: 1, ClaimedAt: t0},
			when: func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ClaimUsername(l, ann, 2, now, true) },
			want: []eventlog.Event{identity.UsernameClaimed{Username: "ann", UserID: 2, ClaimedAt: now}},
		},
		{
			name: "claiming one's own name is a no-op",
			last: identity.UsernameClaimed{Username: "ann", UserID: 2, ClaimedAt: t0},
			when: func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ClaimUsername(l, ann, 2, now, false) },
		},
		{
			name: "released name can be claimed",
			last: identity.UsernameReleased{Username: "ann", UserID: 1, ReleasedAt: t0},
			when: func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ClaimUsername(l, ann, 2, now, false) },
			want: []eventlog.Event{identity.UsernameClaimed{Username: "ann", UserID: 2, ClaimedAt: now}},
		},
		{
			name: "release own name",
			last: identity.UsernameClaimed{Username: "ann", UserID: 2, ClaimedAt: t0},
			when: func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ReleaseUsername(l, ann, 2, now), nil },
			want: []eventlog.Event{identity.UsernameReleased{Username: "ann", UserID: 2, ReleasedAt: now}},
		},
		{
			name: "releasing another's name is a no-op",
			last: identity.UsernameClaimed{Username: "ann", UserID: 1, ClaimedAt: t0},
			when: func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ReleaseUsername(l, ann, 2, now), nil },
		},
		{
			name: "claim an e-mail by digest",
			when: func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ClaimEmail(l, mail, 2, now, false) },
			want: []eventlog.Event{identity.EmailClaimed{EmailDigest: identity.EmailDigest("ann@EXAMPLE.com"), UserID: 2, ClaimedAt: now}},
		},
		{
			name:    "e-mail held by another",
			last:    identity.EmailClaimed{EmailDigest: mail.Digest(), UserID: 1, ClaimedAt: t0},
			when:    func(l eventlog.Event) ([]eventlog.Event, error) { return identity.ClaimEmail(l, mail, 2, now, false) },
			wantErr: identity.ErrEmailTaken,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.when(tc.last)
			then(t, got, err, tc.want, tc.wantErr)
		})
	}
	c := identity.ClaimFromLast(identity.UsernameClaimed{UserID: 1, ClaimedAt: t0})
	if c.Abandoned(true, now, time.Minute) || c.Abandoned(false, t0.Add(time.Second), time.Minute) || !c.Abandoned(false, now, time.Minute) {
		t.Error("Abandoned rules")
	}
	if identity.UsernameClaimStream(ann) != "username-ann" || !strings.HasPrefix(identity.EmailClaimStream(mail), "useremail-") ||
		strings.Contains(identity.EmailClaimStream(mail), "example") {
		t.Errorf("claim streams: %s %s", identity.UsernameClaimStream(ann), identity.EmailClaimStream(mail))
	}
}

func TestTouchAPIToken(t *testing.T) {
	t.Parallel()
	tok := identity.APIToken{ID: "tok", UserID: 2, IssuedAt: t0}
	used := func(at time.Time) *identity.APITokenUsed {
		return &identity.APITokenUsed{TokenID: "tok", UserID: 2, UsedAt: at}
	}
	tests := []struct {
		name    string
		last    *identity.APITokenUsed
		now     time.Time
		want    []eventlog.Event
		wantErr error
	}{
		{name: "within the first minute: nothing", now: t0.Add(30 * time.Second)},
		{name: "after a minute: recorded", now: t0.Add(2 * time.Minute),
			want: []eventlog.Event{identity.APITokenUsed{TokenID: "tok", UserID: 2, UsedAt: t0.Add(2 * time.Minute)}}},
		{name: "within a minute of the last use: nothing", last: used(t0.Add(2 * time.Hour)), now: t0.Add(2*time.Hour + 59*time.Second)},
		{name: "slid: alive 4 h after issue", last: used(t0.Add(2 * time.Hour)), now: t0.Add(4 * time.Hour),
			want: []eventlog.Event{identity.APITokenUsed{TokenID: "tok", UserID: 2, UsedAt: t0.Add(4 * time.Hour)}}},
		{name: "3 h of disuse: expired", last: used(t0.Add(2 * time.Hour)), now: t0.Add(5 * time.Hour), wantErr: identity.ErrTokenExpired},
		{name: "never used, 3 h after issue: expired", now: t0.Add(3 * time.Hour), wantErr: identity.ErrTokenExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := identity.TouchAPIToken(tc.last, tok, tc.now, identity.DefaultTokenTTL, identity.DefaultTokenTouchInterval)
			then(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 151)
	for _, tc := range []struct {
		username string
		ok       bool
	}{
		{"ann", true}, {"张三", true}, {"a.b+c-d_e@f", true}, {"  ann ", true},
		{"", false}, {"   ", false}, {"a b", false}, {"a/b", false}, {long, false}, {strings.Repeat("张", 150), true},
	} {
		_, err := identity.NewUsername(tc.username)
		if (err == nil) != tc.ok {
			t.Errorf("NewUsername(%q) = %v, want ok %v", tc.username, err, tc.ok)
		}
		if err != nil {
			if f, ok := fault.As(err); !ok || f.Field != "username" || f.Kind != fault.Invalid {
				t.Errorf("NewUsername(%q): %#v is not an invalid-username fault", tc.username, err)
			}
		}
	}
	for _, tc := range []struct {
		email string
		ok    bool
	}{
		{"a@b.co", true}, {"", true}, {"root@localhost", true}, {"A.B+tag@Sub.Example.COM", true},
		{"a", false}, {"a@", false}, {"@b.c", false}, {"a@b", false}, {"a@@b.c", false}, {"a b@c.d", false}, {"a@b..c", false},
		{strings.Repeat("a", 250) + "@b.co", false},
	} {
		_, err := identity.NewEmail(tc.email)
		if (err == nil) != tc.ok {
			t.Errorf("NewEmail(%q) = %v, want ok %v", tc.email, err, tc.ok)
		}
		if f, ok := fault.As(err); err != nil && (!ok || f.Field != "email") {
			t.Errorf("NewEmail(%q): %v does not name the field", tc.email, err)
		}
	}
	ann := mustUsername(t, "annabelle")
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"correct horse", true}, {"短密码但是足够长了吗", true}, {"", false}, {"short1", false}, {"12345678901", false},
		{"AnnaBelle", false}, {strings.Repeat("x", 1025), false},
	} {
		err := identity.ValidatePassword(tc.pw, ann)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok %v", tc.pw, err, tc.ok)
		}
		if f, ok := fault.As(err); err != nil && (!ok || f.Field != "password") {
			t.Errorf("ValidatePassword(%q): %v does not name the field", tc.pw, err)
		}
	}
	if identity.HashTokenKey("k") == "k" || len(identity.HashTokenKey("k")) != 64 {
		t.Error("HashTokenKey")
	}
	if id, ok := identity.ParseUserID("42"); !ok || id != 42 {
		t.Error("ParseUserID(42)")
	}
	for _, s := range []string{"", "0", "-1", "x", "1.5"} {
		if _, ok := identity.ParseUserID(s); ok {
			t.Errorf("ParseUserID(%q) ok", s)
		}
	}
}

var wireName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+_v[1-9][0-9]*$`)

// TestEvents checks that every event has a unique versioned wire name, that
// its payload survives a JSON round trip and that its tags are snake_case.
func TestEvents(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, e := range identity.Events() {
		name := e.EventType()
		if seen[name] || !wireName.MatchString(name) {
			t.Errorf("wire name %q duplicated or unversioned", name)
		}
		seen[name] = true
		typ := reflect.TypeOf(e)
		if typ.Kind() != reflect.Struct {
			t.Errorf("%s prototype is %v, want a struct value", name, typ.Kind())
		}
		for i := 0; i < typ.NumField(); i++ {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag == "" || tag != strings.ToLower(tag) || strings.ContainsAny(tag, "- ") {
				t.Errorf("%s.%s has json tag %q, want explicit snake_case", name, typ.Field(i).Name, tag)
			}
		}
		v := reflect.New(typ)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v.Interface()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
