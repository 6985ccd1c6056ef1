package templates

import (
	"strings"
	"sync"
	"text/template"
)

// SetOf returns a set of the given templates alone (name: text), without
// the embedded ones, so a test can tell which names a caller renders.
func SetOf(defs map[string]string) (*Set, error) {
	t := template.New("senderproof").Funcs(funcs).Option("missingkey=zero")
	for name, text := range defs {
		if _, err := t.New(name).Parse(text); err != nil {
			return nil, err
		}
	}
	return newSet(t), nil
}

// NeverRendered is why Load refuses an override of the finding template
// called name as one no finding renders, "" when it does not.
func NeverRendered(name string) string { return findingNameProblem(name, shippedChecks()) }

// shippedChecks are the checks Load knows, and "default".
var shippedChecks = sync.OnceValue(func() map[string]bool {
	t, err := parseEmbedded()
	if err != nil {
		panic(err)
	}
	checks := map[string]bool{"default": true}
	for _, d := range t.Templates() {
		if first, _, ok := strings.Cut(d.Name(), "/"); ok && strings.Contains(first, ".") {
			checks[first] = true
		}
	}
	return checks
})
