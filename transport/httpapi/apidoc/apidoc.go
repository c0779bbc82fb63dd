// Package apidoc holds the OpenAPI 3 documents of the APIs the server
// serves, one per API (seed 000 describes two, Roamio and Ralendar), serves
// them with a reference page (Swagger UI, embedded in the binary), and lets
// tests check real answers against them (package apidoctest).
//
// The documents are written by hand, spec-first, as YAML files in
// openapi/: docs/openapi.md says why and how they are kept true.
package apidoc

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// sources are the documents, openapi/<name>.yaml.
//
//go:embed openapi/*.yaml
var sources embed.FS

// Document is one API's OpenAPI document.
type Document struct {
	// Name is the file's stem ("cards"): the document is served at
	// /openapi/<name>.json and .yaml.
	Name string
	// Title is info.title.
	Title string
	// Prefixes are the path prefixes of the API (x-path-prefixes): every
	// route under one of them belongs to this document.
	Prefixes []string
	// Aliases are more paths that serve the JSON document (x-served-at),
	// e.g. /api/card/openapi.json, where clients already fetch it.
	Aliases []string
	// Spec is the parsed, validated document.
	Spec *openapi3.T
	// YAML is the source; JSON the same document as JSON.
	YAML, JSON []byte
}

// Set is every document, by name.
type Set struct {
	docs []*Document
}

// Load parses and validates every embedded document.
func Load() (*Set, error) {
	names, err := fs.Glob(sources, "openapi/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("apidoc: list documents: %w", err)
	}
	sort.Strings(names)
	s := &Set{}
	for _, n := range names {
		src, err := sources.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("apidoc: read %s: %w", n, err)
		}
		d, err := Parse(strings.TrimSuffix(path.Base(n), ".yaml"), src)
		if err != nil {
			return nil, err
		}
		s.docs = append(s.docs, d)
	}
	return s, nil
}

// Parse parses and validates one document.
func Parse(name string, src []byte) (*Document, error) {
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(src)
	if err != nil {
		return nil, fmt.Errorf("apidoc: %s: parse: %w", name, err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("apidoc: %s: invalid: %w", name, err)
	}
	for p, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				return nil, fmt.Errorf("apidoc: %s: %s %s has no operationId", name, method, p)
			}
		}
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("apidoc: %s: to JSON: %w", name, err)
	}
	d := &Document{Name: name, Spec: spec, YAML: src, JSON: js}
	if spec.Info != nil {
		d.Title = spec.Info.Title
	}
	if d.Prefixes, err = stringList(spec.Extensions["x-path-prefixes"]); err != nil {
		return nil, fmt.Errorf("apidoc: %s: x-path-prefixes: %w", name, err)
	}
	if len(d.Prefixes) == 0 {
		return nil, fmt.Errorf("apidoc: %s: x-path-prefixes lists no prefix", name)
	}
	if d.Aliases, err = stringList(spec.Extensions["x-served-at"]); err != nil {
		return nil, fmt.Errorf("apidoc: %s: x-served-at: %w", name, err)
	}
	return d, nil
}

func stringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of strings, got %T", v)
	}
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok || !strings.HasPrefix(s, "/") {
			return nil, fmt.Errorf("want paths, got %v", e)
		}
		out[i] = s
	}
	return out, nil
}

// Documents are the documents in name order.
func (s *Set) Documents() []*Document { return s.docs }

// Owner is the document whose prefixes hold path (the longest prefix
// wins: /api/v1/ is Roamio's, /api/ Ralendar's; /forum is /forum/'s),
// nil when none does.
func (s *Set) Owner(p string) *Document {
	var best *Document
	n := 0
	for _, d := range s.docs {
		for _, pre := range d.Prefixes {
			if strings.HasPrefix(p+"/", pre) && len(pre) > n {
				best, n = d, len(pre)
			}
		}
	}
	return best
}
