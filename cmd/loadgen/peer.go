package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// peerRun is one run of the CRUD peer (crudpeer) of issue 19: the card use
// written the plain way, measured as (2) is.
type peerRun struct {
	Variant string // "tx" or "cte"
	Use     useRun
}

// peerVariants are the peer's two ways of writing a use: BEGIN … COMMIT and
// one statement with a data-modifying CTE.
func peerVariants() []string { return []string{"tx", "cte"} }

// peerUses starts the peer binary bin on dsn with the variant, seeds it
// with enough cards for d at a generous rate, runs clients card uses for d
// against it and stops it.
func peerUses(ctx context.Context, bin, dsn, dir, variant string, clients int, d time.Duration) (useRun, error) {
	addr, err := freeAddr()
	if err != nil {
		return useRun{}, err
	}
	secret := "bench-peer-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	cards := int64(d.Seconds()*20000) + 10000
	logPath := filepath.Join(dir, "crudpeer-"+variant+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return useRun{}, fmt.Errorf("peer log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "-dsn", dsn, "-addr", addr, "-secret", secret, "-variant", variant, "-seed", strconv.FormatInt(cards, 10))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return useRun{}, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	c := newClient("http://" + addr)
	deadline := time.Now().Add(2 * time.Minute) // seeding comes first
	for {
		// Any HTTP answer (401: no token) means it serves.
		if _, err := c.do(ctx, http.MethodPost, "/api/card/cards/use/", "", map[string]string{}); err == nil {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			out, _ := os.ReadFile(logPath)
			return useRun{}, fmt.Errorf("crudpeer exited (%v): %.500s", err, out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return useRun{}, fmt.Errorf("crudpeer did not answer on %s within 2 min", addr)
		}
	}
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i], err = jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"user_id": i + 1, "username": fmt.Sprintf("peer%d", i+1),
			"exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(secret))
		if err != nil {
			return useRun{}, fmt.Errorf("sign token: %w", err)
		}
		tokens[i] = "Bearer " + tokens[i]
	}
	var n atomic.Int64
	u, err := runUses(ctx, func(int) *client { return c }, func(i int) string { return tokens[i%len(tokens)] }, func() (string, error) {
		id := n.Add(1)
		if id > cards {
			return "", errPoolEmpty
		}
		return "card-" + strconv.FormatInt(id, 10), nil
	}, clients, d, cmd.Process.Pid)
	if errors.Is(err, errPoolEmpty) {
		return u, fmt.Errorf("crudpeer %s used all %d seeded cards in %s: %w", variant, cards, d, err)
	}
	return u, err
}
