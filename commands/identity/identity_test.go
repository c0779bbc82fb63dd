package identity_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling/handlingtest"

	"github.com/fiveapis/backend/transport/pgmigrate"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/commands/handling"
	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/personaldata"
)

const secret = "0123456789abcdef0123456789abcdef-test-secret"

type env struct {
	store *testStore
	clock *handlingtest.Clock
	h     *identitycmd.Handlers
	vault *personaldata.Vault
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store := newTestStore(t)
	clock := handlingtest.NewClock(time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC))
	h, err := identitycmd.New(handling.NewRunner(store, handling.Config{}), clock,
		identitycmd.Config{JWTSecret: []byte(secret), Argon2: identitycmd.TestArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if err := pgmigrate.Up(context.Background(), store.pool, personaldata.Migrations()); err != nil {
		t.Fatal(err)
	}
	vault := personaldata.Open(store.pool)
	h.SetPersonalData(vault)
	return &env{store: store, clock: clock, h: h, vault: vault}
}

var meta = eventlog.Metadata{CorrelationID: "test"}

func (e *env) register(t *testing.T, name string) identitycmd.Registered {
	t.Helper()
	r, err := e.h.Register(context.Background(), identitycmd.Register{Meta: meta, Username: name, Email: name + "@example.com", Password: "pass-" + name})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	return r
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if f, ok := fault.As(err); ok {
			out[f.Field] = f.Code
		}
	}
	walk(err)
	return out
}

func TestConfig(t *testing.T) {
	t.Parallel()
	if _, err := identitycmd.New(handling.NewRunner(newTestStore(t), handling.Config{}), handlingtest.NewClock(time.Time{}), identitycmd.Config{JWTSecret: []byte("short")}); err == nil {
		t.Error("short JWT secret accepted")
	}
	c := identitycmd.Config{}.WithDefaults()
	if c.AccessTokenTTL != 5*time.Minute || c.RefreshTokenTTL != 15*24*time.Hour || c.APITokenTTL != 3*time.Hour || c.APITokenTouchInterval != time.Minute {
		t.Errorf("defaults: %+v", c)
	}
}

func TestRegisterAndLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	r := e.register(t, "Ann")
	if r.User.ID != 1 || r.User.Username != "Ann" || r.User.Email != "Ann@example.com" || r.User.IsAdmin || r.Position.IsStart() {
		t.Fatalf("registered %+v", r)
	}
	if got := e.store.types("user-1"); !cmp.Equal(got, []string{identity.EventUserRegistered}) {
		t.Errorf("user stream %v", got)
	}
	if got := e.store.types("username-ann"); !cmp.Equal(got, []string{identity.EventUsernameClaimed}) {
		t.Errorf("username claim %v", got)
	}
	if got := e.store.types(identity.EmailClaimStream(mustEmail(t, "ann@EXAMPLE.com"))); !cmp.Equal(got, []string{identity.EventEmailClaimed}) {
		t.Errorf("e-mail claim %v", got)
	}
	// The password hash is argon2id PHC, never the password.
	evs, _, _ := e.store.Load(ctx, "user-1")
	reg := evs[0].Event.(identity.UserRegistered)
	if !strings.HasPrefix(reg.PasswordHash, "$argon2id$v=19$m=256,t=1,p=1$") || strings.Contains(string(evs[0].Recorded.Data), "pass-Ann") {
		t.Errorf("stored hash %q", reg.PasswordHash)
	}
	// The address is sealed for the user (UserRegistered_v2), never in
	// clear in the log.
	if strings.Contains(strings.ToLower(string(evs[0].Recorded.Data)), "ann@example.com") || reg.LegacyEmail != "" ||
		reg.EmailDigest != identity.EmailDigest("ann@example.com") {
		t.Errorf("registration payload %s", evs[0].Recorded.Data)
	}
	if got, err := e.vault.Open(ctx, identity.UserDataSubject(1), reg.EmailRef); err != nil || got != "Ann@example.com" {
		t.Errorf("sealed address opens to %q, %v", got, err)
	}

	e.clock.Advance(time.Minute)
	for _, id := range []string{"Ann", "ann", "ANN@example.com", "ann@example.com"} {
		li, err := e.h.Login(ctx, identitycmd.Login{Meta: meta, Identifier: id, Password: "pass-Ann"})
		if err != nil {
			t.Fatalf("login as %q: %v", id, err)
		}
		if li.User.ID != 1 || !li.User.LastLogin.Equal(e.clock.Now()) || li.Position.IsStart() {
			t.Errorf("login as %q: %+v", id, li)
		}
	}
	for _, tc := range []struct{ id, pw string }{{"Ann", "wrong-password"}, {"nobody", "pass-Ann"}, {"", "pass-Ann"}, {"x@y.zz", "pass-Ann"}} {
		_, err := e.h.Login(ctx, identitycmd.Login{Meta: meta, Identifier: tc.id, Password: tc.pw})
		if !errors.Is(err, identity.ErrBadCredentials) {
			t.Errorf("login %q/%q: %v, want bad credentials", tc.id, tc.pw, err)
		}
	}
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "a b", Email: "nope", Password: "123"})
	if diff := cmp.Diff(map[string]string{"username": "INVALID_INPUT", "email": "INVALID_INPUT", "password": "INVALID_INPUT"}, fieldsOf(err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	_, err = e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "ann", Password: "long enough", RequireEmail: true})
	if diff := cmp.Diff(map[string]string{"email": "INVALID_INPUT"}, fieldsOf(err)); diff != "" {
		t.Errorf("required e-mail (-want +got):\n%s", diff)
	}
	if _, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "ann", Password: "long enough"}); err != nil {
		t.Errorf("optional e-mail: %v", err)
	}
	e.register(t, "bob")
	_, err = e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "BOB", Email: "BOB@example.com", Password: "long enough"})
	if diff := cmp.Diff(map[string]string{"username": "USERNAME_TAKEN", "email": "EMAIL_TAKEN"}, fieldsOf(err)); diff != "" {
		t.Errorf("taken (-want +got):\n%s", diff)
	}
	if fault.KindOf(err) != fault.Conflict {
		t.Errorf("kind %v", fault.KindOf(err))
	}
	_, err = e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "carl", Email: "bob@EXAMPLE.com", Password: "long enough"})
	if !errors.Is(err, identity.ErrEmailTaken) {
		t.Errorf("taken e-mail: %v", err)
	}
	// The failed registrations took no id and left no claim behind.
	r := e.register(t, "dora")
	if r.User.ID != 3 {
		t.Errorf("next id %d, want 3", r.User.ID)
	}
}

func TestConcurrentRegistrationOfOneName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var wins, taken atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.h.Register(context.Background(), identitycmd.Register{Meta: meta,
				Username: []string{"Racer", "RACER", "racer"}[i%3], Email: fmt.Sprintf("r%d@example.com", i), Password: "long enough"})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, identity.ErrUsernameTaken):
				taken.Add(1)
			default:
				t.Errorf("register: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || taken.Load() != 49 {
		t.Fatalf("wins %d taken %d, want 1 and 49", wins.Load(), taken.Load())
	}
	if got := e.store.types("username-racer"); len(got) != 1 {
		t.Errorf("claim stream %v", got)
	}
}

func TestAbandonedClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// A registration that died after claiming the name for id 99.
	if _, err := e.store.Append(ctx, "username-ghost", eventlog.NoStream(),
		[]eventlog.Event{identity.UsernameClaimed{Username: "ghost", UserID: 99, ClaimedAt: e.clock.Now()}}, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "ghost", Password: "long enough"}); !errors.Is(err, identity.ErrUsernameTaken) {
		t.Fatalf("fresh claim: %v", err)
	}
	e.clock.Advance(2 * time.Minute)
	if _, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "ghost", Password: "long enough"}); err != nil {
		t.Fatalf("abandoned claim: %v", err)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	r := e.register(t, "ann")
	pair, err := e.h.IssueTokens(ctx, identitycmd.IssueTokens{UserID: r.User.ID})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.h.Tokens()
	c, err := tok.ParseAccess(pair.Access, e.clock.Now())
	if err != nil || c.UserID != r.User.ID || c.TokenType != "access" || c.JTI == "" {
		t.Fatalf("access claims %+v %v", c, err)
	}
	// A verified token is remembered: the same claims again, and expired
	// all the same once its exp has passed (below).
	if again, err := tok.ParseAccess(pair.Access, e.clock.Now()); err != nil || again != c {
		t.Fatalf("access claims again %+v %v, want %+v", again, err, c)
	}
	if _, err := tok.ParseAccess(pair.Refresh, e.clock.Now()); !errors.Is(err, identity.ErrTokenInvalid) {
		t.Errorf("refresh accepted as access: %v", err)
	}
	if _, err := tok.ParseAccess(pair.Access, e.clock.Now().Add(5*time.Minute)); !errors.Is(err, identity.ErrTokenExpired) {
		t.Errorf("access after 5 min: %v", err)
	}
	other := identitycmd.NewTokens([]byte("another secret of at least 32 bytes!!"), time.Minute, time.Hour)
	forged, _ := other.IssuePair(r.User.ID, e.clock.Now())
	if _, err := tok.ParseAccess(forged.Access, e.clock.Now()); !errors.Is(err, identity.ErrTokenInvalid) {
		t.Errorf("forged token: %v", err)
	}
	for _, bad := range []string{"", "x", "a.b.c", pair.Access + "x"} {
		if _, err := tok.ParseAccess(bad, e.clock.Now()); !errors.Is(err, identity.ErrTokenInvalid) {
			t.Errorf("ParseAccess(%q): %v", bad, err)
		}
	}

	e.clock.Advance(time.Hour)
	ref, err := e.h.RefreshToken(ctx, identitycmd.RefreshToken{Refresh: pair.Refresh})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := tok.ParseAccess(ref.Access, e.clock.Now()); err != nil || c.UserID != r.User.ID {
		t.Errorf("refreshed access %+v %v", c, err)
	}
	if _, err := e.h.RefreshToken(ctx, identitycmd.RefreshToken{Refresh: pair.Access}); !errors.Is(err, identity.ErrTokenInvalid) {
		t.Errorf("access used to refresh: %v", err)
	}
	pos, err := e.h.RevokeRefreshToken(ctx, identitycmd.RevokeRefreshToken{Meta: meta, Refresh: pair.Refresh})
	if err != nil || pos.Position.IsStart() {
		t.Fatalf("revoke: %v %v", pos, err)
	}
	if pos, err := e.h.RevokeRefreshToken(ctx, identitycmd.RevokeRefreshToken{Meta: meta, Refresh: pair.Refresh}); err != nil || !pos.Position.IsStart() {
		t.Errorf("revoke again: %v %v", pos, err)
	}
	if _, err := e.h.RefreshToken(ctx, identitycmd.RefreshToken{Refresh: pair.Refresh}); !errors.Is(err, identity.ErrTokenRevoked) || !errors.Is(err, identity.ErrTokenInvalid) {
		t.Errorf("revoked refresh: %v", err)
	}
	pair2, _ := e.h.IssueTokens(ctx, identitycmd.IssueTokens{UserID: r.User.ID})
	e.clock.Advance(15 * 24 * time.Hour)
	if _, err := e.h.RefreshToken(ctx, identitycmd.RefreshToken{Refresh: pair2.Refresh}); !errors.Is(err, identity.ErrTokenExpired) {
		t.Errorf("refresh after 15 days: %v", err)
	}
}

func TestGetAPIToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	r := e.register(t, "ann")
	get := func() identitycmd.APITokenGranted {
		t.Helper()
		g, err := e.h.GetAPIToken(ctx, identitycmd.GetAPIToken{Meta: meta, Username: "ann", Password: "pass-ann"})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g1 := get()
	if !g1.Issued || len(g1.Key) != 40 || g1.User.ID != r.User.ID {
		t.Fatalf("first token %+v", g1)
	}
	evs, _, _ := e.store.Load(ctx, "user-1")
	for _, ev := range evs {
		if strings.Contains(string(ev.Recorded.Data), g1.Key) {
			t.Fatalf("key stored in %s", ev.Recorded.Type)
		}
		if iss, ok := ev.Event.(identity.APITokenIssued); ok && iss.KeyHash != identity.HashTokenKey(g1.Key) {
			t.Errorf("key hash %s", iss.KeyHash)
		}
	}
	e.clock.Advance(2 * time.Hour)
	g2 := get()
	if g2.Issued || g2.Key != g1.Key {
		t.Fatalf("valid token not reused: %+v", g2)
	}
	// Reuse slid the expiry: 2 h later it is still valid.
	e.clock.Advance(2 * time.Hour)
	if g3 := get(); g3.Issued || g3.Key != g1.Key {
		t.Fatalf("slid token not reused: %+v", g3)
	}
	// 3 h of disuse: a new key, the old one revoked.
	e.clock.Advance(3 * time.Hour)
	g4 := get()
	if !g4.Issued || g4.Key == g1.Key {
		t.Fatalf("expired token reused: %+v", g4)
	}
	got := e.store.types("user-1")
	want := []string{identity.EventUserRegistered, identity.EventUserLoggedIn, identity.EventAPITokenIssued, identity.EventUserLoggedIn,
		identity.EventUserLoggedIn, identity.EventUserLoggedIn, identity.EventAPITokenRevoked, identity.EventAPITokenIssued}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("user stream (-want +got):\n%s", diff)
	}
	if _, err := e.h.GetAPIToken(ctx, identitycmd.GetAPIToken{Meta: meta, Username: "ann", Password: "nope"}); !errors.Is(err, identity.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestTouchAPIToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.register(t, "ann")
	g, err := e.h.GetAPIToken(ctx, identitycmd.GetAPIToken{Meta: meta, Username: "ann", Password: "pass-ann"})
	if err != nil {
		t.Fatal(err)
	}
	issued := e.clock.Now()
	touch := func() (identitycmd.Done, error) {
		return e.h.TouchAPIToken(ctx, identitycmd.TouchAPIToken{Meta: meta, TokenID: g.TokenID, UserID: g.User.ID, IssuedAt: issued})
	}
	e.clock.Advance(30 * time.Second)
	if pos, err := touch(); err != nil || !pos.Position.IsStart() {
		t.Errorf("touch within a minute: %v %v", pos, err)
	}
	for range 3 {
		e.clock.Advance(90 * time.Second)
		if pos, err := touch(); err != nil || pos.Position.IsStart() {
			t.Errorf("touch after 90 s: %v %v", pos, err)
		}
	}
	if n := len(e.store.types(identity.APITokenStream(g.TokenID))); n != 3 {
		t.Errorf("%d uses recorded, want 3", n)
	}
	e.clock.Advance(3 * time.Hour)
	if _, err := touch(); !errors.Is(err, identity.ErrTokenExpired) {
		t.Errorf("touch after 3 h: %v", err)
	}
}

func TestAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.h.BootstrapAdmin(ctx, identitycmd.BootstrapAdmin{Meta: meta, Username: "root", Password: "pw", Email: "root@example.com"})
	if err != nil || !res.Created || res.UserID != 1 || res.Position.IsStart() {
		t.Fatalf("bootstrap: %+v %v", res, err)
	}
	if got := e.store.types("user-1"); !cmp.Equal(got, []string{identity.EventUserRegistered, identity.EventAdminGranted}) {
		t.Errorf("admin stream %v", got)
	}
	again, err := e.h.BootstrapAdmin(ctx, identitycmd.BootstrapAdmin{Meta: meta, Username: "ROOT", Password: "another", Email: "root@example.com"})
	if err != nil || again.Created || again.Granted || again.UserID != 1 || !again.Position.IsStart() {
		t.Fatalf("bootstrap again: %+v %v", again, err)
	}
	ann := e.register(t, "ann").User.ID
	bob := e.register(t, "bob").User.ID

	if _, err := e.h.GrantAdmin(ctx, identitycmd.GrantAdmin{Meta: meta, Actor: access.Actor{UserID: bob}, UserID: ann}); !errors.Is(err, identity.ErrAdminRequired) {
		t.Errorf("non-admin grants: %v", err)
	}
	if _, err := e.h.GrantAdmin(ctx, identitycmd.GrantAdmin{Meta: meta, Actor: access.Actor{UserID: 77}, UserID: ann}); !errors.Is(err, identity.ErrAdminRequired) {
		t.Errorf("unknown actor grants: %v", err)
	}
	if _, err := e.h.GrantAdmin(ctx, identitycmd.GrantAdmin{Meta: meta, Actor: access.Actor{UserID: 1}, UserID: 77}); !errors.Is(err, identity.ErrUserNotFound) {
		t.Errorf("grant to unknown user: %v", err)
	}
	pos, err := e.h.GrantAdmin(ctx, identitycmd.GrantAdmin{Meta: meta, Actor: access.Actor{UserID: 1}, UserID: ann})
	if err != nil || pos.Position.IsStart() {
		t.Fatalf("grant: %v %v", pos, err)
	}
	evs, _, _ := e.store.Load(ctx, identity.UserStream(ann))
	if g, ok := evs[len(evs)-1].Event.(identity.AdminGranted); !ok || g.GrantedBy != 1 || evs[len(evs)-1].Meta.CorrelationID != "test" {
		t.Errorf("grant event %+v", evs[len(evs)-1])
	}
	// The new admin can grant, and revoke others but not themselves.
	if _, err := e.h.GrantAdmin(ctx, identitycmd.GrantAdmin{Meta: meta, Actor: access.Actor{UserID: ann}, UserID: bob}); err != nil {
		t.Errorf("new admin grants: %v", err)
	}
	if _, err := e.h.RevokeAdmin(ctx, identitycmd.RevokeAdmin{Meta: meta, Actor: access.Actor{UserID: ann}, UserID: ann}); !errors.Is(err, identity.ErrRevokeOwnAdmin) {
		t.Errorf("self revoke: %v", err)
	}
	if _, err := e.h.RevokeAdmin(ctx, identitycmd.RevokeAdmin{Meta: meta, Actor: access.Actor{UserID: ann}, UserID: bob}); err != nil {
		t.Errorf("revoke: %v", err)
	}
	if _, err := e.h.GrantAdmin(ctx, identitycmd.GrantAdmin{Meta: meta, Actor: access.Actor{UserID: bob}, UserID: bob}); !errors.Is(err, identity.ErrAdminRequired) {
		t.Errorf("revoked admin grants: %v", err)
	}
	// The bootstrap account can log in with its password.
	if _, err := e.h.Login(ctx, identitycmd.Login{Meta: meta, Identifier: "root", Password: "pw"}); err != nil {
		t.Errorf("admin login: %v", err)
	}
}

func TestBootstrapExistingAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.register(t, "boss")
	if _, err := e.h.BootstrapAdmin(ctx, identitycmd.BootstrapAdmin{Meta: meta, Username: "boss", Password: "not the password"}); !errors.Is(err, identitycmd.ErrBootstrapConflict) {
		t.Fatalf("someone else's account: %v", err)
	}
	res, err := e.h.BootstrapAdmin(ctx, identitycmd.BootstrapAdmin{Meta: meta, Username: "boss", Password: "pass-boss"})
	if err != nil || res.Created || !res.Granted {
		t.Fatalf("own account: %+v %v", res, err)
	}
	// An e-mail in use by another account does not block the bootstrap.
	e.register(t, "mail")
	res, err = e.h.BootstrapAdmin(ctx, identitycmd.BootstrapAdmin{Meta: meta, Username: "root", Password: "pw", Email: "mail@example.com"})
	if err != nil || !res.Created {
		t.Fatalf("e-mail taken: %+v %v", res, err)
	}
}

