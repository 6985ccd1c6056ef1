package report

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/sync/errgroup"

	"senderproof/assess"
)

// Excel limits.
const (
	excelMaxRows  = 1048576 // rows per sheet, header included
	excelMaxChars = 32767   // UTF-16 code units per cell
)

// xlsxTruncated ends a value cut at Excel's cell limit.
const xlsxTruncated = "… [truncated: see evidence.json]"

// Sheet names.
const (
	sheetSummary  = "Summary"
	sheetFindings = "Findings"
	sheetControls = "Controls"
	sheetAssets   = "Assets"
	sheetEvidence = "Evidence"
	sheetDrift    = "Drift"
)

type xlsxWriter struct {
	// rowsPerSheet is the data rows of one sheet; more continue on
	// "Findings 2" and so on.
	rowsPerSheet int
}

// NewXLSX returns the writer of report.xlsx, the analysts' workbook:
// Summary (key figures and charts), Findings (one row per finding),
// Controls, Assets, Evidence (one row per DNS exchange) and, with a
// baseline, Drift. Big sheets are streamed; a sheet that would pass
// Excel's row limit continues on a numbered sheet. Every value from DNS
// or the inventory is a string cell, never a formula.
func NewXLSX() Writer { return &xlsxWriter{rowsPerSheet: excelMaxRows - 1} }

// xlsxCell prepares untrusted text for a cell: control characters that
// XML 1.0 cannot hold are dropped (line feeds kept), and the text is cut
// at Excel's cell limit with a marker.
func xlsxCell(s string) string {
	if !isPlainLine(s) {
		s = cleanText(s)
	}
	return clipUTF16(s, excelMaxChars, xlsxTruncated)
}

// xlsxStyles are the workbook's cell and conditional styles.
type xlsxStyles struct {
	header, title, subtitle, label, bold int
	wrap                                 int            // long text kept within its column
	status                               map[string]int // conditional fills by status/state
}

// chartAxisFont draws the charts' axis labels dark enough to read (the
// default theme's is a pale grey).
var chartAxisFont = excelize.Font{Color: "404040", Size: 9}

// xlsxTime is a run time as ISO 8601 text in UTC, or "not recorded".
func xlsxTime(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return t.UTC().Format(time.RFC3339)
}

func newXLSXStyles(f *excelize.File) (*xlsxStyles, error) {
	var s xlsxStyles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	s.header = mk(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{xlsxColour(colourBrand)}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	s.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Color: xlsxColour(colourBrand)}})
	s.subtitle = mk(&excelize.Style{Font: &excelize.Font{Size: 12, Color: xlsxColour(colourMuted)}})
	s.label = mk(&excelize.Style{Font: &excelize.Font{Color: xlsxColour(colourMuted)}})
	s.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	s.wrap = mk(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, fmt.Errorf("xlsx style: %w", err)
	}
	s.status = map[string]int{}
	for _, st := range []string{"pass", "warn", "fail", "error", "skip", string(ControlSatisfied), string(ControlNotSatisfied), string(ControlInconclusive)} {
		ink := "FFFFFF"
		if st == "warn" {
			ink = xlsxColour(colourInk)
		}
		id, err := f.NewConditionalStyle(&excelize.Style{
			Font: &excelize.Font{Color: ink, Bold: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{xlsxColour(statusColour(st))}},
		})
		if err != nil {
			return nil, fmt.Errorf("xlsx conditional style: %w", err)
		}
		s.status[st] = id
	}
	return &s, nil
}

func xlsxColour(c interface{ RGBA() (r, g, b, a uint32) }) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("%02X%02X%02X", r>>8, g>>8, b>>8)
}

