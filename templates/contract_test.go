package templates_test

import (
	"reflect"
	"slices"
	"testing"

	"senderproof/assess"
	"senderproof/templates"
)

// TestMessageContract holds the type Load checks finding templates against
// to assess.MessageData, the data assess.Word renders them with: the same
// fields, of the same kinds, all the way down. When MessageData or Asset
// gains a field, add it to templates/contract.go.
func TestMessageContract(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"ptr.present/pass", "default/error", "spf.record/remediation.none"} {
		mirror := templates.Contract(name)
		if mirror == nil {
			t.Fatalf("Contract(%q) = nil", name)
		}
		for _, p := range sameShape("", mirror, reflect.TypeFor[assess.MessageData]()) {
			t.Errorf("%s: %s", name, p)
		}
	}
	if c := templates.Contract("ptr/names"); c != nil {
		t.Errorf("Contract of a helper = %v, want nil", c)
	}
}

// sameShape compares a mirror type with the type it mirrors. A field typed
// interface in the mirror is not compared below it.
func sameShape(path string, mirror, real reflect.Type) []string {
	if mirror.Kind() == reflect.Interface {
		return nil
	}
	if mirror.Kind() != real.Kind() {
		return []string{path + ": " + mirror.Kind().String() + " in the mirror, " + real.Kind().String() + " in " + real.String()}
	}
	switch mirror.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return sameShape(path+"[]", mirror.Elem(), real.Elem())
	case reflect.Map:
		return append(sameShape(path+"{key}", mirror.Key(), real.Key()), sameShape(path+"{}", mirror.Elem(), real.Elem())...)
	case reflect.Struct:
		var out []string
		mf, rf := fields(mirror), fields(real)
		for name, rt := range rf {
			mt, ok := mf[name]
			if !ok {
				out = append(out, path+"."+name+": missing in the mirror of "+real.String())
				continue
			}
			out = append(out, sameShape(path+"."+name, mt, rt)...)
		}
		for name := range mf {
			if _, ok := rf[name]; !ok {
				out = append(out, path+"."+name+": in the mirror, not in "+real.String())
			}
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// fields returns the exported fields a template can name, promoted ones
// included.
func fields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if f.IsExported() {
			if _, ok := out[f.Name]; !ok {
				out[f.Name] = f.Type
			}
		}
	}
	return out
}
