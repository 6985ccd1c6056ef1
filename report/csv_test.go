package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"unicode"

	"senderproof/assess"
)

func TestCSV(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(30, 3)
	out := writeAll(t, NewCSV(), p)
	r := csv.NewReader(bytes.NewReader(out))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("findings.csv does not parse: %v", err)
	}
	if got, want := strings.Join(rows[0], ","), "asset,check,selector,status,severity,message,controls,remediation,catalog_controls,hostname,owner,environment,criticality"; got != want {
		t.Fatalf("header = %q, want %q", got, want)
	}
	if got := len(rows) - 1; got != len(p.Findings) {
		t.Fatalf("rows = %d, want one per finding (%d)", got, len(p.Findings))
	}
	catalogs := 0
	for i, row := range rows[1:] {
		f := p.Findings[i]
		a := assetOf(t, p, f.Asset)
		if want := []string{csvCell(a.Hostname), csvCell(a.Owner), csvCell(a.Environment), csvCell(a.Criticality)}; !slices.Equal(row[9:], want) {
			t.Errorf("row %d inventory columns = %q, want %q", i+1, row[9:], want)
		}
		if want := wantCatalogControls(p, f.Controls); row[8] != want {
			t.Errorf("row %d catalog_controls = %q, want %q", i+1, row[8], want)
		}
		if row[8] != "" {
			catalogs++
		}
		if row[0] != f.Asset || row[1] != f.Check || row[3] != string(f.Status) {
			t.Fatalf("row %d = %q, want finding %s %s %s", i+1, row[:4], f.Asset, f.Check, f.Status)
		}
		for c, cell := range row {
			if cell == "" {
				continue
			}
			if strings.IndexFunc(cell, unicode.IsControl) >= 0 {
				t.Errorf("row %d column %s holds a control character: %q", i+1, rows[0][c], cell)
			}
			if strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("row %d column %s starts with a formula character: %q", i+1, rows[0][c], cell)
			}
		}
		if len(f.Controls) > 0 && !strings.Contains(row[6], f.Controls[0].Framework+":"+f.Controls[0].ID) {
			t.Errorf("row %d controls = %q, want framework:id of %v", i+1, row[6], f.Controls)
		}
	}
	if catalogs == 0 {
		t.Error("no row names a catalog control")
	}
	// The hostile records of asset 1 and 2 keep their text behind a quote.
	for _, want := range []string{"'" + hostileTXT, "'-all matched", "'+all is not expected", "'@ record mismatch  with control characters"} {
		found := false
		for _, row := range rows {
			if strings.HasPrefix(row[5], want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no message cell starting %q", want)
		}
	}
}

func TestCSVEmpty(t *testing.T) {
	t.Parallel()
	out := writeAll(t, NewCSV(), emptyPack())
	if got := string(out); got != "asset,check,selector,status,severity,message,controls,remediation,catalog_controls,hostname,owner,environment,criticality\r\n" {
		t.Errorf("empty pack CSV = %q", got)
	}
}

// TestCSVLineEndings: every record ends with CRLF (RFC 4180 §2), with no
// bare LF or CR anywhere and no byte order mark.
func TestCSVLineEndings(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(10, 4)
	out := writeAll(t, NewCSV(), p)
	if bytes.HasPrefix(out, []byte("\xef\xbb\xbf")) {
		t.Error("findings.csv starts with a byte order mark")
	}
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Errorf("findings.csv ends %q, want CRLF", out[max(0, len(out)-10):])
	}
	if got, want := bytes.Count(out, []byte("\r\n")), len(p.Findings)+1; got != want {
		t.Errorf("%d CRLF, want one per record (%d)", got, want)
	}
	if lf, cr := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r")); lf != cr || lf != len(p.Findings)+1 {
		t.Errorf("%d LF and %d CR, want %d of each, in pairs", lf, cr, len(p.Findings)+1)
	}
	// Each line is one record: no quoted field spans lines.
	r := csv.NewReader(bytes.NewReader(out))
	for i, line := range strings.SplitAfter(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
		rec, err := r.Read()
		if err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		one, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil || !slices.Equal(one, rec) {
			t.Fatalf("line %d %q is not record %d %q: %v", i+1, line, i+1, rec, err)
		}
	}
}

func TestCSVCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"=1+1", "'=1+1"},
		{"+44 20", "'+44 20"},
		{"-all", "'-all"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=cmd", "' =cmd"},
		{"\r=cmd", "' =cmd"},
		{"a\x00b\x1b[0m", "ab[0m"},
		{"line\nbreak", "line break"},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := csvCell(tc.in); got != tc.want {
				t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func BenchmarkWriteCSV(b *testing.B) { benchWrite(b, NewCSV()) }

// assetOf returns the pack's inventory row of ip.
func assetOf(t *testing.T, p *Pack, ip string) assess.Asset {
	t.Helper()
	for _, a := range p.Assets {
		if a.IP == ip {
			return a
		}
	}
	t.Fatalf("no asset %s in the pack", ip)
	return assess.Asset{}
}

// wantCatalogControls is the catalog_controls cell of a finding with the
// controls cs, computed the long way.
func wantCatalogControls(p *Pack, cs []assess.ControlRef) string {
	var ids []string
	for _, c := range cs {
		for _, s := range p.Controls {
			if s.Framework == c.Framework && s.ID == c.ID {
				for _, id := range s.Catalog {
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
			}
		}
	}
	return strings.Join(ids, "; ")
}
