-- A pipelined batch sends BEGIN, the lock of its checkpoint, its statements,
-- the new checkpoint and COMMIT in one round trip (engine/onetrip.go). It
-- cannot look at the checkpoint before its statements run, so the lock
-- checks it on the server: when the checkpoint is not where the run last
-- left it (another writer moved it) or the generation is gone, the lock
-- fails, PostgreSQL skips the rest of the round trip, and nothing of the
-- batch is written.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION projection.lock_checkpoint(consumer text, search_path text, want_commit bigint, want_prepare bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c bigint;
    p bigint;
BEGIN
    SELECT commit_pos, prepare_pos INTO c, p FROM projection.checkpoints WHERE name = consumer FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'generation % is gone', consumer USING ERRCODE = 'PJ002';
    END IF;
    IF c <> want_commit OR p <> want_prepare THEN
        RAISE EXCEPTION 'checkpoint of % is at %/%, not %/%', consumer, c, p, want_commit, want_prepare USING ERRCODE = 'PJ001';
    END IF;
    -- As lockCheckpoint: the generation's schema, and no wait for the WAL flush.
    PERFORM set_config('search_path', search_path, true), set_config('synchronous_commit', 'off', true);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION projection.lock_checkpoint(text, text, bigint, bigint);
