package templates_test

import (
	"reflect"
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
		for _, p := range templates.ShapeDiff("", mirror, reflect.TypeFor[assess.MessageData]()) {
			t.Errorf("%s: %s", name, p)
		}
	}
	if c := templates.Contract("ptr/names"); c != nil {
		t.Errorf("Contract of a helper = %v, want nil", c)
	}
}
