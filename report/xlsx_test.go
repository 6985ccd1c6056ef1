package report

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"

	"senderproof/assess"
)

func openXLSX(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("report.xlsx does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func zipNames(t *testing.T, b []byte) []string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	return names
}

func rowsOf(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

// withRelevance gives p's controls a relevance, as the mapping files do.
func withRelevance(p *Pack) *Pack {
	for i := range p.Controls {
		c := &p.Controls[i]
		c.Relevance = "Why " + c.ID + " of " + c.Framework + " matters for the identity of mail senders."
	}
	return p
}

func TestXLSX(t *testing.T) {
	t.Parallel()
	p := withRelevance(SyntheticPack(12, 5))
	p.Run.Notes = []string{"inventory: f.csv:3: ::ffff:192.0.2.7 is IPv4-mapped; assessed as 192.0.2.7", "=1+1 from a hostile inventory"}
	// A cut answer: its count of records not kept reaches the sheet.
	cut := -1
	for i := range p.Findings {
		if len(p.Findings[i].Evidence) > 0 {
			cut = i
			p.Findings[i].Evidence[0].Omitted = 900
			break
		}
	}
	out := writeAll(t, NewXLSX(), p)
	f := openXLSX(t, out)

	if got, want := f.GetSheetList(), []string{"Summary", "Findings", "Controls", "Assets", "Evidence", "Drift"}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	names := zipNames(t, out)
	for _, want := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml"} {
		if !slices.Contains(names, want) {
			t.Errorf("no chart part %s in %q", want, names)
		}
	}

	t.Run("findings", func(t *testing.T) {
		rows := rowsOf(t, f, "Findings")
		if got, want := strings.Join(rows[0], ","), "asset,check,selector,status,severity,message,observed,controls,remediation,catalog_controls,hostname,owner,environment,criticality"; got != want {
			t.Fatalf("header = %q, want %q", got, want)
		}
		if got := len(rows) - 1; got != len(p.Findings) {
			t.Fatalf("rows = %d, want one per finding (%d)", got, len(p.Findings))
		}
		for i, fd := range p.Findings {
			r := rows[i+1]
			if r[0] != fd.Asset || r[1] != fd.Check || r[3] != string(fd.Status) {
				t.Fatalf("row %d = %q, want %s %s %s", i+2, r[:4], fd.Asset, fd.Check, fd.Status)
			}
			// Blank cells at a row's end are not read back.
			r = append(r, make([]string, 14-len(r))...)
			a := assetOf(t, p, fd.Asset)
			if want := []string{xlsxCell(a.Hostname), xlsxCell(a.Owner), xlsxCell(a.Environment), xlsxCell(a.Criticality)}; !slices.Equal(r[10:], want) {
				t.Errorf("row %d inventory columns = %q, want %q", i+2, r[10:], want)
			}
			if want := wantCatalogControls(p, fd.Controls); r[9] != want {
				t.Errorf("row %d catalog_controls = %q, want %q", i+2, r[9], want)
			}
		}
	})

	t.Run("formula text stays a string", func(t *testing.T) {
		rows := rowsOf(t, f, "Findings")
		found := 0
		for i, r := range rows {
			for c, v := range r {
				if !strings.HasPrefix(v, "=") && !strings.HasPrefix(v, "+") && !strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "@") {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, i+1)
				typ, err := f.GetCellType("Findings", cell)
				if err != nil {
					t.Fatal(err)
				}
				if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
					t.Errorf("Findings!%s = %q has cell type %v, want a string", cell, v, typ)
				}
				if formula, _ := f.GetCellFormula("Findings", cell); formula != "" {
					t.Errorf("Findings!%s is a formula %q", cell, formula)
				}
				if v == hostileTXT {
					found++
				}
			}
		}
		if found == 0 {
			t.Errorf("no Findings cell holds the TXT value %s exactly", hostileTXT)
		}
		for _, sheet := range []string{"Assets", "Drift", "Evidence"} {
			for i, r := range rowsOf(t, f, sheet) {
				for c, v := range r {
					if v == "" || !strings.ContainsRune("=+-@", rune(v[0])) {
						continue
					}
					cell, _ := excelize.CoordinatesToCellName(c+1, i+1)
					if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
						t.Errorf("%s!%s is a formula %q", sheet, cell, formula)
					}
				}
			}
		}
		assets := rowsOf(t, f, "Assets")
		if got := assets[2][5]; got != "+1-555-0100 (noc)" {
			t.Errorf("Assets owner of asset 1 = %q, want the exact text", got)
		}
	})

	t.Run("evidence", func(t *testing.T) {
		rows := rowsOf(t, f, "Evidence")
		want := 0
		for _, fd := range p.Findings {
			want += len(fd.Evidence)
		}
		if got := len(rows) - 1; got != want {
			t.Fatalf("evidence rows = %d, want one per exchange (%d)", got, want)
		}
		if got := strings.Join(rows[0], ","); got != "asset,check,selector,name,type,server,transport,rcode,answers,ad,at,rtt_ms,error,omitted,authority" {
			t.Errorf("evidence header = %q", got)
		}
		// Rows follow the findings' exchanges in order: the omitted and
		// authority columns hold each exchange's own.
		i, authority := 1, 0
		for k, fd := range p.Findings {
			for _, e := range fd.Evidence {
				r := append(rows[i], make([]string, 15)...)
				want := ""
				if e.Omitted > 0 {
					want = strconv.Itoa(e.Omitted)
				}
				// Cells show a tab as a space, as in the answers column.
				auth := strings.ReplaceAll(strings.Join(e.Authority, "\n"), "\t", " ")
				if r[13] != want || r[14] != auth {
					t.Errorf("Evidence row %d (finding %d): omitted %q, authority %q; want %q, %q", i+1, k, r[13], r[14], want, auth)
				}
				if len(e.Authority) > 0 {
					authority++
				}
				i++
			}
		}
		if cut < 0 || authority == 0 {
			t.Errorf("the pack has no cut answer (%d) or no authority section (%d) to show", cut, authority)
		}
		// An answer of several records wraps, one record a line, so a
		// viewer shows them all; times have one width, so they sort as
		// text in time order.
		several := 0
		for i, r := range rows[1:] {
			r = append(r, make([]string, 15)...)
			if strings.Contains(r[8], "\n") {
				several++
				cell, _ := excelize.CoordinatesToCellName(9, i+2)
				id, err := f.GetCellStyle("Evidence", cell)
				if err != nil {
					t.Fatal(err)
				}
				if style, err := f.GetStyle(id); err != nil || style.Alignment == nil || !style.Alignment.WrapText {
					t.Errorf("Evidence %s holds several records but does not wrap: %q", cell, r[8])
				}
			}
			if at := r[10]; at != "" && len(at) != len("2006-01-02T15:04:05.000000000Z") {
				t.Errorf("Evidence row %d at = %q: not the fixed-width form", i+2, at)
			}
		}
		if several == 0 {
			t.Errorf("the pack has no answer of several records to show")
		}
		for i, r := range rows {
			for _, v := range r {
				if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
					t.Errorf("Evidence row %d holds a control character: %q", i+1, v)
				}
			}
		}
	})

	t.Run("controls and assets", func(t *testing.T) {
		controls := rowsOf(t, f, "Controls")
		if got, want := strings.Join(controls[0], ","), "control,framework,id,catalog,title,relevance,status,pass,warn,fail,error,skip,checks,warn_fails"; got != want {
			t.Fatalf("controls header = %q, want %q", got, want)
		}
		if got := len(controls) - 1; got != len(p.Controls) {
			t.Errorf("controls rows = %d, want %d", got, len(p.Controls))
		}
		for i, c := range p.Controls {
			r := controls[i+1]
			if r[0] != c.Framework+" "+c.ID || r[1] != c.Framework || r[2] != c.ID || r[5] != c.Relevance || r[6] != string(c.Status) {
				t.Errorf("controls row %d = %q, want %s %s, relevance %q, %s", i+2, r, c.Framework, c.ID, c.Relevance, c.Status)
			}
		}
		// The control chart's categories are the "framework id" labels.
		n := len(p.Controls) + 1
		if want := fmt.Sprintf("<cat><strRef><f>Controls!$A$2:$A$%d</f>", n); !zipContains(t, out, "xl/charts/chart2.xml", want) {
			t.Errorf("control chart categories are not %s", want)
		}
		for col, title := range map[string]string{"H": "pass", "I": "warn", "J": "fail", "K": "error", "L": "skip"} {
			if got, _ := f.GetCellValue("Controls", col+"1"); got != title {
				t.Errorf("Controls!%s1 = %q, want %q (the control chart reads it)", col, got, title)
			}
			if want := fmt.Sprintf("<f>Controls!$%s$2:$%s$%d</f>", col, col, n); !zipContains(t, out, "xl/charts/chart2.xml", want) {
				t.Errorf("control chart has no series %s", want)
			}
		}
		// The status chart: one series per status, each its value cell
		// on the Summary sheet and its status colour.
		sum := rowsOf(t, f, "Summary")
		for _, s := range chartStatuses {
			row := slices.IndexFunc(sum, func(r []string) bool { return len(r) > 1 && r[0] == string(s) }) + 1
			if row == 0 {
				t.Fatalf("no key figure %s", s)
			}
			want := fmt.Sprintf("<val><numRef><f>Summary!$B$%d</f>", row)
			colour := "<a:srgbClr val=\"" + xlsxColour(statusColour(string(s))) + "\">"
			if !zipContains(t, out, "xl/charts/chart1.xml", want) || !zipContains(t, out, "xl/charts/chart1.xml", colour) {
				t.Errorf("status chart lacks the %s series %s in %s", s, want, colour)
			}
		}
		assets := rowsOf(t, f, "Assets")
		if got := len(assets) - 1; got != len(p.Assets) {
			t.Errorf("assets rows = %d, want %d", got, len(p.Assets))
		}
		drift := rowsOf(t, f, "Drift")
		if got, want := len(drift)-1, len(p.Drift.Added)+len(p.Drift.Removed)+len(p.Drift.Changes); got != want {
			t.Errorf("drift rows = %d, want %d", got, want)
		}
	})

	t.Run("styling", func(t *testing.T) {
		panes, err := f.GetPanes("Findings")
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("Findings panes = %+v, %v; want the header row frozen", panes, err)
		}
		cf, err := f.GetConditionalFormats("Findings")
		if err != nil || len(cf) == 0 {
			t.Errorf("Findings has no status colours: %v, %v", cf, err)
		}
		if !zipContains(t, out, "xl/workbook.xml", "_xlnm._FilterDatabase") {
			t.Error("no autofilter defined")
		}
		sum := rowsOf(t, f, "Summary")
		if len(sum) < 10 || !slices.ContainsFunc(sum, func(r []string) bool { return len(r) > 1 && r[0] == "fail" }) {
			t.Errorf("Summary lacks key figures: %q", sum)
		}
		// The run's notes follow, each a string, never a formula.
		for _, want := range p.Run.Notes {
			i := slices.IndexFunc(sum, func(r []string) bool { return len(r) > 1 && r[0] == "Note" && r[1] == want })
			if i < 0 {
				t.Errorf("Summary lacks the note %q: %q", want, sum)
				continue
			}
			if formula, _ := f.GetCellFormula("Summary", fmt.Sprintf("B%d", i+1)); formula != "" {
				t.Errorf("Summary!B%d is a formula %q", i+1, formula)
			}
		}
	})
}

