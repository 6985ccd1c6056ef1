package templates

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
)

// The test data has the shape of the wording's data (assess.MessageData)
// and gives its fields to the fast renderer by reflection, so the tests
// hold the renderer, not a hand-written accessor, to text/template.
type fastAsset struct {
	IP, Hostname, HELO, Domain string
	DKIMSelectors              []string
	Owner, Environment         string
	Provider, Relay            string
	Criticality                string
	Tags                       map[string]string
}

type fastData struct {
	Check, Status, Reason, Selector string
	Asset                           fastAsset
	Observed                        map[string]any
}

func (a *fastAsset) TemplateField(name string) (any, bool) { return fieldOf(a, name) }
func (d *fastData) TemplateField(name string) (any, bool)  { return fieldOf(d, name) }

func fieldOf(p any, name string) (any, bool) {
	v := reflect.ValueOf(p).Elem()
	f, ok := v.Type().FieldByName(name)
	if !ok || !f.IsExported() {
		return nil, false
	}
	fv := v.FieldByIndex(f.Index)
	if fv.Kind() == reflect.Struct {
		return fv.Addr().Interface(), true
	}
	return fv.Interface(), true
}

type label string // a named string type: not known to the fast renderer

// randomValue draws an Observed value of a type the wording meets, or one
// it should never see.
func randomValue(r *rand.Rand, words []string) any {
	word := func() string { return words[r.IntN(len(words))] }
	switch r.IntN(14) {
	case 0:
		return nil
	case 1:
		return ""
	case 2, 3:
		return word()
	case 4:
		return r.IntN(6)
	case 5:
		return r.IntN(2) == 0
	case 6, 7:
		s := make([]string, r.IntN(6))
		for i := range s {
			s[i] = word()
		}
		return s
	case 8:
		s := make([]any, r.IntN(5))
		for i := range s {
			s[i] = word()
		}
		return s
	case 9:
		return map[string]any{"name": word(), "ok": r.IntN(2) == 0}
	case 10:
		return int64(r.IntN(4))
	case 11:
		return 2.5
	case 12:
		return label(word())
	}
	return uint(r.IntN(3))
}

// vocabulary collects what the templates compare and read: reasons and
// other quoted strings, and the keys of .Observed.
func vocabulary(t testing.TB) (strs, keys []string) {
	seenS, seenK := map[string]bool{}, map[string]bool{}
	files, _ := embedded.ReadDir(".")
	for _, f := range files {
		b, _ := embedded.ReadFile(f.Name())
		for _, m := range regexp.MustCompile(`"([a-z0-9_.\-]{1,40})"`).FindAllStringSubmatch(string(b), -1) {
			seenS[m[1]] = true
		}
		for _, m := range regexp.MustCompile(`\.Observed\.([A-Za-z0-9_]+)`).FindAllStringSubmatch(string(b), -1) {
			seenK[m[1]] = true
		}
	}
	for s := range seenS {
		strs = append(strs, s)
	}
	for k := range seenK {
		keys = append(keys, k)
	}
	sort.Strings(strs)
	sort.Strings(keys)
	if len(keys) < 20 {
		t.Fatalf("found only %d .Observed keys in the templates", len(keys))
	}
	return append(strs, "", "192.0.2.1", "mail.example.com", "<b>&'x'"), keys
}

func randomData(r *rand.Rand, strs, keys []string) *fastData {
	word := func() string { return strs[r.IntN(len(strs))] }
	d := &fastData{Check: word(), Status: word(), Reason: word(), Selector: word(),
		Asset: fastAsset{IP: word(), Hostname: word(), HELO: word(), Domain: word(),
			Provider: word(), Tags: map[string]string{"team": word()}},
		Observed: map[string]any{}}
	if r.IntN(3) == 0 {
		d.Asset.DKIMSelectors = []string{word(), word()}
	}
	for _, k := range keys {
		if r.IntN(3) > 0 {
			d.Observed[k] = randomValue(r, strs)
		}
	}
	if r.IntN(10) == 0 {
		d.Observed = nil
	}
	return d
}

// same renders name both ways and fails when the fast renderer's output
// differs from text/template's, or when it succeeds where text/template
// fails. It reports whether the fast renderer did the work.
func same(t testing.TB, s *Set, name string, data any) bool {
	t.Helper()
	fast := s.fast[name]
	if fast == nil {
		return false
	}
	got, ok := s.renderFast(fast, data)
	want, err := s.renderText(name, data)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("%s: the fast renderer gave %q where text/template fails: %v\ndata: %+v", name, got, err, data)
	}
	if got != want {
		t.Fatalf("%s: fast renderer\n%q\ntext/template\n%q\ndata: %+v", name, got, want, data)
	}
	return true
}

