-- Issued OAuth states. Before these migrations the table was created by the
-- states store itself; IF NOT EXISTS adopts such a table.

-- +goose Up
CREATE TABLE IF NOT EXISTS oauth.states (
  provider   text NOT NULL,
  state_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (provider, state_hash)
);
CREATE INDEX IF NOT EXISTS states_expires_at ON oauth.states (expires_at);
ALTER TABLE oauth.states ADD COLUMN IF NOT EXISTS browser_hash text NOT NULL DEFAULT '';

-- +goose Down
DROP TABLE oauth.states;
