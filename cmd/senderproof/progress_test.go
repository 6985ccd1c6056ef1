package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"

	"senderproof/report"
)

type fixedWriter string

func (f fixedWriter) Write(_ context.Context, w io.Writer, _ *report.Pack) error {
	_, err := io.WriteString(w, string(f))
	return err
}

// TestReportEachFile: on a terminal each pack file says when it is done,
// and the bytes still reach the file.
func TestReportEachFile(t *testing.T) {
	var log, out bytes.Buffer
	ws := reportEachFile(&log, map[string]report.Writer{"csv": fixedWriter("a,b\n")})
	if err := ws["csv"].Write(context.Background(), &out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "a,b\n" {
		t.Errorf("file got %q", out.String())
	}
	if !regexp.MustCompile(`^senderproof: findings\.csv done \(0\.0 MB in [0-9.]+m?s\)\n$`).MatchString(log.String()) {
		t.Errorf("progress line %q", log.String())
	}
	if isTerminal(&log) {
		t.Error("a buffer is not a terminal")
	}
}
