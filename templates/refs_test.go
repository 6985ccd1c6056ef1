package templates

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestAssetFields(t *testing.T) {
	dir := t.TempDir()
	src := `{{define "a/pass"}}{{.Asset.IP}} {{template "b" .}}{{end}}
{{define "b"}}{{.Asset.Domain}}{{end}}
{{define "c/pass"}}{{.Observed.x}} {{$.Asset.HELO}}{{end}}
{{define "d/pass"}}{{range .Observed.list}}{{.}}{{end}}{{end}}
{{define "e/pass"}}{{with .Asset}}{{.IP}}{{end}}{{end}}
{{define "f/pass"}}{{.Observed.domain}} {{template "b" .}}{{end}}
`
	if err := os.WriteFile(filepath.Join(dir, "x.tmpl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prefix string
		fields []string
		all    bool
	}{
		{"a/", []string{"Domain", "IP"}, false},
		{"c/", []string{"HELO"}, false},
		{"d/", nil, true}, // a bare dot may be the data
		{"e/", nil, true}, // the whole asset
		{"f/", []string{"Domain"}, false},
	} {
		fields, all := s.AssetFields(tc.prefix)
		var got []string
		for f := range fields {
			got = append(got, f)
		}
		if len(got) > 1 && got[0] > got[1] {
			got[0], got[1] = got[1], got[0]
		}
		if all != tc.all || (!tc.all && !reflect.DeepEqual(got, tc.fields)) {
			t.Errorf("AssetFields(%q) = %v, %v; want %v, %v", tc.prefix, got, all, tc.fields, tc.all)
		}
	}
	// The shipped wording of the domain-level checks reads nothing of the
	// asset, so their findings are worded once per domain.
	def := MustDefault()
	for _, p := range []string{"dmarc.record/", "dmarc.policy/", "dmarc.reporting/", "dkim.key/"} {
		if fields, all := def.AssetFields(p, "default/"); all || len(fields) > 0 {
			t.Errorf("%s templates read the asset: %v (all %v)", p, fields, all)
		}
	}
}
