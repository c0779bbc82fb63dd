package packed_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/fiveapis/backend/transport/models/packed"
)

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := packed.NewWriter(&buf, "TEST\x01")
	w.U(300)
	w.Z(-7)
	w.S("青羊区")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	t.Run("what was written is read", func(t *testing.T) {
		r, err := packed.NewReader(bytes.NewReader(buf.Bytes()), "TEST\x01")
		if err != nil {
			t.Fatal(err)
		}
		if u, z, s := r.U(), r.Z(), r.S(64); u != 300 || z != -7 || s != "青羊区" || r.Err() != nil {
			t.Fatalf("%d %d %q %v", u, z, s, r.Err())
		}
		r.U()
		if r.Err() == nil {
			t.Fatal("read past the end")
		}
	})
	t.Run("another magic is corrupt", func(t *testing.T) {
		if _, err := packed.NewReader(bytes.NewReader(buf.Bytes()), "GEO\x01\x00"); !errors.Is(err, packed.ErrCorrupt) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a string over its bound is corrupt", func(t *testing.T) {
		r, _ := packed.NewReader(bytes.NewReader(buf.Bytes()), "TEST\x01")
		r.U()
		r.Z()
		if r.S(3); !errors.Is(r.Err(), packed.ErrCorrupt) {
			t.Fatalf("%v", r.Err())
		}
	})
	t.Run("not gzip is an error", func(t *testing.T) {
		if _, err := packed.NewReader(bytes.NewReader([]byte("plain")), "TEST\x01"); err == nil {
			t.Fatal("read")
		}
	})
}
