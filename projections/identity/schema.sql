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
    -- the current address was proved by a code (EmailVerified)
    email_verified boolean   NOT NULL DEFAULT false,
    is_admin     boolean     NOT NULL DEFAULT false,
    is_active    boolean     NOT NULL DEFAULT true,
    date_joined  timestamptz NOT NULL,
    last_login   timestamptz,
    -- Roamio profile (birthday opened from the personal-data vault)
    bio          text        NOT NULL DEFAULT '',
    tags         text        NOT NULL DEFAULT '',
    birthday     text        NOT NULL DEFAULT '',
    avatar_key   text        NOT NULL DEFAULT '',
    visited_countries text   NOT NULL DEFAULT '',
    -- 004: phone opened from the personal-data vault; gender 0/1/2; intro
    phone        text        NOT NULL DEFAULT '',
    gender       int         NOT NULL DEFAULT 0,
    intro        text        NOT NULL DEFAULT '',
    -- 003: SHA-256 of the current API key ('' when none)
    api_key_hash text        NOT NULL DEFAULT ''
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

CREATE TABLE social_accounts (
    user_id    bigint      NOT NULL,
    provider   text        NOT NULL,
    nickname   text        NOT NULL DEFAULT '',
    avatar_url text        NOT NULL DEFAULT '',
    bound_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, provider)
);

-- 001's address book: opened from the personal-data vault (empty once the
-- user's data is erased and the projection rebuilt).
CREATE TABLE contact_info (
    user_id    bigint      PRIMARY KEY,
    name       text        NOT NULL DEFAULT '',
    position   text        NOT NULL DEFAULT '',
    department text        NOT NULL DEFAULT '',
    qq         text        NOT NULL DEFAULT '',
    phone      text        NOT NULL DEFAULT '',
    mobile     text        NOT NULL DEFAULT '',
    -- the mini-program's fields (PUT /current-user/ and its meta page)
    first_name  text       NOT NULL DEFAULT '',
    last_name   text       NOT NULL DEFAULT '',
    wechat      text       NOT NULL DEFAULT '',
    description text       NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL
);
