package report

import (
	"bytes"
	"context"
	"testing"
)

// TestWritersDeterministic: the same pack gives the same bytes in every
// format, so a pack can be reproduced and its hashes compared, and verify
// writes the files again from evidence.json. The PDF library orders its
// fonts and glyph data by map iteration unless told to sort its catalogs,
// so the PDF is written several times: two writes alike can be chance.
func TestWritersDeterministic(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(20, 1)
	for name, w := range map[string]Writer{"json": JSON{}, "csv": NewCSV(), "xlsx": NewXLSX(), "oscal": NewOSCAL(), "pdf": NewPDF(nil)} {
		t.Run(name, func(t *testing.T) {
			var first bytes.Buffer
			if err := w.Write(context.Background(), &first, p); err != nil {
				t.Fatal(err)
			}
			for range 5 {
				var again bytes.Buffer
				if err := w.Write(context.Background(), &again, p); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(first.Bytes(), again.Bytes()) {
					t.Fatalf("%s: two writes of one pack differ (%d and %d bytes)", name, first.Len(), again.Len())
				}
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
