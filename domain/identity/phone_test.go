package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

func TestPhoneAndSocialClaims(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for s, ok := range map[string]bool{"13800138000": true, "": true, "1380013800": false, "23800138000": false, "1380013800a": false, "+8613800138000": false} {
		if _, err := identity.NewPhone(s); (err == nil) != ok {
			t.Errorf("NewPhone(%q) = %v", s, err)
		}
	}
	p, _ := identity.NewPhone("13800138000")
	if got, err := identity.ClaimPhone(nil, p, 2, now, false); err != nil || len(got) != 1 {
		t.Fatalf("claim: %v %v", got, err)
	}
	held := identity.PhoneClaimed{PhoneDigest: p.Digest(), UserID: 1, ClaimedAt: now}
	if _, err := identity.ClaimPhone(held, p, 2, now, false); !errors.Is(err, identity.ErrPhoneTaken) {
		t.Errorf("taken: %v", err)
	}
	if got := identity.ReleasePhoneDigest(held, p.Digest(), 2, now); got != nil {
		t.Errorf("release by another: %v", got)
	}
	u, _ := identity.UserFromHistory([]eventlog.Event{identity.UserRegistered{UserID: 1, Username: "a", RegisteredAt: now}})
	got := u.ChangePhone(p, "pd1:x", now)
	if diff := cmp.Diff([]eventlog.Event{identity.PhoneChanged{UserID: 1, PhoneDigest: p.Digest(), PhoneRef: "pd1:x", ChangedAt: now}}, got); diff != "" {
		t.Errorf("change (-want +got):\n%s", diff)
	}
	if _, err := u.UpdateTravelInfo(3, "", now); err == nil {
		t.Error("gender 3 accepted")
	}
	d := identity.ExternalDigest("wechat", "o-1")
	claim := identity.SocialAccountClaimed{Provider: "wechat", ExternalDigest: d, UserID: 1, ClaimedAt: now}
	if _, err := identity.ClaimSocial(claim, "wechat", d, 2, now); !errors.Is(err, identity.ErrSocialTaken) {
		t.Errorf("social taken: %v", err)
	}
	if got, err := identity.ClaimSocial(claim, "wechat", d, 1, now); err != nil || got != nil {
		t.Errorf("own claim again: %v %v", got, err)
	}
	if got := identity.ReleaseSocial(claim, "wechat", d, 1, now); len(got) != 1 {
		t.Errorf("release own: %v", got)
	}
	if identity.SocialClaimStream("wechat", d) == identity.SocialClaimStream("qq", d) {
		t.Error("streams of providers collide")
	}
}
