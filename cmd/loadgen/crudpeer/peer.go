package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
)

// schema is the peer's own reference tables (bench data, not product; the
// load generator's bench_ref is made the same way).
const schema = `
CREATE TABLE IF NOT EXISTS crud_cards (
	id          bigint PRIMARY KEY,
	code        text NOT NULL UNIQUE,
	valid_from  timestamptz NOT NULL,
	valid_until timestamptz NOT NULL,
	used_at     timestamptz,
	used_by     bigint
);
CREATE TABLE IF NOT EXISTS crud_usage (
	id         bigserial PRIMARY KEY,
	card_id    bigint NOT NULL REFERENCES crud_cards (id),
	user_id    bigint NOT NULL,
	username   text NOT NULL,
	ip_address text NOT NULL,
	user_agent text NOT NULL,
	used_at    timestamptz NOT NULL
);`

func createSchema(ctx context.Context, db *pgxpool.Pool) error {
	if _, err := db.Exec(ctx, schema); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	return nil
}

// seedCards empties the tables and inserts n unused cards card-1 … card-n,
// valid from a day ago for a year.
func seedCards(ctx context.Context, db *pgxpool.Pool, n int64) error {
	if _, err := db.Exec(ctx, `TRUNCATE crud_usage, crud_cards`); err != nil {
		return fmt.Errorf("empty tables: %w", err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO crud_cards (id, code, valid_from, valid_until)
		SELECT g, 'card-' || g, now() - interval '1 day', now() + interval '1 year' FROM generate_series(1, $1::bigint) g`, n); err != nil {
		return fmt.Errorf("seed %d cards: %w", n, err)
	}
	if _, err := db.Exec(ctx, `ANALYZE crud_cards`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// use is one card use: the writes of a variant for the card code by the
// user; it returns the card's id, or errNotFound / errUsed / errExpired.
type use func(ctx context.Context, code string, u user) (int64, error)

type user struct {
	ID                  int64
	Name, IP, UserAgent string
}

var (
	errNotFound = errors.New("CARD_NOT_FOUND")
	errUsed     = errors.New("CARD_ALREADY_USED")
	errExpired  = errors.New("CARD_EXPIRED")
)

const updateCard = `UPDATE crud_cards SET used_at = now(), used_by = $2
	WHERE code = $1 AND used_at IS NULL AND now() >= valid_from AND now() < valid_until RETURNING id`

// useTx is variant (a): BEGIN; UPDATE … RETURNING; INSERT; COMMIT.
func useTx(db *pgxpool.Pool) use {
	return func(ctx context.Context, code string, u user) (int64, error) {
		var id int64
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, updateCard, code, u.ID).Scan(&id); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return why(ctx, tx, code)
				}
				return fmt.Errorf("update card: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO crud_usage (card_id, user_id, username, ip_address, user_agent, used_at)
				VALUES ($1, $2, $3, $4, $5, now())`, id, u.ID, u.Name, u.IP, u.UserAgent); err != nil {
				return fmt.Errorf("insert usage: %w", err)
			}
			return nil
		})
		return id, err
	}
}

// useCTE is variant (b): the same writes in one statement.
func useCTE(db *pgxpool.Pool) use {
	return func(ctx context.Context, code string, u user) (int64, error) {
		var id int64
		err := db.QueryRow(ctx, `WITH c AS (`+updateCard+`)
			INSERT INTO crud_usage (card_id, user_id, username, ip_address, user_agent, used_at)
			SELECT id, $2, $3, $4, $5, now() FROM c RETURNING card_id`, code, u.ID, u.Name, u.IP, u.UserAgent).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, why(ctx, db, code)
		}
		if err != nil {
			return 0, fmt.Errorf("use card: %w", err)
		}
		return id, nil
	}
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// why tells a refused use's reason (only on the refusal path).
func why(ctx context.Context, q querier, code string) error {
	var used, inWindow bool
	err := q.QueryRow(ctx, `SELECT used_at IS NOT NULL, now() >= valid_from AND now() < valid_until FROM crud_cards WHERE code = $1`, code).Scan(&used, &inWindow)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errNotFound
	case err != nil:
		return fmt.Errorf("read card: %w", err)
	case used:
		return errUsed
	case !inWindow:
		return errExpired
	}
	return errUsed // used between the UPDATE and the read
}

// newServer serves POST /api/card/cards/use/ with the variant's writes.
func newServer(db *pgxpool.Pool, secret []byte, variant string) (*echo.Echo, error) {
	var u use
	switch variant {
	case "tx":
		u = useTx(db)
	case "cte":
		u = useCTE(db)
	default:
		return nil, fmt.Errorf("unknown variant %q (tx or cte)", variant)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	e.POST("/api/card/cards/use/", func(c echo.Context) error {
		tok, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok {
			return c.JSON(http.StatusUnauthorized, apiError("NOT_AUTHENTICATED", "", "missing bearer token"))
		}
		var claims struct {
			UserID   int64  `json:"user_id"`
			Username string `json:"username"`
			jwt.RegisteredClaims
		}
		if _, err := parser.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return secret, nil }); err != nil || claims.UserID == 0 {
			return c.JSON(http.StatusUnauthorized, apiError("NOT_AUTHENTICATED", "", "invalid token"))
		}
		var body struct {
			CardCode *string `json:"card_code"`
		}
		if err := c.Bind(&body); err != nil {
			return c.JSON(http.StatusBadRequest, apiError("VALIDATION_ERROR", "", "malformed JSON body"))
		}
		if body.CardCode == nil || strings.TrimSpace(*body.CardCode) == "" {
			return c.JSON(http.StatusBadRequest, apiError("VALIDATION_ERROR", "card_code", "不能为空"))
		}
		req := c.Request()
		who := user{ID: claims.UserID, Name: claims.Username, IP: c.RealIP(), UserAgent: req.UserAgent()}
		id, err := u(req.Context(), *body.CardCode, who)
		switch {
		case errors.Is(err, errNotFound):
			return c.JSON(http.StatusNotFound, apiError(err.Error(), "card_code", "card not found"))
		case errors.Is(err, errUsed), errors.Is(err, errExpired):
			return c.JSON(http.StatusBadRequest, apiError(err.Error(), "card_code", "card not usable"))
		case err != nil:
			c.Logger().Error(err)
			return c.JSON(http.StatusInternalServerError, apiError("INTERNAL", "", "internal error"))
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "data": map[string]any{
			"card": map[string]any{"id": id, "card_code": *body.CardCode}, "used_at": time.Now().UTC()}})
	})
	return e, nil
}

func apiError(code, field, msg string) map[string]any {
	e := map[string]any{"code": code, "message": msg}
	if field != "" {
		e["field"] = field
	}
	return map[string]any{"success": false, "error": e}
}
