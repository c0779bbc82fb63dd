package cards

import (
	"fmt"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// User is who uses a card, with the facts the usage log keeps.
type User struct {
	ID        int64
	Username  string
	IPAddress string
	UserAgent string
}

// Limits of the usage log's free-text facts.
const (
	MaxUserAgentLength = 512
	MaxIPLength        = 64
)

// UseCard decides the use of card cardID of batch b. last is the last event of
// the card's stream (nil when it has none); code is the card code the client
// presented (echoed in error details). A card is usable once, while its batch
// exists, is published and has not expired.
func UseCard(b Batch, cardID int64, last eventlog.Event, user User, code string, now time.Time) (CardUsed, error) {
	if !b.Exists() || !b.Contains(cardID) {
		return CardUsed{}, ErrCardNotFound
	}
	if used, ok := last.(CardUsed); ok {
		return CardUsed{}, ErrCardAlreadyUsed.With(map[string]any{
			"card_code": code,
			"used_by":   used.Username,
			"used_at":   used.UsedAt.UTC().Format(time.RFC3339),
		})
	}
	if !b.Published {
		return CardUsed{}, ErrBatchNotPublished.With(map[string]any{"card_code": code})
	}
	if b.Expired(now) {
		return CardUsed{}, ErrCardExpired.With(map[string]any{
			"card_code":  code,
			"expires_at": b.ExpiresAt().Format(time.RFC3339),
		})
	}
	if user.ID <= 0 {
		return CardUsed{}, fmt.Errorf("cards: use card %d: no user", cardID)
	}
	return CardUsed{
		CardID: cardID, BatchID: b.ID, TemplateID: b.TemplateID, Category: b.Category,
		UserID: user.ID, Username: user.Username,
		IPAddress: truncate(user.IPAddress, MaxIPLength), UserAgent: truncate(user.UserAgent, MaxUserAgentLength),
		UsedAt: now.UTC(),
	}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// cut at a rune boundary
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// UseMessage is the success message of a card use, naming what the user got
// as 002 §3.3 shows ("卡片使用成功!您获得了舞蹈技能:现代舞(初级)"): the
// category's noun, the skill (the style or genre attribute, else the template
// name) and, in parentheses, its difficulty (colour for clothing) when set.
func UseMessage(c Category, templateName string, attrs map[string]any) string {
	str := func(k string) string {
		switch v := attrs[k].(type) {
		case string:
			return strings.TrimSpace(v)
		case nil:
			return ""
		default:
			return strings.TrimSpace(fmt.Sprint(v))
		}
	}
	var noun, skill, detail string
	switch c {
	case Dance:
		noun, skill, detail = "舞蹈技能", str("style"), str("difficulty")
	case Song:
		noun, skill, detail = "音乐技能", str("genre"), str("difficulty")
	case Clothing:
		noun, skill, detail = "服装", str("style"), str("color")
	case Game:
		noun, skill, detail = "游戏技能", str("genre"), str("difficulty")
	default:
		noun = "卡片"
	}
	if skill == "" {
		skill = templateName
	}
	msg := "卡片使用成功!您获得了" + noun + ":" + skill
	if detail != "" {
		msg += "(" + detail + ")"
	}
	return msg
}
