package activities

import (
	"time"

	"github.com/fiveapis/backend/domain/fault"
)

// The refusals of an enrollment, with the messages 001's clients show. They
// name the field "activity" (a closed or full activity) or non_field_errors
// (already enrolled), as a DRF serializer's validate() would.
var (
	ErrNoSuchActivity   = &fault.Error{Kind: fault.Invalid, Code: "ACTIVITY_NOT_FOUND", Field: "activity", Message: "活动不存在"}
	ErrEnrollmentClosed = &fault.Error{Kind: fault.Invalid, Code: "ENROLLMENT_CLOSED", Field: "activity", Message: "该活动报名已关闭"}
	ErrActivityFull     = &fault.Error{Kind: fault.Invalid, Code: "ACTIVITY_FULL", Field: "activity", Message: "该活动报名人数已满"}
	ErrAlreadyEnrolled  = &fault.Error{Kind: fault.Conflict, Code: "ALREADY_ENROLLED", Field: "non_field_errors", Message: "您已报名该活动"}
)

// ErrEnrollmentNotFound answers a withdrawal of an enrollment that does not
// exist or is not the caller's.
var ErrEnrollmentNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")

// Request is a user's enrollment with their raw answers (decoded JSON).
type Request struct {
	EnrollmentID int64
	UserID       int64
	Answers      map[string]any
}

// Enroll decides an enrollment: the activity must exist and be open, the user
// not enrolled yet, the participant limit (if any) not reached, and the
// answers valid for the activity's form.
func Enroll(a Activity, req Request, now time.Time) (UserEnrolled, error) {
	switch {
	case !a.Exists():
		return UserEnrolled{}, ErrNoSuchActivity
	case !a.EnrollmentOpen:
		return UserEnrolled{}, ErrEnrollmentClosed
	}
	if _, ok := a.EnrollmentOf(req.UserID); ok {
		return UserEnrolled{}, ErrAlreadyEnrolled
	}
	if a.Full() {
		return UserEnrolled{}, ErrActivityFull
	}
	answers, err := CheckAnswers(a.Form, req.Answers)
	if err != nil {
		return UserEnrolled{}, err
	}
	return UserEnrolled{EnrollmentID: req.EnrollmentID, ActivityID: a.ID, UserID: req.UserID, Answers: answers,
		Enrolled: a.Enrolled() + 1, EnrolledAt: now}, nil
}

// Withdrawer is who withdraws an enrollment.
type Withdrawer struct {
	UserID  int64
	IsAdmin bool
}

// Withdraw decides the withdrawal of an enrollment by its user or an admin;
// it frees the enrollment's place. Others get ErrEnrollmentNotFound, as the
// enrollment is not theirs to see.
func Withdraw(a Activity, enrollmentID int64, by Withdrawer, now time.Time) (EnrollmentWithdrawn, error) {
	if !a.Exists() {
		return EnrollmentWithdrawn{}, ErrEnrollmentNotFound
	}
	for _, e := range a.enrollments {
		if e.ID != enrollmentID {
			continue
		}
		if e.UserID != by.UserID && !by.IsAdmin {
			return EnrollmentWithdrawn{}, ErrEnrollmentNotFound
		}
		return EnrollmentWithdrawn{EnrollmentID: e.ID, ActivityID: a.ID, UserID: e.UserID, WithdrawnBy: by.UserID,
			Enrolled: a.Enrolled() - 1, WithdrawnAt: now}, nil
	}
	return EnrollmentWithdrawn{}, ErrEnrollmentNotFound
}