func zipContains(t *testing.T, b []byte, name, text string) bool {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		if f.Name != name {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		return strings.Contains(buf.String(), text)
	}
	return false
}

// TestXLSXSplitsSheets checks that a sheet past the row limit continues on
// a numbered sheet, every row kept.
func TestXLSXSplitsSheets(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(12, 9)
	w := &xlsxWriter{rowsPerSheet: 50}
	f := openXLSX(t, writeAll(t, w, p))
	total := 0
	parts := 0
	for _, s := range f.GetSheetList() {
		if s != "Findings" && !strings.HasPrefix(s, "Findings ") {
			continue
		}
		parts++
		rows := rowsOf(t, f, s)
		if rows[0][0] != "asset" {
			t.Errorf("sheet %s has no header", s)
		}
		if len(rows)-1 > 50 {
			t.Errorf("sheet %s has %d rows, limit 50", s, len(rows)-1)
		}
		total += len(rows) - 1
	}
	if total != len(p.Findings) || parts != (len(p.Findings)+49)/50 {
		t.Errorf("findings split into %d sheets holding %d rows, want %d sheets holding %d", parts, total, (len(p.Findings)+49)/50, len(p.Findings))
	}
	// Parts of a sheet sit together, in the usual order of the sheets.
	var order []string
	for _, s := range f.GetSheetList() {
		base, _, _ := strings.Cut(s, " ")
		if len(order) == 0 || order[len(order)-1] != base {
			order = append(order, base)
		}
	}
	if want := []string{"Summary", "Findings", "Controls", "Assets", "Evidence", "Drift"}; !slices.Equal(order, want) {
		t.Errorf("sheet order %q, want %q", f.GetSheetList(), want)
	}
	// The Summary says which sheets continue, or a filter on one part
	// would miss the others' rows.
	var said string
	for _, r := range rowsOf(t, f, "Summary") {
		if len(r) > 1 && r[0] == "Sheets continued" {
			said = r[1]
		}
	}
	if !strings.Contains(said, "Findings continues on Findings 2") || !strings.Contains(said, "Evidence continues on Evidence 2") {
		t.Errorf("Summary's Sheets continued = %q, want the Findings and Evidence parts named", said)
	}
}

