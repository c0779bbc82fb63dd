package pgboot

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPrivateServer starts a private PostgreSQL from the installed binaries
// (as the zero-configuration start does when 127.0.0.1:5432 does not answer),
// creates a database on it, restarts it on the same data, and stops it.
func TestPrivateServer(t *testing.T) {
	bin, err := binDir()
	if err != nil {
		t.Skipf("no PostgreSQL server binaries on this machine: %v", err)
	}
	// The server runs as the "postgres" user when the test runs as root, so
	// its data directory must be reachable by that user: not t.TempDir (0700).
	root, err := os.MkdirTemp("", "pgboot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(root, "var")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	logger := slog.New(slog.DiscardHandler)

	for round := range 2 {
		srv, err := startPrivate(ctx, bin, dataDir, logger)
		if err != nil {
			t.Fatalf("round %d: start: %v", round, err)
		}
		url, err := EnsureDatabase(ctx, srv.AdminURL, "backend")
		if err != nil {
			srv.Stop()
			t.Fatalf("round %d: ensure database: %v", round, err)
		}
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			srv.Stop()
			t.Fatalf("round %d: connect %s: %v", round, url, err)
		}
		var db string
		err = conn.QueryRow(ctx, "SELECT current_database()").Scan(&db)
		conn.Close(ctx)
		if err != nil || db != "backend" {
			srv.Stop()
			t.Fatalf("round %d: current_database = %q, %v", round, db, err)
		}
		if err := srv.Stop(); err != nil {
			t.Fatalf("round %d: stop: %v", round, err)
		}
		if ping(ctx, srv.AdminURL) == nil {
			t.Fatalf("round %d: server still answers after Stop", round)
		}
	}
}
