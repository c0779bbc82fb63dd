package app

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi/ralendar"
	"github.com/fiveapis/backend/transport/tracing"
)

// Config is the whole server configuration, read from the environment by
// github.com/caarlos0/env: every key is an `env` tag below, with its default
// in `envDefault`. docs/config.md documents every key, and
// TestConfigKeysAreDocumented keeps the two lists equal. The settings of each
// API or adapter live in their own section.
type Config struct {
	HTTP     HTTPConfig
	Database DatabaseConfig
	Admin    AdminConfig
	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level `env:"LOG_LEVEL" envDefault:"info"`
	// SecretKey signs tokens, card codes and download links. Empty: a random
	// key is generated once and kept in the database.
	SecretKey string `env:"SECRET_KEY"`
	// RedisURL is the shared limiter store; empty: limits per process.
	RedisURL string `env:"REDIS_URL" envDefault:"redis://127.0.0.1:6379/0"`
	// DataDir holds generated and uploaded files and a private PostgreSQL.
	DataDir string `env:"DATA_DIR" envDefault:"var"`

	Mail     MailConfig
	Identity IdentityConfig
	OAuth    OAuthConfig
	Cards    CardsConfig
	Ralendar RalendarConfig
	// RalendarOAuth binds Ralendar accounts of another deployment.
	RalendarOAuth RalendarOAuthConfig
	Roamio        RoamioConfig
	Travel        TravelConfig
	Magpie        MagpieConfig
	Ops           OpsConfig
	NATS          NATSConfig
	// Tracing is OpenTelemetry tracing (off without an endpoint).
	Tracing tracing.Config
}

// HTTPConfig is the HTTP edge.
type HTTPConfig struct {
	// Addr is where the API listens.
	Addr string `env:"HTTP_ADDR" envDefault:":8080"`
	// PublicURL is the base of absolute links in answers; empty: derived
	// from each request. A trailing slash is dropped.
	PublicURL string `env:"PUBLIC_URL"`
	// ConsistencyWait bounds how long a command waits for the projections
	// its events feed before it answers.
	ConsistencyWait time.Duration `env:"CONSISTENCY_WAIT" envDefault:"2s"`
	// DebugAddr, when set, serves net/http/pprof on its own listener.
	DebugAddr string `env:"DEBUG_ADDR"`
	// ReadTimeout bounds reading a whole request, WriteTimeout a handler
	// and its answer (the event stream lifts it), IdleTimeout a kept-alive
	// connection between requests.
	ReadTimeout  time.Duration `env:"HTTP_READ_TIMEOUT" envDefault:"60s"`
	WriteTimeout time.Duration `env:"HTTP_WRITE_TIMEOUT" envDefault:"90s"`
	IdleTimeout  time.Duration `env:"HTTP_IDLE_TIMEOUT" envDefault:"120s"`
}

// DatabaseConfig selects the read-model database and the event log.
type DatabaseConfig struct {
	// URL is the PostgreSQL holding read models and, unless EventStoreURL
	// is set, the event log. Empty: 127.0.0.1:5432 when it answers, else a
	// private server.
	URL string `env:"DATABASE_URL"`
	// EventStoreURL selects EventStoreDB as the event log (esdb://…).
	EventStoreURL string `env:"EVENTSTORE_URL"`
	// PoolMaxConns caps the pool of requests, appends and adapters (unless
	// URL sets pool_max_conns), EngineMaxConns the projection engine's own
	// pool; the engine and the event store hold three more connections of
	// their own (docs/runbook.md, "Connection budget").
	PoolMaxConns   int `env:"DB_POOL_MAX_CONNS" envDefault:"12"`
	EngineMaxConns int `env:"DB_ENGINE_MAX_CONNS" envDefault:"6"`
	// IdleTimeout closes a pooled connection unused this long.
	IdleTimeout time.Duration `env:"DB_IDLE_TIMEOUT" envDefault:"1m"`
}

// AdminConfig is the bootstrap admin account, created at start when
// Password is set.
type AdminConfig struct {
	Username string `env:"ADMIN_USERNAME" envDefault:"admin"`
	Password string `env:"ADMIN_PASSWORD"`
}