// TestXLSXLongValue checks that a value over Excel's cell limit is cut
// with a marker, and an empty pack still has every sheet's header.
func TestXLSXLongValue(t *testing.T) {
	t.Parallel()
	p := emptyPack()
	long := strings.Repeat("v=spf1 include:_spf.example.net ", 2000) // 64,000 characters
	p.Assets = []assess.Asset{{IP: "192.0.2.1"}}
	p.Findings = []assess.Finding{{Asset: "192.0.2.1", Check: "spf.record", Status: assess.StatusFail, Message: long}}
	p.Summary = Summary{Assets: 1, Findings: 1, Fail: 1}
	f := openXLSX(t, writeAll(t, NewXLSX(), p))
	msg, err := f.GetCellValue("Findings", "F2")
	if err != nil {
		t.Fatal(err)
	}
	if utf16Len(msg) > excelMaxChars || !strings.HasSuffix(msg, xlsxTruncated) || !strings.HasPrefix(msg, "v=spf1 include") {
		t.Errorf("long message kept %d characters, ending %q", utf16Len(msg), msg[max(0, len(msg)-40):])
	}

	f = openXLSX(t, writeAll(t, NewXLSX(), emptyPack()))
	if got, want := f.GetSheetList(), []string{"Summary", "Findings", "Controls", "Assets", "Evidence"}; !slices.Equal(got, want) {
		t.Errorf("empty pack sheets = %q, want %q", got, want)
	}
}

