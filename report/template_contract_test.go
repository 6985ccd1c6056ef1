package report

import (
	"reflect"
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
	for _, p := range templates.ShapeDiff("", mirror, reflect.TypeFor[summaryView]()) {
		t.Error(p)
	}
}
