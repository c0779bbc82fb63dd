package activities

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// Enroll is a user's enrollment (POST /enrollments/) with their raw answers
// to the activity's form (decoded JSON).
type Enroll struct {
	Actor      access.Actor
	ActivityID int64
	Answers    map[string]any
	Meta       eventlog.Metadata
}

// EnrollResult is the enrollment and where it landed.
type EnrollResult struct {
	Enrolled activities.UserEnrolled
	Position eventlog.Position
}

// Enroll decides an enrollment of a member of the staff or an
// administrator (access.ErrForbidden for any other account) on the
// activity's stream and appends UserEnrolled with the exact version read,
// its answers sealed under the user's personal-data subject. A request that is refused on the
// state first read (closed, full, already enrolled, bad answers) takes no id;
// one that may succeed takes an id from the "enrollment" sequence and is
// decided again on every reload, so a place taken meanwhile is seen.
func (h *Handlers) Enroll(ctx context.Context, cmd Enroll) (EnrollResult, error) {
	uid, err := handling.RequireMember(ctx, h.members, cmd.Actor)
	if err != nil {
		return EnrollResult{}, err
	}
	now := h.now(&cmd.Meta)
	req := activities.Request{UserID: uid, Answers: cmd.Answers}
	state, err := h.load(ctx, cmd.ActivityID)
	if err != nil {
		return EnrollResult{}, err
	}
	if _, err := activities.Enroll(state, req, now); err != nil {
		return EnrollResult{}, err
	}
	if req.EnrollmentID, err = h.allocate(ctx, activities.EnrollmentSequence, cmd.Meta); err != nil {
		return EnrollResult{}, fmt.Errorf("allocate enrollment id: %w", err)
	}
	var sealed struct{ plain, ref string } // the answers last sealed
	var enrolled activities.UserEnrolled
	res, err := h.runner.Execute(ctx, activities.Stream(cmd.ActivityID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if enrolled, err = activities.Enroll(activities.Fold(history), req, now); err != nil {
			return nil, err
		}
		// The form may have changed since the last attempt, and with it
		// the normalized answers: seal again only then.
		plain, err := json.Marshal(enrolled.Answers)
		if err != nil {
			return nil, fmt.Errorf("encode answers: %w", err)
		}
		if string(plain) != sealed.plain || sealed.ref == "" {
			ref, err := h.pd.Seal(ctx, identity.UserDataSubject(uid), string(plain))
			if err != nil {
				return nil, fmt.Errorf("seal answers of user %d: %w", uid, err)
			}
			sealed.plain, sealed.ref = string(plain), ref
		}
		enrolled.AnswersRef = sealed.ref
		return []eventlog.Event{enrolled}, nil
	})
	if err != nil {
		return EnrollResult{}, err
	}
	return EnrollResult{Enrolled: enrolled, Position: res.Append.Position}, nil
}
