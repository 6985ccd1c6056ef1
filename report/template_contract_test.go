package report

import (
	"reflect"
	"slices"
	"testing"

	"senderproof/templates"
)

// TestSummaryContract holds the type templates.Load checks the report
// narrative templates against to summaryView, the data the PDF writer
// renders them with: the same fields (the Pack's promoted ones included),
// of the same kinds, down to the fields the mirror types as any. When the
// view or the Pack gains a top-level field, add it to
// templates/contract.go.
func TestSummaryContract(t *testing.T) {
	t.Parallel()
	mirror := templates.Contract("summary/executive")
	if mirror == nil {
		t.Fatal("Contract(summary/executive) = nil")
	}
	for _, p := range sameShape("", mirror, reflect.TypeFor[summaryView]()) {
		t.Error(p)
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
		mf, rf := visibleFields(mirror), visibleFields(real)
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

// visibleFields returns the exported fields a template can name, promoted
// ones included.
func visibleFields(t reflect.Type) map[string]reflect.Type {
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
