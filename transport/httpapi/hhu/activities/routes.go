// Package activitieshttp serves 001's activities and enrollments in the hhu
// dialect, with the enrollment records (报名记录) filtered by clock-in labels.
package activitieshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	activitiescmd "github.com/fiveapis/backend/commands/activities"
	activitiesq "github.com/fiveapis/backend/queries/activities"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Commands is what the routes need of the commands (activitiescmd.Handlers).
type Commands interface {
	CreateActivity(ctx context.Context, cmd activitiescmd.CreateActivity) (activitiescmd.ActivityResult, error)
	ChangeActivity(ctx context.Context, cmd activitiescmd.ChangeActivity) (activitiescmd.ActivityResult, error)
	RemoveActivity(ctx context.Context, cmd activitiescmd.RemoveActivity) (activitiescmd.Result, error)
	Enroll(ctx context.Context, cmd activitiescmd.Enroll) (activitiescmd.EnrollResult, error)
	Withdraw(ctx context.Context, cmd activitiescmd.Withdraw) (activitiescmd.Result, error)
}

// Queries is what the routes need of the read model (activitiesq.Queries).
type Queries interface {
	ListActivities(ctx context.Context, l activitiesq.ListActivities) (activitiesq.List[activitiesq.ActivityItem], error)
	GetActivity(ctx context.Context, id int64) (activitiesq.Activity, error)
	EnrollmentOf(ctx context.Context, activityID, userID int64) (activitiesq.Enrollment, error)
	MyEnrollments(ctx context.Context, userID int64, p activitiesq.Page) (activitiesq.List[activitiesq.Enrollment], error)
	GetEnrollment(ctx context.Context, id int64) (activitiesq.Enrollment, error)
	Records(ctx context.Context, activityID int64) ([]activitiesq.Record, error)
}

// ClockInLabels is what the enrollment records need of the clock-in module:
// the labels of the clock-in items each user clocked in at, and the labels of
// an activity's items.
type ClockInLabels interface {
	ClockedLabels(ctx context.Context, activityID int64) (map[int64][]string, error)
	Labels(ctx context.Context, activityID int64) ([]string, error)
}

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	// ClockIns serves the records' clock-in labels; nil means no clock-in
	// module: nobody clocked in at anything, and filters are read over no
	// labels.
	ClockIns ClockInLabels
	Clock    hhu.Clock
	// Zone is the time zone of times without an offset and of the answers'
	// times (001: UTC+8; default UTC).
	Zone *time.Location
}

// Handlers serve the routes.
type Handlers struct {
	d Deps
}

// New returns the routes.
func New(d Deps) *Handlers {
	if d.Zone == nil {
		d.Zone = time.UTC
	}
	return &Handlers{d: d}
}

// Mount implements httpapi.Routes:
//
//	GET    /activities/                            activities, 20 a page, newest first (my=yes, search)
//	GET    /activities/{id}/                       one, with its form and the caller's enrollment
//	GET    /enrollments/                           my enrollments, 20 a page
//	POST   /enrollments/                           enroll {activity, answers}: 201, or 400 naming the field
//	GET    /enrollments/{id}/                      one of mine (admins: any)
//	DELETE /enrollments/{id}/                      withdraw (owner or admin): 204
//	GET    /api/admin/hhu/activities/              activities (admin), 20 a page
//	POST   /api/admin/hhu/activities/              create
//	GET|PUT|PATCH|DELETE /api/admin/hhu/activities/{id}/
//	GET    /api/admin/hhu/activities/{id}/enrollments/  报名记录, with ?filter= over clock-in labels
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user, admin := r.With(hhu.User), r.With(hhu.Admin)
	user.GET("/activities/", h.listActivities)
	user.GET("/activities/:id/", h.getActivity)
	user.GET("/enrollments/", h.myEnrollments)
	user.POST("/enrollments/", h.enroll)
	user.GET("/enrollments/:id/", h.getEnrollment)
	user.DELETE("/enrollments/:id/", h.withdraw)
	admin.GET("/api/admin/hhu/activities/", h.adminListActivities)
	admin.POST("/api/admin/hhu/activities/", h.createActivity)
	admin.GET("/api/admin/hhu/activities/:id/", h.getActivity)
	admin.PUT("/api/admin/hhu/activities/:id/", h.putActivity)
	admin.PATCH("/api/admin/hhu/activities/:id/", h.patchActivity)
	admin.DELETE("/api/admin/hhu/activities/:id/", h.removeActivity)
	admin.GET("/api/admin/hhu/activities/:id/enrollments/", h.records)
}
