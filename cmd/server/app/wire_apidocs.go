package app

import (
	"context"

	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/apidoc"
)

// wireAPIDocs serves the OpenAPI document of every API under /openapi/ (and
// where clients already fetch one, e.g. /api/card/openapi.json) with the
// reference page /api-docs/ (docs/openapi.md).
func wireAPIDocs(_ context.Context, p *Platform) (Module, error) {
	set := p.Options.APIDocs
	if set == nil {
		var err error
		if set, err = apidoc.Load(); err != nil {
			return Module{}, err
		}
	}
	return Module{Name: "apidocs", Routes: []httpapi.Routes{apidoc.Routes{Set: set}}}, nil
}
