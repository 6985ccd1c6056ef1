package assess

import (
	"reflect"
	"testing"
)

// TestTemplateFieldCoversEveryField holds the wording's field accessors to
// the structs: every exported field is given, with its own value (a struct
// as a pointer to it), and nothing else is.
func TestTemplateFieldCoversEveryField(t *testing.T) {
	t.Parallel()
	d := &MessageData{Check: "c", Status: "s", Reason: "r", Selector: "sel",
		Asset: Asset{IP: "192.0.2.1", Hostname: "h", HELO: "he", Domain: "d",
			DKIMSelectors: []string{"k"}, Owner: "o", Environment: "e",
			Provider: "p", Relay: "rl", Criticality: "cr", Tags: map[string]string{"a": "b"}},
		Observed: map[string]any{"x": 1}}
	check := func(p any, get func(string) (any, bool)) {
		v := reflect.ValueOf(p).Elem()
		for i := range v.NumField() {
			f := v.Type().Field(i)
			got, ok := get(f.Name)
			if !ok {
				t.Errorf("%s.%s is not given to templates", v.Type().Name(), f.Name)
				continue
			}
			want := v.Field(i)
			if want.Kind() == reflect.Struct {
				want = want.Addr()
			}
			if !reflect.DeepEqual(got, want.Interface()) {
				t.Errorf("%s.%s: got %#v, want %#v", v.Type().Name(), f.Name, got, want.Interface())
			}
		}
		for _, name := range []string{"TemplateField", "ip", "Nope", ""} {
			if _, ok := get(name); ok {
				t.Errorf("%s gives %q, which is not a field", v.Type().Name(), name)
			}
		}
	}
	check(d, d.TemplateField)
	check(&d.Asset, d.Asset.TemplateField)
	if a, _ := d.TemplateField("Asset"); a.(*Asset) != &d.Asset {
		t.Error("Asset must be given as a pointer into the data")
	}
}
