package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
)

// CalendarReminderFilter selects the events CalendarReminders renders.
var CalendarReminderFilter = eventlog.Filter{
	Categories: []string{calendar.EventCategory},
	EventTypes: []string{calendar.EventCalendarReminderDue},
}

// CalendarReminders renders the reminder mail of a Ralendar event whose
// reminder became due (CalendarReminderDue, appended once per start time by
// the reminder job): to the owner's current address, nothing when there is
// none. Times are shown in Ralendar's zone.
func CalendarReminders(dir Directory) Renderer {
	return func(ctx context.Context, env eventlog.Envelope) (Message, bool, error) {
		e, ok := env.Event.(calendar.CalendarReminderDue)
		if !ok {
			return Message{}, false, nil
		}
		c, err := dir.Contact(ctx, e.UserID)
		if err != nil || c.Email == "" {
			return Message{}, false, err
		}
		start := e.StartTime.In(calendar.Zone)
		var b strings.Builder
		if c.Username != "" {
			fmt.Fprintf(&b, "%s，您好：\n\n", c.Username)
		}
		fmt.Fprintf(&b, "您的日程即将开始：\n\n标题：%s\n时间：%s\n", e.Title, start.Format("2006-01-02 15:04"))
		if e.Location != "" {
			fmt.Fprintf(&b, "地点：%s\n", e.Location)
		}
		fmt.Fprintf(&b, "提醒：%s\n\n—— Ralendar\n", reminderLabel(e.ReminderMinutes))
		subject := fmt.Sprintf("【Ralendar 日程提醒】%s（%s）", oneLine(e.Title), start.Format("01-02 15:04"))
		return Message{To: c.Email, Subject: subject, Body: b.String()}, true, nil
	}
}

func reminderLabel(minutes int) string {
	switch {
	case minutes == 0:
		return "日程开始时"
	case minutes%(7*24*60) == 0:
		return fmt.Sprintf("提前 %d 周", minutes/(7*24*60))
	case minutes%(24*60) == 0:
		return fmt.Sprintf("提前 %d 天", minutes/(24*60))
	case minutes%60 == 0:
		return fmt.Sprintf("提前 %d 小时", minutes/60)
	}
	return fmt.Sprintf("提前 %s", time.Duration(minutes)*time.Minute)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return s
}
