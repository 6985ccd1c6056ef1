package report

import (
	"bytes"
	"context"
	"testing"
)

// TestWritersDeterministic: the same pack gives the same bytes in every
// format but the PDF, so a pack can be reproduced and its hashes compared.
// The PDF library's font subsetting orders glyph data by map iteration, so
// only the PDF's dates are pinned (TestPDFModDate).
func TestWritersDeterministic(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(20, 1)
	for name, w := range map[string]Writer{"json": JSON{}, "csv": NewCSV(), "xlsx": NewXLSX(), "oscal": NewOSCAL()} {
		t.Run(name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := w.Write(context.Background(), &a, p); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(context.Background(), &b, p); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s: two writes of one pack differ (%d and %d bytes)", name, a.Len(), b.Len())
			}
		})
	}
}

func TestPDFModDate(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(5, 1)
	var b bytes.Buffer
	if err := NewPDF(nil).Write(context.Background(), &b, p); err != nil {
		t.Fatal(err)
	}
	want := "/ModDate (D:" + p.Run.FinishedAt.UTC().Format("20060102150405") + ")"
	if !bytes.Contains(b.Bytes(), []byte(want)) {
		t.Errorf("PDF lacks %s", want)
	}
}
