package calendar_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/mail/smtptest"
	"github.com/fiveapis/backend/transport/pgtest"
)

// TestRemindersAreSentOnce runs two server processes on one database with
// one moving clock and one SMTP server, restarts one of them half way, and
// checks that every due reminder is mailed exactly once: at its time, again
// only for an event moved later, never for one moved earlier after it was
// sent, for a deleted event or for one without e-mail reminders.
func TestRemindersAreSentOnce(t *testing.T) {
	t.Parallel()
	dbURL, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	q := dbURL.Query()
	q.Set("pool_max_conns", "6")
	dbURL.RawQuery = q.Encode()
	dsn := dbURL.String()
	smtp := smtptest.Start(t)
	clock := apptest.NewFakeClock()
	t0 := clock.Now()
	shared := []apptest.Option{apptest.SharedLog(t), apptest.WithClock(clock), apptest.WithConfig(func(c *app.Config) {
		c.Database.URL = dsn
		c.Mail.SMTPAddr = smtp.Addr
		c.Mail.SMTPFrom = "ralendar@example.com"
		c.Mail.MaxAttempts = 3
		c.Mail.RetryBackoff = 10 * time.Millisecond
		c.Ralendar.ReminderInterval = time.Minute
	})}
	b := apptest.Start(t, shared...) // runs to the end
	u := b.NewUser(t)
	to := u.Username + "@example.com"
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	create := func(s *apptest.Server, title string, start time.Duration, minutes int, email bool) int64 {
		return createEvent(t, s, s.Login(t, u.Username, u.Password), map[string]any{"title": title, "start_time": at(start),
			"reminder_minutes": minutes, "email_reminder": email}).ID
	}
	mails := func(title string) int {
		n := 0
		for _, m := range smtp.Messages() {
			if strings.Contains(m.Subject, title) {
				n++
			}
		}
		return n
	}
	waitMail := func(t *testing.T, title string, n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for mails(title) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d reminders, want %d", title, mails(title), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// quiet lets the reminder job of both processes run a few times at the
	// current time (it looks at least every 2 s).
	quiet := func() { time.Sleep(5 * time.Second) }
	// sent reads notification_sent, waiting a little for the read model
	// to reach want (the mail reaction may run ahead of the projection).
	sent := func(s *apptest.Server, id int64, want bool) bool {
		auth := s.Login(t, u.Username, u.Password)
		deadline := time.Now().Add(5 * time.Second)
		for {
			var e eventOut
			s.Do(t, "GET", fmt.Sprintf("/api/events/%d/", id), auth, nil).Want(t, "get", http.StatusOK).JSON(t, &e)
			if e.NotificationSent == want || time.Now().After(deadline) {
				return e.NotificationSent
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var plain, later, earlier, deleted, silent, soon int64
	t.Run("first process", func(t *testing.T) {
		a := apptest.Start(t, shared...)
		plain = create(a, "plain", 30*time.Minute, 15, true)     // due at +15m
		later = create(b, "later", 20*time.Minute, 5, true)      // due at +15m, moved to +90m
		earlier = create(a, "earlier", 40*time.Minute, 15, true) // due at +25m, moved to +35m
		deleted = create(b, "deleted", 50*time.Minute, 15, true) // deleted before +35m
		silent = create(a, "silent", 20*time.Minute, 5, false)   // no e-mail reminder
		soon = create(b, "soon", 30*time.Minute, 60, true)       // due already
		clock.Advance(time.Minute)                               // +1m: the job's next run
		waitMail(t, "soon", 1)
		if mails("plain")+mails("later") != 0 || sent(a, plain, false) || !sent(b, soon, true) {
			t.Fatalf("too early: %d plain, %d later", mails("plain"), mails("later"))
		}
		clock.Advance(15 * time.Minute) // +16m
		waitMail(t, "plain", 1)
		waitMail(t, "later", 1)
		if !sent(a, plain, true) || !sent(b, later, true) {
			t.Fatal("notification_sent not set")
		}
		a.Do(t, "PATCH", fmt.Sprintf("/api/events/%d/", later), a.Login(t, u.Username, u.Password), map[string]any{"start_time": at(90 * time.Minute)}).Want(t, "move later", http.StatusOK)
		if sent(a, later, false) {
			t.Fatal("moved later: notification_sent still set")
		}
	}) // the first process stops here
	t.Run("restarted", func(t *testing.T) {
		a := apptest.Start(t, shared...)
		clock.Advance(10 * time.Minute) // +26m
		waitMail(t, "earlier", 1)
		a.Do(t, "PATCH", fmt.Sprintf("/api/events/%d/", earlier), a.Login(t, u.Username, u.Password), map[string]any{"start_time": at(35 * time.Minute)}).Want(t, "move earlier", http.StatusOK)
		b.Do(t, "DELETE", fmt.Sprintf("/api/events/%d/", deleted), b.Login(t, u.Username, u.Password), nil).Want(t, "delete", http.StatusNoContent)
		if !sent(a, earlier, true) {
			t.Fatal("moved earlier: notification_sent cleared")
		}
		clock.Advance(14 * time.Minute) // +40m
		quiet()
		clock.Advance(46 * time.Minute) // +86m
		waitMail(t, "later", 2)
		clock.Advance(3 * time.Hour)
		quiet()
	})
	for title, want := range map[string]int{"plain": 1, "later": 2, "earlier": 1, "deleted": 0, "silent": 0, "soon": 1} {
		if got := mails(title); got != want {
			t.Errorf("%s: %d reminders, want %d", title, got, want)
		}
	}
	for _, m := range smtp.Messages() {
		if len(m.To) != 1 || m.To[0] != to {
			t.Errorf("reminder to %v, want %s", m.To, to)
		}
	}
	_ = silent
}
