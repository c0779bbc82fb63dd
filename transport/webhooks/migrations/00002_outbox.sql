-- Deliveries become each endpoint's queue: the reaction enqueues a row per
-- endpoint and event (with the body to send), and the delivery job sends
-- each endpoint's oldest pending row when its next_at has come, so an
-- endpoint that is down delays only its own deliveries. seq keeps log order
-- per endpoint; parked marks a delivery given up after repeated failure.

-- +goose Up
ALTER TABLE webhooks_state.deliveries
    ADD COLUMN seq     bigserial,
    ADD COLUMN body    bytea,
    ADD COLUMN next_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN parked  boolean     NOT NULL DEFAULT false;
CREATE INDEX deliveries_pending ON webhooks_state.deliveries (endpoint_id, seq) WHERE NOT delivered AND NOT parked;

-- +goose Down
DROP INDEX webhooks_state.deliveries_pending;
ALTER TABLE webhooks_state.deliveries DROP COLUMN seq, DROP COLUMN body, DROP COLUMN next_at, DROP COLUMN parked;