// statusRules colours a status column by its text.
func (s *xlsxStyles) statusRules(states ...string) []excelize.ConditionalFormatOptions {
	out := make([]excelize.ConditionalFormatOptions, 0, len(states))
	for _, st := range states {
		id := s.status[st]
		out = append(out, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==", Value: `"` + st + `"`, Format: &id})
	}
	return out
}

var findingStates = []string{"pass", "warn", "fail", "error", "skip"}

// Write renders p as an XLSX workbook.
func (w *xlsxWriter) Write(ctx context.Context, out io.Writer, p *Pack) error {
	// Scratch space: one directory in the pack's output directory (see
	// WithTempDir) holds the zipped workbook before repackXLSX and the
	// stream writer's spill files (each sheet past 16 MB of XML), all
	// removed on return, or by RemoveTemps after a killed run.
	scratch, _, err := makeTemp(tempDir(ctx), ".senderproof-report.xlsx-*.tmp", true)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	defer os.RemoveAll(scratch)
	f := excelize.NewFile(excelize.Options{
		UnzipSizeLimit:    excelize.UnzipSizeLimit,
		UnzipXMLSizeLimit: excelize.StreamChunkSize,
		TmpDir:            scratch,
	})
	defer f.Close()
	// Zip straight into a file (excelize otherwise builds the whole
	// archive in memory first), favouring speed over size: the fastest
	// deflate level writes a file about a fifth larger in a little over
	// half the time. excelize writes streamed sheets in map order, so the
	// entries are then copied to out in a fixed order (see repackXLSX):
	// the same pack always gives the same bytes.
	tmp, err := os.CreateTemp(scratch, "workbook-*.zip")
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	defer tmp.Close()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		// Zipping a large workbook takes seconds: its writes stop at an
		// interrupt.
		zw := zip.NewWriter(ctxWriter{ctx, tmp})
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return zw
	})
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", sheetSummary); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	when := ""
	if !p.Run.FinishedAt.IsZero() {
		when = p.Run.FinishedAt.UTC().Format(time.RFC3339)
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:       clip(cleanLine(p.Run.Title), 200),
		Subject:     "Mail sender DNS identity assessment, run " + clip(cleanLine(p.Run.ID), 100),
		Creator:     "senderproof",
		Description: clip(cleanLine(p.Tool.Name+" "+p.Tool.Version), 100),
		Identifier:  clip(cleanLine(p.Run.ID), 100),
		Created:     when,
		Modified:    when,
	}); err != nil {
		return fmt.Errorf("xlsx properties: %w", err)
	}
	// The Findings sheets come first; they are filled with Evidence in
	// one pass over the findings (a big run's are read back from disk).
	for k := range sheetParts(p.Summary.Findings, w.rowsPerSheet) {
		if _, err := f.NewSheet(partName(sheetFindings, k+1)); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	// The pass over the findings notes the senders whose comparison with
	// the baseline is incomplete, for the Drift sheet.
	var incomplete []driftIncomplete
	// The pass over the findings also finds the sending domains whose SPF
	// lets any address pass, for the Summary sheet.
	open := newOpenSPFFinder(p.Assets)
	steps := []func(context.Context, *excelize.File, *xlsxStyles, *Pack) error{
		w.controls, w.assets,
		func(ctx context.Context, f *excelize.File, st *xlsxStyles, p *Pack) error {
			return w.findingsAndEvidence(ctx, f, st, p, &incomplete, open)
		},
		func(ctx context.Context, f *excelize.File, st *xlsxStyles, p *Pack) error {
			return w.drift(ctx, f, st, p, incomplete)
		},
		func(ctx context.Context, f *excelize.File, st *xlsxStyles, p *Pack) error {
			return w.summary(ctx, f, st, p, open.result())
		},
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := step(ctx, f, st, p); err != nil {
			return err
		}
	}
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return repackXLSX(tmp, out)
}

// contentOverride matches one entry (a Default or an Override) of
// [Content_Types].xml, whose order excelize does not fix.
var contentOverride = regexp.MustCompile(`<(?:Default|Override) [^>]*>(?:</(?:Default|Override)>)?`)

