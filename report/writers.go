package report

import (
	"context"
	"slices"

	"senderproof/templates"
)

// Writers returns the writer of every format, by format name.
func Writers(t *templates.Set) map[string]Writer {
	return map[string]Writer{
		"json":  JSON{},
		"csv":   NewCSV(),
		"xlsx":  NewXLSX(),
		"oscal": NewOSCAL(),
		"pdf":   NewPDF(t),
	}
}

// tempDirKey is the context key of WithTempDir.
type tempDirKey struct{}

// WithTempDir returns a copy of ctx that tells writers to keep their
// scratch files in dir, under names matching ".senderproof-*.tmp" that
// RemoveTemps deletes. WritePack passes the pack's output directory, so a
// big workbook's scratch space is on the same disk as the pack rather than
// in the system's temporary directory (often a RAM-backed tmpfs).
func WithTempDir(ctx context.Context, dir string) context.Context {
	return context.WithValue(ctx, tempDirKey{}, dir)
}

type formatsKey struct{}

// WithFormats records the formats of the pack being written, so that a
// report points its reader only at files the pack holds.
func WithFormats(ctx context.Context, formats []string) context.Context {
	return context.WithValue(ctx, formatsKey{}, slices.Clone(formats))
}

// packHas reports whether the pack being written holds format; every
// format when WithFormats was not called (a writer used on its own).
func packHas(ctx context.Context, format string) bool {
	formats, ok := ctx.Value(formatsKey{}).([]string)
	return !ok || slices.Contains(formats, format)
}

// tempDir is the directory set by WithTempDir, or "" for the system's
// temporary directory.
func tempDir(ctx context.Context) string {
	dir, _ := ctx.Value(tempDirKey{}).(string)
	return dir
}
