-- +goose Up

CREATE SCHEMA IF NOT EXISTS eventstore;

-- The global log. position is drawn from the identity's sequence only while
-- the appending transaction holds the append lock (see the package
-- documentation of pgstore), so commit order equals position order. The
-- sequence must keep CACHE 1 (the default): a per-session cache would hand out
-- positions out of commit order. Gaps (rolled-back sequence values) are normal.
CREATE TABLE eventstore.events (
    position    bigint      GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
    event_id    uuid        NOT NULL,
    stream_id   text        NOT NULL,
    version     bigint      NOT NULL CHECK (version >= 0),
    category    text        NOT NULL,
    event_type  text        NOT NULL,
    data        bytea       NOT NULL,
    metadata    bytea       NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Idempotency: an event id is stored once.
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    -- Safety net behind the expected-version check done under the lock.
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
);

-- Filtered reads and subscriptions of the global log.
CREATE INDEX events_category_position_idx ON eventstore.events (category, position);
CREATE INDEX events_event_type_position_idx ON eventstore.events (event_type, position);

-- One row per stream that ever had an event: the version of its last event and
-- the soft-delete mark (versions below deleted_before are deleted; the events
-- stay in eventstore.events, the global log is never edited).
CREATE TABLE eventstore.streams (
    stream_id      text   PRIMARY KEY,
    last_version   bigint NOT NULL CHECK (last_version >= 0),
    deleted_before bigint NOT NULL DEFAULT 0 CHECK (deleted_before >= 0)
);

-- +goose Down

DROP TABLE eventstore.streams;
DROP TABLE eventstore.events;