// TestXLSXTags: the Assets sheet's tags cell quotes a value that would
// otherwise read as more tags, read back from the file.
func TestXLSXTags(t *testing.T) {
	t.Parallel()
	p := emptyPack()
	p.Assets = []assess.Asset{{IP: "192.0.2.1", Tags: map[string]string{"note": "a; x=y", "site": "ams", "q": `say "hi"`}}}
	p.Summary = Summary{Assets: 1}
	f := openXLSX(t, writeAll(t, NewXLSX(), p))
	rows, err := f.GetRows("Assets")
	if err != nil || len(rows) < 2 {
		t.Fatalf("Assets rows %v, %v", rows, err)
	}
	col := slices.Index(rows[0], "tags")
	if col < 0 || col >= len(rows[1]) {
		t.Fatalf("no tags column in %v", rows)
	}
	if got, want := rows[1][col], `note="a; x=y"; q="say ""hi"""; site=ams`; got != want {
		t.Errorf("tags cell %q, want %q", got, want)
	}
}

func TestXLSXCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b bytes.Buffer
	if err := NewXLSX().Write(ctx, &b, SyntheticPack(3, 1)); err == nil {
		t.Error("write with a cancelled context succeeded")
	}
}

// TestXLSXColumnsAscend: every sheet's <col> elements come in ascending,
// non-overlapping order, as Excel requires (it offers to repair the file
// otherwise).
func TestXLSXColumnsAscend(t *testing.T) {
	t.Parallel()
	out := writeAll(t, NewXLSX(), SyntheticPack(5, 2))
	z, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	sheet := regexp.MustCompile(`^xl/worksheets/sheet[0-9]+\.xml$`)
	sheets := 0
	for _, zf := range z.File {
		if !sheet.MatchString(zf.Name) {
			continue
		}
		sheets++
		t.Run(zf.Name, func(t *testing.T) {
			r, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var ws struct {
				Cols []struct {
					Min int `xml:"min,attr"`
					Max int `xml:"max,attr"`
				} `xml:"cols>col"`
			}
			if err := xml.NewDecoder(r).Decode(&ws); err != nil {
				t.Fatal(err)
			}
			if len(ws.Cols) == 0 {
				t.Fatal("no column widths")
			}
			prev := 0
			for _, c := range ws.Cols {
				if c.Min <= prev || c.Max < c.Min {
					t.Fatalf("<col min=%d max=%d> after a column ending at %d: cols %v", c.Min, c.Max, prev, ws.Cols)
				}
				prev = c.Max
			}
		})
	}
	if sheets < 6 {
		t.Errorf("%d worksheets, want 6", sheets)
	}
}

