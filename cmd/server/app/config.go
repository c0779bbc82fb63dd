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
}

// ConfigFromEnv reads the configuration from getenv (os.Getenv in main).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		HTTPAddr:            or(getenv("HTTP_ADDR"), ":8080"),
		DatabaseURL:         getenv("DATABASE_URL"),
		EventStoreURL:       getenv("EVENTSTORE_URL"),
		AdminUsername:       or(getenv("ADMIN_USERNAME"), "admin"),
		AdminPassword:       getenv("ADMIN_PASSWORD"),
		SecretKey:           getenv("SECRET_KEY"),
		RedisURL:            or(getenv("REDIS_URL"), "redis://127.0.0.1:6379/0"),
		DataDir:             or(getenv("DATA_DIR"), "var"),
		PublicURL:           strings.TrimRight(getenv("PUBLIC_URL"), "/"),
		ConsistencyWait:     2 * time.Second,
		CardUseLimitPerUser: 120,
		CardUseLimitPerIP:   600,
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
	for key, dst := range map[string]*int{"CARD_USE_LIMIT_PER_USER": &c.CardUseLimitPerUser, "CARD_USE_LIMIT_PER_IP": &c.CardUseLimitPerIP} {
		if v := getenv(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return c, fmt.Errorf("%s: want a whole number ≥ 0, got %q", key, v)
			}
			*dst = n
		}
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
