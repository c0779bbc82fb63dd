package mail

import (
	"context"
	"fmt"
	"strings"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
)

// TicketNoticeFilter selects the events TicketNotices renders.
var TicketNoticeFilter = eventlog.Filter{
	Categories: []string{tickets.TicketCategory},
	EventTypes: []string{tickets.EventTicketCreated, tickets.EventTicketStatusChanged},
}

// Officials lists the users holding a role for a village or its area
// (003's read model of roles).
type Officials interface {
	Officials(ctx context.Context, villageID, areaID int64) ([]int64, error)
}

// TicketNotices renders a ticket's creation and each change of its status
// into one mail to the people responsible for its village: the users who
// hold a role (村里長, 村里幹事, 代表, 議員) for the village or its area when
// the mail is sent, those with an e-mail address. None: no mail.
func TicketNotices(dir Directory, officials Officials) Renderer {
	return func(ctx context.Context, env eventlog.Envelope) (Message, bool, error) {
		var (
			ticket, village, area int64
			subject, body         string
		)
		switch e := env.Event.(type) {
		case tickets.TicketCreated:
			ticket, village, area = e.TicketID, e.VillageID, e.AreaID
			subject = fmt.Sprintf("【Magpie】新案件 #%d %s", e.TicketID, e.Title)
			body = fmt.Sprintf("您負責的村里有新的案件（編號 %d，查詢碼 %s）：\n\n%s\n%s\n", e.TicketID, e.MailKey, e.Title, e.Content)
		case tickets.TicketStatusChanged:
			ticket, village, area = e.TicketID, e.VillageID, e.AreaID
			from, _ := tickets.OptionByID(e.From)
			to, _ := tickets.OptionByID(e.To)
			subject = fmt.Sprintf("【Magpie】案件 #%d 狀態：%s", e.TicketID, to.Value)
			body = fmt.Sprintf("案件（編號 %d）的狀態由 %s 改為 %s。\n", e.TicketID, from.Value, to.Value)
		default:
			return Message{}, false, nil
		}
		ids, err := officials.Officials(ctx, village, area)
		if err != nil {
			return Message{}, false, fmt.Errorf("ticket mail: officials of ticket %d: %w", ticket, err)
		}
		var to []string
		for _, id := range ids {
			c, err := dir.Contact(ctx, id)
			if err != nil {
				return Message{}, false, fmt.Errorf("ticket mail: user %d: %w", id, err)
			}
			if c.Email != "" {
				to = append(to, c.Email)
			}
		}
		if len(to) == 0 {
			return Message{}, false, nil
		}
		body += "\n請登入 Magpie 查看並處理。此郵件由系統自動發送，請勿回覆。\n"
		return Message{To: to[0], AlsoTo: to[1:], Subject: strings.TrimSpace(subject), Body: body}, true, nil
	}
}