// MailConfig is the SMTP relay and the delivery policy of mail reactions.
type MailConfig struct {
	// SMTPAddr is host:port; empty disables sending.
	SMTPAddr     string `env:"SMTP_ADDR"`
	SMTPFrom     string `env:"SMTP_FROM" envDefault:"noreply@localhost"`
	SMTPUsername string `env:"SMTP_USERNAME"`
	SMTPPassword string `env:"SMTP_PASSWORD"`
	SMTPStartTLS bool   `env:"SMTP_STARTTLS" envDefault:"true"`
	// MaxAttempts per mail before the engine parks it (projection.parked),
	// and the first pause between attempts (doubled each time): the mail
	// reactions' retry settings.
	MaxAttempts  int           `env:"MAIL_MAX_ATTEMPTS" envDefault:"5"`
	RetryBackoff time.Duration `env:"MAIL_RETRY_BACKOFF" envDefault:"1s"`
}

// IdentityConfig limits password attempts wherever a password is checked.
type IdentityConfig struct {
	// LoginLimitPerAccount and LoginLimitPerIP cap password attempts in any
	// 15 minutes; 0 disables.
	LoginLimitPerAccount int `env:"LOGIN_LIMIT_PER_ACCOUNT" envDefault:"10"`
	LoginLimitPerIP      int `env:"LOGIN_LIMIT_PER_IP" envDefault:"100"`
	// RateLimitNamespace prefixes the limiters' Redis keys.
	RateLimitNamespace string `env:"RATE_LIMIT_NAMESPACE"`
}

// OAuthConfig holds the external login providers; each is off without its
// app id.
type OAuthConfig struct {
	// WeChat mini-program code exchange of 001.
	WeChatAppID     string `env:"WECHAT_APP_ID"`
	WeChatAppSecret string `env:"WECHAT_APP_SECRET"`
	WeChatAPIURL    string `env:"WECHAT_API_URL" envDefault:"https://api.weixin.qq.com"`
	// AcWing OAuth2 of Ralendar.
	AcWingAppID     string `env:"ACWING_APP_ID"`
	AcWingAppSecret string `env:"ACWING_APP_SECRET"`
	AcWingAPIURL    string `env:"ACWING_API_URL" envDefault:"https://www.acwing.com"`
	// QQ Connect of Roamio and Ralendar.
	QQAppID       string `env:"QQ_APP_ID"`
	QQAppKey      string `env:"QQ_APP_KEY"`
	QQAPIURL      string `env:"QQ_API_URL" envDefault:"https://graph.qq.com"`
	QQRedirectURI string `env:"QQ_REDIRECT_URI"`
	// RalendarQQRedirectURI is Ralendar's own QQ callback (its Android
	// client catches it in its WebView); empty: QQRedirectURI.
	RalendarQQRedirectURI string `env:"RALENDAR_QQ_REDIRECT_URI"`
}

// RalendarConfig is Ralendar's calendar (000, /api/).
type RalendarConfig struct {
	// ReminderInterval is how often the reminder job looks for reminders
	// that became due (a reminder is mailed at most this late).
	ReminderInterval time.Duration `env:"RALENDAR_REMINDER_INTERVAL" envDefault:"30s"`
	// SyncAPIKey is the system key of POST /api/sync/user-info/; empty:
	// the route is not served.
	SyncAPIKey string `env:"RALENDAR_SYNC_API_KEY"`
}

// RalendarOAuthConfig is the binding of Ralendar accounts across
// deployments: as a client, Roamio's users bind accounts of the Ralendar
// at BaseURL (OAuth 2.0 authorization code, this server registered there
// as ClientID) and their trips sync to the default one; as a provider,
// this Ralendar lets the ServerClients (Roamios of other deployments) bind
// its accounts.
type RalendarOAuthConfig struct {
	// BaseURL is the other Ralendar's API root (https://host/api); empty:
	// no binding (the /ralendar-oauth/ routes answer 404 NOT_CONFIGURED).
	BaseURL string `env:"RALENDAR_OAUTH_BASE_URL"`
	// AuthorizeURL is its users' authorize page (default: BaseURL's
	// origin + /oauth/authorize/, Ralendar's web client).
	AuthorizeURL string `env:"RALENDAR_OAUTH_AUTHORIZE_URL"`
	ClientID     string `env:"RALENDAR_OAUTH_CLIENT_ID"`
	ClientSecret string `env:"RALENDAR_OAUTH_CLIENT_SECRET"`
	// RedirectURI is the Roamio web client's callback page, as registered
	// at the other Ralendar.
	RedirectURI string `env:"RALENDAR_OAUTH_REDIRECT_URI"`
	// Timeout bounds each call to it; BreakerFailures consecutive failures
	// stop calling it for BreakerCooldown (answered 503 at once).
	Timeout         time.Duration `env:"RALENDAR_OAUTH_TIMEOUT" envDefault:"5s"`
	BreakerFailures int           `env:"RALENDAR_OAUTH_BREAKER_FAILURES" envDefault:"3"`
	BreakerCooldown time.Duration `env:"RALENDAR_OAUTH_BREAKER_COOLDOWN" envDefault:"30s"`
	// Required makes a bound account necessary for a trip sync
	// (NO_RALENDAR_ACCOUNT without one); otherwise a user without one
	// syncs into this deployment's own calendar.
	Required bool `env:"RALENDAR_OAUTH_REQUIRED" envDefault:"false"`
	// ServerClients are the applications this Ralendar's provider
	// (/api/oauth/…) accepts: "client_id:client_secret:redirect_uri[|redirect_uri…]",
	// comma separated; empty: no provider.
	ServerClients []string `env:"RALENDAR_OAUTH_SERVER_CLIENTS" envSeparator:","`
}

