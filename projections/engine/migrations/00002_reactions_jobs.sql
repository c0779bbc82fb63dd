-- Reactions and jobs join the projectors in the engine: one checkpoint table,
-- one parked table for every consumer, and a table of job runs. The state of
-- the consumers that kept their own tables before (the mail workers, the
-- JetStream publisher) is copied over, so that a running deployment neither
-- sends its mail again nor publishes the log again. The old tables are left
-- as they were.

-- +goose Up
-- A reaction's parked events have kind 'reaction'; events parked by the old
-- mail workers were stored without their data: ReplayParked reads them from
-- the store by stream and event id.
ALTER TABLE projection.parked
    ADD COLUMN kind text NOT NULL DEFAULT 'projector' CHECK (kind IN ('projector', 'reaction')),
    ALTER COLUMN version DROP NOT NULL,
    ALTER COLUMN data DROP NOT NULL,
    ALTER COLUMN metadata DROP NOT NULL,
    ALTER COLUMN recorded_at DROP NOT NULL;

-- One row per job: when its last run started and ended (by the engine's
-- clock) and how the last run failed, if it did.
CREATE TABLE projection.jobs (
    name             text        PRIMARY KEY,
    last_started_at  timestamptz,
    last_finished_at timestamptz,
    last_error       text,
    last_error_at    timestamptz,
    runs             bigint      NOT NULL DEFAULT 0,
    failures         bigint      NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Old checkpoints and parked deliveries, under the reactions' names: a mail
-- worker "mail-guides" is the reaction "mail_guides" (dashes become
-- underscores), the JetStream publisher keeps its name "jetstream". A
-- checkpoint already in projection.checkpoints is kept if it is further.
-- +goose StatementBegin
DO $$
BEGIN
    IF to_regclass('mail.checkpoints') IS NOT NULL THEN
        INSERT INTO projection.checkpoints (name, commit_pos, prepare_pos)
        SELECT replace(name, '-', '_'),
               split_part(btrim(position), '/', 1)::bigint,
               coalesce(nullif(split_part(btrim(position), '/', 2), ''), split_part(btrim(position), '/', 1))::bigint
          FROM mail.checkpoints
         WHERE btrim(position) ~ '^[0-9]+(/[0-9]+)?$'
        ON CONFLICT (name) DO UPDATE
           SET commit_pos = EXCLUDED.commit_pos, prepare_pos = EXCLUDED.prepare_pos, updated_at = now()
         WHERE (checkpoints.commit_pos, checkpoints.prepare_pos) < (EXCLUDED.commit_pos, EXCLUDED.prepare_pos);
    END IF;
    IF to_regclass('app.consumer_checkpoints') IS NOT NULL THEN
        INSERT INTO projection.checkpoints (name, commit_pos, prepare_pos)
        SELECT replace(name, '-', '_'), commit_pos, prepare_pos
          FROM app.consumer_checkpoints
        ON CONFLICT (name) DO UPDATE
           SET commit_pos = EXCLUDED.commit_pos, prepare_pos = EXCLUDED.prepare_pos, updated_at = now()
         WHERE (checkpoints.commit_pos, checkpoints.prepare_pos) < (EXCLUDED.commit_pos, EXCLUDED.prepare_pos);
    END IF;
    IF to_regclass('mail.parked') IS NOT NULL THEN
        INSERT INTO projection.parked
               (kind, projection, consumer, commit_pos, prepare_pos, event_id, stream_id, event_type,
                error, attempts, parked_at)
        SELECT 'reaction', replace(worker, '-', '_'), replace(worker, '-', '_'),
               split_part(btrim(position), '/', 1)::bigint,
               coalesce(nullif(split_part(btrim(position), '/', 2), ''), split_part(btrim(position), '/', 1))::bigint,
               event_id, stream_id, event_type, last_error, attempts, parked_at
          FROM mail.parked
         WHERE replayed_at IS NULL AND btrim(position) ~ '^[0-9]+(/[0-9]+)?$'
         ORDER BY id
        ON CONFLICT (consumer, event_id) DO NOTHING;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE projection.jobs;
DELETE FROM projection.parked WHERE kind = 'reaction' OR data IS NULL;
ALTER TABLE projection.parked
    DROP COLUMN kind,
    ALTER COLUMN version SET NOT NULL,
    ALTER COLUMN data SET NOT NULL,
    ALTER COLUMN metadata SET NOT NULL,
    ALTER COLUMN recorded_at SET NOT NULL;
