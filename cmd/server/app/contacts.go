package app

import (
	"context"

	contactcmd "github.com/fiveapis/backend/commands/contacts"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
	contactproj "github.com/fiveapis/backend/projections/contacts"
	contactq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// contactEvents lists the contacts module's events for the codec.
func contactEvents() []eventlog.Event { return contacts.Events() }

// mountContacts wires 001's address book, colleagues and departments: the
// projector and the HHU routes (/contacts/, /friends/, /departments/ and
// /api/admin/hhu/departments/). It appends to a.projectors and a.modules.
func (a *App) mountContacts(context.Context) error {
	a.projectors = append(a.projectors, contactproj.All()...)
	a.modules = append(a.modules, hhu.NewContacts(hhu.ContactDeps{
		Commands:    contactcmd.New(a.runner, a.clock),
		Queries:     contactq.New(a.pool),
		Clock:       a.clock,
		Consistency: a.consistency,
	}))
	return nil
}
