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
// projector and the HHU routes (/contacts/, /friends/, /departments/,
// /api/admin/hhu/departments/ and /api/admin/hhu/members/). Membership of
// the staff is read by contactsq.Queries.IsMember, the port every HHU
// command and query that needs it is given.
func wireContacts(_ context.Context, p *Platform) (Module, error) {
	queries := hhuMembership(p)
	return Module{
		Name:       "contacts",
		Events:     contacts.Events(),
		Projectors: contactsproj.All(),
		Routes: []httpapi.Routes{contactshttp.New(contactshttp.Deps{
			Commands: contactscmd.New(p.Runner, p.Clock, queries),
			Queries:  queries,
			Clock:    p.Clock,
		})},
	}, nil
}

// hhuMembership is the port every HHU module that limits something to the
// staff is given: queries/contacts IsMember, over the contacts and identity
// read models (docs/identity.md, "Membership").
func hhuMembership(p *Platform) *contactsq.Queries { return contactsq.New(p.Pool) }
