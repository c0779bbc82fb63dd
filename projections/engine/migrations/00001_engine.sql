-- The projection engine's own tables. Read models live in schemas of their
-- own ("<name>" with views, "<name>__g<N>" with the tables of generation N).

-- +goose Up
CREATE TABLE projection.generations (
    projection   text        NOT NULL,
    generation   integer     NOT NULL,
    version      integer     NOT NULL,
    schema_name  text        NOT NULL UNIQUE,
    state        text        NOT NULL CHECK (state IN ('building', 'active', 'retired')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz,
    retired_at   timestamptz,
    PRIMARY KEY (projection, generation)
);
CREATE UNIQUE INDEX generations_one_active ON projection.generations (projection) WHERE state = 'active';
CREATE UNIQUE INDEX generations_one_building ON projection.generations (projection) WHERE state = 'building';

-- One row per consumer: a projector generation ("<name>__g<N>") or any other
-- checkpointed handler. The row of a generation exists exactly as long as the
-- generation; its absence tells a late runner that the generation is gone.
CREATE TABLE projection.checkpoints (
    name        text        PRIMARY KEY,
    commit_pos  bigint      NOT NULL,
    prepare_pos bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Events that kept failing, with everything needed to apply them again.
CREATE TABLE projection.parked (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection  text        NOT NULL,
    consumer    text        NOT NULL,
    commit_pos  bigint      NOT NULL,
    prepare_pos bigint      NOT NULL,
    event_id    text        NOT NULL,
    stream_id   text        NOT NULL,
    version     bigint      NOT NULL,
    event_type  text        NOT NULL,
    data        bytea       NOT NULL,
    metadata    bytea       NOT NULL,
    recorded_at timestamptz NOT NULL,
    error       text        NOT NULL,
    attempts    integer     NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer, event_id)
);
CREATE INDEX parked_projection ON projection.parked (projection, commit_pos, prepare_pos);

-- +goose Down
DROP TABLE projection.parked;
DROP TABLE projection.checkpoints;
DROP TABLE projection.generations;