// OAuthClients parses ServerClients.
func (c RalendarOAuthConfig) OAuthClients() ([]ralendar.OAuthClient, error) {
	var out []ralendar.OAuthClient
	for _, entry := range c.ServerClients {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		parts := strings.SplitN(entry, ":", 3)
		if len(parts) != 3 || parts[0] == "" || len(parts[1]) < 16 {
			return nil, errors.New("RALENDAR_OAUTH_SERVER_CLIENTS: want client_id:client_secret(16+ characters):redirect_uri[|…]")
		}
		cl := ralendar.OAuthClient{ID: parts[0], Secret: parts[1]}
		for _, u := range strings.Split(parts[2], "|") {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return nil, fmt.Errorf("RALENDAR_OAUTH_SERVER_CLIENTS: client %s: redirect URI %q is not http(s)", cl.ID, u)
			}
			cl.RedirectURIs = append(cl.RedirectURIs, u)
		}
		out = append(out, cl)
	}
	return out, nil
}

// validate reports the binding's invalid settings.
func (c RalendarOAuthConfig) validate() []error {
	var errs []error
	if u := c.BaseURL; u != "" {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			errs = append(errs, fmt.Errorf("RALENDAR_OAUTH_BASE_URL: want http(s)://host[:port]/api, got %q", u))
		}
		if c.ClientID == "" || c.ClientSecret == "" || c.RedirectURI == "" {
			errs = append(errs, errors.New("RALENDAR_OAUTH_CLIENT_ID, RALENDAR_OAUTH_CLIENT_SECRET, RALENDAR_OAUTH_REDIRECT_URI: required with RALENDAR_OAUTH_BASE_URL"))
		}
	} else if c.Required {
		errs = append(errs, errors.New("RALENDAR_OAUTH_REQUIRED: needs RALENDAR_OAUTH_BASE_URL"))
	}
	if c.Timeout <= 0 || c.BreakerCooldown <= 0 {
		errs = append(errs, errors.New("RALENDAR_OAUTH_TIMEOUT, RALENDAR_OAUTH_BREAKER_COOLDOWN: want a positive duration such as 5s"))
	}
	if c.BreakerFailures < 1 {
		errs = append(errs, fmt.Errorf("RALENDAR_OAUTH_BREAKER_FAILURES: at least 1, got %d", c.BreakerFailures))
	}
	if _, err := c.OAuthClients(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// CardsConfig is the card API's (002).
type CardsConfig struct {
	// UseLimitPerUser and UseLimitPerIP cap card-use attempts per minute; 0
	// disables.
	UseLimitPerUser int `env:"CARD_USE_LIMIT_PER_USER" envDefault:"120"`
	UseLimitPerIP   int `env:"CARD_USE_LIMIT_PER_IP" envDefault:"600"`
}

// RoamioConfig is Roamio's (000, /api/v1/) conventions.
type RoamioConfig struct {
	// CORSOrigins may call /api/v1/ from a browser, with credentials.
	CORSOrigins []string `env:"ROAMIO_CORS_ORIGINS" envSeparator:"," envDefault:"https://roamio.com,https://www.roamio.com,https://app7626.acapp.acwing.com.cn,https://www.acwing.com"`
	// AnonymousPerHour and UserPerHour cap /api/v1/ requests in any hour
	// per anonymous address and per user, across processes (0: no cap).
	AnonymousPerHour int `env:"ROAMIO_ANON_REQUESTS_PER_HOUR" envDefault:"100"`
	UserPerHour      int `env:"ROAMIO_USER_REQUESTS_PER_HOUR" envDefault:"1000"`
	// WebhookMaxAttempts is how many times a trip change is delivered to
	// one endpoint before that delivery is parked; WebhookBackoff the first
	// pause between attempts (doubled after each); WebhookTimeout bounds one
	// delivery; WebhookPoll is how often the endpoints' queues are sent.
	WebhookMaxAttempts int           `env:"ROAMIO_WEBHOOK_MAX_ATTEMPTS" envDefault:"8"`
	WebhookBackoff     time.Duration `env:"ROAMIO_WEBHOOK_BACKOFF" envDefault:"2s"`
	WebhookTimeout     time.Duration `env:"ROAMIO_WEBHOOK_TIMEOUT" envDefault:"5s"`
	WebhookPoll        time.Duration `env:"ROAMIO_WEBHOOK_POLL" envDefault:"1s"`
}

// TravelConfig is the travel app's (004).
type TravelConfig struct {
	// AllowNoCaptcha honours the "no_captcha" flag (debug only).
	AllowNoCaptcha bool `env:"TRAVEL_ALLOW_NO_CAPTCHA" envDefault:"false"`
	// AlbumWorkers is how many album and long-image jobs render at once
	// across every server process (one worker reaction per shard).
	AlbumWorkers int `env:"TRAVEL_ALBUM_WORKERS" envDefault:"2"`
	// AlbumStale is how long a queued or working job may go without
	// progress before a start queues it again.
	AlbumStale time.Duration `env:"TRAVEL_ALBUM_STALE" envDefault:"10m"`
	// AlbumTTL is how long a job may go unchanged before it expires (−2,
	// files deleted); AlbumExpireEvery how often the expiry job runs.
	AlbumTTL         time.Duration `env:"TRAVEL_ALBUM_TTL" envDefault:"168h"`
	AlbumExpireEvery time.Duration `env:"TRAVEL_ALBUM_EXPIRE_EVERY" envDefault:"1h"`
	// AlbumWidth is the long image's width and the album's (its height
	// 9/16 of it); AlbumSlide how long each picture shows in the album.
	AlbumWidth int           `env:"TRAVEL_ALBUM_WIDTH" envDefault:"720"`
	AlbumSlide time.Duration `env:"TRAVEL_ALBUM_SLIDE" envDefault:"2s"`
	// Font is the CJK font of the captions (empty: Debian's
	// fonts-wqy-microhei or another found at its usual place); FFmpeg and
	// FFprobe the programs (empty: found on PATH).
	Font    string `env:"TRAVEL_FONT"`
	FFmpeg  string `env:"TRAVEL_FFMPEG"`
	FFprobe string `env:"TRAVEL_FFPROBE"`
	// Storage keeps the album and long-image jobs' uploads and results:
	// "disk" (under DATA_DIR/albums/<job id>/) or "s3" (the bucket of S3,
	// needed when several server processes share no disk).
	Storage string `env:"TRAVEL_STORAGE" envDefault:"disk"`
	// S3 is the S3-compatible service when Storage is "s3".
	S3 TravelS3Config
	// MaxFileBytes bounds a job file the worker reads back (an upload or a
	// result).
	MaxFileBytes int64 `env:"TRAVEL_MAX_FILE_BYTES" envDefault:"268435456"`
	// ModelServerURL is the model server of /api/weather, /api/style and
	// /api/fsrcnn (transport/models/modelserver); empty: none, those
	// routes refuse.
	ModelServerURL string `env:"TRAVEL_MODEL_SERVER_URL"`
	// ModelServerTimeout bounds one call of the model server.
	ModelServerTimeout time.Duration `env:"TRAVEL_MODEL_SERVER_TIMEOUT" envDefault:"60s"`
}

// MagpieConfig is Magpie's (003).
type MagpieConfig struct {
	// AppSecret verifies app_key_verify when the app creates users; empty:
	// creation from the app is refused.
	AppSecret string `env:"MAGPIE_APP_SECRET"`
	// Storage keeps ticket files: "disk" (under DATA_DIR/magpie, the
	// server signing its own upload and download URLs) or "s3".
	Storage string `env:"MAGPIE_STORAGE" envDefault:"disk"`
	// S3 is the S3-compatible service when Storage is "s3".
	S3 MagpieS3Config
	// URLTTL is how long a presigned upload or download URL lasts.
	URLTTL time.Duration `env:"MAGPIE_URL_TTL" envDefault:"168h"`
	// UploadTTL is how long an announced file may wait for its upload
	// (save_done) before the cleanup job discards it.
	UploadTTL time.Duration `env:"MAGPIE_UPLOAD_TTL" envDefault:"48h"`
	// MaxPictureBytes and MaxTapeBytes bound an uploaded picture and
	// recording.
	MaxPictureBytes int64 `env:"MAGPIE_MAX_PICTURE_BYTES" envDefault:"10485760"`
	MaxTapeBytes    int64 `env:"MAGPIE_MAX_TAPE_BYTES" envDefault:"20971520"`
	// CORSOrigins may upload from a browser (set on the S3 bucket at start;
	// the disk storage answers any origin).
	CORSOrigins []string `env:"MAGPIE_CORS_ORIGINS" envSeparator:","`
}

// MagpieS3Config is the S3-compatible object storage of 003's files.
type MagpieS3Config struct {
	Endpoint  string `env:"MAGPIE_S3_ENDPOINT"`
	UseSSL    bool   `env:"MAGPIE_S3_USE_SSL" envDefault:"true"`
	Region    string `env:"MAGPIE_S3_REGION" envDefault:"us-east-1"`
	Bucket    string `env:"MAGPIE_S3_BUCKET"`
	AccessKey string `env:"MAGPIE_S3_ACCESS_KEY"`
	SecretKey string `env:"MAGPIE_S3_SECRET_KEY"`
	Prefix    string `env:"MAGPIE_S3_PREFIX"`
}

// TravelS3Config is the S3-compatible object storage of 004's job files
// (keys <prefix>/<job id>/<sha256>.<ext>).
type TravelS3Config struct {
	Endpoint  string `env:"TRAVEL_S3_ENDPOINT"`
	UseSSL    bool   `env:"TRAVEL_S3_USE_SSL" envDefault:"true"`
	Region    string `env:"TRAVEL_S3_REGION" envDefault:"us-east-1"`
	Bucket    string `env:"TRAVEL_S3_BUCKET"`
	AccessKey string `env:"TRAVEL_S3_ACCESS_KEY"`
	SecretKey string `env:"TRAVEL_S3_SECRET_KEY"`
	Prefix    string `env:"TRAVEL_S3_PREFIX" envDefault:"albums"`
}

// OpsConfig is what operators and consumers outside the process see.
type OpsConfig struct {
	// ReadyMaxLag is the most events a projection may be behind the log
	// while GET /readyz still answers ready.
	ReadyMaxLag int `env:"READY_MAX_LAG" envDefault:"1000"`
	// EventStreamConsumers may read GET /events/stream besides admins.
	EventStreamConsumers StreamConsumers `env:"EVENT_STREAM_CONSUMERS"`
}

// NATSConfig configures the JetStream publisher (docs/config.md); empty URL:
// no publisher.
type NATSConfig struct {
	URL           string `env:"NATS_URL"`
	Stream        string `env:"NATS_STREAM" envDefault:"FIVEAPIS_EVENTS"`
	SubjectPrefix string `env:"NATS_SUBJECT_PREFIX" envDefault:"fiveapis.events"`
	// DuplicateWindow must cover the longest publisher outage.
	DuplicateWindow time.Duration `env:"NATS_DUPLICATE_WINDOW" envDefault:"10m"`
	// Categories and EventTypes filter what is published; empty: all.
	Categories []string `env:"NATS_CATEGORIES"`
	EventTypes []string `env:"NATS_EVENT_TYPES"`
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv in main)
// over the defaults, and validates it. A key set to the empty string counts
// as unset.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	keys, err := ConfigKeys()
	if err != nil {
		return c, err
	}
	environ := map[string]string{}
	for _, k := range keys {
		if v := getenv(k); v != "" {
			environ[k] = v
		}
	}
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return c, keyedErrors(err)
	}
	c.normalize()
	return c, c.Validate()
}

