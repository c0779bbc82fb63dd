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

// importNames finds the project packages imported under more than one name
// (an alias in one file, another alias or the package's own name in
// another): each package is imported under one name everywhere
// (docs/conventions.md, "Import names"). Test files count too.
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