func TestConcurrentBootstrap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var wg sync.WaitGroup
	var created atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.h.BootstrapAdmin(context.Background(), identitycmd.BootstrapAdmin{Meta: meta, Username: "root", Password: "pw"})
			if err != nil {
				t.Errorf("bootstrap: %v", err)
			}
			if res.Created {
				created.Add(1)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Errorf("%d accounts created", created.Load())
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.register(t, "ann").User.ID
	_, err := e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: meta, Actor: access.Actor{UserID: id}, OldPassword: "wrong", NewPassword: "brand new pw"})
	if f, ok := fault.As(err); !ok || f.Field != "old_password" {
		t.Errorf("wrong old password: %v", err)
	}
	_, err = e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: meta, Actor: access.Actor{UserID: id}, OldPassword: "pass-ann", NewPassword: "short"})
	if f, ok := fault.As(err); !ok || f.Field != "new_password" {
		t.Errorf("short new password: %v", err)
	}
	if _, err := e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: meta, Actor: access.Actor{UserID: id}, OldPassword: "pass-ann", NewPassword: "brand new pw"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.Login(ctx, identitycmd.Login{Meta: meta, Identifier: "ann", Password: "pass-ann"}); !errors.Is(err, identity.ErrBadCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, err := e.h.Login(ctx, identitycmd.Login{Meta: meta, Identifier: "ann", Password: "brand new pw"}); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	p := identitycmd.NewPasswords(identitycmd.TestArgon2, 2)
	ctx := context.Background()
	h1, err := p.Hash(ctx, "secret")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := p.Hash(ctx, "secret")
	if h1 == h2 {
		t.Error("same salt twice")
	}
	if ok, _ := p.Verify(ctx, "secret", h1); !ok {
		t.Error("right password rejected")
	}
	if ok, _ := p.Verify(ctx, "Secret", h1); ok {
		t.Error("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=256,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if ok, err := p.Verify(ctx, "secret", bad); ok || err != nil {
			t.Errorf("Verify against %q: %v %v", bad, ok, err)
		}
	}
	// A hash made with other parameters still verifies, and asks for a rehash.
	strong := identitycmd.NewPasswords(identitycmd.Argon2Params{MemoryKiB: 512, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}, 1)
	h3, _ := strong.Hash(ctx, "secret")
	if ok, _ := p.Verify(ctx, "secret", h3); !ok || !p.NeedsRehash(h3) || p.NeedsRehash(h1) {
		t.Error("parameters from the PHC string")
	}
}

func mustEmail(t *testing.T, s string) identity.Email {
	t.Helper()
	e, err := identity.NewEmail(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLoginUpgradesOldHashes(t *testing.T) {
	t.Parallel()
	store := newTestStore(t)
	clock := handlingtest.NewClock(time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC))
	runner := handling.NewRunner(store, handling.Config{})
	weak, _ := identitycmd.New(runner, clock, identitycmd.Config{JWTSecret: []byte(secret), Argon2: identitycmd.TestArgon2})
	ctx := context.Background()
	if _, err := weak.Register(ctx, identitycmd.Register{Meta: meta, Username: "ann", Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
	stronger := identitycmd.TestArgon2
	stronger.Iterations = 2
	h, _ := identitycmd.New(runner, clock, identitycmd.Config{JWTSecret: []byte(secret), Argon2: stronger})
	for range 2 {
		if _, err := h.Login(ctx, identitycmd.Login{Meta: meta, Identifier: "ann", Password: "long enough"}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{identity.EventUserRegistered, identity.EventUserLoggedIn, identity.EventPasswordChanged, identity.EventUserLoggedIn}
	if diff := cmp.Diff(want, store.types("user-1")); diff != "" {
		t.Errorf("user stream (-want +got):\n%s", diff)
	}
}

func TestNumericUserIDClaim(t *testing.T) {
	t.Parallel()
	key := []byte(secret)
	now := time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"token_type": "access", "user_id": 42, "jti": "abc", "exp": now.Add(time.Minute).Unix(),
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := identitycmd.NewTokens(key, time.Minute, time.Hour).ParseAccess(tok, now)
	if err != nil || c.UserID != 42 {
		t.Fatalf("numeric user_id: %+v %v", c, err)
	}
}
