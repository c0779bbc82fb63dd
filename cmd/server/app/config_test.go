package app

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestConfigKeysAreDocumented keeps docs/config.md and the configuration in
// step: every key the configuration reads has a row, every row names a key
// the configuration reads, and a default written as one code span is the
// configuration's default.
func TestConfigKeysAreDocumented(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	codeRE := regexp.MustCompile("^`([^`]*)`$")
	documented := map[string]string{} // key → default cell
	for _, line := range strings.Split(string(raw), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		for _, m := range keyRE.FindAllStringSubmatch(cells[1], -1) {
			documented[m[1]] = strings.TrimSpace(cells[2])
		}
	}
	keys, err := ConfigKeys()
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	for _, k := range keys {
		read[k] = true
	}
	var undocumented, unread []string
	for k := range read {
		if _, ok := documented[k]; !ok {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !read[k] {
			unread = append(unread, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unread)
	if len(undocumented) > 0 {
		t.Errorf("keys the configuration reads but docs/config.md does not list: %v", undocumented)
	}
	if len(unread) > 0 {
		t.Errorf("keys docs/config.md lists but the configuration does not read: %v", unread)
	}

	defaults := map[string]string{}
	for _, k := range keys {
		defaults[k] = ""
	}
	params, err := configParams()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range params {
		defaults[p.Key] = p.DefaultValue
	}
	for k, cell := range documented {
		m := codeRE.FindStringSubmatch(cell)
		if m == nil || !read[k] {
			continue // prose, "(empty)", "(generated)"
		}
		if m[1] != defaults[k] {
			t.Errorf("%s: docs/config.md says the default is %q, the configuration %q", k, m[1], defaults[k])
		}
	}
}

// TestConfigFromEnv reads every kind of value, keeps the defaults of unset
// keys and names the key of a bad value.
func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"HTTP_ADDR": ":9090", "PUBLIC_URL": "https://example.com/", "CONSISTENCY_WAIT": "500ms",
		"CARD_USE_LIMIT_PER_USER": "7", "SMTP_STARTTLS": "false", "LOG_LEVEL": "debug",
		"NATS_CATEGORIES": "card, meetingroom", "EVENT_STREAM_CONSUMERS": "bi=0123456789abcdef0:card", "READY_MAX_LAG": "5",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	got := []any{c.HTTP.Addr, c.HTTP.PublicURL, c.HTTP.ConsistencyWait, c.Cards.UseLimitPerUser, c.Cards.UseLimitPerIP,
		c.Mail.SMTPStartTLS, c.LogLevel.String(), c.NATS.Categories, c.Ops.EventStreamConsumers, c.Ops.ReadyMaxLag, c.Admin.Username}
	want := []any{":9090", "https://example.com", 500 * time.Millisecond, 7, 600,
		false, "DEBUG", []string{"card", "meetingroom"}, StreamConsumers{{Name: "bi", Key: "0123456789abcdef0", Categories: []string{"card"}}}, 5, "admin"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	for key, bad := range map[string]string{
		"CONSISTENCY_WAIT": "soon", "CARD_USE_LIMIT_PER_IP": "-1", "MAIL_RETRY_BACKOFF": "0s", "LOG_LEVEL": "loud",
		"EVENTSTORE_URL": "http://x", "ADMIN_PASSWORD": "short", "EVENT_STREAM_CONSUMERS": "bi=short", "NATS_CATEGORIES": "Bad-Cat",
	} {
		_, err := ConfigFromEnv(func(k string) string {
			if k == key {
				return bad
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v, want one naming the key", key, bad, err)
		}
	}
}
