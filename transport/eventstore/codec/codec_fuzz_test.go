package codec_test

import (
	"bytes"
	"testing"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore/codec"
)

// FuzzDecode: no stored payload or metadata makes the codec panic, whatever
// the event type; what it decodes has no NUL character left in its text
// (the repair of old events); and the consumer-facing form of any payload
// either fails or is JSON without hidden keys.
func FuzzDecode(f *testing.F) {
	reg, err := codec.New(domainEvents()...)
	if err != nil {
		f.Fatal(err)
	}
	if err := reg.RegisterUpcaster(sequence.EventIDsAllocatedV1, sequence.UpcastIDsAllocatedV1); err != nil {
		f.Fatal(err)
	}
	if err := reg.RegisterUpcaster(identity.EventUserRegisteredV1, identity.UpcastUserRegisteredV1); err != nil {
		f.Fatal(err)
	}
	forms := reg.Forms([]byte("fuzz key"))
	forms.AddPrivate(identity.PrivateCategories()...)
	for _, seed := range []struct{ typ, data, meta string }{
		{sequence.EventIDsAllocatedV1, `{"sequence":"batches","first":11,"last":20,"owner":"batch-7"}`, `{"user_id":"u-1"}`},
		{identity.EventUserRegisteredV1, `{"user_id":1,"username":"a\u0000b","email":"a@b.c"}`, `{"client_ip":"1.2.3.4"}`},
		{identity.EventUserRegistered, `{"user_id":1e400,"password_hash":"x","email_digest":"d"}`, `null`},
		{"Unknown_v1", `[1,2,{"k_hash":"\u0000"}]`, `{"user_agent":"\xff"}`},
		{"CardUsed_v1", "\xff\xfe", ""},
	} {
		f.Add(seed.typ, []byte(seed.data), []byte(seed.meta))
	}
	f.Fuzz(func(t *testing.T, typ string, data, meta []byte) {
		rec := eventlog.RecordedEvent{ID: "e-1", StreamID: "useremail-abc", Type: typ, Data: data, Metadata: meta}
		if env, err := reg.Decode(rec); err == nil {
			_ = env.Event.EventType()
		}
		up, err := reg.Upcast(rec)
		if err == nil && bytes.Contains(up.Data, []byte(`\u0000`)) && !bytes.Contains(up.Data, []byte(`\\u0000`)) {
			t.Fatalf("upcast %q kept a NUL: %q", data, up.Data)
		}
		cf, err := forms.ConsumerForm(rec)
		if err != nil {
			return
		}
		if cf.StreamID == rec.StreamID {
			t.Fatalf("private stream %q kept its id", rec.StreamID)
		}
		for _, hidden := range []string{`"password_hash"`, `"email_digest"`, `"client_ip"`, `"user_agent"`} {
			if bytes.Contains(cf.Data, []byte(hidden+":")) || bytes.Contains(cf.Metadata, []byte(hidden+":")) {
				t.Fatalf("consumer form of %q / %q keeps %s: %q / %q", data, meta, hidden, cf.Data, cf.Metadata)
			}
		}
	})
}
