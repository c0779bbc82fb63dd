package ralendarlink

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

func given(events ...eventlog.Event) Links {
	var h []eventlog.Envelope
	for _, e := range events {
		h = append(h, eventlog.Envelope{Event: e})
	}
	return LinksFrom(h)
}

var now = time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC)

func bound(id, remoteUser int64, def bool) RalendarAccountBound {
	return RalendarAccountBound{UserID: 7, AccountID: id, Remote: "https://b/api", Profile: Profile{RemoteUserID: remoteUser}, IsDefault: def}
}

func TestBind(t *testing.T) {
	for name, tc := range map[string]struct {
		given      []eventlog.Event
		remoteUser int64
		wantID     int64
		wantDef    bool
		wantErr    error
	}{
		"the first account is the default":    {nil, 1, 1, true, nil},
		"a second one is not":                 {[]eventlog.Event{bound(1, 1, true)}, 2, 2, false, nil},
		"the same account again keeps its id": {[]eventlog.Event{bound(1, 1, true), bound(2, 2, false)}, 2, 2, false, nil},
		"ids are not reused after unbinding":  {[]eventlog.Event{bound(1, 1, true), RalendarAccountUnbound{AccountID: 1}}, 1, 2, true, nil},
		"at most MaxAccounts": {func() []eventlog.Event {
			var es []eventlog.Event
			for i := int64(1); i <= MaxAccounts; i++ {
				es = append(es, bound(i, i, i == 1))
			}
			return es
		}(), 99, 0, false, ErrTooManyAccounts},
	} {
		t.Run(name, func(t *testing.T) {
			e, err := given(tc.given...).Bind(7, "https://b/api", Profile{RemoteUserID: tc.remoteUser}, Tokens{}, now)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err == nil && (e.AccountID != tc.wantID || e.IsDefault != tc.wantDef) {
				t.Errorf("bound %d default %v, want %d %v", e.AccountID, e.IsDefault, tc.wantID, tc.wantDef)
			}
		})
	}
}

func TestDefaultAndUnbind(t *testing.T) {
	l := given(bound(1, 1, true), bound(2, 2, false), bound(3, 3, false))
	if _, err := l.SetDefault(9, now); !errors.Is(err, ErrAccountNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	if e, err := l.SetDefault(1, now); err != nil || e != nil {
		t.Errorf("already the default: %v %v", e, err)
	}
	events, err := l.Unbind(1, now)
	if err != nil || len(events) != 2 || events[1].(RalendarAccountDefaultSet).AccountID != 2 {
		t.Fatalf("unbinding the default: %v %v", events, err)
	}
	after := given(bound(1, 1, true), bound(2, 2, false), bound(3, 3, false), events[0], events[1])
	if a, ok := after.DefaultAccount(); !ok || a.ID != 2 {
		t.Errorf("default after unbinding: %v %v", a, ok)
	}
	if events, _ := after.Unbind(3, now); len(events) != 1 {
		t.Errorf("unbinding another: %v", events)
	}
	rejected := given(bound(1, 1, true), RalendarAccountTokenRejected{AccountID: 1})
	if a, _ := rejected.Account(1); !a.TokenRejected {
		t.Error("rejection not folded")
	}
	renewed := given(bound(1, 1, true), RalendarAccountTokenRejected{AccountID: 1}, RalendarAccountTokensRenewed{AccountID: 1})
	if a, _ := renewed.Account(1); a.TokenRejected {
		t.Error("renewal does not clear the rejection")
	}
}
