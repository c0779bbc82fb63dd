// Package activities holds the read model of 001's activities and
// enrollments (projector "activities"); queries/activities reads it through
// the views activities.activities and activities.enrollments.
package activities

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/projections/engine"
	activitiesq "github.com/fiveapis/backend/queries/activities"
)

// ProjectionName is the projector's name: commands and other modules (clock-in)
// wait for it to read their writes.
const ProjectionName = activitiesq.ProjectionName

// PersonalData opens enrollment answers sealed in the personal-data vault;
// an erased subject gives an error for which Erased reports true.
type PersonalData interface {
	Open(ctx context.Context, subject, sealed string) (string, error)
	Erased(err error) bool
}

// All returns the module's projectors; answers are opened with pd.
func All(pd PersonalData) []engine.Projector { return []engine.Projector{New(pd)} }

// Projector keeps one row per activity (removed ones flagged) with its
// number of enrollments, and one row per enrollment (withdrawn ones flagged)
// with its answers opened from the vault: {} once the user was erased (after
// a rebuild).
type Projector struct {
	pd PersonalData
}

// New returns the projector; answers are opened with pd.
func New(pd PersonalData) Projector { return Projector{pd: pd} }

func (Projector) Name() string { return ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	types := []string{identity.EventPersonalDataErased}
	for _, e := range activities.Events() {
		types = append(types, e.EventType())
	}
	return eventlog.Filter{Categories: []string{activities.Category, identity.UserCategory}, EventTypes: types}
}

func (Projector) Schema() string {
	return `
CREATE TABLE activities (
    id                bigint      PRIMARY KEY,
    title             text        NOT NULL,
    description       text        NOT NULL,
    location          text        NOT NULL,
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    participant_limit integer     NOT NULL,
    enrollment_open   boolean     NOT NULL,
    form              jsonb       NOT NULL,
    enrolled          integer     NOT NULL DEFAULT 0,
    removed           boolean     NOT NULL DEFAULT false,
    created_by        bigint      NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX activities_newest ON activities (created_at DESC, id DESC) WHERE NOT removed;

CREATE TABLE enrollments (
    id           bigint      PRIMARY KEY,
    activity_id  bigint      NOT NULL,
    user_id      bigint      NOT NULL,
    answers      jsonb       NOT NULL,
    withdrawn    boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    withdrawn_at timestamptz,
    withdrawn_by bigint
);
CREATE INDEX enrollments_activity ON enrollments (activity_id, id) WHERE NOT withdrawn;
CREATE INDEX enrollments_user ON enrollments (user_id, id) WHERE NOT withdrawn;
`
}

func (p Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case identity.PersonalDataErased:
		// The user's answers go (their keys are gone; a rebuild opens them
		// as {} anyway).
		_, err = tx.Exec(ctx, `UPDATE enrollments SET answers = '{}' WHERE user_id = $1`, e.UserID)
	case activities.ActivityCreated:
		var form []byte
		if form, err = marshalForm(e.Form); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
INSERT INTO activities (id, title, description, location, starts_at, ends_at, participant_limit, enrollment_open, form,
                        created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (id) DO NOTHING`,
			e.ActivityID, e.Title, e.Description, e.Location, e.StartsAt, e.EndsAt, e.ParticipantLimit, e.EnrollmentOpen, form,
			e.CreatedBy, e.CreatedAt)
	case activities.ActivityChanged:
		var form []byte
		if form, err = marshalForm(e.Form); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
UPDATE activities SET title = $2, description = $3, location = $4, starts_at = $5, ends_at = $6, participant_limit = $7,
       form = $8, updated_at = $9 WHERE id = $1`,
			e.ActivityID, e.Title, e.Description, e.Location, e.StartsAt, e.EndsAt, e.ParticipantLimit, form, e.ChangedAt)
	case activities.EnrollmentOpened:
		_, err = tx.Exec(ctx, `UPDATE activities SET enrollment_open = true, updated_at = $2 WHERE id = $1`, e.ActivityID, e.OpenedAt)
	case activities.EnrollmentClosed:
		_, err = tx.Exec(ctx, `UPDATE activities SET enrollment_open = false, updated_at = $2 WHERE id = $1`, e.ActivityID, e.ClosedAt)
	case activities.ActivityRemoved:
		_, err = tx.Exec(ctx, `UPDATE activities SET removed = true, updated_at = $2 WHERE id = $1`, e.ActivityID, e.RemovedAt)
	case activities.UserEnrolled:
		var answers []byte
		if answers, err = p.answers(ctx, e); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `
INSERT INTO enrollments (id, activity_id, user_id, answers, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO NOTHING`, e.EnrollmentID, e.ActivityID, e.UserID, answers, e.EnrolledAt); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE activities SET enrolled = $2 WHERE id = $1`, e.ActivityID, e.Enrolled)
	case activities.EnrollmentWithdrawn:
		if _, err = tx.Exec(ctx, `
UPDATE enrollments SET withdrawn = true, withdrawn_at = $2, withdrawn_by = $3 WHERE id = $1`,
			e.EnrollmentID, e.WithdrawnAt, e.WithdrawnBy); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE activities SET enrolled = $2 WHERE id = $1`, e.ActivityID, e.Enrolled)
	}
	return err
}

// answers opens an enrollment's sealed answers: a JSON object, {} when the
// user was erased or there is no vault.
func (p Projector) answers(ctx context.Context, e activities.UserEnrolled) ([]byte, error) {
	if e.AnswersRef == "" || p.pd == nil {
		return []byte("{}"), nil
	}
	plain, err := p.pd.Open(ctx, identity.UserDataSubject(e.UserID), e.AnswersRef)
	switch {
	case err != nil && p.pd.Erased(err):
		return []byte("{}"), nil
	case err != nil:
		return nil, fmt.Errorf("open answers of enrollment %d: %w", e.EnrollmentID, err)
	case !json.Valid([]byte(plain)):
		return nil, fmt.Errorf("answers of enrollment %d are not JSON", e.EnrollmentID)
	}
	return []byte(plain), nil
}

func marshalForm(form []activities.Field) ([]byte, error) {
	if form == nil {
		form = []activities.Field{}
	}
	b, err := json.Marshal(form)
	if err != nil {
		return nil, fmt.Errorf("activity form: %w", err)
	}
	return b, nil
}
