package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestPeerUses drives the CRUD peer briefly when LOADGEN_PEER_BIN names its
// binary (go build -o bin/ ./cmd/loadgen/crudpeer) and LOADGEN_PEER_DSN a
// database it may create its tables in.
func TestPeerUses(t *testing.T) {
	bin, dsn := os.Getenv("LOADGEN_PEER_BIN"), os.Getenv("LOADGEN_PEER_DSN")
	if bin == "" || dsn == "" {
		t.Skip("LOADGEN_PEER_BIN and LOADGEN_PEER_DSN not set")
	}
	for _, v := range peerVariants() {
		u, err := peerUses(context.Background(), bin, dsn, t.TempDir(), v, 4, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if u.OK == 0 || u.Failed != 0 {
			t.Errorf("%s: %d uses, %d failed (%s)", v, u.OK, u.Failed, u.FirstErr)
		}
		t.Logf("%s: %.0f uses/s, p99 %.1f ms, CPU %+v", v, u.rps(), percentile(u.Lat, 99), u.CPU)
	}
}
