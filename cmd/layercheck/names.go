package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// importNames finds the project packages imported under another name than
// the conventional one (docs/conventions.md, "Import names": `<ctx>` for a
// domain package, `<ctx>cmd`, `<ctx>q`, `<ctx>proj`, `<ctx>http` for a
// context's commands, queries, projections and HTTP sub-package), and the
// others imported under more than one name. Test files count too.
func importNames(root string) ([]string, error) {
	names := map[string]map[string][]string{} // import path → name → files
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "var") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, im := range f.Imports {
			ip := strings.Trim(im.Path.Value, `"`)
			if !strings.HasPrefix(ip, module) {
				continue
			}
			name := path.Base(ip)
			if im.Name != nil {
				name = im.Name.Name
			}
			if name == "_" || name == "." {
				continue
			}
			if names[ip] == nil {
				names[ip] = map[string][]string{}
			}
			names[ip][name] = append(names[ip][name], p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for ip, byName := range names {
		if want := conventionalName(strings.TrimPrefix(ip, module)); want != "" {
			for n, files := range byName {
				if n != want {
					out = append(out, fmt.Sprintf("%s is imported as %s (e.g. %s), not %s", strings.TrimPrefix(ip, module), n, files[0], want))
				}
			}
			continue
		}
		if len(byName) < 2 {
			continue
		}
		var parts []string
		for n, files := range byName {
			parts = append(parts, fmt.Sprintf("%s (%d files, e.g. %s)", n, len(files), files[0]))
		}
		sort.Strings(parts)
		out = append(out, fmt.Sprintf("%s is imported as %s", strings.TrimPrefix(ip, module), strings.Join(parts, ", ")))
	}
	sort.Strings(out)
	return out, nil
}

// conventionalName is the name a project package is imported under, or ""
// when only consistency is asked of it.
func conventionalName(pkg string) string {
	switch pkg {
	case "commands/handling", "queries/pgerrors", "queries/filters", "projections/engine":
		return path.Base(pkg)
	}
	parts := strings.Split(pkg, "/")
	switch {
	case len(parts) == 2 && parts[0] == "domain":
		return parts[1]
	case len(parts) == 2 && parts[0] == "commands":
		return parts[1] + "cmd"
	case len(parts) == 2 && parts[0] == "queries":
		return parts[1] + "q"
	case len(parts) == 2 && parts[0] == "projections":
		return parts[1] + "proj"
	case len(parts) == 4 && parts[0] == "transport" && parts[1] == "httpapi":
		return parts[3] + "http"
	}
	return ""
}
