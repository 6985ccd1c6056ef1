package report

import "senderproof/templates"

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
