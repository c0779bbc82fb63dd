package app

import (
	"context"

	contactcmd "github.com/fiveapis/backend/commands/contacts"
	"github.com/fiveapis/backend/domain/contacts"
	contactproj "github.com/fiveapis/backend/projections/contacts"
	contactq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi"
	contactshttp "github.com/fiveapis/backend/transport/httpapi/hhu/contacts"
)

// wireContacts builds 001's address book, colleagues and departments: the
// projector and the HHU routes (/contacts/, /friends/, /departments/ and
// /api/admin/hhu/departments/).
func wireContacts(_ context.Context, p *Platform) (Module, error) {
	return Module{
		Name:       "contacts",
		Events:     contacts.Events(),
		Projectors: contactproj.All(),
		Routes: []httpapi.Routes{contactshttp.New(contactshttp.Deps{
			Commands: contactcmd.New(p.Runner, p.Clock),
			Queries:  contactq.New(p.Pool),
			Clock:    p.Clock,
		})},
	}, nil
}
