-- Deliveries of webhook announcements: one row per endpoint and event, the
-- attempts made and whether the endpoint acknowledged it. It is the
-- adapter's state (what a remote server answered), not rebuilt from the log.

-- +goose Up
CREATE TABLE webhooks_state.deliveries (
    endpoint_id  bigint      NOT NULL,
    event_id     text        NOT NULL,
    kind         text        NOT NULL,
    trip_id      bigint      NOT NULL,
    attempts     int         NOT NULL DEFAULT 0,
    last_status  int         NOT NULL DEFAULT 0,
    last_error   text        NOT NULL DEFAULT '',
    delivered    boolean     NOT NULL DEFAULT false,
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX deliveries_recent ON webhooks_state.deliveries (endpoint_id, first_at DESC);

-- +goose Down
DROP TABLE webhooks_state.deliveries;