// repackXLSX copies the workbook zipped in tmp to out with its entries in
// name order ([Content_Types].xml first, as Office writes it) and the
// entries of [Content_Types].xml sorted. Entries are copied still compressed.
func repackXLSX(tmp *os.File, out io.Writer) error {
	st, err := tmp.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(tmp, st.Size())
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	files := slices.Clone(zr.File)
	const types = "[Content_Types].xml"
	slices.SortFunc(files, func(a, b *zip.File) int {
		switch {
		case a.Name == types:
			return -1
		case b.Name == types:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	zw := zip.NewWriter(out)
	for _, zf := range files {
		if zf.Name != types {
			if err := zw.Copy(zf); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		parts := contentOverride.FindAll(b, -1)
		if first := contentOverride.FindIndex(b); first != nil {
			last := contentOverride.FindAllIndex(b, -1)
			end := last[len(last)-1][1]
			slices.SortFunc(parts, bytes.Compare)
			b = append(append(slices.Clone(b[:first[0]]), bytes.Join(parts, nil)...), b[end:]...)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return zw.Close()
}

// xlsxColumn is one column of a streamed sheet.
type xlsxColumn struct {
	title string
	width float64
}

// streamSheet writes rows to a sheet with the stream writer and continues
// on "<name> 2", "<name> 3"... past the row limit. Each part gets the
// header, frozen panes, an autofilter and status colours.
type streamSheet struct {
	f         *excelize.File
	st        *xlsxStyles
	name      string
	cols      []xlsxColumn
	statusCol int // 1-based column coloured by status; 0 for none
	states    []string
	max       int

	part int
	sw   *excelize.StreamWriter
	cur  string
	row  int
	// fileMu, when set, is held while a part opens or closes: sheets of
	// one file are streamed at once (their rows touch only their own
	// stream writer), but opening and closing change the file itself.
	fileMu *sync.Mutex
}

// lockFile holds fileMu, if any, until the returned func is called.
func (s *streamSheet) lockFile() func() {
	if s.fileMu == nil {
		return func() {}
	}
	s.fileMu.Lock()
	return s.fileMu.Unlock
}

func newStreamSheet(f *excelize.File, st *xlsxStyles, name string, max int, cols []xlsxColumn) *streamSheet {
	return &streamSheet{f: f, st: st, name: name, cols: cols, max: max}
}

// partName names part k (from 1) of a sheet: "Findings", "Findings 2"...
func partName(name string, k int) string {
	if k == 1 {
		return name
	}
	return fmt.Sprintf("%s %d", name, k)
}

// splitSheets says which sheets continue on numbered ones ("Findings
// continues on Findings 2 and Findings 3"), from the workbook's sheet
// names; "" when none does.
func splitSheets(names []string) string {
	var out []string
	for _, base := range []string{sheetFindings, sheetControls, sheetAssets, sheetEvidence, sheetDrift} {
		var more []string
		for k := 2; slices.Contains(names, partName(base, k)); k++ {
			more = append(more, partName(base, k))
		}
		switch len(more) {
		case 0:
		case 1:
			out = append(out, base+" continues on "+more[0])
		default:
			out = append(out, base+" continues on "+strings.Join(more[:len(more)-1], ", ")+" and "+more[len(more)-1])
		}
	}
	return strings.Join(out, "; ")
}

// sheetParts is how many sheets rows data rows take, at least one.
func sheetParts(rows, perSheet int) int {
	if rows <= perSheet || perSheet <= 0 {
		return 1
	}
	return (rows + perSheet - 1) / perSheet
}

func (s *streamSheet) open() error {
	defer s.lockFile()()
	s.part++
	s.cur = partName(s.name, s.part)
	if _, err := s.f.NewSheet(s.cur); err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", s.cur, err)
	}
	// The stream writer writes the sheet's <dimension> before its rows,
	// and a new sheet's is A1: a reader that trusts it would see one
	// cell. The element is optional (ECMA-376 §18.3.1.35), so none is
	// written and readers find the used range from the rows.
	if err := s.f.SetSheetDimension(s.cur, ""); err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", s.cur, err)
	}
	sw, err := s.f.NewStreamWriter(s.cur)
	if err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", s.cur, err)
	}
	s.sw = sw
	// excelize puts each width set before the ones already set; Excel
	// wants the <col> elements in ascending order, so set them last first.
	for i := len(s.cols) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, s.cols[i].width); err != nil {
			return fmt.Errorf("xlsx sheet %s: %w", s.cur, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", s.cur, err)
	}
	head := make([]any, len(s.cols))
	for i, c := range s.cols {
		head[i] = excelize.Cell{StyleID: s.st.header, Value: c.title}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", s.cur, err)
	}
	s.row = 1
	return nil
}

// add writes one row; values are strings (already cleaned), numbers or
// bools.
func (s *streamSheet) add(values ...any) error {
	if s.sw == nil || s.row-1 >= s.max {
		if err := s.close(); err != nil {
			return err
		}
		if err := s.open(); err != nil {
			return err
		}
	}
	for i, v := range values {
		if v == "" {
			values[i] = nil // an empty cell: nothing to write
		}
	}
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	if err := s.sw.SetRow(cell, values); err != nil {
		return fmt.Errorf("xlsx sheet %s row %d: %w", s.cur, s.row, err)
	}
	return nil
}

// close finishes the current part, if any.
func (s *streamSheet) close() error {
	if s.sw == nil {
		return nil
	}
	defer s.lockFile()()
	last, _ := excelize.ColumnNumberToName(len(s.cols))
	if s.row > 1 {
		if err := s.f.AutoFilter(s.cur, fmt.Sprintf("A1:%s%d", last, s.row), nil); err != nil {
			return fmt.Errorf("xlsx sheet %s autofilter: %w", s.cur, err)
		}
		if s.statusCol > 0 {
			c, _ := excelize.ColumnNumberToName(s.statusCol)
			if err := s.f.SetConditionalFormat(s.cur, fmt.Sprintf("%s2:%s%d", c, c, s.row), s.st.statusRules(s.states...)); err != nil {
				return fmt.Errorf("xlsx sheet %s colours: %w", s.cur, err)
			}
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", s.cur, err)
	}
	s.sw = nil
	return nil
}

// finish closes the sheet, opening it first if no row was written so the
// header is always there.
func (s *streamSheet) finish() error {
	if s.part == 0 {
		if err := s.open(); err != nil {
			return err
		}
	}
	return s.close()
}

// findingControls joins a finding's controls as "framework:id; ...".
func findingControls(cs []assess.ControlRef) string {
	if len(cs) == 0 {
		return ""
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Framework + ":" + c.ID
	}
	return strings.Join(parts, "; ")
}

// driftIncomplete is a sender whose comparison with the baseline is
// incomplete, as its drift.changed message says.
type driftIncomplete struct{ asset, message string }

// addressWidth is the width of a column of sender addresses: 22 fits an
// IPv4 address with room, and a column widens to the longest address of
// the pack (an IPv6 address has up to 39 characters), so that two senders
// of one /64 do not look alike with their ends cut off.
func addressWidth(p *Pack) float64 {
	longest := 0
	for _, a := range p.Assets {
		longest = max(longest, len(a.IP))
	}
	if p.Drift != nil {
		for _, ip := range p.Drift.Removed {
			longest = max(longest, len(ip))
		}
	}
	return float64(max(22, min(longest, 45)+3))
}

// findingsAndEvidence writes the Findings sheet (one row per finding) and
// the Evidence sheet (one row per DNS exchange) in one pass over the
// findings. The two sheets are streamed at once, Evidence by a second
// goroutine: setting rows is most of a large XLSX's time.
func (w *xlsxWriter) findingsAndEvidence(ctx context.Context, f *excelize.File, st *xlsxStyles, p *Pack, incomplete *[]driftIncomplete, open *openSPFFinder) error {
	fs := newStreamSheet(f, st, sheetFindings, w.rowsPerSheet, []xlsxColumn{
		{"asset", addressWidth(p)}, {"check", 22}, {"selector", 12}, {"status", 9}, {"severity", 10},
		{"message", 70}, {"observed", 50}, {"controls", 36}, {"remediation", 60},
		{"catalog_controls", 30}, {"hostname", 30}, {"owner", 18}, {"environment", 13}, {"criticality", 11},
	})
	fs.statusCol, fs.states = 4, findingStates
	ev := newStreamSheet(f, st, sheetEvidence, w.rowsPerSheet, []xlsxColumn{
		{"asset", addressWidth(p)}, {"check", 22}, {"selector", 12}, {"name", 36}, {"type", 8}, {"server", 22},
		{"transport", 10}, {"rcode", 11}, {"answers", 80}, {"ad", 6}, {"at", 28}, {"rtt_ms", 9}, {"error", 30},
		{"omitted", 9}, {"authority", 60},
	})
	var fileMu sync.Mutex
	fs.fileMu, ev.fileMu = &fileMu, &fileMu
	// Both headers now, so the Evidence sheets follow the Findings ones.
	if err := fs.open(); err != nil {
		return err
	}
	if err := ev.open(); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	withEvidence := make(chan *assess.Finding, 256)
	// records is a cell of an exchange's records, one per line: wrapped
	// when there are several lines, which a viewer would otherwise show as one
	// (the last), so that evidence of several SPF records or PTRs showed
	// a single record.
	records := func(rrs []string) any {
		v := xlsxCell(strings.Join(rrs, "\n"))
		if !strings.Contains(v, "\n") {
			return v
		}
		return excelize.Cell{StyleID: st.wrap, Value: v}
	}
	g.Go(func() error {
		for fd := range withEvidence {
			asset, check, sel := xlsxCell(fd.Asset), xlsxCell(fd.Check), xlsxCell(selectorOf(fd.Selector))
			for k := range fd.Evidence {
				e := &fd.Evidence[k]
				at := ""
				if !e.At.IsZero() {
					// Fixed width, so that the column sorts as text in
					// time order (RFC3339Nano drops trailing zeros).
					at = e.At.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
				}
				// omitted: the answer's records beyond those kept, blank
				// when none was cut.
				var omitted any = ""
				if e.Omitted > 0 {
					omitted = e.Omitted
				}
				if err := ev.add(
					asset, check, sel, xlsxCell(e.Name), xlsxCell(e.Type), xlsxCell(e.Server), xlsxCell(e.Transport), xlsxCell(e.Rcode),
					records(e.Answers), e.AD, at, e.RTT, xlsxCell(e.Error),
					omitted, records(e.Authority),
				); err != nil {
					return err
				}
			}
		}
		return nil
	})
	row := newFindingRow(p)
	n := 0
	err := p.eachFindingObservedJSON(func(fd *assess.Finding, observed string) error {
		if n++; n%4096 == 0 {
			if err := gctx.Err(); err != nil {
				return err
			}
		}
		open.add(fd, func() map[string]any {
			var m map[string]any
			_ = json.Unmarshal([]byte(observed), &m)
			return m
		})
		// A sender whose comparison is incomplete: error when nothing
		// changed, warn with fields not compared beside its changes.
		if fd.Check == DriftCheck && (fd.Status == assess.StatusError ||
			fd.Status == assess.StatusWarn && strings.Contains(observed, `"undetermined":["`)) {
			*incomplete = append(*incomplete, driftIncomplete{fd.Asset, fd.Message})
		}
		a := row.asset(fd.Asset)
		if err := fs.add(
			xlsxCell(fd.Asset), xlsxCell(fd.Check), xlsxCell(selectorOf(fd.Selector)), xlsxCell(string(fd.Status)), xlsxCell(string(fd.Severity)), xlsxCell(fd.Message),
			xlsxCell(observed), xlsxCell(findingControls(fd.Controls)), xlsxCell(fd.Remediation),
			xlsxCell(row.catalogControls(fd.Controls)), xlsxCell(a.Hostname), xlsxCell(a.Owner), xlsxCell(a.Environment), xlsxCell(a.Criticality),
		); err != nil {
			return err
		}
		if len(fd.Evidence) > 0 {
			// Each finding is decoded afresh and never changed after:
			// the other goroutine may read it while this one goes on.
			select {
			case withEvidence <- fd:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	close(withEvidence)
	if gerr := g.Wait(); gerr != nil {
		return gerr // the Evidence sheet's error, not the cancellation it caused
	}
	if err != nil {
		return err
	}
	if err := fs.finish(); err != nil {
		return err
	}
	return ev.finish()
}

func (w *xlsxWriter) assets(ctx context.Context, f *excelize.File, st *xlsxStyles, p *Pack) error {
	s := newStreamSheet(f, st, sheetAssets, w.rowsPerSheet, []xlsxColumn{
		{"ip", addressWidth(p)}, {"hostname", 30}, {"helo", 30}, {"domain", 20}, {"dkim_selectors", 18},
		{"owner", 18}, {"environment", 13}, {"provider", 13}, {"relay", 18}, {"criticality", 11}, {"tags", 24},
		{"ptr", 30}, {"fcrdns", 9}, {"helo_status", 11}, {"spf", 10}, {"dmarc_policy", 13},
		{"status", 9}, {"fail", 7}, {"warn", 7}, {"error", 7}, {"skip", 7},
	})
	s.statusCol, s.states = 17, findingStates
	sums := make(map[string]*AssetSummary, len(p.AssetSummary))
	for i := range p.AssetSummary {
		sums[p.AssetSummary[i].IP] = &p.AssetSummary[i]
	}
	for i := range p.Assets {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a := &p.Assets[i]
		sm := sums[a.IP]
		if sm == nil {
			sm = &AssetSummary{}
		}
		if err := s.add(
			xlsxCell(a.IP), xlsxCell(a.Hostname), xlsxCell(a.HELO), xlsxCell(a.Domain),
			xlsxCell(strings.Join(a.DKIMSelectors, " ")), xlsxCell(a.Owner), xlsxCell(a.Environment),
			xlsxCell(a.Provider), xlsxCell(a.Relay), xlsxCell(a.Criticality), xlsxCell(xlsxTags(a.Tags)),
			xlsxCell(sm.PTR), xlsxCell(sm.FCrDNS), xlsxCell(sm.HELOStatus), xlsxCell(sm.SPF), xlsxCell(sm.DMARCPolicy),
			xlsxCell(sm.Status), sm.Fail, sm.Warn, sm.Error, sm.Skip,
		); err != nil {
			return err
		}
	}
	return s.finish()
}

// offboardingFact sums up the recheck of the removed senders for the
// Summary: "3 removed since the baseline run; DNS still vouches for 2 (1
// still authorized by SPF), 1 not checked in full; see the Drift sheet".
func offboardingFact(d *Drift) string {
	if len(d.Offboarding) == 0 {
		return ""
	}
	left, fails := d.LeftBehind()
	undetermined := d.RecheckIncomplete()
	s := fmt.Sprintf("%d removed since the baseline run and checked again; ", len(d.Offboarding))
	if left == 0 {
		s += "DNS no longer vouches for any of them"
	} else {
		s += fmt.Sprintf("DNS still vouches for %d", left)
		if fails > 0 {
			s += fmt.Sprintf(" (%d still authorized by SPF by address or by name)", fails)
		}
	}
	if undetermined > 0 {
		s += fmt.Sprintf(", %d not checked in full", undetermined)
	}
	if d.OffboardingOmitted > 0 {
		s += fmt.Sprintf("; %d more not checked again (a run rechecks the first %d)", d.OffboardingOmitted, len(d.Offboarding))
	}
	return s + " (OWASP NHI-01); see the Drift sheet's offboarding column"
}

// xlsxTags joins tags as "key=value; ..." in key order. A key or value
// holding ";", "=" or a double quote, or space at either end, is quoted
// with its quotes doubled, as in CSV, so that a value "a; x=y" cannot read
// as a second tag.
func xlsxTags(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = tagText(k) + "=" + tagText(tags[k])
	}
	return strings.Join(parts, "; ")
}

func tagText(s string) string {
	if s == "" || !strings.ContainsAny(s, `;="`) && strings.TrimSpace(s) == s {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func (w *xlsxWriter) drift(ctx context.Context, f *excelize.File, st *xlsxStyles, p *Pack, incomplete []driftIncomplete) error {
	if p.Drift == nil {
		return nil
	}
	// old and new hold values only; what a row that is not a change is
	// goes in note.
	s := newStreamSheet(f, st, sheetDrift, w.rowsPerSheet, []xlsxColumn{
		{"asset", addressWidth(p)}, {"field", 18}, {"old", 50}, {"new", 50}, {"inventory_edit", 36}, {"note", 60}, {"offboarding", 13},
	})
	s.statusCol, s.states = 7, findingStates
	base := xlsxCell(p.Drift.BaseRun)
	for _, ip := range p.Drift.Added {
		if err := s.add(xlsxCell(ip), "(asset)", "", "", "", "added: not in the baseline run "+base); err != nil {
			return err
		}
	}
	who := p.Drift.RemovedNotes()
	rechecks := p.Drift.Rechecks()
	for _, ip := range p.Drift.Removed {
		note := "removed: in the baseline run " + base + ", not in this run's inventory"
		if who := who[ip]; who != "" {
			note += " (" + who + ")"
		}
		// What today's DNS still says of it: the offboarding column
		// holds the verdict, the note what is left behind.
		verdict := ""
		o := rechecks[ip]
		if o == nil && p.Drift.Offboarding != nil {
			verdict = "not rechecked"
			note += fmt.Sprintf(". Not checked again: a run rechecks the first %d removed senders", len(p.Drift.Offboarding))
		}
		if o != nil {
			verdict = string(o.Status)
			note += ". " + o.Message
			if o.Remediation != "" {
				note += " " + o.Remediation
			}
		}
		if err := s.add(xlsxCell(ip), "(asset)", "", "", "", xlsxCell(note), verdict); err != nil {
			return err
		}
	}
	for i, c := range p.Drift.Changes {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// A value gone (or new) reads "(no value)", as in the finding,
		// the PDF and diff: a blank cell would filter with the rows
		// that hold no value by design (senders added or removed).
		noValue := func(v string) string {
			if v == "" {
				return "(no value)"
			}
			return xlsxCell(v)
		}
		if err := s.add(xlsxCell(c.Asset), xlsxCell(c.Field), noValue(c.Old), noValue(c.New), c.InventoryNote()); err != nil {
			return err
		}
	}
	// Senders with no change found but values left uncompared: without
	// them the sheet would read as complete.
	for _, d := range incomplete {
		if err := s.add(xlsxCell(d.asset), "(not compared)", "", "", "", xlsxCell(d.message)); err != nil {
			return err
		}
	}
	return s.finish()
}

// Columns of the Controls sheet that the summary's control chart reads.
const (
	controlsLabelCol = "A" // "framework id", the chart's categories
	controlsPassCol  = 'H' // pass, then warn, fail, error and skip
)

// controlLabel names a control unambiguously, with its framework: "9.5"
// or "SPF" alone could belong to any framework.
func controlLabel(c ControlStatus) string { return c.Framework + " " + c.ID }

// controls writes the Controls sheet; the summary's control chart reads
// its columns.
func (w *xlsxWriter) controls(_ context.Context, f *excelize.File, st *xlsxStyles, p *Pack) error {
	s := newStreamSheet(f, st, sheetControls, w.rowsPerSheet, []xlsxColumn{
		{"control", 30}, {"framework", 24}, {"id", 14}, {"catalog", 24}, {"title", 50}, {"relevance", 70}, {"status", 15},
		{"pass", 9}, {"warn", 9}, {"fail", 9}, {"error", 9}, {"skip", 9}, {"checks", 60}, {"warn_fails", 40},
	})
	s.statusCol, s.states = 7, []string{string(ControlSatisfied), string(ControlNotSatisfied), string(ControlInconclusive)}
	for _, c := range p.Controls {
		if err := s.add(
			xlsxCell(controlLabel(c)), xlsxCell(c.Framework), xlsxCell(c.ID), xlsxCell(strings.Join(c.Catalog, "; ")), xlsxCell(c.Title),
			xlsxCell(c.Relevance), xlsxCell(string(c.Status)), c.Pass, c.Warn, c.Fail, c.Error, c.Skip, xlsxCell(strings.Join(c.Checks, "; ")),
			xlsxCell(strings.Join(c.WarnFails, "; ")),
		); err != nil {
			return err
		}
	}
	return s.finish()
}

// summary writes the Summary sheet: run facts, key figures and two
// native charts (findings by status; findings by control).
func (w *xlsxWriter) summary(_ context.Context, f *excelize.File, st *xlsxStyles, p *Pack, open []openSPF) error {
	sh := sheetSummary
	set := func(cell string, v any, style int) error {
		if err := f.SetCellValue(sh, cell, v); err != nil {
			return fmt.Errorf("xlsx summary %s: %w", cell, err)
		}
		if style != 0 {
			if err := f.SetCellStyle(sh, cell, cell, style); err != nil {
				return fmt.Errorf("xlsx summary %s: %w", cell, err)
			}
		}
		return nil
	}
	str := func(cell, s string, style int) error { return set(cell, xlsxCell(cleanLine(s)), style) }
	// Last column first: see streamSheet.open.
	if err := f.SetColWidth(sh, "B", "B", 70); err != nil {
		return fmt.Errorf("xlsx summary: %w", err)
	}
	if err := f.SetColWidth(sh, "A", "A", 26); err != nil {
		return fmt.Errorf("xlsx summary: %w", err)
	}
	satisfied, notSatisfied, inconclusive := controlStates(p)
	facts := [][2]string{
		{"Run ID", p.Run.ID},
		// ISO 8601, as the Evidence sheet's times: sortable and read
		// by any tool.
		{"Started", xlsxTime(p.Run.StartedAt)},
		{"Finished", xlsxTime(p.Run.FinishedAt)},
		{"Tool", p.Tool.String()},
		{"Resolvers", strings.Join(p.Run.Resolvers, ", ")},
		{"Inventory SHA-256", p.Run.InventorySHA256},
	}
	if p.Drift != nil {
		// What the Drift sheet compares with.
		facts = append(facts, [2]string{"Baseline run", fmt.Sprintf("run %s (%s)", p.Drift.BaseRun, p.Drift.Baseline)})
		if o := offboardingFact(p.Drift); o != "" {
			facts = append(facts, [2]string{"Removed senders", o})
		}
	}
	if len(open) > 0 {
		// Every sender of such a domain passes SPF, and so would anyone:
		// no count of the findings shows it.
		parts := make([]string, len(open))
		for i, o := range open {
			over := ""
			if o.OverLimit {
				over = "; the record goes over the lookup limit after that, so spf.lookup_limit fails, but every address passes before"
			}
			parts[i] = fmt.Sprintf("%s (%s; %d %s%s)", o.Domain, o.Why, o.Senders, plural(o.Senders, "sender", "senders"), over)
		}
		facts = append(facts, [2]string{"SPF open to any address", strings.Join(parts, "; ") + ": anyone can send mail that passes SPF as these domains, though their senders pass spf.authorizes_ip"})
	}
	if split := splitSheets(f.GetSheetList()); split != "" {
		// A filter on "Findings" alone would miss the rows past
		// Excel's limit.
		facts = append(facts, [2]string{"Sheets continued", fmt.Sprintf("a sheet holds at most %d rows (Excel's limit), so %s", excelMaxRows, split)})
	}
	if r := p.Run.ReplayOf; r != nil {
		facts = slices.Insert(facts, 3, [2]string{"Replay of", fmt.Sprintf("run %s, re-assessed offline from the DNS answers recorded %s; no DNS was queried",
			r.RunID, pdfSpan(r.RecordedAt, r.RecordedTo))})
	}
	if err := str("A1", "senderproof evidence pack", st.title); err != nil {
		return err
	}
	if err := str("A2", p.Run.Title, st.subtitle); err != nil {
		return err
	}
	r := 4
	for _, fact := range facts {
		if err := str(fmt.Sprintf("A%d", r), fact[0], st.label); err != nil {
			return err
		}
		if err := str(fmt.Sprintf("B%d", r), fact[1], st.wrap); err != nil {
			return err
		}
		r++
	}
	r++
	figStart := r
	if err := str(fmt.Sprintf("A%d", r), "Key figure", st.header); err != nil {
		return err
	}
	if err := str(fmt.Sprintf("B%d", r), "Count", st.header); err != nil {
		return err
	}
	sum := p.Summary
	statusRow := r + 1
	figures := []struct {
		label string
		n     int
	}{
		{"pass", sum.Pass}, {"warn", sum.Warn}, {"fail", sum.Fail}, {"error", sum.Error}, {"skip", sum.Skip},
		{"findings", sum.Findings}, {"assets", sum.Assets},
		{"controls satisfied", satisfied}, {"controls not satisfied", notSatisfied}, {"controls inconclusive", inconclusive},
	}
	for _, fg := range figures {
		r++
		if err := str(fmt.Sprintf("A%d", r), fg.label, 0); err != nil {
			return err
		}
		if err := set(fmt.Sprintf("B%d", r), fg.n, 0); err != nil {
			return err
		}
	}
	if err := f.SetConditionalFormat(sh, fmt.Sprintf("A%d:A%d", statusRow, statusRow+4), st.statusRules(findingStates...)); err != nil {
		return fmt.Errorf("xlsx summary colours: %w", err)
	}
	// The run's notes (inventory warnings, a resolver that stopped
	// answering), as evidence.json and the PDF give them: an analyst who
	// opens only the workbook learns why some findings are error.
	if len(p.Run.Notes) > 0 {
		r += 2
		if err := str(fmt.Sprintf("A%d", r), "Notes", st.header); err != nil {
			return err
		}
		if err := str(fmt.Sprintf("B%d", r), "", st.header); err != nil {
			return err
		}
		for _, n := range p.Run.Notes {
			r++
			if err := str(fmt.Sprintf("A%d", r), "Note", st.label); err != nil {
				return err
			}
			// Wrapped in its column: a long note would otherwise run on
			// under the charts beside it.
			if err := str(fmt.Sprintf("B%d", r), n, st.wrap); err != nil {
				return err
			}
		}
	}

	// Chart 1: findings by status, from the key figures above: one series
	// per status, each in its status colour (excelize writes colours per
	// data point for pie charts only, so one series of five bars would take
	// the spreadsheet's palette: pass blue, fail grey).
	var statusSeries []excelize.ChartSeries
	for i, s := range chartStatuses {
		row := statusRow + i
		statusSeries = append(statusSeries, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$A$%d", sh, row),
			Categories: fmt.Sprintf("%s!$B$%d", sh, figStart),
			Values:     fmt.Sprintf("%s!$B$%d", sh, row),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{xlsxColour(statusColour(string(s)))}},
		})
	}
	if err := f.AddChart(sh, "D4", &excelize.Chart{
		Type:      excelize.Col,
		Series:    statusSeries,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Findings by status"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
		Dimension: excelize.ChartDimension{Width: 560, Height: 300},
		XAxis:     excelize.ChartAxis{Font: chartAxisFont},
		YAxis:     excelize.ChartAxis{Font: chartAxisFont},
	}); err != nil {
		return fmt.Errorf("xlsx summary chart: %w", err)
	}
	// Chart 2: findings by control, stacked, from the Controls sheet.
	if n := len(p.Controls); n > 0 && n < w.rowsPerSheet {
		var series []excelize.ChartSeries
		for i, s := range []assess.Status{assess.StatusPass, assess.StatusWarn, assess.StatusFail, assess.StatusError, assess.StatusSkip} {
			col := string(rune(controlsPassCol + i))
			series = append(series, excelize.ChartSeries{
				Name:       fmt.Sprintf("%s!$%s$1", sheetControls, col),
				Categories: fmt.Sprintf("%s!$%s$2:$%s$%d", sheetControls, controlsLabelCol, controlsLabelCol, n+1),
				Values:     fmt.Sprintf("%s!$%s$2:$%s$%d", sheetControls, col, col, n+1),
				Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{xlsxColour(statusColour(string(s)))}},
			})
		}
		if err := f.AddChart(sh, "D21", &excelize.Chart{
			Type:      excelize.BarStacked,
			Series:    series,
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Findings by control"}}},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Dimension: excelize.ChartDimension{Width: 560, Height: uint(max(300, 60+22*n))},
			XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: chartAxisFont},
			YAxis:     excelize.ChartAxis{Font: chartAxisFont},
		}); err != nil {
			return fmt.Errorf("xlsx controls chart: %w", err)
		}
	}
	return usedRange(f, sh)
}

// usedRange sets a sheet's <dimension> to the cells it holds: excelize
// leaves a new sheet's at A1, which a reader that trusts it takes for a
// one-cell sheet.
func usedRange(f *excelize.File, sh string) error {
	rows, err := f.GetRows(sh)
	if err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", sh, err)
	}
	cols := 1
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	end, err := excelize.CoordinatesToCellName(cols, max(1, len(rows)))
	if err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", sh, err)
	}
	if err := f.SetSheetDimension(sh, "A1:"+end); err != nil {
		return fmt.Errorf("xlsx sheet %s: %w", sh, err)
	}
	return nil
}
