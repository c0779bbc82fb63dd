package app

import (
	"context"

	contactscmd "github.com/fiveapis/backend/commands/contacts"
	"github.com/fiveapis/backend/domain/contacts"
	contactsproj "github.com/fiveapis/backend/projections/contacts"
	contactsq "github.com/fiveapis/backend/queries/contacts"
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
		Projectors: contactsproj.All(),
		Routes: []httpapi.Routes{contactshttp.New(contactshttp.Deps{
			Commands: contactscmd.New(p.Runner, p.Clock),
			Queries:  contactsq.New(p.Pool),
			Clock:    p.Clock,
		})},
	}, nil
}
