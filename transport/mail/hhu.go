package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
	"github.com/fiveapis/backend/domain/repairs"
)

// Contact is what a renderer needs to know of a user.
type Contact struct {
	Username string
	Email    string // "" when the user has none
}

// Directory tells a user's name and current e-mail address (the identity
// read model); an unknown user is the zero Contact.
type Directory interface {
	Contact(ctx context.Context, userID int64) (Contact, error)
}

// Files reads stored files by key (the file store).
type Files interface {
	Read(key string) ([]byte, error)
}

// GuideEmailFilter selects the events GuideEmails renders.
var GuideEmailFilter = eventlog.Filter{
	Categories: []string{guides.EmailCategory},
	EventTypes: []string{guides.EventGuideEmailRequested},
}

// GuideEmails renders GuideEmailRequested into a mail to the user's current
// address with the guide's file attached, as it was when requested. A user
// who has no address any more gets nothing; a file that cannot be read, or
// whose bytes no longer match the digest, is an error (retried, then parked).
func GuideEmails(dir Directory, files Files) Renderer {
	return func(ctx context.Context, env eventlog.Envelope) (Message, bool, error) {
		e, ok := env.Event.(guides.GuideEmailRequested)
		if !ok {
			return Message{}, false, nil
		}
		who, err := dir.Contact(ctx, e.UserID)
		if err != nil {
			return Message{}, false, fmt.Errorf("guide mail: user %d: %w", e.UserID, err)
		}
		if who.Email == "" {
			return Message{}, false, nil
		}
		data, err := files.Read(e.Key)
		if err != nil {
			return Message{}, false, fmt.Errorf("guide mail: file %s: %w", e.Key, err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.SHA256 {
			return Message{}, false, fmt.Errorf("guide mail: file %s does not match its digest", e.Key)
		}
		body := fmt.Sprintf("%s，您好：\n\n附件是您在 HHU 教师微服务中请求的服务指南《%s》（%s）。\n\n此邮件由系统自动发送，请勿回复。\n",
			who.Username, e.Title, e.Name)
		return Message{To: who.Email, Subject: "【服务指南】" + e.Title, Body: body,
			Attachments: []Attachment{{Name: e.Name, ContentType: e.ContentType, Data: data}}}, true, nil
	}
}

// RepairNoticeFilter selects the events RepairNotices renders.
var RepairNoticeFilter = eventlog.Filter{
	Categories: []string{repairs.RepairCategory},
	EventTypes: []string{repairs.EventRepairRequested},
}

// RepairNotices renders RepairRequested into one mail to the addresses the
// request resolved (RepairRequested.Notify); none means no mail. Times are
// shown in zone.
func RepairNotices(dir Directory, zone *time.Location) Renderer {
	return func(ctx context.Context, env eventlog.Envelope) (Message, bool, error) {
		e, ok := env.Event.(repairs.RepairRequested)
		if !ok || len(e.Notify) == 0 {
			return Message{}, false, nil
		}
		who, err := dir.Contact(ctx, e.UserID)
		if err != nil {
			return Message{}, false, fmt.Errorf("repair mail: user %d: %w", e.UserID, err)
		}
		reporter := who.Username
		if reporter == "" {
			reporter = fmt.Sprintf("用户 #%d", e.UserID)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "有新的故障报修（编号 %d）：\n\n", e.RepairID)
		fmt.Fprintf(&b, "故障类别：%s\n故障位置：%s\n故障概述：%s\n报修人：%s\n报修时间：%s\n\n",
			e.CategoryName, e.Location, e.Description, reporter, e.RequestedAt.In(zone).Format("2006-01-02 15:04"))
		b.WriteString("请登录后台管理查看并处理。此邮件由系统自动发送，请勿回复。\n")
		return Message{To: e.Notify[0], AlsoTo: e.Notify[1:], Subject: "【故障报修】" + e.CategoryName + "：" + e.Location,
			Body: b.String()}, true, nil
	}
}
