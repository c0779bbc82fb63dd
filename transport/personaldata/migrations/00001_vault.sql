-- Per-subject keys of erasable personal data, and the record of erasures.
-- Before these migrations the vault created them itself; IF NOT EXISTS
-- adopts such tables.

-- +goose Up
CREATE TABLE IF NOT EXISTS personaldata.subject_keys (
  subject    text PRIMARY KEY,
  key        bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS personaldata.erasures (
  subject   text PRIMARY KEY,
  erased_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE personaldata.erasures;
DROP TABLE personaldata.subject_keys;
