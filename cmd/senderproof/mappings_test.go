package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMappingsLint: lint takes any number of directories and files, reports
// every problem of every one, and exits 1 when there is any.
func TestMappingsLint(t *testing.T) {
	t.Parallel()
	td := filepath.Join("..", "..", "testdata", "mappings")
	good := filepath.Join(td, "extra")
	bad := filepath.Join(td, "invalid-unknown-check.yaml")
	failOn := filepath.Join(td, "invalid-fail-on.yaml")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string
	}{
		{"embedded", nil, 0, "mapping files: ok\n", nil},
		{"good dir", []string{good}, 0, "mapping files: ok\n", nil},
		{"good then bad", []string{good, bad}, 1, "", []string{bad + `:9: unknown check "ptr.bogus"`}},
		{"bad then good", []string{bad, good}, 1, "", []string{bad + `:9: unknown check "ptr.bogus"`}},
		{"two bad files", []string{bad, failOn}, 1, "", []string{
			bad + `:9: unknown check "ptr.bogus"`,
			failOn + `:14: fail_on must be fail or warn, not "always"`,
		}},
		{"missing path", []string{filepath.Join(td, "absent")}, 1, "", []string{"absent: cannot read: no such file or directory"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, context.Background(), append([]string{"mappings", "lint"}, tc.args...)...)
			if code != tc.code || stdout != tc.stdout {
				t.Errorf("exit %d, stdout %q; want %d, %q (stderr %s)", code, stdout, tc.code, tc.stdout, stderr)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestMappingsList: list shows each control's relevance and each mapped
// check's rationale, including those of a framework added with --mappings.
func TestMappingsList(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := run(t, context.Background(), "mappings", "list", "--mappings", filepath.Join("..", "..", "testdata", "mappings", "extra"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"  MAIL-1  Every sending IP has a forward-confirmed, inventoried PTR name\n" +
			"      relevance: Receivers score senders on reverse DNS.\n",
		"        ptr.fcrdns, ptr.matches_expected, ptr.not_generic, ptr.present, ptr.single: The PTR checks\n",
		"        drift.changed: -\n",
		"        dmarc.reporting (fail_on: warn): The check confirms rua names a report address and warns\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("list lacks %q", want)
		}
	}
}

func TestMappingsListTakesNoArguments(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := run(t, context.Background(), "mappings", "list", "extra")
	if code != exitBadInput || !strings.Contains(stderr, "mappings list takes no arguments") || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q: want exit %d refusing the argument", code, stdout, stderr, exitBadInput)
	}
}