// ConfigKeys lists every environment key the configuration reads.
func ConfigKeys() ([]string, error) {
	params, err := configParams()
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(params))
	for i, p := range params {
		keys[i] = p.Key
	}
	return keys, nil
}

func configParams() ([]env.FieldParams, error) {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		return nil, fmt.Errorf("configuration keys: %w", err)
	}
	return params, nil
}

// DefaultConfig is the configuration of an empty environment.
func DefaultConfig() Config {
	c, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		panic("app: the defaults do not validate: " + err.Error())
	}
	return c
}

func (c *Config) normalize() {
	c.HTTP.PublicURL = strings.TrimRight(c.HTTP.PublicURL, "/")
	c.NATS.Categories = trimmed(c.NATS.Categories)
	c.NATS.EventTypes = trimmed(c.NATS.EventTypes)
}

// Validate reports every invalid setting, naming its key.
func (c Config) Validate() error {
	var errs []error
	if u := c.Database.EventStoreURL; u != "" && !strings.HasPrefix(u, "esdb://") && !strings.HasPrefix(u, "esdb+discover://") && !strings.HasPrefix(u, "kurrentdb://") {
		errs = append(errs, fmt.Errorf("EVENTSTORE_URL: want esdb://host:port?…, got %q", u))
	}
	if u := c.Travel.ModelServerURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		errs = append(errs, fmt.Errorf("TRAVEL_MODEL_SERVER_URL: want http(s)://host[:port][/path], got %q", u))
	}
	if p := c.Admin.Password; p != "" && len(p) < 8 {
		errs = append(errs, errors.New("ADMIN_PASSWORD: at least 8 characters"))
	}
	if w := c.Travel.AlbumWorkers; w < 1 || w > 64 {
		errs = append(errs, fmt.Errorf("TRAVEL_ALBUM_WORKERS: want 1 to 64, got %d", w))
	}
	if w := c.Travel.AlbumWidth; w < 64 || w > 4096 {
		errs = append(errs, fmt.Errorf("TRAVEL_ALBUM_WIDTH: want 64 to 4096, got %d", w))
	}
	for _, n := range []struct {
		key string
		v   int
	}{
		{"CARD_USE_LIMIT_PER_USER", c.Cards.UseLimitPerUser}, {"CARD_USE_LIMIT_PER_IP", c.Cards.UseLimitPerIP},
		{"LOGIN_LIMIT_PER_ACCOUNT", c.Identity.LoginLimitPerAccount}, {"LOGIN_LIMIT_PER_IP", c.Identity.LoginLimitPerIP},
		{"MAIL_MAX_ATTEMPTS", c.Mail.MaxAttempts}, {"READY_MAX_LAG", c.Ops.ReadyMaxLag},
		{"ROAMIO_ANON_REQUESTS_PER_HOUR", c.Roamio.AnonymousPerHour}, {"ROAMIO_USER_REQUESTS_PER_HOUR", c.Roamio.UserPerHour},
		{"ROAMIO_WEBHOOK_MAX_ATTEMPTS", c.Roamio.WebhookMaxAttempts},
	} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("%s: want a whole number ≥ 0, got %d", n.key, n.v))
		}
	}
	if err := checkStorage("TRAVEL", c.Travel.Storage, c.Travel.S3.Endpoint, c.Travel.S3.Bucket); err != nil {
		errs = append(errs, err)
	}
	if c.Travel.MaxFileBytes < 0 {
		errs = append(errs, fmt.Errorf("TRAVEL_MAX_FILE_BYTES: want a whole number ≥ 0, got %d", c.Travel.MaxFileBytes))
	}
	if err := checkStorage("MAGPIE", c.Magpie.Storage, c.Magpie.S3.Endpoint, c.Magpie.S3.Bucket); err != nil {
		errs = append(errs, err)
	}
	if c.Magpie.MaxPictureBytes < 0 || c.Magpie.MaxTapeBytes < 0 {
		errs = append(errs, errors.New("MAGPIE_MAX_PICTURE_BYTES, MAGPIE_MAX_TAPE_BYTES: want ≥ 0"))
	}
	for _, d := range []struct {
		key      string
		v        time.Duration
		positive bool
	}{
		{"MAGPIE_URL_TTL", c.Magpie.URLTTL, false},
		{"MAGPIE_UPLOAD_TTL", c.Magpie.UploadTTL, false},
		{"CONSISTENCY_WAIT", c.HTTP.ConsistencyWait, false},
		{"HTTP_READ_TIMEOUT", c.HTTP.ReadTimeout, false},
		{"HTTP_WRITE_TIMEOUT", c.HTTP.WriteTimeout, false},
		{"HTTP_IDLE_TIMEOUT", c.HTTP.IdleTimeout, false},
		{"MAIL_RETRY_BACKOFF", c.Mail.RetryBackoff, true},
		{"ROAMIO_WEBHOOK_BACKOFF", c.Roamio.WebhookBackoff, false},
		{"ROAMIO_WEBHOOK_TIMEOUT", c.Roamio.WebhookTimeout, false},
		{"ROAMIO_WEBHOOK_POLL", c.Roamio.WebhookPoll, true},
		{"TRAVEL_ALBUM_STALE", c.Travel.AlbumStale, true},
		{"TRAVEL_ALBUM_TTL", c.Travel.AlbumTTL, true},
		{"TRAVEL_ALBUM_EXPIRE_EVERY", c.Travel.AlbumExpireEvery, true},
		{"TRAVEL_ALBUM_SLIDE", c.Travel.AlbumSlide, true},
		{"NATS_DUPLICATE_WINDOW", c.NATS.DuplicateWindow, true},
		{"TRAVEL_MODEL_SERVER_TIMEOUT", c.Travel.ModelServerTimeout, true},
		{"RALENDAR_REMINDER_INTERVAL", c.Ralendar.ReminderInterval, true},
	} {
		if d.v < 0 || d.positive && d.v == 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as 2s, got %s", d.key, d.v))
		}
	}
	errs = append(errs, c.RalendarOAuth.validate()...)
	if k := c.Ralendar.SyncAPIKey; k != "" && len(k) < 16 {
		errs = append(errs, errors.New("RALENDAR_SYNC_API_KEY: at least 16 characters"))
	}
	if c.Database.PoolMaxConns < 2 {
		errs = append(errs, fmt.Errorf("DB_POOL_MAX_CONNS: at least 2, got %d", c.Database.PoolMaxConns))
	}
	if c.Database.EngineMaxConns < 1 {
		errs = append(errs, fmt.Errorf("DB_ENGINE_MAX_CONNS: at least 1, got %d", c.Database.EngineMaxConns))
	}
	if c.Database.IdleTimeout < 0 {
		errs = append(errs, fmt.Errorf("DB_IDLE_TIMEOUT: want a duration such as 1m, got %s", c.Database.IdleTimeout))
	}
	if err := c.Tracing.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, cat := range c.NATS.Categories {
		if !eventlog.ValidCategory(cat) {
			errs = append(errs, fmt.Errorf("NATS_CATEGORIES: invalid category %q", cat))
		}
	}
	return errors.Join(errs...)
}

