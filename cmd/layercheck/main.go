// Command layercheck enforces the import rules of docs/architecture.md: arrows
// point inward only. It reads `go list` for every package of the module and
// fails when a non-test file imports a project package its layer may not.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
)

const module = "github.com/fiveapis/backend/"

// rule says which project folders a layer's non-test code may import; the
// layer's own folder is always allowed.
type rule struct {
	layer   string
	mayUse  []string
	stdOnly bool // only the standard library besides the project folders
	// mayNot are folders inside the layer's own that it may not import.
	mayNot []string
}

// rules are checked first match wins, so more specific layers come first.
var rules = []rule{
	{layer: "domain/", stdOnly: true},
	{layer: "commands/", mayUse: []string{"domain/"}},
	{layer: "queries/"},
	{layer: "projections/", mayUse: []string{"domain/", "queries/"}},
	// The HTTP edge reaches adapters only through ports (issue 11).
	{layer: "transport/httpapi/", mayUse: []string{"commands/", "queries/", "domain/"}},
	{layer: "transport/pgtest"},
	// Every other adapter: the domain, and shared adapter plumbing
	// (pgmigrate); never the HTTP edge.
	{layer: "transport/", mayUse: []string{"domain/"}, mayNot: []string{"transport/httpapi/"}},
	{layer: "cmd/", mayUse: []string{""}},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "layercheck:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	var violations []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], module)
		r, ok := ruleFor(pkg)
		if !ok {
			violations = append(violations, fmt.Sprintf("%s: folder is not part of the layout", pkg))
			continue
		}
		for _, imp := range fields[1:] {
			if msg := check(r, imp); msg != "" {
				violations = append(violations, fmt.Sprintf("%s imports %s: %s", pkg, imp, msg))
			}
		}
	}
	if len(violations) > 0 {
		return fmt.Errorf("%d import rule violation(s):\n  %s", len(violations), strings.Join(violations, "\n  "))
	}
	names, err := importNames(".")
	if err != nil {
		return err
	}
	if len(names) > 0 {
		return fmt.Errorf("%d import name(s) not as docs/conventions.md says:\n  %s", len(names), strings.Join(names, "\n  "))
	}
	fmt.Println("layercheck: imports point inward, each project package under its one name")
	return nil
}

// testSupport reports a test-support package (apptest, pgtest, smtptest,
// handlingtest …): it may import anything, and only test files import it.
func testSupport(pkg string) bool { return strings.HasSuffix(path.Base(pkg), "test") }

func ruleFor(pkg string) (rule, bool) {
	if testSupport(pkg) {
		return rule{layer: pkg, mayUse: []string{""}}, true
	}
	for _, r := range rules {
		if strings.HasPrefix(pkg+"/", r.layer) || strings.HasPrefix(pkg, r.layer) {
			return r, true
		}
	}
	return rule{}, false
}

func check(r rule, imp string) string {
	if !strings.HasPrefix(imp, module) {
		first, _, _ := strings.Cut(imp, "/")
		if r.stdOnly && strings.Contains(first, ".") {
			return "this layer may use only the standard library"
		}
		return ""
	}
	target := strings.TrimPrefix(imp, module)
	if testSupport(target) && !testSupport(r.layer) {
		return "a test-support package is for test files only"
	}
	for _, banned := range r.mayNot {
		if strings.HasPrefix(target+"/", banned) {
			return "adapters may not import the HTTP edge"
		}
	}
	if strings.HasPrefix(target, r.layer) || strings.HasPrefix(target+"/", r.layer) {
		return ""
	}
	for _, allowed := range r.mayUse {
		if strings.HasPrefix(target, allowed) {
			return ""
		}
	}
	return "arrows point inward only (see docs/architecture.md)"
}
