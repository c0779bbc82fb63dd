package contacts

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of the catalogue.
const (
	// MaxDepartmentName is the longest name (the address-book entry's limit).
	MaxDepartmentName = 64
	// MaxDepartments bounds the catalogue, and so every event that carries it.
	MaxDepartments = 500
)

// Errors of the department decisions.
var (
	ErrDepartmentNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrDepartmentExists   = &fault.Error{Kind: fault.Invalid, Code: "DEPARTMENT_EXISTS", Field: "name", Message: "department with this name already exists."}
	ErrTooManyDepartments = &fault.Error{Kind: fault.Invalid, Code: "TOO_MANY_DEPARTMENTS", Field: "non_field_errors", Message: "部门数量已达上限"}
)

// Catalogue is the departments, carried by the department stream's last event.
type Catalogue struct {
	Departments []Department
	NextID      int64
}

// CatalogueFrom returns the catalogue carried by the stream's last event
// (nil: none yet).
func CatalogueFrom(last eventlog.Event) Catalogue {
	switch e := last.(type) {
	case DepartmentAdded:
		return Catalogue{Departments: e.Catalogue, NextID: e.NextID}
	case DepartmentRenamed:
		return Catalogue{Departments: e.Catalogue, NextID: e.NextID}
	case DepartmentRemoved:
		return Catalogue{Departments: e.Catalogue, NextID: e.NextID}
	}
	return Catalogue{NextID: 1}
}

// Find returns the department with the id.
func (c Catalogue) Find(id int64) (Department, bool) {
	i := slices.IndexFunc(c.Departments, func(d Department) bool { return d.ID == id })
	if i < 0 {
		return Department{}, false
	}
	return c.Departments[i], true
}

// nameTaken reports whether another department (not except) has the name,
// compared case-insensitively.
func (c Catalogue) nameTaken(name string, except int64) bool {
	return slices.ContainsFunc(c.Departments, func(d Department) bool {
		return d.ID != except && strings.EqualFold(d.Name, name)
	})
}

// CheckDepartmentName normalises and validates a name.
func CheckDepartmentName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fault.Invalidf("name", "This field may not be blank.")
	case utf8.RuneCountInString(name) > MaxDepartmentName:
		return "", fault.Invalidf("name", "Ensure this field has no more than %d characters.", MaxDepartmentName)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", fault.Invalidf("name", "Control characters are not allowed.")
	}
	return name, nil
}

// AddDepartment decides a new department; names are unique
// case-insensitively.
func AddDepartment(c Catalogue, name string, now time.Time) (DepartmentAdded, error) {
	name, err := CheckDepartmentName(name)
	if err != nil {
		return DepartmentAdded{}, err
	}
	if c.nameTaken(name, 0) {
		return DepartmentAdded{}, ErrDepartmentExists
	}
	if len(c.Departments) >= MaxDepartments {
		return DepartmentAdded{}, ErrTooManyDepartments
	}
	d := Department{ID: max(c.NextID, 1), Name: name}
	return DepartmentAdded{DepartmentID: d.ID, Name: name, AddedAt: now,
		Catalogue: append(slices.Clone(c.Departments), d), NextID: d.ID + 1}, nil
}

// RenameDepartment decides a department's new name. Renaming to its own name
// appends nothing (nil event, nil error).
func RenameDepartment(c Catalogue, id int64, name string, now time.Time) (*DepartmentRenamed, error) {
	d, ok := c.Find(id)
	if !ok {
		return nil, ErrDepartmentNotFound
	}
	name, err := CheckDepartmentName(name)
	if err != nil {
		return nil, err
	}
	if c.nameTaken(name, id) {
		return nil, ErrDepartmentExists
	}
	if name == d.Name {
		return nil, nil
	}
	cat := slices.Clone(c.Departments)
	for i := range cat {
		if cat[i].ID == id {
			cat[i].Name = name
		}
	}
	return &DepartmentRenamed{DepartmentID: id, Name: name, OldName: d.Name, RenamedAt: now, Catalogue: cat, NextID: c.NextID}, nil
}

// RemoveDepartment decides a department's removal.
func RemoveDepartment(c Catalogue, id int64, now time.Time) (DepartmentRemoved, error) {
	d, ok := c.Find(id)
	if !ok {
		return DepartmentRemoved{}, ErrDepartmentNotFound
	}
	left := slices.DeleteFunc(slices.Clone(c.Departments), func(x Department) bool { return x.ID == id })
	if left == nil {
		left = []Department{}
	}
	return DepartmentRemoved{DepartmentID: id, Name: d.Name, RemovedAt: now, Catalogue: left, NextID: c.NextID}, nil
}
