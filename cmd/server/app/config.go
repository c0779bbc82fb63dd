package app

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Config is the whole server configuration, read from the environment with
// defaults. docs/config.md documents every key.
type Config struct {
	// HTTPAddr is where the API listens (HTTP_ADDR).
	HTTPAddr string
	// DatabaseURL is the PostgreSQL holding read models and, unless
	// EventStoreURL is set, the event log (DATABASE_URL). Empty: use
	// 127.0.0.1:5432 when it answers, else start a private server.
	DatabaseURL string
	// EventStoreURL selects EventStoreDB as the event log (EVENTSTORE_URL, esdb://…).
	EventStoreURL string
	// AdminUsername and AdminPassword create an admin account at start when
	// it does not exist (ADMIN_USERNAME, ADMIN_PASSWORD).
	AdminUsername string
	AdminPassword string
	// LogLevel is debug, info, warn or error (LOG_LEVEL).
	LogLevel slog.Level
	// ConsistencyWait bounds how long a command waits for its projections
	// before it answers (CONSISTENCY_WAIT, a Go duration).
	ConsistencyWait time.Duration
	// SecretKey signs tokens, card codes and download links (SECRET_KEY).
	// Empty: a random key is generated once and kept in the database.
	SecretKey string
	// RedisURL is the shared limiter store (REDIS_URL).
	RedisURL string
	// DataDir holds generated files and a private PostgreSQL (DATA_DIR).
	DataDir string
	// PublicURL is the base of absolute links in answers (PUBLIC_URL);
	// empty: derived from each request.
	PublicURL string
	// CardUseLimitPerUser and CardUseLimitPerIP cap card-use attempts per
	// minute (CARD_USE_LIMIT_PER_USER, CARD_USE_LIMIT_PER_IP); 0 disables.
	CardUseLimitPerUser int
	CardUseLimitPerIP   int
	// SMTP delivers mail (verification codes): SMTP_ADDR (host:port; empty
	// disables sending), SMTP_FROM, SMTP_USERNAME, SMTP_PASSWORD,
	// SMTP_STARTTLS (default true).
	SMTPAddr     string
	SMTPFrom     string
	SMTPUsername string
	SMTPPassword string
	SMTPStartTLS bool
	// MailMaxAttempts and MailRetryBackoff: attempts per mail before the
	// engine parks it (projection.parked), and the first pause between them,
	// doubled each time (MAIL_MAX_ATTEMPTS, MAIL_RETRY_BACKOFF): the mail
	// reactions' retry settings.
	MailMaxAttempts  int
	MailRetryBackoff time.Duration
	// LoginLimitPerAccount and LoginLimitPerIP cap password attempts in any
	// 15 minutes, on one account and from one client address, wherever a
	// password is checked (LOGIN_LIMIT_PER_ACCOUNT, LOGIN_LIMIT_PER_IP); 0
	// disables. A successful login clears the account's count.
	LoginLimitPerAccount int
	LoginLimitPerIP      int
	// RateLimitNamespace prefixes the Redis keys of the identity limiters
	// (RATE_LIMIT_NAMESPACE), so that deployments sharing one Redis do not
	// share counters.
	RateLimitNamespace string
	// TravelAllowNoCaptcha honours 004's "no_captcha" flag (a debug
	// setting, TRAVEL_ALLOW_NO_CAPTCHA=true; never in production).
	TravelAllowNoCaptcha bool
	// MagpieAppSecret verifies 003's app_key_verify when the app creates
	// users (MAGPIE_APP_SECRET); empty: creation from the app is refused.
	MagpieAppSecret string
	// WeChat mini-program code exchange of 001 (WECHAT_APP_ID,
	// WECHAT_APP_SECRET, WECHAT_API_URL default https://api.weixin.qq.com);
	// without an app id the WeChat routes are not mounted.
	WeChatAppID     string
	WeChatAppSecret string
	WeChatAPIURL    string
	// AcWing OAuth2 of Ralendar (ACWING_APP_ID, ACWING_APP_SECRET,
	// ACWING_API_URL default https://www.acwing.com); without an app id
	// AcWing login is not mounted.
	AcWingAppID     string
	AcWingAppSecret string
	AcWingAPIURL    string
	// QQ Connect OAuth2 of Roamio (qq_login_url, qq_callback,
	// qq_bind_existing, qq_unbind) and Ralendar (/api/auth/qq/login/)
	// (QQ_APP_ID, QQ_APP_KEY, QQ_API_URL default https://graph.qq.com,
	// QQ_REDIRECT_URI); without an app id the QQ routes are not mounted.
	QQAppID       string
	QQAppKey      string
	QQAPIURL      string
	QQRedirectURI string
	// ReadyMaxLag is the most events a projection may be behind the log
	// while GET /readyz still answers ready (READY_MAX_LAG).
	ReadyMaxLag int
	// EventStreamConsumers are the consumers that may read GET
	// /events/stream besides admins (EVENT_STREAM_CONSUMERS, see
	// ParseStreamConsumers).
	EventStreamConsumers []StreamConsumer
	// NATS configures the JetStream publisher of the event log (NATS_*);
	// empty NATS.URL: no publisher.
	NATS NATSConfig
	// DebugAddr, when set, serves net/http/pprof on its own listener
	// (DEBUG_ADDR, e.g. 127.0.0.1:6060). Empty (the default): no listener.
	DebugAddr string
}

