package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// Opener opens personal data sealed for a subject (the personal-data vault).
// An erased subject's data gives ErrErased (wrapped or not).
type Opener interface {
	Open(ctx context.Context, subject, sealed string) (string, error)
}

// ErrErased tells the renderer that the recipient was erased: nothing is sent.
var ErrErased = errors.New("mail: recipient erased")

// VerificationFilter selects the events VerificationCodes renders.
var VerificationFilter = eventlog.Filter{
	Categories: []string{identity.EmailVerificationCategory},
	EventTypes: []string{identity.EventVerificationCodeRequested},
}

// VerificationCodes renders VerificationCodeRequested into the mail carrying
// the code (derived from the code id with key, never stored). Codes that
// expired before they could be sent are not sent.
func VerificationCodes(key []byte, opener Opener, now func() time.Time) Renderer {
	subjects := map[string]string{
		identity.PurposeRegister:      "注册验证码",
		identity.PurposeResetPassword: "重置密码验证码",
		identity.PurposeVerifyEmail:   "邮箱验证码",
		identity.PurposeBindEmail:     "绑定邮箱验证码",
		identity.PurposeChangeEmail:   "更换邮箱验证码",
	}
	return func(ctx context.Context, env eventlog.Envelope) (Message, bool, error) {
		e, ok := env.Event.(identity.VerificationCodeRequested)
		if !ok || !now().Before(e.ExpiresAt) {
			return Message{}, false, nil
		}
		to, err := opener.Open(ctx, identity.EmailDataSubject(e.EmailDigest), e.RecipientRef)
		if err != nil {
			if errors.Is(err, ErrErased) {
				return Message{}, false, nil
			}
			return Message{}, false, err
		}
		code := identity.VerificationCode(key, e.CodeID)
		minutes := int(e.ExpiresAt.Sub(e.RequestedAt).Round(time.Minute) / time.Minute)
		body := fmt.Sprintf("您的验证码是:%s\n\n验证码 %d 分钟内有效,请勿告诉他人。如果不是您本人操作,请忽略本邮件。\n", code, minutes)
		return Message{To: to, Subject: "【Roamio】" + subjects[e.Purpose], Body: body}, true, nil
	}
}
