package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// testDB makes a throw-away database on the local PostgreSQL.
func testDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	admin := "postgres://postgres@127.0.0.1:5432/postgres"
	if v := os.Getenv("CRUDPEER_TEST_DSN"); v != "" {
		admin = v
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Skipf("no PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("crudpeer_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Database = name
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		c, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(ctx)
		}
	})
	return db
}

func TestCardUse(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if err := createSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	secret := []byte("s3cret")
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"user_id": 7, "username": "u7",
		"exp": time.Now().Add(time.Hour).Unix()}).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range []string{"tx", "cte"} {
		t.Run(variant, func(t *testing.T) {
			if err := seedCards(ctx, db, 3); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `UPDATE crud_cards SET valid_until = now() - interval '1 hour' WHERE id = 3`); err != nil {
				t.Fatal(err)
			}
			e, err := newServer(db, secret, variant)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(e)
			defer srv.Close()
			post := func(auth, body string) (int, string) {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/card/cards/use/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if auth != "" {
					req.Header.Set("Authorization", "Bearer "+auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var v struct {
					Error struct{ Code, Field string }
				}
				_ = json.NewDecoder(resp.Body).Decode(&v)
				return resp.StatusCode, v.Error.Code + "/" + v.Error.Field
			}
			cases := []struct {
				auth, body string
				status     int
				code       string
			}{
				{tok, `{"card_code":"card-1"}`, 200, "/"},
				{tok, `{"card_code":"card-1"}`, 400, "CARD_ALREADY_USED/card_code"},
				{tok, `{"card_code":"card-9"}`, 404, "CARD_NOT_FOUND/card_code"},
				{tok, `{"card_code":"card-3"}`, 400, "CARD_EXPIRED/card_code"},
				{tok, `{"card_code":" "}`, 400, "VALIDATION_ERROR/card_code"},
				{tok, `{`, 400, "VALIDATION_ERROR/"},
				{"", `{"card_code":"card-2"}`, 401, "NOT_AUTHENTICATED/"},
				{tok + "x", `{"card_code":"card-2"}`, 401, "NOT_AUTHENTICATED/"},
			}
			for _, c := range cases {
				if st, code := post(c.auth, c.body); st != c.status || code != c.code {
					t.Errorf("%s: %d %s, want %d %s", c.body, st, code, c.status, c.code)
				}
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM crud_usage WHERE card_id = 1 AND user_id = 7`).Scan(&n); err != nil || n != 1 {
				t.Errorf("usage rows of card 1: %d (%v), want 1", n, err)
			}
		})
	}
}