func TestFastMatchesTextTemplate(t *testing.T) {
	t.Parallel()
	s := MustDefault()
	strs, keys := vocabulary(t)
	r := rand.New(rand.NewPCG(1, 2))
	var names []string
	compiled := 0
	for name, f := range s.fast {
		if strings.Contains(name, "/") {
			names = append(names, name)
			if f != nil {
				compiled++
			}
		}
	}
	sort.Strings(names)
	// The wording of the checks must stay in the fast renderer's subset:
	// a template outside it costs every run of a large fleet.
	if compiled*10 < len(names)*9 {
		t.Errorf("only %d of %d templates compile for the fast renderer", compiled, len(names))
	}
	fastRuns := 0
	for _, name := range names {
		for range 300 {
			if same(t, s, name, randomData(r, strs, keys)) {
				fastRuns++
			}
		}
	}
	if fastRuns < len(names)*300/2 {
		t.Errorf("the fast renderer did %d of %d renders; expected most", fastRuns, len(names)*300)
	}
}

func TestFastGivesUpSafely(t *testing.T) {
	t.Parallel()
	cases := map[string]any{
		`{{.Observed.x.y}}`:                           &fastData{Observed: map[string]any{}},
		`{{eq .Observed.n "a"}}`:                      &fastData{Observed: map[string]any{"n": 1}},
		`{{eq (.Observed.x) "a"}}`:                    &fastData{Observed: map[string]any{}},
		`{{lt .Observed.x 1}}`:                        &fastData{Observed: map[string]any{}},
		`{{len .Observed.x}}`:                         &fastData{Observed: map[string]any{}},
		`{{upper .Observed.x}}`:                       &fastData{Observed: map[string]any{}},
		`{{plural .Observed.x "a" "b"}}`:              &fastData{Observed: map[string]any{"x": int64(1)}},
		`{{num .Observed.x}}`:                         &fastData{Observed: map[string]any{"x": int64(1234)}},
		`{{join "," (head -1 .Asset.DKIMSelectors)}}`: &fastData{Asset: fastAsset{DKIMSelectors: []string{"a", "b"}}},
		`{{.Asset}}`:                                  &fastData{},
		`{{join "," .Asset}}`:                         &fastData{},
		`{{.Observed.l}}`:                             &fastData{Observed: map[string]any{"l": label("x")}},
		`{{.Nope}}`:                                   &fastData{},
		`{{template "t" .Observed.x}}{{define "t"}}{{.}}{{end}}`: &fastData{Observed: map[string]any{}},
	}
	for text, data := range cases {
		s := mustParse(t, text)
		same(t, s, "t0", data)
	}
}

func mustParse(t testing.TB, text string) *Set {
	t.Helper()
	tt, err := template.New("t0").Funcs(funcs).Option("missingkey=zero").Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return newSet(tt)
}

// FuzzFastRender parses any template text and holds the fast renderer to
// text/template on data drawn from the seed.
func FuzzFastRender(f *testing.F) {
	files, _ := embedded.ReadDir(".")
	for _, e := range files {
		b, _ := embedded.ReadFile(e.Name())
		for _, def := range strings.Split(string(b), "{{define ")[1:] {
			if i := strings.Index(def, "{{end}}\n"); i > 0 {
				f.Add(`{{define `+def[:i+7], uint64(len(def)))
			}
		}
	}
	f.Add(`{{if and .Observed.a (not .Observed.b)}}{{.Observed.a}}{{else}}{{len .Observed.c}}{{end}}`, uint64(7))
	f.Add(`{{or .Observed.x "none"}} {{default "-" .Observed.y | printf "%s"}} {{gt (count .Observed.z) 2}}`, uint64(9))
	strs, keys := vocabulary(f)
	f.Fuzz(func(t *testing.T, text string, seed uint64) {
		if len(text) > 2000 {
			return
		}
		tt, err := template.New("t0").Funcs(funcs).Option("missingkey=zero").Parse(text)
		if err != nil {
			return
		}
		s := newSet(tt)
		var names []string
		for _, d := range tt.Templates() {
			names = append(names, d.Name())
		}
		if len(s.recursion(names)) > 0 {
			// Refused by Load: text/template would recurse until its
			// depth limit, or run out of stack first.
			return
		}
		r := rand.New(rand.NewPCG(seed, 3))
		for range 4 {
			data := randomData(r, strs, keys)
			for _, d := range tt.Templates() {
				same(t, s, d.Name(), data)
			}
		}
	})
}

// TestNum: the num function groups digits, in both renderers.
func TestNum(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 32000: "32,000", 1234567: "1,234,567", -45678: "-45,678"} {
		if got := Num(n); got != want {
			t.Errorf("Num(%d) = %q, want %q", n, got, want)
		}
		s := mustParse(t, `{{num .Observed.n}}`)
		same(t, s, "t0", &fastData{Observed: map[string]any{"n": n}})
	}
}
