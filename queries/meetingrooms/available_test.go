package meetingrooms

import (
	"strings"
	"testing"
	"time"
)

func TestFreeSlots(t *testing.T) {
	zone := time.FixedZone("CST", 8*3600)
	at := func(hm string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-03-02 "+hm, zone)
		return t
	}
	booked := []Reservation{{From: at("10:00"), To: at("11:00")}, {From: at("13:30"), To: at("14:00")}}
	render := func(slots []Slot) string {
		var b []string
		for _, s := range slots {
			b = append(b, s.From.In(zone).Format("15:04")+"-"+s.To.In(zone).Format("15:04"))
		}
		return strings.Join(b, " ")
	}
	tests := []struct {
		name     string
		from, to string
		length   time.Duration
		now      string
		want     string
	}{
		{"hour slots around bookings", "09:00", "15:00", time.Hour, "00:00", "09:00-10:00 11:00-12:00 11:30-12:30 12:00-13:00 12:30-13:30 14:00-15:00"},
		{"window start rounded up to the half hour", "09:10", "10:00", 30 * time.Minute, "00:00", "09:30-10:00"},
		{"touching bookings are free", "11:00", "11:30", 30 * time.Minute, "00:00", "11:00-11:30"},
		{"too short a window", "09:00", "09:30", time.Hour, "00:00", ""},
		{"ended slots hidden", "09:00", "10:00", 30 * time.Minute, "09:30", "09:30-10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(FreeSlots(at(tt.from), at(tt.to), tt.length, at(tt.now), booked))
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
