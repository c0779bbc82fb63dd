package identity_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/identity"
)

// md5Hex is what 004's Android client sends for a password.
func md5Hex(password string) string {
	sum := md5.Sum([]byte(password))
	return hex.EncodeToString(sum[:])
}

// storedHash is the user's current password hash, from their stream.
func (e *env) storedHash(t *testing.T, id int64) string {
	t.Helper()
	history, _, err := e.store.Load(context.Background(), identity.UserStream(id))
	if err != nil {
		t.Fatal(err)
	}
	hash := ""
	for _, env := range history {
		switch ev := env.Event.(type) {
		case identity.UserRegistered:
			hash = ev.PasswordHash
		case identity.PasswordChanged:
			hash = ev.PasswordHash
		}
	}
	return hash
}

// travelLogin logs in through 004's form (MD5HexForm).
func (e *env) travelLogin(name, password string) error {
	_, err := e.h.LoginAs(context.Background(), identitycmd.LoginAs{Meta: meta, Kind: "username", Identifier: name,
		Password: password, PasswordForm: identitycmd.MD5HexForm})
	return err
}

// plainLogin logs in as every other API does (the password itself).
func (e *env) plainLogin(name, password string) error {
	_, err := e.h.Login(context.Background(), identitycmd.Login{Meta: meta, Identifier: name, Password: password})
	return err
}

func TestPasswordsSentAsMD5(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const pw = "app-password-1"
	reg, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "appuser", Email: "appuser@example.com",
		Password: md5Hex(pw), PasswordForm: identitycmd.MD5HexForm})
	if err != nil {
		t.Fatal(err)
	}
	id := reg.User.ID

	t.Run("an account registered through 004 with a digest is stored in the md5 scheme", func(t *testing.T) {
		if h := e.storedHash(t, id); !strings.HasPrefix(h, "$argon2id-md5$v=19$") {
			t.Errorf("stored hash %q", h)
		}
	})
	t.Run("004 takes the digest, in either case", func(t *testing.T) {
		for _, given := range []string{md5Hex(pw), strings.ToUpper(md5Hex(pw))} {
			if err := e.travelLogin("appuser", given); err != nil {
				t.Errorf("login with %s: %v", given, err)
			}
		}
	})
	t.Run("004 takes the password itself too (its document's clients)", func(t *testing.T) {
		if err := e.travelLogin("appuser", pw); err != nil {
			t.Error(err)
		}
	})
	t.Run("another API takes the password itself", func(t *testing.T) {
		if err := e.plainLogin("appuser", pw); err != nil {
			t.Error(err)
		}
	})
	t.Run("another API does not take the digest as the password", func(t *testing.T) {
		if err := e.plainLogin("appuser", md5Hex(pw)); !errors.Is(err, identity.ErrBadCredentials) {
			t.Errorf("digest accepted by a plain login: %v", err)
		}
		_, err := e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: meta, Actor: access.Actor{UserID: id},
			OldPassword: md5Hex(pw), NewPassword: "whatever-new-1"})
		if !isOldPasswordFault(err) {
			t.Errorf("digest accepted as the old password by a plain change: %v", err)
		}
	})
	t.Run("a wrong digest is refused", func(t *testing.T) {
		if err := e.travelLogin("appuser", md5Hex("other")); !errors.Is(err, identity.ErrBadCredentials) {
			t.Errorf("wrong digest: %v", err)
		}
	})
	t.Run("a password changed through another API keeps the md5 scheme", func(t *testing.T) {
		if _, err := e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: meta, Actor: access.Actor{UserID: id},
			OldPassword: pw, NewPassword: "web-password-2"}); err != nil {
			t.Fatal(err)
		}
		if h := e.storedHash(t, id); !strings.HasPrefix(h, "$argon2id-md5$") {
			t.Errorf("stored hash %q", h)
		}
		if err := e.travelLogin("appuser", md5Hex("web-password-2")); err != nil {
			t.Errorf("the app after a change on the web: %v", err)
		}
		if err := e.plainLogin("appuser", "web-password-2"); err != nil {
			t.Error(err)
		}
	})
	t.Run("004 changes the password with digests", func(t *testing.T) {
		if _, err := e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: meta, Actor: access.Actor{UserID: id},
			OldPassword: md5Hex("web-password-2"), NewPassword: md5Hex("app-password-3"), PasswordForm: identitycmd.MD5HexForm}); err != nil {
			t.Fatal(err)
		}
		if err := e.plainLogin("appuser", "app-password-3"); err != nil {
			t.Error(err)
		}
	})
}

