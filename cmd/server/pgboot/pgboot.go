// Package pgboot finds a PostgreSQL server for the zero-configuration start:
// the one on 127.0.0.1:5432 when it answers, otherwise a private server it
// starts from the installed binaries (data under the data directory, run as an
// unprivileged user when started as root) and stops on exit. With no binaries
// installed it installs Debian's postgresql when it can, or says exactly what
// to install.
package pgboot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the PostgreSQL the machine normally runs.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// privatePort is where a private server listens (loopback only).
const privatePort = 54329

// Server is a PostgreSQL to use; Stop stops it when pgboot started it.
type Server struct {
	// AdminURL points at the maintenance database "postgres".
	AdminURL string
	stop     func() error
}

// Stop stops a private server; it does nothing for an external one.
func (s *Server) Stop() error {
	if s.stop == nil {
		return nil
	}
	return s.stop()
}

// Find returns a usable server: 127.0.0.1:5432 if it answers, else a private
// one under dataDir.
func Find(ctx context.Context, dataDir string, logger *slog.Logger) (*Server, error) {
	if ping(ctx, DefaultURL) == nil {
		return &Server{AdminURL: DefaultURL}, nil
	}
	logger.Info("no PostgreSQL on 127.0.0.1:5432; starting a private server", "data_dir", dataDir)
	bin, err := binDir()
	if err != nil {
		if ierr := install(ctx, logger); ierr != nil {
			return nil, fmt.Errorf("%w; installing failed too (%v): install PostgreSQL with `apt-get install postgresql` (Debian/Ubuntu) or set DATABASE_URL", err, ierr)
		}
		if bin, err = binDir(); err != nil {
			return nil, err
		}
	}
	return startPrivate(ctx, bin, dataDir, logger)
}

// EnsureDatabase creates database name on the server when absent and returns
// its URL.
func EnsureDatabase(ctx context.Context, adminURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("connect %s: %w", adminURL, err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("look up database %s: %w", name, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			var again bool
			if conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&again); !again {
				return "", fmt.Errorf("create database %s: %w", name, err)
			}
		}
	}
	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", adminURL, err)
	}
	host := cfg.Host
	if filepath.IsAbs(host) {
		return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", cfg.User, name, host, cfg.Port), nil
	}
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", cfg.User, net.JoinHostPort(host, strconv.Itoa(int(cfg.Port))), name), nil
}

func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server binaries found (initdb, pg_ctl)")
}

func install(ctx context.Context, logger *slog.Logger) error {
	if os.Geteuid() != 0 {
		return errors.New("not root")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("no apt-get")
	}
	logger.Info("installing Debian's postgresql package")
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %v: %w: %s", args, err, tail(out))
		}
	}
	return nil
}

func startPrivate(ctx context.Context, bin, dataDir string, logger *slog.Logger) (*Server, error) {
	root, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	pgdata := filepath.Join(root, "pgdata")
	sock := filepath.Join(root, "pgsock")
	cred, owner, err := runAs()
	if err != nil {
		return nil, err
	}
	for _, d := range []string{root, sock} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	if owner != nil {
		for _, d := range []string{root, sock} {
			_ = os.Chown(d, owner.uid, owner.gid)
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %v: %w: %s", name, args, err, tail(out))
		}
		return nil
	}
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); err != nil {
		logger.Info("initialising private PostgreSQL", "pgdata", pgdata)
		if err := run("initdb", "-D", pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
			return nil, err
		}
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=on", privatePort, sock)
	if err := run("pg_ctl", "-D", pgdata, "-o", opts, "-l", filepath.Join(root, "postgres.log"), "-w", "-t", "60", "start"); err != nil {
		return nil, err
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", privatePort)
	if err := ping(ctx, url); err != nil {
		return nil, fmt.Errorf("private PostgreSQL started but does not answer: %w", err)
	}
	stop := func() error {
		cmd := exec.Command(filepath.Join(bin, "pg_ctl"), "-D", pgdata, "-m", "fast", "-w", "stop")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("stop private PostgreSQL: %w: %s", err, tail(out))
		}
		return nil
	}
	return &Server{AdminURL: url, stop: stop}, nil
}

type ids struct{ uid, gid int }

// runAs picks the user the private server runs as: the current one, or the
// "postgres" user (created by Debian's package) when running as root, since
// PostgreSQL refuses to run as root.
func runAs() (*syscall.Credential, *ids, error) {
	if os.Geteuid() != 0 {
		return nil, nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, nil, fmt.Errorf("running as root and there is no 'postgres' user to run PostgreSQL as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, &ids{uid, gid}, nil
}

func tail(b []byte) string {
	const n = 600
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