// keyedErrors rewrites the library's parse errors, which name struct fields,
// to name the environment keys an operator sets.
func keyedErrors(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	keys := map[string]string{}
	fieldKeys(reflect.TypeFor[Config](), keys)
	out := make([]error, len(agg.Errors))
	for i, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) && keys[pe.Name] != "" {
			out[i] = fmt.Errorf("%s: %w", keys[pe.Name], pe.Err)
			continue
		}
		out[i] = e
	}
	return errors.Join(out...)
}

// fieldKeys maps the configuration's field names to their keys.
func fieldKeys(t reflect.Type, into map[string]string) {
	for f := range t.Fields() {
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("env") == "" {
			fieldKeys(f.Type, into)
			continue
		}
		if key, _, _ := strings.Cut(f.Tag.Get("env"), ","); key != "" {
			if prev, seen := into[f.Name]; seen && prev != key {
				key = "" // two sections share the field name: say nothing
			}
			into[f.Name] = key
		}
	}
}

func trimmed(in []string) []string {
	var out []string
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// checkStorage checks <prefix>_STORAGE (disk or s3) and, for s3, that its
// endpoint and bucket are set.
func checkStorage(prefix, storage, endpoint, bucket string) error {
	switch storage {
	case "", "disk":
		return nil
	case "s3":
		if endpoint == "" || bucket == "" {
			return fmt.Errorf("%[1]s_S3_ENDPOINT and %[1]s_S3_BUCKET: needed when %[1]s_STORAGE=s3", prefix)
		}
		return nil
	}
	return fmt.Errorf("%s_STORAGE: want disk or s3, got %q", prefix, storage)
}
