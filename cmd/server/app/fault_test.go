package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/transport/pgtest"
)

// serveEnv makes the test binary a server process (TestMain): the fault
// test runs two of them, and kills one.
const serveEnv = "FAULTTEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serve())
	}
	os.Exit(m.Run())
}

// serve runs the server of the environment's configuration until SIGTERM.
func serve() int {
	cfg, err := app.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// The faults make the engine log every terminated connection: quiet
	// unless FAULTTEST_LOG=1.
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("FAULTTEST_LOG") == "1" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.Start(ctx, cfg, app.Options{CheapPasswordHashing: true}, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer a.Close()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// process is one server process of the fault test.
type process struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited (cmd.ProcessState set)
}

// state says whether the process still runs, or how it ended.
func (p *process) state() string {
	select {
	case <-p.exited:
		return "exited: " + p.cmd.ProcessState.String()
	default:
		return "running"
	}
}

func startProcess(t *testing.T, dsn, dataDir string, env ...string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"=1", "DATABASE_URL="+dsn, "HTTP_ADDR="+addr, "DATA_DIR="+dataDir,
		"SECRET_KEY=fault-test-secret-key-0123456789", "ADMIN_PASSWORD=admin-password-1", "CONSISTENCY_WAIT=5s",
		"DB_POOL_MAX_CONNS=8", "DB_ENGINE_MAX_CONNS=4", "LOGIN_LIMIT_PER_ACCOUNT=0", "LOGIN_LIMIT_PER_IP=0",
		"ROAMIO_ANON_REQUESTS_PER_HOUR=0", "ROAMIO_USER_REQUESTS_PER_HOUR=0",
		"RATE_LIMIT_NAMESPACE=faulttest:"+addr+":")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{url: "http://" + addr, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if st := p.state(); st != "running" {
			t.Fatalf("server process on %s %s before it served", addr, st)
		}
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server process on %s did not start", addr)
	return nil
}

// TestFaultsAcrossTwoProcesses: two server processes share a database while
// clients register, log in and read; meanwhile every PostgreSQL connection
// of the database is terminated again and again, and one process is killed
// (SIGKILL) and started again. A valid request is never answered 401 or
// 500 (503 with Retry-After is allowed, and a killed process drops its
// connections), and every registration that was acknowledged can log in
// afterwards, on either process.
func TestFaultsAcrossTwoProcesses(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	dataDir := t.TempDir()
	procs := []*process{startProcess(t, dsn, dataDir), startProcess(t, dsn, dataDir)}
	var procMu sync.Mutex
	proc := func(i int) *process {
		procMu.Lock()
		defer procMu.Unlock()
		return procs[i%len(procs)]
	}
	dbName := dsn[strings.LastIndex(dsn, "/")+1:]
	dbName, _, _ = strings.Cut(dbName, "?")

	var (
		bad      atomic.Int64 // 401 or 500 to a valid request
		served   atomic.Int64
		retried  atomic.Int64 // 503 or a dropped connection
		mu       sync.Mutex
		accepted = map[string]string{} // username → the position of its registration
		badSeen  []string
	)
	client := &http.Client{Timeout: 30 * time.Second}
	send := func(p *process, method, path, auth string, body any, minPos string) (int, http.Header, []byte, error) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, p.url+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if minPos != "" {
			req.Header.Set("X-Min-Position", minPos)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b, nil
	}
	judge := func(what string, status int, b []byte, err error) bool {
		switch {
		case err != nil || status == http.StatusServiceUnavailable:
			retried.Add(1)
			return false
		case status == http.StatusUnauthorized || status >= 500:
			bad.Add(1)
			mu.Lock()
			badSeen = append(badSeen, fmt.Sprintf("%s: %d %.200s", what, status, b))
			mu.Unlock()
			return false
		}
		served.Add(1)
		return true
	}

	ctx, stop := context.WithTimeout(context.Background(), 12*time.Second)
	defer stop()
	var wg sync.WaitGroup
	// Clients.
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				p := proc(w + i)
				user := fmt.Sprintf("fault%d_%d_%d", w, i, time.Now().UnixNano()%1e6)
				pw := "pw-Fault-Test-1"
				status, h, b, err := send(p, "POST", "/api/v1/auth/register/", "", map[string]string{
					"username": user, "email": user + "@example.com", "password": pw, "password_confirm": pw}, "")
				if status == http.StatusBadRequest {
					continue // a retried registration that had landed: the name is taken
				}
				if !judge("register", status, b, err) {
					continue
				}
				pos := h.Get("X-Event-Position")
				mu.Lock()
				accepted[user] = pos
				mu.Unlock()
				q := proc(w + i + 1)
				status, _, b, err = send(q, "POST", "/api/v1/auth/login/", "", map[string]string{"username": user, "password": pw}, pos)
				if !judge("login "+user, status, b, err) {
					continue
				}
				var tok struct{ Access string }
				_ = json.Unmarshal(b, &tok)
				status, _, b, err = send(p, "GET", "/api/v1/auth/me/", "Bearer "+tok.Access, nil, "")
				judge("me "+user, status, b, err)
				status, _, b, err = send(q, "POST", "/auth/get-token/", "", map[string]string{"username": user, "password": pw}, pos)
				judge("get-token "+user, status, b, err)
			}
		}()
	}
	// Faults: terminate every connection of the database, again and again.
	admin, err := pgx.Connect(context.Background(), pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	terminations := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Closed here, not by the test: a t.Fatal below must not close the
		// connection while this goroutine queries it.
		defer admin.Close(context.Background())
		for ctx.Err() == nil {
			time.Sleep(700 * time.Millisecond)
			var n int
			if err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName).Scan(&n); err == nil {
				terminations += n
			}
		}
	}()
	// And kill a process outright, then start it again.
	time.Sleep(4 * time.Second)
	_ = procs[0].cmd.Process.Kill()
	<-procs[0].exited
	restarted := startProcess(t, dsn, dataDir)
	procMu.Lock()
	procs[0] = restarted
	procMu.Unlock()
	wg.Wait()

	t.Logf("%d answered, %d retried (503 or a dropped connection), %d connections terminated, %d registrations acknowledged",
		served.Load(), retried.Load(), terminations, len(accepted))
	for _, s := range badSeen {
		t.Errorf("a valid request got %s", s)
	}
	if served.Load() == 0 || len(accepted) == 0 {
		t.Fatal("nothing was served")
	}
	// The faults must not end a process: only the kill does.
	for i, p := range procs {
		if st := p.state(); st != "running" {
			t.Errorf("process %d %s", i, st)
		}
	}
	// Every acknowledged registration logs in, on either process.
	for user, pos := range accepted {
		for i, p := range procs {
			var status int
			var b []byte
			for try := 0; try < 20; try++ {
				status, _, b, err = send(p, "POST", "/api/v1/auth/login/", "", map[string]string{"username": user, "password": "pw-Fault-Test-1"}, pos)
				if err == nil && status != http.StatusServiceUnavailable {
					break
				}
				time.Sleep(250 * time.Millisecond)
			}
			if status != http.StatusOK {
				t.Errorf("acknowledged %s: login on process %d (%s): %d %.200s (%v)", user, i, p.state(), status, b, err)
			}
		}
	}
}
