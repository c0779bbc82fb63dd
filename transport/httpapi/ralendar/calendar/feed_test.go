package calendar_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// component is a parsed iCalendar component.
type component struct {
	name  string
	props map[string][]string // name → values (parameters dropped)
	raw   map[string][]string // name → whole content lines
	subs  []*component
}

// parseICS is an RFC 5545 reader independent of the generator: it checks
// CRLF line ends, lines of at most 75 octets, unfolds continuation lines,
// and nests BEGIN/END.
func parseICS(t *testing.T, body string) *component {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("does not end with CRLF")
	}
	var lines []string
	for i, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF", i+1)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				t.Fatal("continuation first")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []*component
	var root *component
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon: %q", l)
		}
		name, _, _ = strings.Cut(name, ";")
		switch name {
		case "BEGIN":
			c := &component{name: value, props: map[string][]string{}, raw: map[string][]string{}}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.subs = append(top.subs, c)
			} else if root != nil {
				t.Fatal("two top-level components")
			} else {
				root = c
			}
			stack = append(stack, c)
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].name != value {
				t.Fatalf("END:%s does not close its BEGIN", value)
			}
			stack = stack[:len(stack)-1]
		default:
			top := stack[len(stack)-1]
			top.props[name] = append(top.props[name], value)
			top.raw[name] = append(top.raw[name], l)
		}
	}
	if len(stack) != 0 || root == nil || root.name != "VCALENDAR" {
		t.Fatalf("not one closed VCALENDAR")
	}
	return root
}

// checkRFC5545 checks the properties RFC 5545 requires of a calendar, its
// events and their alarms.
func checkRFC5545(t *testing.T, cal *component) {
	t.Helper()
	if cal.props["VERSION"][0] != "2.0" || len(cal.props["PRODID"]) != 1 {
		t.Errorf("VCALENDAR: %v", cal.props)
	}
	uids := map[string]bool{}
	for _, ev := range cal.subs {
		if ev.name != "VEVENT" {
			continue
		}
		for _, p := range []string{"UID", "DTSTAMP", "DTSTART"} {
			if len(ev.props[p]) != 1 {
				t.Errorf("VEVENT %v: %s %d times", ev.props["UID"], p, len(ev.props[p]))
			}
		}
		if uids[ev.props["UID"][0]] {
			t.Errorf("UID %s twice", ev.props["UID"][0])
		}
		uids[ev.props["UID"][0]] = true
		if len(ev.props["DTEND"]) > 0 && len(ev.props["DURATION"]) > 0 {
			t.Errorf("VEVENT with DTEND and DURATION")
		}
		for _, a := range ev.subs {
			if a.name == "VALARM" && (len(a.props["ACTION"]) != 1 || len(a.props["TRIGGER"]) != 1 || len(a.props["DESCRIPTION"]) != 1) {
				t.Errorf("VALARM: %v", a.props)
			}
		}
	}
}

func findEvent(cal *component, summary string) *component {
	for _, ev := range cal.subs {
		if ev.name == "VEVENT" && len(ev.props["SUMMARY"]) > 0 && ev.props["SUMMARY"][0] == summary {
			return ev
		}
	}
	return nil
}

func TestFeeds(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	u := s.NewUser(t)
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	long := "会议，议程; 很长的描述 " + strings.Repeat("长", 80)
	createEvent(t, s, u.Bearer, map[string]any{"title": "周会, 第1次; 重要", "description": long, "start_time": start.Format(time.RFC3339),
		"end_time": start.Add(time.Hour).Format(time.RFC3339), "reminder_minutes": 30, "location": "外滩", "latitude": 31.24, "longitude": 121.49})
	// china-holidays is made by the server's first start (a start-up
	// append); the server is ready only once it is projected, so the first
	// request finds it.
	s.Do(t, "POST", "/api/calendars/china-holidays/subscribe/", u.Bearer, nil).Want(t, "subscribe", http.StatusOK)
	tok := s.Do(t, "POST", "/api/feeds/token/", u.Bearer, nil).Want(t, "token", http.StatusCreated).Map(t)
	feed := strings.TrimPrefix(tok["feed_url"].(string), s.URL)
	if !strings.HasPrefix(feed, "/api/feeds/") || len(tok["token"].(string)) != 64 {
		t.Fatalf("token answer: %v", tok)
	}
	t.Run("the user's feed is valid iCalendar with the reminder as VALARM", func(t *testing.T) {
		r := s.Do(t, "GET", feed, "", nil).Want(t, "feed", http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
			t.Fatalf("content type %q", ct)
		}
		cal := parseICS(t, string(r.Body))
		checkRFC5545(t, cal)
		ev := findEvent(cal, `周会\, 第1次\; 重要`)
		if ev == nil {
			t.Fatalf("event missing:\n%s", r.Body)
		}
		if got := ev.props["DTSTART"][0]; got != start.Format("20060102T150405Z") {
			t.Errorf("DTSTART %s, want %s", got, start.Format("20060102T150405Z"))
		}
		if len(ev.subs) != 1 || ev.subs[0].props["TRIGGER"][0] != "-PT30M" || ev.subs[0].props["ACTION"][0] != "DISPLAY" {
			t.Errorf("alarm: %+v", ev.subs)
		}
		if ev.props["GEO"][0] != "31.24;121.49" {
			t.Errorf("GEO %v", ev.props["GEO"])
		}
		holidays := 0
		for _, e := range cal.subs {
			if e.name == "VEVENT" && strings.Contains(e.raw["DTSTART"][0], "VALUE=DATE") {
				holidays++
			}
		}
		if holidays == 0 {
			t.Errorf("no holiday of the subscribed china-holidays")
		}
	})
	t.Run("a public calendar's feed", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/calendars/china-holidays/feed/", "", nil).Want(t, "public feed", http.StatusOK)
		cal := parseICS(t, string(r.Body))
		checkRFC5545(t, cal)
		if len(cal.subs) == 0 {
			t.Fatal("no events")
		}
	})
	t.Run("a new token revokes the old one; revoking ends the feed", func(t *testing.T) {
		tok2 := s.Do(t, "POST", "/api/feeds/token/", u.Bearer, nil).Want(t, "token again", http.StatusCreated).Map(t)
		s.Do(t, "GET", feed, "", nil).Want(t, "old token", http.StatusNotFound)
		feed2 := strings.TrimPrefix(tok2["feed_url"].(string), s.URL)
		s.Do(t, "GET", feed2, "", nil).Want(t, "new token", http.StatusOK)
		s.Do(t, "DELETE", "/api/feeds/token/", u.Bearer, nil).Want(t, "revoke", http.StatusNoContent)
		s.Do(t, "GET", feed2, "", nil).Want(t, "revoked", http.StatusNotFound)
		s.Do(t, "GET", fmt.Sprintf("/api/feeds/%s.ics", strings.Repeat("0", 64)), "", nil).Want(t, "unknown", http.StatusNotFound)
	})
}
