-- An operator may replay a parked delivery: it goes back into its
-- endpoint's queue with a fresh budget of attempts. replays counts how often
-- that was done (attempts then counts the attempts since the last replay).

-- +goose Up
ALTER TABLE webhooks_state.deliveries ADD COLUMN replays int NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE webhooks_state.deliveries DROP COLUMN replays;
