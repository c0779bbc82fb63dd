-- Settings the server keeps for itself (the generated secret key). Before
-- these migrations the table was app.settings, created at start; an
-- existing one is moved here with its rows.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF to_regclass('app.settings') IS NOT NULL THEN
    ALTER TABLE app.settings SET SCHEMA settings;
  ELSE
    CREATE TABLE settings.settings (key text PRIMARY KEY, value text NOT NULL);
  END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE settings.settings;
