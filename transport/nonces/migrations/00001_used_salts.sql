-- Salts of 003's digest logins that were used once. Before these migrations
-- the table was magpie.used_salts, created by the Magpie routes; an existing
-- one is moved here with its rows.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF to_regclass('magpie.used_salts') IS NOT NULL THEN
    ALTER TABLE magpie.used_salts SET SCHEMA nonces;
  ELSE
    CREATE TABLE nonces.used_salts (
      scope   text NOT NULL,
      salt    text NOT NULL,
      used_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, salt)
    );
  END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE nonces.used_salts;
