-- Web sessions. Before these migrations the table was travel.sessions,
-- created by the travel routes; an existing one is moved here with its rows.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF to_regclass('travel.sessions') IS NOT NULL THEN
    ALTER TABLE travel.sessions SET SCHEMA sessions;
  ELSE
    CREATE TABLE sessions.sessions (
      id_hash         text PRIMARY KEY,
      user_id         bigint NOT NULL DEFAULT 0,
      captcha_hash    text NOT NULL DEFAULT '',
      captcha_expires timestamptz,
      reset_email     text NOT NULL DEFAULT '',
      reset_expires   timestamptz,
      expires_at      timestamptz NOT NULL
    );
    CREATE INDEX sessions_expires ON sessions.sessions (expires_at);
  END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE sessions.sessions;