// spillPack is a pack whose Findings sheet passes excelize's 16 MB
// in-memory limit, so the stream writer spills it to a temporary file.
func spillPack() *Pack {
	p := emptyPack()
	msg := strings.Repeat("v=spf1 ip4:192.0.2.0/24 include:_spf.example.net ~all; ", 360) // 20 KB
	p.Assets = []assess.Asset{{IP: "192.0.2.1"}}
	for i := range 900 {
		sel := strconv.Itoa(i)
		p.Findings = append(p.Findings, assess.Finding{Asset: "192.0.2.1", Check: "dkim.key", Selector: &sel, Status: assess.StatusFail, Message: msg})
	}
	p.Summary = Summary{Assets: 1, Findings: len(p.Findings), Fail: len(p.Findings)}
	return p
}

// dirSpy records, at the first write of the finished workbook (when every
// scratch file still exists), the files under each of dirs (relative
// paths; directories end in "/").
type dirSpy struct {
	dirs []string
	seen map[string][]string
	err  error
}

func (d *dirSpy) Write(b []byte) (int, error) {
	if d.seen == nil && d.err == nil {
		d.seen = map[string][]string{}
		for _, dir := range d.dirs {
			d.seen[dir] = []string{}
			err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
				if err != nil || path == dir {
					return err
				}
				rel, _ := filepath.Rel(dir, path)
				if e.IsDir() {
					rel += "/"
				}
				d.seen[dir] = append(d.seen[dir], filepath.ToSlash(rel))
				return nil
			})
			d.err = errors.Join(d.err, err)
		}
	}
	return len(b), nil
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestXLSXTempFiles: the workbook's scratch files (the zip before it is
// repacked, the stream writer's spill files) live in the pack's output
// directory under a name RemoveTemps deletes, never in the system's
// temporary directory, and nothing is left behind.
func TestXLSXTempFiles(t *testing.T) {
	base := t.TempDir()
	sysTmp := filepath.Join(base, "tmp")
	if err := os.Mkdir(sysTmp, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", sysTmp) // os.TempDir
	ctx := context.Background()
	outDir := func(t *testing.T) string {
		t.Helper()
		dir, err := os.MkdirTemp(base, "out-")
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("spill files in the output directory", func(t *testing.T) {
		dir := outDir(t)
		spy := &dirSpy{dirs: []string{dir, sysTmp}}
		if err := NewXLSX().Write(WithTempDir(ctx, dir), spy, spillPack()); err != nil {
			t.Fatal(err)
		}
		if spy.err != nil {
			t.Fatal(spy.err)
		}
		scratch := regexp.MustCompile(`^\.senderproof-report\.xlsx-[0-9]+\.tmp/`)
		var spill, zipped bool
		for _, name := range spy.seen[dir] {
			if !scratch.MatchString(name) {
				t.Errorf("while writing, %s is in the output directory, outside a .senderproof-*.tmp directory (all: %q)", name, spy.seen[dir])
			}
			_, base, _ := strings.Cut(name, "/")
			spill = spill || strings.HasPrefix(base, "excelize-")
			zipped = zipped || strings.HasPrefix(base, "workbook-")
		}
		if !spill || !zipped {
			t.Errorf("while writing, the output directory held %q: want the stream writer's spill file and the zip in the scratch directory", spy.seen[dir])
		}
		if len(spy.seen[sysTmp]) != 0 {
			t.Errorf("while writing, the system's temporary directory held %q", spy.seen[sysTmp])
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("after writing, the output directory holds %q", names)
		}
		if names := dirNames(t, sysTmp); len(names) != 0 {
			t.Errorf("the system's temporary directory holds %q", names)
		}
	})

	t.Run("WritePack passes the output directory", func(t *testing.T) {
		// A system temporary directory that does not exist: a writer
		// that used it would fail.
		t.Setenv("TMPDIR", filepath.Join(base, "missing"))
		dir := outDir(t)
		p := SyntheticPack(4, 1)
		if _, err := WritePack(ctx, dir, p, []string{"xlsx"}, map[string]Writer{"xlsx": NewXLSX()}, nil); err != nil {
			t.Fatal(err)
		}
		if got, want := dirNames(t, dir), []string{"manifest.json", "report.xlsx"}; !slices.Equal(got, want) {
			t.Errorf("output directory holds %q, want %q", got, want)
		}
		b, err := os.ReadFile(filepath.Join(dir, "report.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		if rows := rowsOf(t, openXLSX(t, b), "Findings"); len(rows) != len(p.Findings)+1 {
			t.Errorf("Findings has %d rows, want %d", len(rows), len(p.Findings)+1)
		}
	})

	t.Run("a killed run's scratch directory is removed", func(t *testing.T) {
		dir := outDir(t)
		left := filepath.Join(dir, ".senderproof-report.xlsx-123.tmp")
		if err := os.MkdirAll(left, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"excelize-456", "workbook-789.zip"} {
			if err := os.WriteFile(filepath.Join(left, name), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		RemoveTemps(dir)
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("after RemoveTemps the output directory holds %q", names)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		dir := outDir(t)
		ctx, cancel := context.WithCancel(WithTempDir(ctx, dir))
		cancel()
		if err := NewXLSX().Write(ctx, io.Discard, spillPack()); err == nil {
			t.Error("write with a cancelled context succeeded")
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("after a cancelled write the output directory holds %q", names)
		}
	})
}

func BenchmarkWriteXLSX(b *testing.B) { benchWrite(b, NewXLSX()) }

// TestXLSXDimension: no sheet declares a used range smaller than what it
// holds (excelize's stream writer and new sheets declare A1): a sheet
// either has no <dimension> or one that covers its rows and columns.
func TestXLSXDimension(t *testing.T) {
	t.Parallel()
	out := writeAll(t, NewXLSX(), withRelevance(SyntheticPack(12, 5)))
	f := openXLSX(t, out)
	z, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	dim := regexp.MustCompile(`<dimension ref="([A-Z0-9:]+)"`)
	for i, sheet := range f.GetSheetList() {
		part, err := z.Open(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1))
		if err != nil {
			t.Fatal(err)
		}
		xml, err := io.ReadAll(part)
		part.Close()
		if err != nil {
			t.Fatal(err)
		}
		m := dim.FindSubmatch(xml)
		if m == nil {
			continue
		}
		_, end, _ := strings.Cut(string(m[1]), ":")
		if end == "" {
			end = string(m[1])
		}
		cols, rows, err := excelize.CellNameToCoordinates(end)
		if err != nil {
			t.Fatalf("%s: dimension %q: %v", sheet, m[1], err)
		}
		held := rowsOf(t, f, sheet)
		wide := 0
		for _, r := range held {
			wide = max(wide, len(r))
		}
		if rows < len(held) || cols < wide {
			t.Errorf("%s declares dimension %s, but holds %d rows of up to %d columns", sheet, m[1], len(held), wide)
		}
	}
}

// TestXLSXDriftIncomplete: a sender whose comparison with the baseline is
// incomplete (drift.changed error) is listed on the Drift sheet, so the
// sheet does not read as a complete comparison.
func TestXLSXDriftIncomplete(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(4, 2)
	if p.Drift == nil {
		t.Skip("the synthetic pack has no drift record")
	}
	ip, ip2 := p.Assets[0].IP, p.Assets[1].IP
	msg := "No change found for " + ip + " since the baseline run x, but the comparison is incomplete"
	// A sender with a change and a value not compared is incomplete too.
	msg2 := "1 change for " + ip2 + " since the baseline run x: DMARC policy none → reject. Not compared, because a run could not determine it: this run could not determine spf.result."
	p.Findings = append(p.Findings,
		assess.Finding{Asset: ip, Check: DriftCheck, Status: assess.StatusError, Message: msg},
		assess.Finding{Asset: ip2, Check: DriftCheck, Status: assess.StatusWarn, Message: msg2,
			Observed: map[string]any{"undetermined": []any{"spf.result"}, "changes": []any{}}})
	// A change from an inventory edit says so.
	p.Drift.Changes = append(p.Drift.Changes, DriftChange{Asset: ip2, Field: "dkim.fingerprint[s9]", Old: "ab", Inventory: "selector_removed"})
	p.Summary.Findings += 2
	// The PDF counts the same senders as the sheet lists.
	want := 0
	for _, fd := range p.Findings {
		if fd.Check == DriftCheck && (fd.Status == assess.StatusError || fd.Observed["undetermined"] != nil) {
			want++
		}
	}
	if d, err := digestPack(context.Background(), p); err != nil || d.driftIncomplete() != want {
		t.Errorf("the PDF counts %d senders with an incomplete comparison (err %v), want %d", d.driftIncomplete(), err, want)
	}
	p.Drift.Added, p.Drift.Removed, p.Drift.Offboarding = []string{"192.0.2.250"}, []string{"192.0.2.251"}, nil
	f := openXLSX(t, writeAll(t, NewXLSX(), p))
	rows := rowsOf(t, f, "Drift")
	if want := []string{"asset", "field", "old", "new", "inventory_edit", "note", "offboarding"}; !slices.Equal(rows[0], want) {
		t.Errorf("Drift header %q, want %q", rows[0], want)
	}
	// The Summary names what the sheet compares with.
	baseRow := []string{"Baseline run", "run " + p.Drift.BaseRun + " (" + p.Drift.Baseline + ")"}
	if sum := rowsOf(t, f, "Summary"); !slices.ContainsFunc(sum, func(r []string) bool { return len(r) >= 2 && slices.Equal(r[:2], baseRow) }) {
		t.Errorf("Summary has no row %q", baseRow)
	}
	// old and new hold values only; the rest is said in note.
	for _, want := range [][]string{
		{ip, "(not compared)", "", "", "", msg}, {ip2, "(not compared)", "", "", "", msg2},
		{ip2, "dkim.fingerprint[s9]", "ab", "(no value)", "selector taken out of the inventory"},
		{"192.0.2.250", "(asset)", "", "", "", "added: not in the baseline run " + p.Drift.BaseRun},
		{"192.0.2.251", "(asset)", "", "", "", "removed: in the baseline run " + p.Drift.BaseRun + ", not in this run's inventory"},
	} {
		if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) >= len(want) && slices.Equal(r[:len(want)], want) }) {
			t.Errorf("Drift sheet has no row %q: %q", want, rows)
		}
	}
}

// TestXLSXOffboarding: the recheck of the removed senders shows on the
// Drift sheet (verdict column, wording in the note, hostile text inert)
// and in a line of the Summary.
func TestXLSXOffboarding(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(6, 1)
	f := openXLSX(t, writeAll(t, NewXLSX(), p))
	rows := rowsOf(t, f, "Drift")
	got := map[string][]string{}
	for _, r := range rows {
		if len(r) > 0 && slices.Contains(p.Drift.Removed, r[0]) {
			got[r[0]] = r
		}
	}
	if r := got["192.0.2.254"]; len(r) != 7 || r[6] != "fail" || !strings.HasPrefix(r[5], "removed: in the baseline run") ||
		!strings.Contains(r[5], "still authorizes it by its own address (ip4:192.0.2.254)") || !strings.Contains(r[5], "remove ip4:192.0.2.254") {
		t.Errorf("Drift row of 192.0.2.254: %q", r)
	}
	if r := got["2001:db8:ffff::1"]; len(r) != 7 || r[6] != "error" || strings.ContainsRune(r[5], 0x1b) {
		t.Errorf("Drift row of 2001:db8:ffff::1: %q", r)
	}
	for _, ip := range p.Drift.Removed {
		cell := fmt.Sprintf("F%d", slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == ip })+1)
		if formula, _ := f.GetCellFormula("Drift", cell); formula != "" {
			t.Errorf("Drift %s is a formula: %q", cell, formula)
		}
	}
	// A hostile reverse zone's hundred PTR names make a long note: it is
	// cut with a marker, not silently.
	long := SyntheticPack(6, 1)
	long.Drift.Offboarding[0].Message = strings.Repeat("its PTR still names x.example.com; ", 1200)
	lrows := rowsOf(t, openXLSX(t, writeAll(t, NewXLSX(), long)), "Drift")
	if i := slices.IndexFunc(lrows, func(r []string) bool { return len(r) > 5 && r[0] == "192.0.2.254" }); i < 0 || !strings.HasSuffix(lrows[i][5], xlsxTruncated) {
		t.Errorf("long note of 192.0.2.254 is not cut with %q", xlsxTruncated)
	}
	want := []string{"Removed senders", "2 removed since the baseline run and checked again; DNS still vouches for 1 (1 still authorized by SPF by address or by name), 1 not checked in full (OWASP NHI-01); see the Drift sheet's offboarding column"}
	if sum := rowsOf(t, f, "Summary"); !slices.ContainsFunc(sum, func(r []string) bool { return len(r) >= 2 && slices.Equal(r[:2], want) }) {
		t.Errorf("Summary has no row %q", want)
	}
}

