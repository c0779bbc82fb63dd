package identity

import "github.com/fiveapis/backend/domain/fault"

// Refusals of an address binding (the Roamio web client's bind_email and
// change-email).
var (
	ErrNoEmailToChange = &fault.Error{Kind: fault.Invalid, Code: "NO_EMAIL_TO_CHANGE", Field: "new_email",
		Message: "您还未绑定邮箱,请先绑定邮箱"}
	ErrSameEmail = &fault.Error{Kind: fault.Invalid, Code: "SAME_EMAIL", Field: "new_email",
		Message: "新邮箱不能与当前邮箱相同"}
)

// CheckEmailBinding decides whether the user may take the address e proved
// by a code of purpose: bind_email sets an address (the first one, or the
// current one, which it then verifies); change_email replaces the current
// address by another one.
func (u *User) CheckEmailBinding(purpose string, e Email) error {
	switch {
	case e.IsZero():
		return fault.Invalidf("email", "This field may not be blank.")
	case purpose == PurposeBindEmail:
		return nil
	case purpose != PurposeChangeEmail:
		return ErrVerificationTokenInvalid
	case u.emailDigest == "":
		return ErrNoEmailToChange
	case e.Digest() == u.emailDigest:
		return ErrSameEmail
	}
	return nil
}
