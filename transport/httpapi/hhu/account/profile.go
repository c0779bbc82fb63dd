package accounthttp

import (
	"errors"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// updateCurrentUser: PUT /current-user/ {first_name, last_name, email,
// department: id or null[, password]} → the account as GET answers it. The
// mini-program's profile page (silent in 001, the original's
// CurrentUserView): first_name and last_name are required and not blank,
// and make the entry's name (last_name + first_name, as the original's
// fullname); email may be null or blank (no address); department is a
// department's id (the entry's department, shown by name everywhere) or
// null; password, when given, is the new password (no old one: the Token
// proves the caller). Everything is checked before anything is recorded.
func (h *Handlers) updateCurrentUser(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	actor := httpapi.Actor(c)
	errs := drf.FieldErrors{}
	first, _ := f.Str("first_name", errs, false)
	last, _ := f.Str("last_name", errs, false)
	var email *string
	if f.Has("email") {
		e := ""
		if !f.IsNull("email") {
			e, _ = f.Str("email", errs, true)
		}
		if _, err := identity.NewEmail(e); err != nil {
			addFaults(errs, err)
		}
		email = &e
	}
	var department *string
	if f.Has("department") {
		d := ""
		if !f.IsNull("department") {
			id, _ := hhu.FormInt(f, "department", errs, true)
			if _, bad := errs["department"]; !bad {
				if err := h.checkDepartment(c, id); errors.Is(err, contactsq.ErrNotFound) {
					errs.Add("department", hhu.InvalidPK(id))
				} else if err != nil {
					return err
				}
			}
			d = strconv.FormatInt(id, 10)
		}
		department = &d
	}
	password, hasPassword := "", f.Has("password")
	if hasPassword {
		password, _ = f.Str("password", errs, false)
		if username, uerr := identity.NewUsername(actor.Username); uerr == nil && password != "" {
			if err := identity.ValidatePassword(password, username); err != nil {
				addFaults(errs, err)
			}
		}
	}
	info, err := h.entryOf(ctx, actor.UserID)
	if err != nil {
		return err
	}
	info.FirstName, info.LastName = strings.TrimSpace(first), strings.TrimSpace(last)
	info.Name = info.LastName + info.FirstName
	if department != nil {
		info.Department = *department
	}
	if err := info.Validate(); err != nil {
		addFaults(errs, err)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if email != nil {
		if _, err := h.d.Accounts.UpdateAccount(ctx, identitycmd.UpdateAccount{Meta: httpapi.EventMeta(c, h.d.Clock.Now()), Actor: actor,
			Email: email}); err != nil {
			return err
		}
	}
	if hasPassword {
		if _, err := h.d.Accounts.SetPassword(ctx, identitycmd.SetPassword{Meta: httpapi.EventMeta(c, h.d.Clock.Now()), Actor: actor,
			Password: password}); err != nil {
			return err
		}
	}
	if err := h.saveEntry(c, info); err != nil {
		return err
	}
	httpapi.Settle(c)
	return h.currentUser(c)
}

// addFaults records the field messages of a validation error.
func addFaults(errs drf.FieldErrors, err error) {
	if fields, ok := drf.FieldsOf(err); ok {
		for name, msgs := range fields {
			for _, m := range msgs {
				errs.Add(name, m)
			}
		}
	}
}

// checkDepartment is contactsq.ErrNotFound unless id names a department.
func (h *Handlers) checkDepartment(c echo.Context, id int64) error {
	if id <= 0 || h.d.Staff == nil {
		return contactsq.ErrNotFound
	}
	_, err := h.d.Staff.GetDepartment(c.Request().Context(), id)
	return err
}
