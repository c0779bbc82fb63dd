package cards

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

type useTemplate struct {
	Name       string         `json:"name"`
	Category   string         `json:"category"`
	Attributes map[string]any `json:"attributes"`
}

type useCard struct {
	ID       int64       `json:"id"`
	CardCode string      `json:"card_code"`
	Template useTemplate `json:"template"`
}

type usageLog struct {
	ID        int64     `json:"id"`
	Card      int64     `json:"card"`
	User      int64     `json:"user"`
	Username  string    `json:"username"`
	UsedAt    time.Time `json:"used_at"`
	IPAddress string    `json:"ip_address"`
	UserAgent string    `json:"user_agent"`
}

type useResult struct {
	Card     useCard  `json:"card"`
	UsageLog usageLog `json:"usage_log"`
	Message  string   `json:"message"`
}

// POST /api/card/cards/use/ {"card_code": …}: uses a card once (002 §3.3).
// The usage log's id is the card's id (a card has one use).
func (m *Module) useCard(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	code, err := b.str("card_code", true)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*code) == "" {
		return fault.Invalidf("card_code", "不能为空")
	}
	req := c.Request()
	start := time.Now()
	r, err := m.cmd.UseCard(req.Context(), cardscmd.UseCard{Actor: httpapi.Actor(c), Code: *code, IPAddress: c.RealIP(), UserAgent: req.UserAgent(),
		Meta: httpapi.EventMeta(c, m.clock.Now())})
	if err != nil {
		return err
	}
	// How long deciding and appending took (the load generator reports it
	// beside the read-your-writes wait).
	httpapi.ServerTiming(c, "cmd", time.Since(start))
	attrs := r.Template.Spec.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	u := r.Used
	return ok(c, http.StatusOK, useResult{
		Card: useCard{ID: u.CardID, CardCode: r.Code, Template: useTemplate{Name: r.Template.Spec.Name, Category: string(r.Batch.Category), Attributes: attrs}},
		UsageLog: usageLog{ID: u.CardID, Card: u.CardID, User: u.UserID, Username: u.Username, UsedAt: u.UsedAt,
			IPAddress: u.IPAddress, UserAgent: u.UserAgent},
		Message: r.Message,
	})
}