// TestXLSXSummaryReadable: the Summary sheet's times are ISO 8601, its
// facts and notes wrap within their column (so a long note does not run
// on under the charts), and the charts' axis labels are drawn dark, read
// back from the workbook.
func TestXLSXSummaryReadable(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	p.Run.Notes = []string{strings.Repeat("a long note about a resolver that stopped answering ", 8)}
	b := writeAll(t, NewXLSX(), p)
	f := openXLSX(t, b)
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	iso := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	for i, r := range rows {
		if len(r) < 2 {
			continue
		}
		cell := fmt.Sprintf("B%d", i+1)
		switch r[0] {
		case "Started", "Finished":
			if !iso.MatchString(r[1]) {
				t.Errorf("%s %s = %q, want ISO 8601 in UTC", r[0], cell, r[1])
			}
		case "Note":
			id, err := f.GetCellStyle("Summary", cell)
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.GetStyle(id)
			if err != nil || st.Alignment == nil || !st.Alignment.WrapText {
				t.Errorf("note %s does not wrap: %+v %v", cell, st, err)
			}
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/charts/chart") {
			continue
		}
		charts++
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		x, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Contains(x, []byte(`val="404040"`)) {
			t.Errorf("%s: axis labels not drawn in 404040", zf.Name)
		}
	}
	if charts == 0 {
		t.Error("no charts in the workbook")
	}
}

// TestXLSXAddressColumns: the address columns widen to a pack's longest
// address, so an IPv6 sender is shown whole, and stay at 22 for IPv4.
func TestXLSXAddressColumns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ip    string
		width float64
	}{{"", 22}, {"2001:db8:1234:5678:9abc:def0:1:2", 35}} {
		p := SyntheticPack(3, 1)
		if tc.ip != "" {
			old := p.Assets[0].IP
			p.Assets[0].IP = tc.ip
			for i := range p.Findings {
				if p.Findings[i].Asset == old {
					p.Findings[i].Asset = tc.ip
				}
			}
		}
		f := openXLSX(t, writeAll(t, NewXLSX(), p))
		for _, sheet := range []string{"Findings", "Evidence", "Assets"} {
			w, err := f.GetColWidth(sheet, "A")
			if err != nil {
				t.Fatal(err)
			}
			if w != tc.width {
				t.Errorf("%q: %s column A width %v, want %v", tc.ip, sheet, w, tc.width)
			}
		}
	}
}
