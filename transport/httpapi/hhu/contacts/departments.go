package contactshttp

import (
	"context"

	contactscmd "github.com/fiveapis/backend/commands/contacts"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// departments serves the departments: every user lists them; admins add,
// rename and remove them. Names are unique (400 on name otherwise), and
// entries that referred to a removed department show none.
func (h *Handlers) departments() hhu.Named[contactsq.Department, departmentJSON] {
	return hhu.Named[contactsq.Department, departmentJSON]{
		List: h.d.Queries.ListDepartments, Get: h.d.Queries.GetDepartment, NotFound: contactsq.ErrNotFound,
		Render:  toDepartmentJSON,
		Written: func(id int64, name string) departmentJSON { return departmentJSON{ID: id, Name: name} },
		Add: func(ctx context.Context, n hhu.NameCommand) (int64, error) {
			res, err := h.d.Commands.AddDepartment(ctx, contactscmd.AddDepartment{Actor: n.Actor, Name: n.Name, Meta: n.Meta})
			return res.Department.ID, err
		},
		Rename: func(ctx context.Context, n hhu.NameCommand) error {
			_, err := h.d.Commands.RenameDepartment(ctx, contactscmd.RenameDepartment{Actor: n.Actor, DepartmentID: n.ID, Name: n.Name, Meta: n.Meta})
			return err
		},
		Remove: func(ctx context.Context, n hhu.NameCommand) error {
			_, err := h.d.Commands.RemoveDepartment(ctx, contactscmd.RemoveDepartment{Actor: n.Actor, DepartmentID: n.ID, Meta: n.Meta})
			return err
		},
		Clock: h.d.Clock,
	}
}
