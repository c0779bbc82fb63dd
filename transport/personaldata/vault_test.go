package personaldata_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fiveapis/backend/transport/pgmigrate"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/transport/personaldata"
	"github.com/fiveapis/backend/transport/pgtest"
)

func TestSealOpenErase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pgmigrate.Up(ctx, pool, personaldata.Migrations()); err != nil {
		t.Fatal(err)
	}
	v := personaldata.Open(pool)
	a, err := v.Seal(ctx, "user:1", "ann@example.com")
	if err != nil || strings.Contains(a, "ann") {
		t.Fatalf("seal: %q %v", a, err)
	}
	b, _ := v.Seal(ctx, "user:2", "bob@example.com")
	if got, err := v.Open(ctx, "user:1", a); err != nil || got != "ann@example.com" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := v.Open(ctx, "user:2", a); err == nil {
		t.Error("opened with another subject's key")
	}
	// Change one character in the middle: base64 decoding ignores the
	// unused low bits of the last character, so changing the end may leave
	// the bytes as they were.
	tampered := []byte(a)
	if i := len(tampered) / 2; tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	if _, err := v.Open(ctx, "user:1", string(tampered)); err == nil {
		t.Error("tampered value opened")
	}
	if err := v.Erase(ctx, "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(ctx, "user:1", a); !errors.Is(err, personaldata.ErrErased) {
		t.Errorf("after erase: %v", err)
	}
	if got, err := v.Open(ctx, "user:2", b); err != nil || got != "bob@example.com" {
		t.Errorf("other subject after erase: %q %v", got, err)
	}
	for subject, want := range map[string]bool{"user:1": true, "user:2": false, "user:3": false} {
		if got, err := v.WasErased(ctx, subject); err != nil || got != want {
			t.Errorf("WasErased(%s) = %v %v, want %v", subject, got, err, want)
		}
	}
}
