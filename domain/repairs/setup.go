package repairs

import (
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of the fields.
const (
	MaxCategoryNameLength = 64
	MaxEmailLength        = 254
)

// Errors of the configuration.
var (
	ErrCategoryNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrAddressNotFound  = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
)

// Category is a fault category.
type Category struct {
	ID      int64
	Name    string
	Removed bool
}

// Address is a notified address; no CategoryIDs means every category.
type Address struct {
	ID          int64
	Email       string
	CategoryIDs []int64
	Removed     bool
}

// Setup is the module's configuration, folded from the setup stream.
type Setup struct {
	Categories map[int64]Category
	Addresses  map[int64]Address
	lastCat    int64
	lastAddr   int64
}

// SetupFrom folds the setup stream's history.
func SetupFrom(history []eventlog.Envelope) Setup {
	s := Setup{Categories: map[int64]Category{}, Addresses: map[int64]Address{}}
	for _, env := range history {
		s.apply(env.Event)
	}
	return s
}

func (s *Setup) apply(e eventlog.Event) {
	switch e := e.(type) {
	case RepairCategoryAdded:
		s.Categories[e.CategoryID] = Category{ID: e.CategoryID, Name: e.Name}
		s.lastCat = max(s.lastCat, e.CategoryID)
	case RepairCategoryChanged:
		s.Categories[e.CategoryID] = Category{ID: e.CategoryID, Name: e.Name}
	case RepairCategoryRemoved:
		c := s.Categories[e.CategoryID]
		c.Removed = true
		s.Categories[e.CategoryID] = c
	case RepairNoticeAddressAdded:
		s.Addresses[e.AddressID] = Address{ID: e.AddressID, Email: e.Email, CategoryIDs: e.CategoryIDs}
		s.lastAddr = max(s.lastAddr, e.AddressID)
	case RepairNoticeAddressChanged:
		s.Addresses[e.AddressID] = Address{ID: e.AddressID, Email: e.Email, CategoryIDs: e.CategoryIDs}
	case RepairNoticeAddressRemoved:
		a := s.Addresses[e.AddressID]
		a.Removed = true
		s.Addresses[e.AddressID] = a
	}
}

// Category returns a live category.
func (s Setup) Category(id int64) (Category, bool) {
	c, ok := s.Categories[id]
	return c, ok && !c.Removed
}

// Recipients are the live addresses notified of a request of category id:
// those that list it and those that list none, sorted, without repeats.
func (s Setup) Recipients(categoryID int64) []string {
	var out []string
	for _, a := range s.Addresses {
		if !a.Removed && (len(a.CategoryIDs) == 0 || slices.Contains(a.CategoryIDs, categoryID)) {
			out = append(out, a.Email)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func checkName(s Setup, name string, self int64) error {
	switch {
	case name == "":
		return fault.Invalidf("name", "This field may not be blank.")
	case utf8.RuneCountInString(name) > MaxCategoryNameLength:
		return fault.Invalidf("name", "Ensure this field has no more than %d characters.", MaxCategoryNameLength)
	}
	for _, c := range s.Categories {
		if !c.Removed && c.ID != self && c.Name == name {
			return fault.Invalidf("name", "repair category with this name already exists.")
		}
	}
	return nil
}

// AddCategory decides a new category; its id is the next of the setup.
func AddCategory(s Setup, name string, now time.Time) (RepairCategoryAdded, error) {
	name = strings.TrimSpace(name)
	if err := checkName(s, name, 0); err != nil {
		return RepairCategoryAdded{}, err
	}
	return RepairCategoryAdded{CategoryID: s.lastCat + 1, Name: name, AddedAt: now}, nil
}

// RenameCategory decides a category's new name; the same name appends
// nothing.
func RenameCategory(s Setup, id int64, name string, now time.Time) (*RepairCategoryChanged, error) {
	c, ok := s.Category(id)
	if !ok {
		return nil, ErrCategoryNotFound
	}
	name = strings.TrimSpace(name)
	if err := checkName(s, name, id); err != nil {
		return nil, err
	}
	if name == c.Name {
		return nil, nil
	}
	return &RepairCategoryChanged{CategoryID: id, Name: name, ChangedAt: now}, nil
}

// RemoveCategory decides the removal of a category. Addresses that list it
// keep it in their list (an address listing only removed categories is
// notified of nothing, not of everything).
func RemoveCategory(s Setup, id int64, now time.Time) (RepairCategoryRemoved, error) {
	if _, ok := s.Category(id); !ok {
		return RepairCategoryRemoved{}, ErrCategoryNotFound
	}
	return RepairCategoryRemoved{CategoryID: id, RemovedAt: now}, nil
}

// AddressSpec is what an admin sets on an address.
type AddressSpec struct {
	Email       string
	CategoryIDs []int64
}

// AddressPatch is a partial edit: nil fields keep their value.
type AddressPatch struct {
	Email       *string
	CategoryIDs *[]int64
}

// NormalizeEmail trims an address and lowercases its domain.
func NormalizeEmail(e string) string {
	e = strings.TrimSpace(e)
	if i := strings.LastIndexByte(e, '@'); i >= 0 {
		e = e[:i] + strings.ToLower(e[i:])
	}
	return e
}

func (s Setup) checkAddress(spec AddressSpec, self int64) (AddressSpec, error) {
	var errs []error
	spec.Email = NormalizeEmail(spec.Email)
	switch {
	case spec.Email == "":
		errs = append(errs, fault.Invalidf("email", "This field may not be blank."))
	case len(spec.Email) > MaxEmailLength || !validEmail(spec.Email):
		errs = append(errs, fault.Invalidf("email", "Enter a valid email address."))
	default:
		for _, a := range s.Addresses {
			if !a.Removed && a.ID != self && strings.EqualFold(a.Email, spec.Email) {
				errs = append(errs, fault.Invalidf("email", "notice address with this email already exists."))
				break
			}
		}
	}
	ids := make([]int64, 0, len(spec.CategoryIDs))
	for _, id := range spec.CategoryIDs {
		if _, ok := s.Category(id); !ok {
			errs = append(errs, fault.Invalidf("categories", "Invalid pk \"%d\" - object does not exist.", id))
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	spec.CategoryIDs = slices.Compact(ids)
	return spec, errors.Join(errs...)
}

// validEmail accepts a bare address (no display name, no spaces).
func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && a.Name == "" && !strings.ContainsAny(e, " \t\r\n<>")
}

// AddAddress decides a new notified address; its id is the next of the setup.
func AddAddress(s Setup, spec AddressSpec, now time.Time) (RepairNoticeAddressAdded, error) {
	spec, err := s.checkAddress(spec, 0)
	if err != nil {
		return RepairNoticeAddressAdded{}, err
	}
	return RepairNoticeAddressAdded{AddressID: s.lastAddr + 1, Email: spec.Email, CategoryIDs: spec.CategoryIDs, AddedAt: now}, nil
}

// ChangeAddress decides an edit of an address; one that changes nothing
// appends nothing.
func ChangeAddress(s Setup, id int64, p AddressPatch, now time.Time) (*RepairNoticeAddressChanged, error) {
	a, ok := s.Addresses[id]
	if !ok || a.Removed {
		return nil, ErrAddressNotFound
	}
	spec := AddressSpec{Email: a.Email, CategoryIDs: a.CategoryIDs}
	if p.Email != nil {
		spec.Email = *p.Email
	}
	if p.CategoryIDs != nil {
		spec.CategoryIDs = *p.CategoryIDs
	} else {
		// Keep the list as it is, removed categories included.
		spec.CategoryIDs = nil
	}
	checked, err := s.checkAddress(spec, id)
	if err != nil {
		return nil, err
	}
	if p.CategoryIDs == nil {
		checked.CategoryIDs = a.CategoryIDs
	}
	if checked.Email == a.Email && slices.Equal(checked.CategoryIDs, a.CategoryIDs) {
		return nil, nil
	}
	return &RepairNoticeAddressChanged{AddressID: id, Email: checked.Email, CategoryIDs: checked.CategoryIDs, ChangedAt: now}, nil
}

// RemoveAddress decides the removal of an address.
func RemoveAddress(s Setup, id int64, now time.Time) (RepairNoticeAddressRemoved, error) {
	if a, ok := s.Addresses[id]; !ok || a.Removed {
		return RepairNoticeAddressRemoved{}, ErrAddressNotFound
	}
	return RepairNoticeAddressRemoved{AddressID: id, RemovedAt: now}, nil
}
