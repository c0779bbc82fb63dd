-- The identity read model. Unqualified names: the engine runs this in a
-- generation schema and exposes identity.users and identity.api_tokens.

CREATE TABLE users (
    id           bigint      PRIMARY KEY,
    username     text        NOT NULL,
    -- lowercased: usernames and e-mail addresses are unique case-insensitively
    username_key text        NOT NULL,
    email        text        NOT NULL DEFAULT '',
    email_key    text        NOT NULL DEFAULT '',
    has_password boolean     NOT NULL DEFAULT false,
    is_admin     boolean     NOT NULL DEFAULT false,
    is_active    boolean     NOT NULL DEFAULT true,
    date_joined  timestamptz NOT NULL,
    last_login   timestamptz
);

-- Not UNIQUE: uniqueness is decided by the claim streams; a projection must
-- never refuse an event.
CREATE INDEX users_username_key ON users (username_key);
CREATE INDEX users_email_key ON users (email_key) WHERE email_key <> '';

CREATE TABLE api_tokens (
    token_id      text        PRIMARY KEY,
    -- SHA-256 (hex) of the key; the key itself is never stored
    key_hash      text        NOT NULL,
    user_id       bigint      NOT NULL,
    issued_at     timestamptz NOT NULL,
    last_used     timestamptz,
    revoked       boolean     NOT NULL DEFAULT false,
    revoked_at    timestamptz,
    revoke_reason text
);

CREATE INDEX api_tokens_key_hash ON api_tokens (key_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