// ConfigFromEnv reads the configuration from getenv (os.Getenv in main).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		HTTPAddr:             or(getenv("HTTP_ADDR"), ":8080"),
		DatabaseURL:          getenv("DATABASE_URL"),
		EventStoreURL:        getenv("EVENTSTORE_URL"),
		AdminUsername:        or(getenv("ADMIN_USERNAME"), "admin"),
		AdminPassword:        getenv("ADMIN_PASSWORD"),
		SecretKey:            getenv("SECRET_KEY"),
		RedisURL:             or(getenv("REDIS_URL"), "redis://127.0.0.1:6379/0"),
		DataDir:              or(getenv("DATA_DIR"), "var"),
		PublicURL:            strings.TrimRight(getenv("PUBLIC_URL"), "/"),
		DebugAddr:            getenv("DEBUG_ADDR"),
		ConsistencyWait:      2 * time.Second,
		CardUseLimitPerUser:  120,
		CardUseLimitPerIP:    600,
		SMTPAddr:             getenv("SMTP_ADDR"),
		SMTPFrom:             or(getenv("SMTP_FROM"), "noreply@localhost"),
		SMTPUsername:         getenv("SMTP_USERNAME"),
		SMTPPassword:         getenv("SMTP_PASSWORD"),
		SMTPStartTLS:         getenv("SMTP_STARTTLS") != "false",
		MailMaxAttempts:      5,
		MailRetryBackoff:     time.Second,
		LoginLimitPerAccount: 10,
		LoginLimitPerIP:      100,
		RateLimitNamespace:   getenv("RATE_LIMIT_NAMESPACE"),
		TravelAllowNoCaptcha: getenv("TRAVEL_ALLOW_NO_CAPTCHA") == "true",
		MagpieAppSecret:      getenv("MAGPIE_APP_SECRET"),
		WeChatAppID:          getenv("WECHAT_APP_ID"),
		WeChatAppSecret:      getenv("WECHAT_APP_SECRET"),
		WeChatAPIURL:         or(getenv("WECHAT_API_URL"), "https://api.weixin.qq.com"),
		AcWingAppID:          getenv("ACWING_APP_ID"),
		AcWingAppSecret:      getenv("ACWING_APP_SECRET"),
		AcWingAPIURL:         or(getenv("ACWING_API_URL"), "https://www.acwing.com"),
		QQAppID:              getenv("QQ_APP_ID"),
		QQAppKey:             getenv("QQ_APP_KEY"),
		QQAPIURL:             or(getenv("QQ_API_URL"), "https://graph.qq.com"),
		QQRedirectURI:        getenv("QQ_REDIRECT_URI"),
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("LOG_LEVEL"), "info"))); err != nil {
		return c, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	if v := getenv("CONSISTENCY_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("CONSISTENCY_WAIT: want a duration such as 2s, got %q", v)
		}
		c.ConsistencyWait = d
	}
	if v := getenv("MAIL_RETRY_BACKOFF"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("MAIL_RETRY_BACKOFF: want a duration such as 1s, got %q", v)
		}
		c.MailRetryBackoff = d
	}
	for key, dst := range map[string]*int{"CARD_USE_LIMIT_PER_USER": &c.CardUseLimitPerUser, "CARD_USE_LIMIT_PER_IP": &c.CardUseLimitPerIP,
		"MAIL_MAX_ATTEMPTS": &c.MailMaxAttempts, "LOGIN_LIMIT_PER_ACCOUNT": &c.LoginLimitPerAccount, "LOGIN_LIMIT_PER_IP": &c.LoginLimitPerIP} {
		if v := getenv(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return c, fmt.Errorf("%s: want a whole number ≥ 0, got %q", key, v)
			}
			*dst = n
		}
	}
	if err := c.readEventsConfig(getenv); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.EventStoreURL != "" && !strings.HasPrefix(c.EventStoreURL, "esdb://") && !strings.HasPrefix(c.EventStoreURL, "esdb+discover://") && !strings.HasPrefix(c.EventStoreURL, "kurrentdb://") {
		return fmt.Errorf("EVENTSTORE_URL: want esdb://host:port?…, got %q", c.EventStoreURL)
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		return fmt.Errorf("ADMIN_PASSWORD: at least 8 characters")
	}
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
