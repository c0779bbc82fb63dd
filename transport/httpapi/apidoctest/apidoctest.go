// Package apidoctest checks real answers against the OpenAPI documents of
// package apidoc: a test's HTTP client wrapped with Transport fails the test
// for every answer to a documented operation that its document does not
// allow (an undocumented status, content type or body shape).
package apidoctest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/fiveapis/backend/transport/httpapi/apidoc"
)

// Checker finds a request's operation in the documents and validates the
// answer against it.
type Checker struct {
	set     *apidoc.Set
	routers map[*apidoc.Document]routers.Router
}

// New builds a checker of every document of set.
func New(set *apidoc.Set) (*Checker, error) {
	c := &Checker{set: set, routers: map[*apidoc.Document]routers.Router{}}
	for _, d := range set.Documents() {
		// Routed by path alone: the documents' server is the relative
		// "/", which kin-openapi's router cannot match against a full URL.
		spec := *d.Spec
		spec.Servers = nil
		r, err := legacy.NewRouter(&spec)
		if err != nil {
			return nil, fmt.Errorf("apidoctest: router of %s: %w", d.Name, err)
		}
		c.routers[d] = r
	}
	return c, nil
}

// shared is the checker of the embedded documents, built once per test
// binary: parsing them takes longer than starting a test server.
var shared = sync.OnceValues(func() (*Checker, error) {
	set, err := apidoc.Load()
	if err != nil {
		return nil, err
	}
	return New(set)
})

// Shared is the checker of the embedded documents.
func Shared(t testing.TB) *Checker {
	t.Helper()
	c, err := shared()
	if err != nil {
		t.Fatalf("apidoctest: %v", err)
	}
	return c
}

// Set is the checker's documents.
func (c *Checker) Set() *apidoc.Set { return c.set }

// Route finds the documented operation of a request: the document whose
// prefixes hold the path, the path as sent or with a trailing slash (the
// APIs take both). ok is false when no document describes the request.
func (c *Checker) Route(req *http.Request) (route *routers.Route, params map[string]string, ok bool) {
	d := c.set.Owner(req.URL.Path)
	if d == nil {
		return nil, nil, false
	}
	r := c.routers[d]
	route, params, err := r.FindRoute(req)
	if err == nil {
		return route, params, true
	}
	if !strings.HasSuffix(req.URL.Path, "/") {
		alt := req.Clone(req.Context())
		u := *req.URL
		u.Path += "/"
		u.RawPath = ""
		alt.URL = &u
		if route, params, err = r.FindRoute(alt); err == nil {
			return route, params, true
		}
	}
	return nil, nil, false
}

// Check validates an answer (status, header, body) to req against its
// documented operation; nil when the request is not documented.
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, ok := c.Route(req)
	if !ok {
		return nil
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	ct, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if len(body) > 0 && !isJSON(ct) {
		// kin-openapi decodes JSON, text and forms only: other bodies
		// (images, zips, videos, calendars) are checked by content type.
		opts.ExcludeResponseBody = true
		if resp := route.Operation.Responses.Status(status); resp != nil && resp.Value != nil && len(resp.Value.Content) > 0 {
			if resp.Value.Content.Get(header.Get("Content-Type")) == nil {
				return fmt.Errorf("%s %s: %d with undocumented content type %q", req.Method, req.URL.Path, status, ct)
			}
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s (operation %s): answer %d does not match the document: %w\nbody: %.600s",
			req.Method, req.URL.Path, route.Operation.OperationID, status, err, body)
	}
	return nil
}

func isJSON(ct string) bool { return ct == "application/json" || strings.HasSuffix(ct, "+json") }

// Transport wraps base (nil: http.DefaultTransport) so that every answer to
// a documented operation is checked; a mismatch fails t.
func Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, base: base, c: Shared(t)}
}

type transport struct {
	t    testing.TB
	base http.RoundTripper
	c    *Checker
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(req)
	if err != nil || req.Header.Get("Accept") == "text/event-stream" {
		return resp, err
	}
	if _, _, ok := tr.c.Route(req); !ok {
		return resp, nil
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil // the test sees the short body and decides
	}
	if err := tr.c.Check(req, resp.StatusCode, resp.Header, body); err != nil {
		tr.t.Errorf("apidoctest: %v", err)
	}
	return resp, nil
}