func isOldPasswordFault(err error) bool {
	return fieldsOf(err)["old_password"] != ""
}

func TestPlainAccountsThroughTheMD5Form(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.register(t, "webuser").User.ID // password "pass-webuser", plain scheme

	t.Run("a plain-scheme account is not reached with its digest", func(t *testing.T) {
		if err := e.travelLogin("webuser", md5Hex("pass-webuser")); !errors.Is(err, identity.ErrBadCredentials) {
			t.Errorf("digest against a plain hash: %v", err)
		}
	})
	t.Run("a plain-scheme account is reached through 004 with the password itself", func(t *testing.T) {
		if err := e.travelLogin("webuser", "pass-webuser"); err != nil {
			t.Error(err)
		}
	})
	t.Run("a password whose text has the shape of a digest still works literally", func(t *testing.T) {
		hexPassword := md5Hex("anything")
		if _, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "hexuser", Password: hexPassword}); err != nil {
			t.Fatal(err)
		}
		if err := e.travelLogin("hexuser", hexPassword); err != nil {
			t.Errorf("through 004: %v", err)
		}
		if err := e.plainLogin("hexuser", hexPassword); err != nil {
			t.Errorf("through another API: %v", err)
		}
	})
	t.Run("a password set through 004 moves the account to the md5 scheme", func(t *testing.T) {
		if _, err := e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: meta, Actor: access.Actor{UserID: id},
			OldPassword: "pass-webuser", NewPassword: md5Hex("moved-password-1"), PasswordForm: identitycmd.MD5HexForm}); err != nil {
			t.Fatal(err)
		}
		if h := e.storedHash(t, id); !strings.HasPrefix(h, "$argon2id-md5$") {
			t.Errorf("stored hash %q", h)
		}
		if err := e.travelLogin("webuser", md5Hex("moved-password-1")); err != nil {
			t.Error(err)
		}
		if err := e.plainLogin("webuser", "moved-password-1"); err != nil {
			t.Error(err)
		}
	})
	t.Run("a password given itself through 004 is stored in the md5 scheme and checked by the rules", func(t *testing.T) {
		if _, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "seeduser", Password: "short", PasswordForm: identitycmd.MD5HexForm}); fieldsOf(err)["password"] == "" {
			t.Errorf("short password given itself: %v", err)
		}
		reg, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "seeduser", Password: "seed-password-1", PasswordForm: identitycmd.MD5HexForm})
		if err != nil {
			t.Fatal(err)
		}
		if h := e.storedHash(t, reg.User.ID); !strings.HasPrefix(h, "$argon2id-md5$") {
			t.Errorf("stored hash %q", h)
		}
		if err := e.travelLogin("seeduser", md5Hex("seed-password-1")); err != nil {
			t.Error(err)
		}
	})
}

func TestRehashKeepsTheMD5Scheme(t *testing.T) {
	t.Parallel()
	store := newTestStore(t)
	clock := handlingtest.NewClock(time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC))
	runner := handling.NewRunner(store, handling.Config{})
	weak, _ := identitycmd.New(runner, clock, identitycmd.Config{JWTSecret: []byte(secret), Argon2: identitycmd.TestArgon2})
	ctx := context.Background()
	if _, err := weak.Register(ctx, identitycmd.Register{Meta: meta, Username: "ann", Password: md5Hex("long enough"), PasswordForm: identitycmd.MD5HexForm}); err != nil {
		t.Fatal(err)
	}
	stronger := identitycmd.TestArgon2
	stronger.Iterations = 2
	h, _ := identitycmd.New(runner, clock, identitycmd.Config{JWTSecret: []byte(secret), Argon2: stronger})
	if _, err := h.Login(ctx, identitycmd.Login{Meta: meta, Identifier: "ann", Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
	e := &env{store: store, h: h}
	if got := e.storedHash(t, 1); !strings.HasPrefix(got, "$argon2id-md5$v=19$m=256,t=2,") {
		t.Fatalf("rehashed %q", got)
	}
	if err := e.travelLogin("ann", md5Hex("long enough")); err != nil {
		t.Errorf("digest after the rehash: %v", err)
	}
}
