package identity_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/pgmigrate"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/projections/engine"
	identityproj "github.com/fiveapis/backend/projections/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/personaldata"
	"github.com/fiveapis/backend/transport/pgtest"
)

var t0 = time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC)

// setup creates the read model as the engine would expose it: here the
// tables themselves live in the schema "identity".
func setup(t *testing.T) (*pgxpool.Pool, *identityproj.Projector) {
	t.Helper()
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	p := identityproj.NewProjector()
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+p.Name()+"; SET search_path TO "+p.Name()+";"+p.Schema()); err != nil {
		t.Fatalf("schema: %v", err)
	}
	return pool, p
}

func apply(t *testing.T, pool *pgxpool.Pool, p *identityproj.Projector, stream string, events ...eventlog.Event) {
	t.Helper()
	ctx := context.Background()
	for i, e := range events {
		if !p.Filter().Match(stream, e.EventType()) {
			t.Fatalf("filter drops %s on %s", e.EventType(), stream)
		}
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+p.Name()); err != nil {
			t.Fatal(err)
		}
		env := eventlog.Envelope{Recorded: eventlog.RecordedEvent{StreamID: stream, Version: uint64(i), Type: e.EventType()}, Event: e}
		if err := p.Apply(ctx, tx, env); err != nil {
			t.Fatalf("apply %s: %v", e.EventType(), err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProjectorAndReader(t *testing.T) {
	t.Parallel()
	pool, p := setup(t)
	ctx := context.Background()
	if p.Name() != "identity" || p.Version() < 1 {
		t.Fatalf("name %q version %d", p.Name(), p.Version())
	}
	hash := strings.Repeat("ab", 32)
	user := []eventlog.Event{
		// A v1 registration as the codec upcasts it: the address in clear.
		identity.UserRegistered{UserID: 7, Username: "Ann", LegacyEmail: "Ann@Example.com", EmailDigest: identity.EmailDigest("Ann@Example.com"),
			PasswordHash: "$argon2id$x", RegisteredAt: t0},
		identity.UserLoggedIn{UserID: 7, Method: "password", LoggedInAt: t0.Add(time.Hour)},
		identity.UserLoggedIn{UserID: 7, Method: "password", LoggedInAt: t0.Add(30 * time.Minute)}, // out of order: ignored
		identity.AdminGranted{UserID: 7, GrantedAt: t0},
		identity.APITokenIssued{UserID: 7, TokenID: "tok1", KeyHash: hash, IssuedAt: t0},
	}
	apply(t, pool, p, "user-7", user...)
	// Replaying is harmless.
	apply(t, pool, p, "user-7", user...)
	apply(t, pool, p, "apitoken-tok1", identity.APITokenUsed{TokenID: "tok1", UserID: 7, UsedAt: t0.Add(2 * time.Hour)})
	apply(t, pool, p, "user-9", identity.UserRegistered{UserID: 9, Username: "oauth", RegisteredAt: t0})

	r := identityproj.NewReader(pool)
	want := identityq.User{ID: 7, Username: "Ann", Email: "Ann@Example.com", HasPassword: true, IsAdmin: true, IsActive: true,
		DateJoined: t0, LastLogin: t0.Add(time.Hour)}
	for name, get := range map[string]func() (identityq.User, error){
		"by id":       func() (identityq.User, error) { return r.UserByID(ctx, 7) },
		"by username": func() (identityq.User, error) { return r.UserByUsername(ctx, "aNN") },
		"by email":    func() (identityq.User, error) { return r.UserByEmail(ctx, "ann@example.COM") },
		"me":          func() (identityq.User, error) { return identityq.New(r).Me(ctx, identityq.Me{UserID: "7"}) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	q := identityq.New(r)
	for name, err := range map[string]error{
		"unknown id":       func() error { _, err := q.UserByID(ctx, identityq.UserByID{ID: 8}); return err }(),
		"unknown username": func() error { _, err := q.UserByUsername(ctx, identityq.UserByUsername{Username: "bob"}); return err }(),
		"empty email":      func() error { _, err := q.UserByEmail(ctx, identityq.UserByEmail{Email: ""}); return err }(),
		"user without email": func() error {
			_, err := r.UserByEmail(ctx, "")
			return err
		}(),
		"bad me id": func() error { _, err := q.Me(ctx, identityq.Me{UserID: "x"}); return err }(),
		"unknown token": func() error {
			_, err := q.APITokenByHash(ctx, identityq.APITokenByHash{KeyHash: strings.Repeat("0", 64)})
			return err
		}(),
	} {
		if !errors.Is(err, identityq.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}

	tok, err := q.APITokenByHash(ctx, identityq.APITokenByHash{KeyHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenID != "tok1" || tok.UserID != 7 || tok.Revoked || !tok.LastUsed.Equal(t0.Add(2*time.Hour)) ||
		!tok.LastUse().Equal(t0.Add(2*time.Hour)) || tok.User.Username != "Ann" || !tok.User.IsAdmin {
		t.Errorf("token %+v", tok)
	}
	apply(t, pool, p, "user-7",
		identity.AdminRevoked{UserID: 7, RevokedBy: 1, RevokedAt: t0},
		identity.APITokenRevoked{UserID: 7, TokenID: "tok1", Reason: identity.RevokeSuperseded, RevokedAt: t0.Add(3 * time.Hour)})
	tok, _ = q.APITokenByHash(ctx, identityq.APITokenByHash{KeyHash: hash})
	if !tok.Revoked || tok.User.IsAdmin {
		t.Errorf("after revocations: %+v", tok)
	}
	u9, err := r.UserByID(ctx, 9)
	if err != nil || u9.HasPassword || !u9.LastLogin.IsZero() || u9.Email != "" {
		t.Errorf("user without password: %+v %v", u9, err)
	}
}

var _ engine.Projector = (*identityproj.Projector)(nil)

// vaultPD is the real vault as the projector's PersonalData port.
type vaultPD struct{ v *personaldata.Vault }

func (p vaultPD) Open(ctx context.Context, subject, sealed string) (string, error) {
	return p.v.Open(ctx, subject, sealed)
}

func (vaultPD) Erased(err error) bool { return errors.Is(err, personaldata.ErrErased) }

func (p vaultPD) WasErased(ctx context.Context, subject string) (bool, error) {
	return p.v.WasErased(ctx, subject)
}

// TestSealedRegistrationAddress projects UserRegistered_v2: the address is
// opened from the vault; once the user is erased, a rebuild (a fresh read
// model from the same events) has no address and finds nobody by it. An
// erased v1 registration's clear address is not projected either.
func TestSealedRegistrationAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgmigrate.Up(ctx, pool, personaldata.Migrations()); err != nil {
		t.Fatal(err)
	}
	vault := personaldata.Open(pool)
	ref, err := vault.Seal(ctx, identity.UserDataSubject(3), "Zoe@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	reg := identity.UserRegistered{UserID: 3, Username: "zoe", EmailDigest: identity.EmailDigest("zoe@example.com"), EmailRef: ref, RegisteredAt: t0}
	// A v1 registration (upcast): its address was never sealed.
	old := identity.UserRegistered{UserID: 4, Username: "old", EmailDigest: identity.EmailDigest("old@example.com"), LegacyEmail: "old@example.com", RegisteredAt: t0}
	build := func() *identityproj.Reader {
		pool, p := setup(t)
		p.WithPersonalData(vaultPD{vault})
		apply(t, pool, p, "user-3", reg)
		apply(t, pool, p, "user-4", old)
		return identityproj.NewReader(pool)
	}
	r := build()
	if u, err := r.UserByEmail(ctx, "ZOE@example.com"); err != nil || u.ID != 3 || u.Email != "Zoe@Example.com" {
		t.Fatalf("by sealed address: %+v %v", u, err)
	}
	if u, err := r.UserByEmail(ctx, "old@example.com"); err != nil || u.ID != 4 {
		t.Fatalf("by v1 address: %+v %v", u, err)
	}
	for _, id := range []int64{3, 4} {
		if err := vault.Erase(ctx, identity.UserDataSubject(id)); err != nil {
			t.Fatal(err)
		}
	}
	r = build()
	if u, err := r.UserByID(ctx, 3); err != nil || u.Email != "" || u.Username != "zoe" {
		t.Errorf("after erasure: %+v %v", u, err)
	}
	for _, address := range []string{"zoe@example.com", "old@example.com"} {
		if _, err := r.UserByEmail(ctx, address); !errors.Is(err, identityq.ErrNotFound) {
			t.Errorf("erased address %s still finds the user: %v", address, err)
		}
	}
	if u, err := r.UserByID(ctx, 4); err != nil || u.Email != "" {
		t.Errorf("erased v1 user: %+v %v", u, err)
	}
}

// TestProfileVisitedCountries: ProfileUpdated replaces the whole profile,
// visited countries included; an event recorded before the field existed
// (no visited_countries) leaves none.
func TestProfileVisitedCountries(t *testing.T) {
	t.Parallel()
	pool, p := setup(t)
	ctx := context.Background()
	apply(t, pool, p, "user-3",
		identity.UserRegistered{UserID: 3, Username: "traveller", RegisteredAt: t0},
		identity.ProfileUpdated{UserID: 3, Bio: "bio", Tags: "摄影", VisitedCountries: "中国,日本", UpdatedBy: 3, UpdatedAt: t0})
	r := identityproj.NewReader(pool)
	u, err := r.UserByID(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"bio", "摄影", "中国,日本"}, []string{u.Bio, u.Tags, u.VisitedCountries}); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	apply(t, pool, p, "user-3", identity.ProfileUpdated{UserID: 3, Bio: "older shape", UpdatedBy: 3, UpdatedAt: t0})
	if u, _ = r.UserByID(ctx, 3); u.VisitedCountries != "" || u.Bio != "older shape" {
		t.Errorf("after an event without visited countries: %+v", u)
	}
}
