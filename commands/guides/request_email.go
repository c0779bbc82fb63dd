package guides

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
)

// RequestEmail is a user asking for a guide by e-mail
// (POST /guides/{id}/email/). The HTTP layer has checked that the user has an
// address; the mail worker looks it up again when it sends.
type RequestEmail struct {
	Actor   access.Actor
	GuideID int64
	Meta    eventlog.Metadata
}

// RequestEmail appends GuideEmailRequested to guidemail-<user id>, expecting
// the version read: of concurrent requests beyond the hourly limit, none
// gets through.
func (h *Handlers) RequestEmail(ctx context.Context, cmd RequestEmail) (Result, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	g, err := h.loadGuide(ctx, cmd.GuideID)
	if err != nil {
		return Result{}, err
	}
	if !g.Exists() {
		return Result{}, guides.ErrGuideNotFound
	}
	res, err := h.mails.ExecuteLast(ctx, guides.EmailStream(uid), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var prev eventlog.Event
		if last != nil {
			prev = last.Event
		}
		e, err := guides.RequestEmail(g, uid, guides.RecentFrom(prev), now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return Result{Position: res.Append.Position}, err
}
