package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"senderproof/assess"
	"senderproof/templates"
)

// pdfText extracts the text of a PDF with pdftotext -layout. Without
// pdftotext the test is skipped, unless CI is set.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return string(poppler(t, "pdftotext", pdf, "-layout", "-enc", "UTF-8", "{}", "-"))
}

// pdfInfo is the document information of a PDF as pdfinfo prints it,
// field by field. Without pdfinfo the test is skipped, unless CI is set.
func pdfInfo(t *testing.T, pdf []byte) map[string]string {
	t.Helper()
	info := map[string]string{}
	for _, line := range strings.Split(string(poppler(t, "pdfinfo", pdf, "-enc", "UTF-8", "{}")), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

// poppler runs one of poppler-utils' tools with args, {} standing for the
// PDF written to a file, and returns its output. Without the tool the
// test is skipped, unless CI is set.
func poppler(t *testing.T, tool string, pdf []byte, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(tool + " not installed (poppler-utils); skipping the PDF read-back")
		}
		t.Fatal(tool + " not installed but CI is set: install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a == "{}" {
			args[i] = path
		}
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return out
}

// squash removes white space so words broken across cells still match.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func TestPDF(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(20, 2)
	out := writeAll(t, NewPDF(templates.MustDefault()), p)
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", out[:min(len(out), 16)])
	}
	text := pdfText(t, out)
	flat := squash(text)

	for _, want := range []string{
		"Example Corp — outbound mail fleet", // cover title
		"Executive summary", "Key figures", "Control coverage", "Findings requiring action",
		"Changes since the baseline", "Appendix A: senders", "Appendix B: methodology",
		"senderproof verify DIR", p.Run.ID, p.Tool.Version,
		"PR.DS-1 → CSF 2.0 PR.DS-02",
		"mta4.bücher.example", // non-ASCII survives
		// The recheck of the senders removed since the baseline, worst first.
		"Removed senders: what DNS still says of them",
		"Each of the 2 senders removed since the baseline run was checked again against DNS in this run",
		"DNS still vouches for 1 of them, and an SPF record still authorizes 1 by address or by name. 1 could not be checked in full, which may hide worse.",
		"192.0.2.254 FAIL 192.0.2.254 (old-mx.example.com), removed from the inventory",
		"remove ip4:192.0.2.254 from the SPF record of example.com",
		"2001:db8:ffff::1 ERROR",
	} {
		if !strings.Contains(flat, squash(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	for _, c := range p.Controls {
		if !strings.Contains(flat, squash(c.ID)) {
			t.Errorf("PDF text lacks control %s", c.ID)
		}
	}
	failing := map[string]bool{}
	for _, f := range p.Findings {
		if f.Status == assess.StatusFail {
			failing[f.Asset] = true
		}
	}
	for ip := range failing {
		if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(ip) + `(\s|$)`).MatchString(text) {
			t.Errorf("PDF text lacks failing asset %s", ip)
		}
	}
	// Every page has the footer with the run ID and a page number.
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	for i, pg := range pages {
		if !strings.Contains(pg, p.Run.ID) || !regexp.MustCompile(`Page \d+ of \d+`).MatchString(pg) {
			t.Errorf("page %d lacks the footer (run ID, page number)", i+1)
		}
	}
	// No control character reaches the page.
	if i := strings.IndexFunc(text, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\f' }); i >= 0 {
		t.Errorf("PDF text holds control character %q near %q", text[i], text[max(0, i-30):min(len(text), i+30)])
	}
}

// TestPDFCapped checks that a fleet too big for the detailed lists says so
// and points to the complete files.
func TestPDFCapped(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(40, 4)
	w := NewPDF(nil).(*pdfWriter)
	w.maxFindings, w.maxAssets, w.maxDrift = 40, 25, 3
	// One sender in ten needs action; the last of them to fail, the
	// others to warn, so that it comes first past them.
	for i := range p.AssetSummary {
		switch {
		case i == 33:
			p.AssetSummary[i].Status = string(assess.StatusFail)
		case i%10 == 3:
			p.AssetSummary[i].Status = string(assess.StatusWarn)
		default:
			p.AssetSummary[i].Status = string(assess.StatusPass)
		}
	}
	text := squash(pdfText(t, writeAll(t, w, p)))
	// The appendix shows the senders that need action first.
	bad, lateBad, lastPass := 0, -1, -1
	for i, a := range p.AssetSummary {
		if a.Status != string(assess.StatusPass) {
			bad++
			if i >= 25 {
				lateBad = i
			}
		} else {
			lastPass = i
		}
	}
	for _, want := range []string{
		"This list shows 40 of", "every fail first, then error, then warn; the",
		fmt.Sprintf("This appendix shows 25 of 40 senders: the senders that need action first (1 fail, %d warn), then senders that passed, each group in inventory order; every sender is in report.xlsx (Assets sheet).", bad-1),
		"more in report.xlsx (Drift sheet)",
	} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("capped PDF lacks %q", want)
		}
	}
	if bad >= 25 || lateBad < 0 || lastPass < 0 {
		t.Fatalf("the synthetic pack does not test the order: %d of 40 senders need action, the last after the cut %d, the last passing %d", bad, lateBad, lastPass)
	}
	if !strings.Contains(text, squash(p.Assets[lateBad].IP+" "+p.AssetSummary[lateBad].PTR)) {
		t.Errorf("capped appendix leaves out sender %d, which needs action", lateBad+1)
	}
	if strings.Contains(text, squash(p.Assets[lastPass].IP+" "+p.AssetSummary[lastPass].PTR)) {
		t.Errorf("capped appendix lists passing sender %d past the cut", lastPass+1)
	}
	// The failing sender comes before the warning ones, though it is
	// later in the inventory.
	app := text[max(0, strings.Index(text, squash("Appendix A: senders"))):]
	failAt := strings.Index(app, squash(p.Assets[33].IP+" "+p.AssetSummary[33].PTR))
	warnAt := strings.Index(app, squash(p.Assets[3].IP+" "+p.AssetSummary[3].PTR))
	if failAt < 0 || warnAt < 0 || failAt > warnAt {
		t.Errorf("appendix lists the failing sender at %d, a warning one at %d: want fail first", failAt, warnAt)
	}
}

func TestPDFEdgeCases(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name string
		pack func() *Pack
		want string
	}{
		{"empty pack", emptyPack, "No finding needs action"},
		{"no drift", func() *Pack { p := SyntheticPack(5, 3); p.Drift = nil; return p }, "Appendix A"},
		{"one sender, one finding to act on", func() *Pack {
			p := SyntheticPack(1, 3)
			p.Summary = Summary{Assets: 1, Findings: len(p.Findings), Pass: len(p.Findings) - 1, Warn: 1}
			for i := range p.Findings {
				p.Findings[i].Status = assess.StatusPass
			}
			p.Findings[0].Status = assess.StatusWarn
			return p
		}, "1 finding needs action: 1 warn."},
		{"one sender in scope", func() *Pack { return SyntheticPack(1, 3) }, "1 sender, "},
		{"hostile text everywhere", func() *Pack {
			p := SyntheticPack(6, 8)
			p.Run.Title = "Fleet\x00\x1b[2J 送信チーム 📨 \xff\xfe " + long
			p.Run.ID = "run\r\nid"
			p.Controls[0].Title = long
			p.Controls[0].ID = "\u202e" + long
			p.Findings[3].Message = long
			p.Findings[3].Status = assess.StatusFail
			p.Findings[3].Observed = map[string]any{"record": long, "nested": map[string]any{"a": []any{1, "b"}}}
			p.AssetSummary[0].PTR = long
			p.Run.Checks[0].Criteria = long
			for i := range p.Findings {
				if f := &p.Findings[i]; f.Status == assess.StatusSkip {
					f.Message = "\u202e" + long
					f.Observed = map[string]any{"reason": "\x1b[31m" + long}
					break
				}
			}
			return p
		}, "Fleet[2J"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := pdfText(t, writeAll(t, NewPDF(nil), tc.pack()))
			if !strings.Contains(squash(text), squash(tc.want)) {
				t.Errorf("PDF text lacks %q", tc.want)
			}
			for _, line := range strings.Split(text, "\n") {
				if strings.Contains(line, strings.Repeat("x", 400)) {
					t.Errorf("an unbounded value reached the page: %d-character line", len(line))
					break
				}
			}
		})
	}
}

func TestPDFCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b bytes.Buffer
	if err := NewPDF(nil).Write(ctx, &b, SyntheticPack(3, 1)); err == nil || b.Len() > 0 {
		t.Errorf("write with a cancelled context: err %v, %d bytes", err, b.Len())
	}
}

func TestSummaryTemplate(t *testing.T) {
	t.Parallel()
	set := templates.MustDefault()
	// satisfied sets every control of a synthetic pack satisfied, with
	// fail and error findings (in unmapped checks) as given.
	satisfied := func(fail, errs int) *Pack {
		p := SyntheticPack(3, 1)
		for i := range p.Controls {
			p.Controls[i].Status = ControlSatisfied
		}
		p.Summary.Fail, p.Summary.Error = fail, errs
		return p
	}
	for _, tc := range []struct {
		name string
		pack func() *Pack
		want []string
	}{
		{"action required", func() *Pack { return SyntheticPack(20, 1) }, []string{"Action required.", "## Worst risks", "## Most affected high-criticality senders", "## What changed since the baseline", "- … and 1 more change: see “Changes since the baseline”.",
			"DNS still vouches for 1 of the 2 removed senders checked again, and an SPF record still authorizes 1 of them by address or by name (OWASP NHI-01, Improper Offboarding: see “Removed senders”)."}},
		// An inventory edit is said to be one in the summary's list too.
		{"inventory edit", func() *Pack {
			p := SyntheticPack(3, 1)
			p.Drift = &Drift{BaseRun: "base", Changes: []DriftChange{
				{Asset: "192.0.2.7", Field: "dkim.fingerprint[s1]", Old: "ab", New: "", Inventory: invSelectorRemoved},
			}}
			return p
		}, []string{"- 192.0.2.7: dkim.fingerprint[s1] changed from ab to (no value) (selector taken out of the inventory, not a change in DNS)."}},
		{"strong", func() *Pack {
			p := satisfied(0, 0)
			p.Drift = nil
			return p
		}, []string{"Strong. All 10 mapped controls are satisfied"}},
		// Every mapped control satisfied, but findings fail in checks no
		// loaded framework maps: not "Strong".
		{"satisfied, unmapped failures", func() *Pack {
			p := satisfied(2, 0)
			p.Drift = nil
			return p
		}, []string{"Satisfied for the mapped controls only. All 10 mapped controls are satisfied across the fleet, but 2 findings fail in checks that no loaded framework maps to a control"}},
		// Every control satisfied, and a domain's SPF open to anyone.
		{"strong but open to forgery", func() *Pack {
			p := satisfied(0, 0)
			p.Drift = nil
			for i := range p.Findings {
				if f := &p.Findings[i]; f.Check == "spf.record" {
					f.Status, f.Observed = assess.StatusPass, map[string]any{"all": "+all"}
				}
			}
			return p
		}, []string{"Strong for each sender, but not against forgery: SPF lets any address on the Internet pass as example.com and other sending domains (see “Worst risks”). All 10 mapped controls are satisfied",
			"- SPF of example.com lets any address on the Internet pass (+all)", "Its sender passes the SPF checks all the same"}},
		// Controls roll up the current fleet's findings: a removed
		// sender SPF still authorizes is said beside them.
		{"strong with a stale authorisation", func() *Pack {
			p := satisfied(0, 0)
			return p
		}, []string{"Strong for the current fleet, with stale authorisations left behind. All 10 mapped controls are satisfied",
			"But an SPF record still authorizes 1 sender removed since the baseline to send, by address or by name: the controls roll up the findings of the senders in the inventory"}},
		{"inconclusive", func() *Pack {
			p := SyntheticPack(3, 1)
			for i := range p.Controls {
				p.Controls[i].Status = ControlSatisfied
			}
			p.Controls[0].Status = ControlInconclusive
			return p
		}, []string{"Inconclusive. No mapped control fails"}},
		// Warnings alone fail a control while some findings are error:
		// two sentences' worth, not one run-on clause.
		{"warnings fail a control, some errors", func() *Pack {
			p := SyntheticPack(3, 1)
			for i := range p.Findings {
				if p.Findings[i].Status == assess.StatusFail {
					p.Findings[i].Status = assess.StatusWarn
				}
			}
			p.Summary.Warn += p.Summary.Fail
			p.Summary.Fail = 0
			if p.Summary.Error == 0 {
				t.Skip("no error finding in the synthetic pack")
			}
			p.Controls[0].Status = ControlNotSatisfied
			return p
		}, []string{"No finding fails, but warnings count against controls whose requirement they break, and "}},
		// Every lookup failed: the worst risks are not determined, and
		// no risk is given as if observed.
		{"nothing determined", func() *Pack {
			p := SyntheticPack(3, 1)
			for i := range p.Findings {
				if st := p.Findings[i].Status; st != assess.StatusSkip && st != assess.StatusError {
					p.Findings[i].Status = assess.StatusError
				}
			}
			p.Summary.Error += p.Summary.Pass + p.Summary.Fail + p.Summary.Warn
			p.Summary.Pass, p.Summary.Fail, p.Summary.Warn = 0, 0, 0
			for i := range p.Controls {
				p.Controls[i].Status = ControlInconclusive
			}
			p.Drift = nil
			return p
		}, []string{"Inconclusive. Nothing was determined: no check passed, failed or warned for any sender", "## Worst risks", ": 3 error. Not determined: a DNS lookup failed",
			"could not be determined, each naming its reason: a DNS lookup that failed (timeout, SERVFAIL, REFUSED or a network error; re-run once the resolvers answer), or zone data that cannot be read to the end"}},
		// A replay's errors may be questions its recording lacks, which
		// no resolver can answer: said first.
		{"replay, some errors", func() *Pack {
			p := satisfied(0, 2)
			p.Controls[0].Status = ControlInconclusive
			p.Drift = nil
			p.Run.ReplayOf = &ReplayOf{RunID: "r0"}
			return p
		}, []string{"2 findings could not be determined, each naming its reason: a question the recorded run's evidence does not hold (this replay asks no DNS: assess the fleet again to answer it), a DNS lookup that failed"}},
		// Every mapped control satisfied, findings failing in unmapped
		// checks, and SPF open to anyone: both said.
		{"satisfied, unmapped failures, open SPF", func() *Pack {
			p := satisfied(2, 0)
			p.Drift = nil
			for i := range p.Findings {
				if f := &p.Findings[i]; f.Check == "spf.record" {
					f.Status, f.Observed = assess.StatusPass, map[string]any{"all": "+all"}
				}
			}
			return p
		}, []string{"Satisfied for the mapped controls only.", "(see “Worst risks”). And SPF lets any address on the Internet pass as example.com and other sending domains, which no count shows."}},
		// One sender removed, and nothing added: no "0 were added", no
		// "1 of the 1".
		{"one removed sender", func() *Pack {
			p := SyntheticPack(3, 1)
			p.Drift.Added = []string{}
			p.Drift.Removed = []string{"192.0.2.99"}
			p.Drift.Offboarding = []assess.Offboard{{IP: "192.0.2.99", Status: assess.StatusFail,
				LeftBehind: []assess.LeftBehind{{Kind: "spf_address", Status: assess.StatusFail}}}}
			return p
		}, []string{"and 1 sender was removed from the inventory.",
			"DNS still vouches for the removed sender checked again, and an SPF record still authorizes it by address or by name"}},
		// Removed senders DNS still vouches for, none by SPF address or
		// name: still said beside "Strong".
		{"strong, removed senders still vouched for", func() *Pack {
			p := satisfied(0, 0)
			for i := range p.Drift.Offboarding {
				if p.Drift.Offboarding[i].Status == assess.StatusFail {
					p.Drift.Offboarding[i].Status = assess.StatusWarn
				}
			}
			return p
		}, []string{"Strong for the current fleet; DNS still vouches for 1 removed sender (see “Removed senders”)."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pack()
			d, err := digestPack(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			s, err := set.Render("summary/executive", newSummaryView(p, d))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("summary lacks %q:\n%s", w, s)
				}
			}
			if strings.Contains(s, "<no value>") {
				t.Errorf("summary shows a missing value:\n%s", s)
			}
		})
	}
	for _, name := range []string{"summary/methodology", "summary/statuses", "summary/verify"} {
		d, err := digestPack(context.Background(), emptyPack())
		if err != nil {
			t.Fatal(err)
		}
		if s, err := set.Render(name, newSummaryView(emptyPack(), d)); err != nil || s == "" {
			t.Errorf("template %s: %q, %v", name, s, err)
		}
	}
}

func BenchmarkWritePDF(b *testing.B) { benchWrite(b, NewPDF(nil)) }

// pdfPages splits pdftotext output into pages.
func pdfPages(text string) []string {
	return strings.Split(strings.TrimRight(text, "\f"), "\f")
}

// findingStart matches the first line of a finding in the findings
// section: its sender (an address) and its status badge.
var findingStart = regexp.MustCompile(`^\s*[0-9a-fA-F.:]*[.:][0-9a-fA-F.:]*\s+(FAIL|ERROR|WARN)\s`)

// appendixHeader matches the column header of Appendix A.
var appendixHeader = regexp.MustCompile(`Sender\s+PTR name\s+FCrDNS\s+HELO\s+SPF\s+DMARC\s+Status`)

// TestPDFPageBreaks checks that a finding never splits across a page
// break (on every page of the findings section, observed values and
// remediation only follow a sender and status on the same page) and that
// tables running onto another page repeat their header there. Several
// fleet sizes move the page breaks around.
func TestPDFPageBreaks(t *testing.T) {
	t.Parallel()
	for _, n := range []int{20, 33, 57, 80} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			p := SyntheticPack(n, uint64(n))
			section, prev, count := "", "", map[string]int{}
			checkPage := checkPageFunc(t)
			pages := pdfPages(pdfText(t, writeAll(t, NewPDF(nil), p)))
			for i, pg := range pages {
				// A section may start below the last rows of the one
				// before: the page belongs to each section on it.
				var present []string
				first, last := len(pg), -1
				for _, h := range []string{"Control coverage", "Findings requiring action", "Changes since the baseline", "Appendix A: senders", "Appendix B: methodology", "Not assessed"} {
					at := strings.Index(pg, h)
					if at >= 0 && strings.HasPrefix(pg[at+len(h):], " (continued)") {
						at = -1 // the heading repeated above the rest of a table
					}
					if h == "Not assessed" {
						at = -1
						if loc := notAssessedHeading.FindStringIndex(pg); loc != nil {
							at = loc[0]
						}
					}
					if at < 0 {
						continue
					}
					present = append(present, h)
					first = min(first, at)
					if at > last {
						section, last = h, at
					}
				}
				if strings.TrimSpace(pg[:first]) != "" {
					// Rows of the section before come first.
					present = append([]string{prev}, present...)
					// A page holding the last few rows of a section
					// and nothing else reads as a layout accident: the
					// next section starts below them.
					if n := len(nonEmptyLines(pg)); len(present) == 1 && prev != "" && i < len(pages)-1 && n < 25 {
						t.Errorf("page %d of %d holds only %d lines of %s", i+1, len(pages), n, prev)
					}
				}
				prev = section
				for _, section := range present {
					count[section]++
					checkPage(i, pg, section)
				}
			}
			if count["Not assessed"] == 0 {
				t.Error("the PDF has no not-assessed section")
			}
			if count["Findings requiring action"] < 2 {
				t.Errorf("the findings section spans %d pages; the test needs a page break in it", count["Findings requiring action"])
			}
			if n >= 57 && count["Appendix A: senders"] < 2 {
				t.Errorf("Appendix A spans %d pages; the test needs a page break in it", count["Appendix A: senders"])
			}
		})
	}
}

// checkPageFunc is TestPDFPageBreaks' test of one page of a section.
func checkPageFunc(t *testing.T) func(i int, pg, section string) {
	return func(i int, pg, section string) {
		switch section {
		case "Findings requiring action":
			if !strings.Contains(pg, "Finding, observed values and remediation") {
				t.Errorf("findings page %d lacks the table header", i+1)
			}
			started := 0
			for _, line := range strings.Split(pg, "\n") {
				if findingStart.MatchString(line) {
					started++
					continue
				}
				if started == 0 && (strings.Contains(line, "Observed:") || strings.Contains(line, "Remediation:")) {
					t.Errorf("page %d: %q comes before any sender and status on the page", i+1, strings.TrimSpace(line))
				}
			}
			if started == 0 {
				t.Errorf("findings page %d shows no sender with a status", i+1)
			}
		case "Not assessed":
			if !strings.Contains(pg, "Why the check was not applied, and the senders") {
				t.Errorf("not-assessed page %d lacks the table header", i+1)
			}
		case "Appendix A: senders":
			if !appendixHeader.MatchString(pg) {
				t.Errorf("appendix page %d lacks the column header", i+1)
			}
		}
	}
}

// appendixText is the text of Appendix A.
func appendixText(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "Appendix A: senders")
	j := strings.Index(text, "Appendix B: methodology")
	if i < 0 || j < i {
		t.Fatalf("no Appendix A in the PDF text")
	}
	return text[i:j]
}

// TestPDFReadBack reads back a PDF of awkward text: DNS names too long for
// their column, format characters, runes the fonts lack, hashes and each
// control's relevance.
func TestPDFReadBack(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(30, 7)
	// Names of words no other cell of the appendix holds, so their pieces
	// can be told apart.
	long := "zulu-yankee-xray-whiskey-victor-uniform.tango-sierra.romeo-quebec.papa.invalid"
	p.AssetSummary[1].PTR = long
	p.AssetSummary[2].HELO = "ip-192-0-2-23.example.net"
	p.AssetSummary[3].PTR = "kilo-juliett-india-hotel-golf.foxtrot-echo.example"
	wraps := map[string]bool{long: true, p.AssetSummary[3].PTR: true} // too long for one line
	// Format characters and runes without a glyph.
	p.Run.Title = "Fleet\u200b 送信 \ufeffteam\u00ad"
	p.AssetSummary[4].PTR = "mta\u200b1.exa\u2060mple.com"
	p.Assets[0].Hostname = "mta\u200b1.exa\u2060mple.com"
	for i := range p.Findings {
		if p.Findings[i].Status == assess.StatusFail {
			p.Findings[i].Message = "zero\u200bwidth \ufeffmessage \u202eevil"
			break
		}
	}
	for i := range p.Controls {
		p.Controls[i].Relevance = fmt.Sprintf("Relevance of control %d for sender identity.", i)
	}
	text := pdfText(t, writeAll(t, NewPDF(nil), p))
	flat := squash(text)

	t.Run("names whole", func(t *testing.T) {
		app := appendixText(t, text)
		names := map[string]bool{}
		for _, a := range p.AssetSummary {
			for _, s := range []string{a.PTR, a.HELO, a.IP} {
				if s = displayLine(s, 160); s != "" {
					names[s] = true
				}
			}
		}
		for name := range names {
			for k := 1; k < len(name); k++ {
				if split := name[:k] + " " + name[k:]; utf8.ValidString(split) && strings.Contains(app, split) {
					t.Errorf("Appendix A splits %q with a space: %q", name, split)
				}
			}
			if !wraps[name] && !strings.Contains(app, name) {
				t.Errorf("Appendix A lacks %q on one line", name)
			}
		}
		// A name too long for its column wraps after a dot or hyphen only.
		for name := range wraps {
			var pieces []string
			for _, line := range strings.Split(app, "\n") {
				for _, w := range strings.Fields(line) {
					if len(w) > 3 && strings.Contains(name, w) {
						pieces = append(pieces, w)
					}
				}
			}
			if len(pieces) < 2 || !strings.Contains(strings.Join(pieces, ""), name) {
				t.Errorf("the pieces %q do not rebuild %q over several lines", pieces, name)
				continue
			}
			for _, w := range pieces[:len(pieces)-1] {
				if !strings.HasSuffix(w, ".") && !strings.HasSuffix(w, "-") {
					t.Errorf("%q wraps inside a label, after %q", name, w)
				}
			}
		}
		if regexp.MustCompile(`quarantin\s+e\b`).MatchString(app) {
			t.Error("the DMARC column breaks \"quarantine\"")
		}
	})

	t.Run("hashes whole", func(t *testing.T) {
		hashes := []string{p.Run.InventorySHA256}
		for _, m := range p.Run.Mappings {
			hashes = append(hashes, m.SHA256)
		}
		for _, h := range hashes {
			if len(h) != 64 {
				t.Fatalf("synthetic hash %q is not a SHA-256", h)
			}
			if !regexp.MustCompile(`(^|\s)` + h + `(\s|$)`).MatchString(text) {
				t.Errorf("PDF text lacks the whole SHA-256 %s", h)
			}
		}
	})

	t.Run("format characters and foreign runes", func(t *testing.T) {
		if i := strings.IndexFunc(text, func(r rune) bool { return unicode.Is(unicode.Cf, r) }); i >= 0 {
			t.Errorf("PDF text holds format character %U near %q", []rune(text[i:])[0], text[max(0, i-30):min(len(text), i+30)])
		}
		for _, want := range []string{"Fleet<U+9001><U+4FE1>team", "mta1.example.com", "zerowidthmessageevil"} {
			if !strings.Contains(flat, want) {
				t.Errorf("PDF text lacks %q", want)
			}
		}
		if strings.Contains(text, "\uFFFD") {
			t.Error("PDF text shows U+FFFD for a rune it could spell out")
		}
	})

	t.Run("control relevance", func(t *testing.T) {
		words := " " + strings.Join(strings.Fields(text), " ") + " "
		for i := range p.Controls {
			if want := squash(p.Controls[i].Relevance); !strings.Contains(flat, want) {
				t.Errorf("control coverage lacks %q", p.Controls[i].Relevance)
			}
			// Its counts, skips last.
			c := p.Controls[i]
			if want := fmt.Sprintf(" %d %d %d %d %d ", c.Pass, c.Warn, c.Fail, c.Error, c.Skip); !strings.Contains(words, want) {
				t.Errorf("control coverage of %s lacks the counts %q", c.ID, want)
			}
		}
	})
}

// TestPDFWrapBreaksLines checks the text fitter against the PDF engine:
// every space the fitter inserts into a long token is a line break on the
// page, never a space inside a line, and no rune is lost.
func TestPDFWrapBreaksLines(t *testing.T) {
	t.Parallel()
	b, err := newPDFBuilder(context.Background(), NewPDF(nil).(*pdfWriter), emptyPack())
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{
		"relay-" + strings.Repeat("a", 63) + ".mail-out.eu-central-1.compute.example.com",
		"ip-192-0-2-23.example.net",
		strings.Repeat("0123456789abcdef", 4),
		"https://www.cisa.gov/news-events/directives/bod-18-01-enhance-email-and-web-security",
		"v=spf1;ip4:192.0.2.0/24;ip6:2001:db8::/32;include:_spf.example.net;include:_spf2.example.org;-all",
		"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		"送信チーム送信チーム.example",
		"mta4.bücher.example",
	}
	var f pdfFlow
	var want strings.Builder
	for _, tok := range tokens {
		for _, size := range []int{2, 3, 4, 5, 7} {
			for _, c := range []cellText{
				{size: size, text: tok},
				{size: size, text: tok, mono: true, style: props.Text{Size: 6.3}},
				{size: size, text: tok, style: props.Text{Style: fontstyle.Bold, Size: 9}},
				{size: size, text: tok, name: true},
			} {
				f.add(b.tableRow([]cellText{c, {size: pdfGrid - size}}, false, false))
				want.WriteString(b.fit.glyphs(tok))
			}
		}
	}
	pager := &pdfPager{m: b.m, cfg: b.m.GetCurrentConfig(), meas: b.meas}
	pager.section(f.done())
	pager.flush()
	doc, err := b.m.Generate()
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, pg := range pdfPages(pdfText(t, doc.GetBytes())) {
		for _, line := range strings.Split(pg, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.Contains(line, "empty-run") || strings.HasPrefix(line, "Page ") {
				continue // the footer
			}
			if strings.ContainsAny(line, " \t") {
				t.Errorf("a space shows inside a line: %q", line)
			}
			got.WriteString(line)
		}
	}
	if got.String() != want.String() {
		t.Errorf("the page text differs from the tokens:\n got %q\nwant %q", got.String(), want.String())
	}
}

func TestGlyphs(t *testing.T) {
	t.Parallel()
	fit, err := newTextFitter()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"mail1.example.com", "mail1.example.com"},
		{"mta4.bücher.example → Ωμέγα", "mta4.bücher.example → Ωμέγα"},
		{"mail.例え.example", "mail.<U+4F8B><U+3048>.example"},
		{"📨 sent", "<U+1F4E8> sent"},
		{strings.Repeat("例", glyphEscapes), strings.Repeat("<U+4F8B>", glyphEscapes)},
		// The first and the last code points, so values differing at
		// either end stay apart.
		{"例" + strings.Repeat("え", glyphEscapes) + "甲", "<U+4F8B>" + strings.Repeat("<U+3048>", glyphEscapes-glyphEscapesTail-1) +
			"\uFFFD\uFFFD" + strings.Repeat("<U+3048>", glyphEscapesTail-1) + "<U+7532>"},
		{"a.例" + strings.Repeat("え", glyphEscapes) + "乙.example", "a.<U+4F8B>" + strings.Repeat("<U+3048>", glyphEscapes-glyphEscapesTail-1) +
			"\uFFFD\uFFFD" + strings.Repeat("<U+3048>", glyphEscapesTail-1) + "<U+4E59>.example"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := fit.glyphs(tc.in)
			if got != tc.want {
				t.Errorf("glyphs(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := fit.glyphs(got); again != got {
				t.Errorf("glyphs is not idempotent: %q then %q", got, again)
			}
		})
	}
}

// TestTextFit checks the fitter's breaks: pieces rebuild the text, each
// fits, each break is forced (the next piece would not fit on the line),
// and names break only after a dot or hyphen while a label fits.
func TestTextFit(t *testing.T) {
	t.Parallel()
	fit, err := newTextFitter()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in    string
		width, size float64
		asName      bool
		wantSize    float64 // fitName: 0 means size
		pieces      int     // 0: any number above one
	}{
		{name: "fits", in: "mail1.example.com", width: 40, size: 7.5, pieces: 1},
		{name: "breaks after a dot", in: "ip-192-0-2-23.example.net", width: 20, size: 7.5, pieces: 2},
		{name: "hash breaks between digits", in: strings.Repeat("ab", 32), width: 30, size: 7.5},
		{name: "url", in: "https://www.cisa.gov/news-events/directives/bod-18-01-enhance-email-and-web-security", width: 40, size: 6.8},
		{name: "name shrinks to one line", in: "ip-192-0-2-23.example.net", width: 33, size: 7.5, asName: true, pieces: 1},
		{name: "name wraps between labels", in: "zulu-yankee-xray-whiskey.victor-uniform.tango-sierra.example", width: 35, size: 7.5, asName: true},
		{name: "long label shrinks", in: "relay-" + strings.Repeat("q", 24) + ".example.com", width: 35, size: 7.5, asName: true},
		{name: "label too long even small", in: "relay-" + strings.Repeat("q", 63) + ".example.com", width: 35, size: 7.5, asName: true, wantSize: 7.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			size := tc.size
			if tc.asName {
				got, size = fit.fitName(tc.in, fit.regular, tc.size, tc.width)
				if tc.wantSize != 0 && size != tc.wantSize {
					t.Errorf("fitName set %q at %g, want %g", tc.in, size, tc.wantSize)
				}
				if size < nameMinLabel || size > tc.size {
					t.Errorf("fitName set %q at %g, outside [%g, %g]", tc.in, size, nameMinLabel, tc.size)
				}
			} else {
				got = fit.breakToFit(tc.in, fit.regular, tc.size, tc.width)
			}
			pieces := strings.Split(got, " ")
			if strings.Join(pieces, "") != tc.in {
				t.Fatalf("%q does not rebuild %q", got, tc.in)
			}
			if (tc.pieces == 0 && len(pieces) < 2) || (tc.pieces > 0 && len(pieces) != tc.pieces) {
				t.Errorf("%q: %d pieces, want %d (0: several)", got, len(pieces), tc.pieces)
			}
			if tc.name == "name shrinks to one line" && size >= tc.size {
				t.Errorf("a name that does not fit at %g stays at %g", tc.size, size)
			}
			limit := tc.width - fitSlack
			for i, pc := range pieces {
				if w := textWidth(fit.regular, pc, size); w > limit {
					t.Errorf("piece %q is %.2f mm wide, more than %.2f", pc, w, limit)
				}
				if i == len(pieces)-1 {
					continue
				}
				next := []rune(pieces[i+1])[0:1]
				if tc.asName || strings.ContainsAny(pc, breakText) {
					next = []rune(splitAfter(pieces[i+1], breakText)[0])
				}
				if w := textWidth(fit.regular, pc+string(next), size); w <= limit {
					t.Errorf("break after %q is not forced: %q fits", pc, pc+string(next))
				}
				labelsFit := true
				for _, l := range splitAfter(tc.in, breakName) {
					labelsFit = labelsFit && textWidth(fit.regular, l, size) <= limit
				}
				if tc.asName && labelsFit && !strings.HasSuffix(pc, ".") && !strings.HasSuffix(pc, "-") {
					t.Errorf("name breaks inside a label after %q", pc)
				}
			}
		})
	}
}

// notAssessedHeading matches the heading of the not-assessed section on a
// line of its own (the findings section names it in its introduction).
var notAssessedHeading = regexp.MustCompile(`(?m)^\f?Not assessed[ \t]*$`)

// notAssessedText is the text of the not-assessed section, up to the next
// section's heading.
func notAssessedText(t *testing.T, text string) string {
	t.Helper()
	loc := notAssessedHeading.FindStringIndex(text)
	if loc == nil {
		t.Fatal("the PDF has no \"Not assessed\" section")
	}
	rest := text[loc[0]:]
	end := len(rest)
	for _, h := range []string{"Changes since the baseline", "Appendix A: senders"} {
		if j := strings.Index(rest, h); j >= 0 && j < end {
			end = j
		}
	}
	return rest[:end]
}

// skipSegment is one group of the not-assessed section as pdftotext lays
// it out: its check, reason, count and the text of its rows.
type skipSegment struct {
	check, reason string
	count         int
	text          string
}

// skipGroupStart matches a group's first line: check ID, count, message.
var skipGroupStart = regexp.MustCompile(`^\s*(\S+)\s+(\d+)\s{2,}\S`)

// skipSegments splits the section's text into its groups: each starts on
// a line with a check ID and a count, and its next line names the reason.
func skipSegments(t *testing.T, section string, checks map[string]bool) []skipSegment {
	t.Helper()
	var out []skipSegment
	lines := strings.Split(section, "\n")
	for i, line := range lines {
		m := skipGroupStart.FindStringSubmatch(line)
		if m == nil || !checks[m[1]] {
			if len(out) > 0 {
				out[len(out)-1].text += line + "\n"
			}
			continue
		}
		n := 0
		fmt.Sscan(m[2], &n)
		seg := skipSegment{check: m[1], count: n, text: line + "\n"}
		if i+1 < len(lines) {
			if f := strings.Fields(lines[i+1]); len(f) >= 2 && f[0] == "reason" {
				seg.reason = f[1]
			}
		}
		out = append(out, seg)
	}
	return out
}

// hasIP reports whether s holds ip as a whole token of a list.
func hasIP(s, ip string) bool {
	return regexp.MustCompile(`(^|[\s,])` + regexp.QuoteMeta(ip) + `(,|\s|$)`).MatchString(s)
}

func skipReason(f *assess.Finding) string {
	r, _ := f.Observed["reason"].(string)
	return r
}

func checkSet(p *Pack) map[string]bool {
	m := map[string]bool{}
	for _, c := range p.Run.Checks {
		m[c.ID] = true
	}
	return m
}

// TestPDFNotAssessed reads the not-assessed section back: every skip
// finding's sender appears in the group of its check and reason, the
// counts add up, and the findings section points to it.
func TestPDFNotAssessed(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(20, 3)
	// A message that names the sender: the senders still share one group.
	for i := range p.Findings {
		f := &p.Findings[i]
		if f.Check == "helo.fqdn" && f.Status == assess.StatusSkip {
			f.Message = "Not applicable: the inventory gives no HELO name for " + f.Asset + "."
		}
	}
	text := pdfText(t, writeAll(t, NewPDF(nil), p))
	section := notAssessedText(t, text)
	segs := skipSegments(t, section, checkSet(p))

	skips := 0
	for i := range p.Findings {
		f := &p.Findings[i]
		if f.Status != assess.StatusSkip {
			continue
		}
		skips++
		found := false
		for _, s := range segs {
			if s.check == f.Check && s.reason == skipReason(f) && hasIP(s.text, f.Asset) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("the not-assessed section lacks %s under %s (reason %s)", f.Asset, f.Check, skipReason(f))
		}
	}
	if skips == 0 {
		t.Fatal("the synthetic pack has no skip finding")
	}
	sum := 0
	perCheckReason := map[[2]string]int{}
	for _, s := range segs {
		sum += s.count
		perCheckReason[[2]string{s.check, s.reason}]++
	}
	if sum != skips {
		t.Errorf("the groups count %d skip findings, the pack holds %d", sum, skips)
	}
	if n := perCheckReason[[2]string{"helo.fqdn", "no_helo"}]; n != 1 {
		t.Errorf("helo.fqdn no_helo shows in %d groups, want 1 (the sender's address reads \"this sender\")", n)
	}
	flat := squash(text)
	for _, want := range []string{
		fmt.Sprintf("%d findings were skipped", skips),
		"no HELO name for this sender.",
		fmt.Sprintf("The %d skipped findings (checks not applied to a sender) are listed under “Not assessed”", skips),
	} {
		if !strings.Contains(flat, squash(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if strings.Contains(flat, squash("Passed and skipped findings are in")) {
		t.Error("the findings section still says skipped findings are left out")
	}
	if strings.Contains(flat, squash("This section names the senders of")) || strings.Contains(section, "more — see") {
		t.Error("a small pack's not-assessed section says it is cut")
	}

	t.Run("no skips", func(t *testing.T) {
		t.Parallel()
		q := SyntheticPack(8, 3)
		for i := range q.Findings {
			if q.Findings[i].Status == assess.StatusSkip {
				q.Findings[i].Status = assess.StatusPass
			}
		}
		text := pdfText(t, writeAll(t, NewPDF(nil), q))
		if notAssessedHeading.MatchString(text) {
			t.Error("a pack without skip findings has a not-assessed section")
		}
		if !strings.Contains(squash(text), squash("No check was skipped")) {
			t.Error("the findings section does not say that no check was skipped")
		}
	})
}

// spoolPack is src with its findings spooled to disk by a Builder, as
// `senderproof assess` holds a big run's.
func spoolPack(t testing.TB, src *Pack) *Pack {
	t.Helper()
	byAsset := map[string][]assess.Finding{}
	for _, f := range src.Findings {
		f.Controls = nil
		byAsset[f.Asset] = append(byAsset[f.Asset], f)
	}
	bl, err := NewBuilder(t.TempDir(), src.Assets, synthMapper{})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range src.Assets {
		if err := bl.Add(i, byAsset[a.IP]); err != nil {
			t.Fatal(err)
		}
	}
	p := bl.Pack(src.Tool, src.Run, src.Drift)
	t.Cleanup(func() { p.Close() })
	return p
}

// TestPDFNotAssessedCapped checks that a big fleet's not-assessed section
// names at most the capped number of senders, the first in pack order,
// and says where the rest are.
func TestPDFNotAssessedCapped(t *testing.T) {
	t.Parallel()
	src := SyntheticPack(400, 5)
	type groupKey struct{ check, reason string }
	var order []groupKey
	senders := map[groupKey][]string{}
	total := 0
	for i := range src.Findings {
		f := &src.Findings[i]
		if f.Status != assess.StatusSkip {
			continue
		}
		total++
		k := groupKey{f.Check, skipReason(f)}
		if senders[k] == nil {
			order = append(order, k)
		}
		senders[k] = append(senders[k], f.Asset)
	}
	for _, tc := range []struct {
		name             string
		perGroup, overal int
	}{
		{"per group", pdfSkipIPsPerGroup, pdfMaxSkipIPs},
		{"overall", pdfSkipIPsPerGroup, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := spoolPack(t, src)
			w := NewPDF(nil).(*pdfWriter)
			w.maxFindings, w.maxAssets = 30, 20
			w.skipIPsPerGroup, w.maxSkipIPs = tc.perGroup, tc.overal
			text := pdfText(t, writeAll(t, w, p))
			section := notAssessedText(t, text)
			flat := squash(section)
			segs := skipSegments(t, section, checkSet(src))
			if len(segs) != len(order) {
				t.Fatalf("%d groups, want %d", len(segs), len(order))
			}
			named, cut := 0, false
			for _, s := range segs {
				all := senders[groupKey{s.check, s.reason}]
				if s.count != len(all) {
					t.Errorf("%s %s counts %d, want %d", s.check, s.reason, s.count, len(all))
				}
				shown := 0
				for k, ip := range all {
					if hasIP(s.text, ip) {
						shown++
						if k >= tc.perGroup {
							t.Errorf("%s %s names sender %d (%s), past the cap of %d", s.check, s.reason, k+1, ip, tc.perGroup)
						}
					} else if k < shown {
						t.Errorf("%s %s skips %s but names later senders", s.check, s.reason, ip)
					}
				}
				named += shown
				if more := len(all) - shown; more > 0 {
					cut = true
					if want := squash(fmt.Sprintf("and %d more — see report.xlsx / findings.csv", more)); !strings.Contains(squash(s.text), want) {
						t.Errorf("%s %s names %d of %d senders without saying %q", s.check, s.reason, shown, len(all), want)
					}
				}
			}
			if !cut {
				t.Fatal("no group was cut; the test needs a bigger pack")
			}
			if named > tc.overal {
				t.Errorf("the section names %d senders, more than %d", named, tc.overal)
			}
			want := fmt.Sprintf("This section names the senders of %d of %d skipped findings; the other %d are in report.xlsx / findings.csv.", named, total, total-named)
			if !strings.Contains(flat, squash(want)) {
				t.Errorf("the section lacks %q", want)
			}
		})
	}
}

// TestPDFNotAssessedPageBreaks checks that a long not-assessed section
// keeps each group on one page, repeats its header on every page, and
// says how many skip findings fell past its groups.
func TestPDFNotAssessedPageBreaks(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(200, 9)
	for i := range p.Findings {
		if f := &p.Findings[i]; f.Status == assess.StatusSkip {
			f.Observed = map[string]any{"reason": fmt.Sprintf("reason_%02d", i%70)}
		}
	}
	w := NewPDF(nil).(*pdfWriter)
	w.maxFindings, w.maxAssets = 20, 20
	text := pdfText(t, writeAll(t, w, p))
	pages, in := 0, false
	groups := 0
	for i, pg := range pdfPages(text) {
		switch {
		case notAssessedHeading.MatchString(pg):
			in = true
		case in && !strings.Contains(pg, "Not assessed (continued)"):
			in = false
		}
		if !in {
			continue
		}
		pages++
		if !strings.Contains(pg, "Why the check was not applied, and the senders") {
			t.Errorf("not-assessed page %d lacks the table header", i+1)
		}
		segs := skipSegments(t, pg, checkSet(p))
		for _, s := range segs {
			if s.reason == "" {
				t.Errorf("page %d: group %s ends the page without its reason and senders", i+1, s.check)
			}
		}
		if lines := strings.Split(pg, "\n"); len(lines) > 0 {
			for _, l := range lines[:min(len(lines), 4)] {
				if strings.HasPrefix(strings.TrimSpace(l), "reason ") {
					t.Errorf("page %d starts with the rest of a group: %q", i+1, l)
				}
			}
		}
		groups += len(segs)
	}
	if pages < 2 {
		t.Fatalf("the not-assessed section spans %d pages; the test needs a page break in it", pages)
	}
	if groups != pdfMaxSkipGroups {
		t.Errorf("%d groups shown, want the cap of %d", groups, pdfMaxSkipGroups)
	}
	if !regexp.MustCompile(`\d+ more skipped findings, of further checks and reasons, in report.xlsx / findings.csv`).MatchString(strings.Join(strings.Fields(text), " ")) {
		t.Error("the section does not say how many skip findings fell past its groups")
	}
}

// TestSkipList checks the not-assessed section's tally: bounded whatever
// the fleet, counting every skip finding, grouping senders whose messages
// differ only by their own address.
func TestSkipList(t *testing.T) {
	t.Parallel()
	s := newSkipList(5)
	var fs []assess.Finding
	add := func(ip, check, reason, msg string) {
		fs = append(fs, assess.Finding{Asset: ip, Check: check, Status: assess.StatusSkip, Message: msg, Observed: map[string]any{"reason": reason}})
	}
	for i := range 3000 {
		ip := synthIP(i)
		add(ip, "align.identity", "one_identity", "Not applicable: fewer than two identities are known for "+ip+".")
		add(ip, "dmarc.policy", "no_record", fmt.Sprintf("Not applicable: d%d.example has no valid DMARC record.", i))
		add(ip, fmt.Sprintf("x.check%d", i%300), "no_input", "Not applicable.")
		fs = append(fs, assess.Finding{Asset: ip, Check: "ptr.present", Status: assess.StatusPass})
	}
	for i := range fs {
		s.visit(&fs[i])
	}
	if s.total != 9000 {
		t.Errorf("total %d, want 9000", s.total)
	}
	if len(s.groups) > pdfMaxSkipGroups {
		t.Errorf("%d groups, more than %d", len(s.groups), pdfMaxSkipGroups)
	}
	n := s.dropped
	for _, g := range s.groups {
		n += g.n
		if len(g.ips) > 5 {
			t.Errorf("group %s keeps %d senders, more than 5", g.check, len(g.ips))
		}
	}
	if n != s.total {
		t.Errorf("groups and dropped count %d, want %d", n, s.total)
	}
	byCheck := map[string][]*skipGroup{}
	for _, g := range s.groups {
		byCheck[g.check] = append(byCheck[g.check], g)
	}
	if gs := byCheck["align.identity"]; len(gs) != 1 || gs[0].n != 3000 || gs[0].message != "Not applicable: fewer than two identities are known for this sender." {
		t.Errorf("align.identity groups: %+v", gs)
	}
	if gs := byCheck["dmarc.policy"]; len(gs) != pdfSkipWordings+1 || !gs[len(gs)-1].other || gs[len(gs)-1].n != 3000-pdfSkipWordings {
		t.Errorf("dmarc.policy: %d groups, want %d wordings and one for the rest", len(gs), pdfSkipWordings)
	}
}

func TestSkipWording(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ msg, ip, want string }{
		{"known for 192.0.2.3.", "192.0.2.3", "known for this sender."},
		{"192.0.2.3 is new since the baseline.", "192.0.2.3", "This sender is new since the baseline."},
		{"known for 192.0.2.33.", "192.0.2.3", "known for 192.0.2.33."},
		{"PTR 192.0.2.3.example.net differs", "192.0.2.3", "PTR 192.0.2.3.example.net differs"},
		{"from 10.192.0.2.3 on", "192.0.2.3", "from 10.192.0.2.3 on"},
		{"2001:db8::1 and 2001:db8::1a", "2001:db8::1", "This sender and 2001:db8::1a"},
		{"(192.0.2.3), 192.0.2.3", "192.0.2.3", "(this sender), this sender"},
		{"no\u200b address", "", "no address"},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			if got := skipWording(tc.msg, tc.ip); got != tc.want {
				t.Errorf("skipWording(%q, %q) = %q, want %q", tc.msg, tc.ip, got, tc.want)
			}
		})
	}
}

// TestPDFTierShare: the rows of "Findings requiring action" go to every
// fail first, then errors, then warnings, each shared among the checks.
func TestPDFTierShare(t *testing.T) {
	t.Parallel()
	got := pdfTierShare([][3]int{{98, 0, 500}, {0, 3, 400}, {38, 0, 0}}, 200)
	want := [][3]int{{98, 0, 31}, {0, 3, 30}, {38, 0, 0}}
	if !slices.Equal(got, want) {
		t.Errorf("pdfTierShare = %v, want %v", got, want)
	}
	got = pdfTierShare([][3]int{{300, 0, 10}, {300, 5, 0}}, 100)
	if want := [][3]int{{50, 0, 0}, {50, 0, 0}}; !slices.Equal(got, want) {
		t.Errorf("pdfTierShare with more fails than rows = %v, want %v", got, want)
	}
}

func TestPDFCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 32000: "32,000", 1369166: "1,369,166", -1234: "-1,234"} {
		if got := pdfCount(n); got != want {
			t.Errorf("pdfCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestClipObserved(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("reason: different_org; ", 40)
	got := clipObserved(long, "report.xlsx")
	if !strings.HasSuffix(got, "; reason: different_org … (all values in report.xlsx)") && !strings.HasSuffix(got, "reason: different_org … (all values in report.xlsx)") {
		t.Errorf("clipObserved cut mid-value: %q", got[max(0, len(got)-80):])
	}
	if short := "ptr: a.example.com"; clipObserved(short, "report.xlsx") != short {
		t.Errorf("clipObserved changed a short text")
	}
	if got := observedText(map[string]any{"ptr_names": []any{}}); got != "ptr_names: none" {
		t.Errorf("empty list observed as %q", got)
	}
}

func TestAppendixStatus(t *testing.T) {
	t.Parallel()
	if c := appendixStatus(3, AssetSummary{Status: "pass", Skip: 12}); c.text != "PASS (12 SKIPPED)" || *c.fill != statusColour("skip") {
		t.Errorf("pass with skips: %q on %v, want the muted colour of skip", c.text, *c.fill)
	}
	if c := appendixStatus(3, AssetSummary{Status: "pass"}); c.text != "PASS" || *c.fill != statusColour("pass") {
		t.Errorf("pass: %q on %v", c.text, *c.fill)
	}
	if got := appendixStatus(3, AssetSummary{Status: "fail", Skip: 2}).text; got != "FAIL" {
		t.Errorf("fail with skips: %q", got)
	}
}

// TestPDFManyControls: a chart holds at most chartMaxBars controls, so a
// framework of many controls is charted over several page-sized charts,
// up to pdfMaxChartBars, the rest said to be in report.xlsx; the PDF
// stays small.
func TestPDFManyControls(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(20, 3)
	for i := range 250 {
		p.Controls = append(p.Controls, ControlStatus{Framework: "acme", ID: fmt.Sprintf("A-%03d", i), Title: "t", Status: ControlSatisfied, Pass: i % 7})
	}
	pdf := writeAll(t, NewPDF(nil), p)
	text := squash(pdfText(t, pdf))
	if want := squash(fmt.Sprintf("The charts show the first 200 controls; the %d others are charted in report.xlsx.", len(p.Controls)-200)); !strings.Contains(text, want) {
		t.Errorf("PDF lacks %q", want)
	}
	if len(pdf) > 8<<20 {
		t.Errorf("PDF of %d bytes", len(pdf))
	}
	d, err := digestPack(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	charts, omitted := splitChartPanels(statusChartPanels(p, d))
	if omitted != len(p.Controls)-200 || len(charts) != 5 {
		t.Fatalf("%d charts, %d omitted", len(charts), omitted)
	}
	for i, c := range charts {
		for _, pn := range c {
			if len(pn.Bars) > chartMaxBars || i > 0 && pn.Title != "By control, continued" {
				t.Errorf("chart %d panel %q: %d bars", i, pn.Title, len(pn.Bars))
			}
		}
	}
}

// nonEmptyLines returns the lines of s that hold more than spaces.
func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestPDFPointsOnlyAtFilesWritten: the PDF's pointers to what it leaves
// out name only files of the pack: report.xlsx and findings.csv when they
// are written, else evidence.json, else say that no such file was written.
func TestPDFPointsOnlyAtFilesWritten(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(40, 5)
	for _, tc := range []struct {
		formats     []string
		want, never []string
	}{
		{[]string{"json", "csv", "xlsx", "oscal", "pdf"}, []string{"report.xlsx / findings.csv", "report.xlsx (Assets sheet)", "Besides this report, the run wrote evidence.json, findings.csv, report.xlsx, oscal-assessment-results.json: evidence.json holds every finding"}, []string{"not written by this run"}},
		{[]string{"json", "pdf"}, []string{"every sender is in evidence.json", "passed findings are in evidence.json", "Besides this report, the run wrote evidence.json: evidence.json holds every finding with the DNS answers behind it", "AD flag and time) in evidence.json."}, []string{"report.xlsx", "findings.csv", "oscal-assessment-results.json"}},
		{[]string{"csv", "pdf"}, []string{"in findings.csv", "report.xlsx or evidence.json (not written by this run)", "this run wrote neither evidence.json nor report.xlsx"}, []string{"report.xlsx /", "(Assets sheet)", "evidence.json is the source of truth", "written from evidence.json", "time) in evidence.json"}},
		{[]string{"xlsx", "pdf"}, []string{"in report.xlsx (Evidence sheet); this run wrote no evidence.json", "report.xlsx (Assets sheet)"}, []string{"time) in evidence.json", "findings.csv"}},
		{[]string{"pdf"}, []string{"evidence.json, report.xlsx or findings.csv (not written by this run)"}, []string{"Besides this report", "time) in evidence.json"}},
	} {
		t.Run(strings.Join(tc.formats, ","), func(t *testing.T) {
			t.Parallel()
			w := NewPDF(nil).(*pdfWriter)
			w.maxFindings, w.maxAssets = 30, 20
			var buf bytes.Buffer
			if err := w.Write(WithFormats(context.Background(), tc.formats), &buf, p); err != nil {
				t.Fatal(err)
			}
			text := squash(pdfText(t, buf.Bytes()))
			for _, s := range tc.want {
				if !strings.Contains(text, squash(s)) {
					t.Errorf("the PDF lacks %q", s)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(text, squash(s)) {
					t.Errorf("the PDF says %q", s)
				}
			}
		})
	}
}

// TestWorstRisksSayWhatIsAtRisk: every check the registry knows has its
// own sentence in the executive summary's worst risks, not its criteria.
func TestWorstRisksSayWhatIsAtRisk(t *testing.T) {
	t.Parallel()
	set := templates.MustDefault()
	p := emptyPack()
	d, err := digestPack(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, c := range checkInfos() {
		v := newSummaryView(p, d)
		v.TopChecks = []viewCheck{{Check: c.ID, Family: c.Family, Criteria: "CRITERIA", Fail: 1, Counts: "1 fail"}}
		s, err := set.Render("summary/executive", v)
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(s, "- "+c.ID+": 1 fail. ")
		if i < 0 {
			t.Fatalf("%s: no worst-risk bullet in\n%s", c.ID, s)
		}
		line, _, _ := strings.Cut(s[i:], "\n")
		if strings.Contains(line, "CRITERIA") {
			t.Errorf("%s: the bullet gives the criteria, not the risk: %q", c.ID, line)
		}
		if other, dup := seen[line[len(c.ID):]]; dup {
			t.Errorf("%s says what %s says: %q", c.ID, other, line)
		}
		seen[line[len(c.ID):]] = c.ID
	}
}

func TestNamesVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id, version string
		want        bool
	}{
		{"nist-csf-2.0", "2.0", true}, {"cis-controls-v8", "8", true}, {"owasp-nhi-top10", "2025", false},
		{"acme-policy-2021", "1", false}, {"hipaa-2013", "3", false}, {"soc2_2017", "2017", true},
	} {
		if got := namesVersion(tc.id, tc.version); got != tc.want {
			t.Errorf("namesVersion(%q, %q) = %v, want %v", tc.id, tc.version, got, tc.want)
		}
	}
}

// TestPDFDriftNoValue: a value gone (or new) shows as "(no value)" in the
// changes table, as diff shows it, not as a blank cell; fields are named in
// words.
func TestPDFDriftNoValue(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	p.Drift = &Drift{BaseRun: "base", Changes: []DriftChange{
		{Asset: p.Assets[0].IP, Field: "ptr.names", Old: "mail-gone.example.com", New: ""},
		{Asset: p.Assets[1].IP, Field: "ptr.forward[mx.example.com]", Old: "192.0.2.1", New: "192.0.2.2"},
	}}
	text := pdfText(t, writeAll(t, NewPDF(nil), p))
	i := strings.Index(text, "Changes since the baseline\n")
	if i < 0 {
		t.Fatal("no changes table")
	}
	if row := text[i:]; !strings.Contains(squash(row), "PTRnamemail-gone.example.com(novalue)") {
		t.Errorf("changes table without (no value):\n%s", row[:min(len(row), 600)])
	}
	// Fields in words, as the drift messages name them.
	if row := text[i:]; !strings.Contains(row, "forward addresses of") || strings.Contains(row, "ptr.forward[") {
		t.Errorf("changes table without the field in words:\n%s", row[:min(len(row), 600)])
	}
	// So does the executive summary's sample of changes.
	if !strings.Contains(squash(text[:i]), squash("PTR name changed from mail-gone.example.com to (no value)")) {
		t.Errorf("summary's changes not in words:\n%s", text[:min(i, 3000)])
	}
}

// TestPDFDriftLongValues: a long SPF record that changes only at its end
// (~all to +all) reads differently before and after, in the executive
// summary's sample and in the changes table, read back from the PDF.
func TestPDFDriftLongValues(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	rec := "v=spf1 ip4:192.0.2.96/28 include:_spf.mail.acme.example include:spf.protection.acme.example include:_spf.more.acme.example"
	for len(rec) < 320 {
		rec += " include:_spf" + strconv.Itoa(len(rec)) + ".acme.example"
	}
	p.Drift = &Drift{BaseRun: "base", Changes: []DriftChange{{Asset: p.Assets[0].IP, Field: FieldSPFRecord, Old: rec + " ~all", New: rec + " +all"}}}
	text := squash(pdfText(t, writeAll(t, NewPDF(nil), p)))
	for _, want := range []string{"~all", "+all"} {
		if n := strings.Count(text, want); n < 2 {
			t.Errorf("%q shown %d times, want in the summary and the table", want, n)
		}
	}
}

func TestClipPair(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("include:x.example ", 10)
	for _, c := range []struct {
		a, b, wantA, wantB string
		max                int
	}{
		{"short", "other", "short", "other", 20},
		{long + "~all", long + "+all", "…ample include:x.example ~all", "…ample include:x.example +all", 40},
		// A difference early: cut at the end, as clip does.
		{"a" + long, "b" + long, "a" + long[:18] + "…", "b" + long[:18] + "…", 20},
	} {
		a, b := clipPair(c.a, c.b, c.max)
		if a != c.wantA || b != c.wantB {
			t.Errorf("clipPair(%q, %q, %d) = %q, %q; want %q, %q", c.a, c.b, c.max, a, b, c.wantA, c.wantB)
		}
	}
}

// TestPDFDriftIncompleteNamed: the senders whose comparison is incomplete
// are named under the notice that counts them, and the changes table has
// a heading of its own, so it is not read as the list of those senders.
func TestPDFDriftIncompleteNamed(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	p.Drift = &Drift{BaseRun: "base", Changes: []DriftChange{
		{Asset: p.Assets[0].IP, Field: "ptr.names", Old: "mail-old.example.com", New: "mail-new.example.com"},
	}}
	p.Findings = append(p.Findings, assess.Finding{Asset: p.Assets[2].IP, Check: DriftCheck, Status: assess.StatusError,
		Observed: map[string]any{"undetermined": []any{"ptr.names"}}})
	text := squash(pdfText(t, writeAll(t, NewPDF(nil), p)))
	for _, want := range []string{
		"The comparison is incomplete for 1 sender",
		"Not compared in full " + p.Assets[2].IP,
		"Values that changed",
	} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("drift section lacks %q", want)
		}
	}
	if strings.Index(text, squash("Values that changed")) > strings.LastIndex(text, squash("mail-old.example.com")) {
		t.Error("the changes table comes before its heading")
	}
}

// TestActionObservedDrift: a drift finding's changes are counted in the
// findings section, not printed as JSON; other findings keep theirs.
func TestActionObservedDrift(t *testing.T) {
	t.Parallel()
	f := &assess.Finding{Check: DriftCheck, Observed: map[string]any{"baseline_run": "b1",
		"changes": []any{map[string]any{"field": "ptr.names", "old": "a", "new": "b"}}}}
	if got, want := observedText(actionObserved(f)), "baseline_run: b1; changes: 1, listed in the message and under “Changes since the baseline”"; got != want {
		t.Errorf("drift observed %q, want %q", got, want)
	}
	if _, ok := f.Observed["changes"].([]any); !ok {
		t.Error("the finding's own observed values were changed")
	}
	g := &assess.Finding{Check: "ptr.present", Observed: map[string]any{"changes": []any{"x"}}}
	if got := observedText(actionObserved(g)); got != "changes: x" {
		t.Errorf("other observed %q", got)
	}
}

// TestPDFNewSenderSkip: a new sender's skipped drift.changed is said to be
// one, not put down to a missing inventory field.
func TestPDFNewSenderSkip(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	ip := p.Assets[0].IP
	p.Drift = &Drift{BaseRun: "base", Added: []string{ip}}
	p.Findings = append(p.Findings, assess.Finding{Asset: ip, Check: DriftCheck, Status: assess.StatusSkip,
		Message: ip + " is new since the baseline run base: there is nothing to compare it with.", Observed: map[string]any{"reason": "new_asset"}})
	p.Summary.Findings++
	p.Summary.Skip++
	text := squash(pdfText(t, writeAll(t, NewPDF(nil), p)))
	for _, want := range []string{
		"Asendernewsincethebaselinerunhasitsdrift.changedskipped",
		"forasendernewsincethebaselinerun,itsdrift.changed,withnothingtocompare",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
}

// TestOpenSPFShown: a sending domain whose SPF lets any address pass
// (+all in its record, or a /0 range in a record it includes) is named in
// the PDF's executive summary and the XLSX Summary sheet, read back from
// both files, though every finding of its senders passes.
func TestOpenSPFShown(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	domainOf := assetDomains(p)
	for i := range p.Findings {
		f := &p.Findings[i]
		switch {
		case f.Check == "spf.record" && domainOf[f.Asset] == "example.org":
			// A /8 is wide, not every address.
			f.Status, f.Observed = assess.StatusPass, map[string]any{"wide_terms": []any{"ip4:10.0.0.0/8"}}
		case f.Check == "spf.record" && domainOf[f.Asset] == "example.com":
			f.Status, f.Observed = assess.StatusPass, map[string]any{"domain": "example.com", "record": "v=spf1 mx +all", "all": "+all", "permissive": true}
		case f.Check == "spf.lookup_limit" && domainOf[f.Asset] == "example.net":
			// Over the limit after the include that opens it.
			f.Status, f.Observed = assess.StatusFail, map[string]any{"lookups": 11, "reason": "lookups", "reached_records": map[string]any{"_spf.relay.example": "v=spf1 ip4:0.0.0.0/0 -all"}}
		case f.Check == "spf.record" && domainOf[f.Asset] == "example.net":
			f.Status, f.Observed = assess.StatusPass, map[string]any{"record": "v=spf1 include:_spf.relay.example -all", "all": "-all"}
		}
	}
	fact := openSPFShown(t, p, []string{
		"SPF of example.com lets any address on the Internet pass (+all)",
		"SPF of example.net lets any address on the Internet pass (include:_spf.relay.example, whose record lets any address pass with ip4:0.0.0.0/0)",
		"lets any address on the Internet pass, which no control's count shows",
		"End the record in -all or ~all", "Drop that include, or have its owner fix the record it includes",
		"The record goes over the lookup limit only after that (spf.lookup_limit fails), so every address passes before any receiver meets the limit",
	}, "example.org")
	if !strings.Contains(fact, "example.com (+all;") || !strings.Contains(fact, "example.net (include:_spf.relay.example") || !strings.Contains(fact, "so spf.lookup_limit fails, but every address passes before") {
		t.Errorf("the Summary sheet does not name the open domains: %q", fact)
	}
}

// openSPFShown checks that p's PDF holds each of want and names notOpen
// nowhere as open ("SPF of notOpen"), and returns the XLSX Summary's
// "SPF open to any address" fact.
func openSPFShown(t *testing.T, p *Pack, want []string, notOpen string) string {
	t.Helper()
	text := squash(pdfText(t, writeAll(t, NewPDF(nil), p)))
	for _, w := range want {
		if !strings.Contains(text, squash(w)) {
			t.Errorf("PDF lacks %q", w)
		}
	}
	if strings.Contains(text, squash("SPF of "+notOpen)) {
		t.Errorf("%s is named as open to any address", notOpen)
	}
	f := openXLSX(t, writeAll(t, NewXLSX(), p))
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r) > 1 && r[0] == "SPF open to any address" {
			return r[1]
		}
	}
	return ""
}

// TestOpenSPFFinder: a record the walk reached that passes every address
// opens the domain only through + includes, or redirect= of records
// without all, from the domain's own record, however deep, and before the
// lookup limit; spf.record's own +all names the cause first.
func TestOpenSPFFinder(t *testing.T) {
	t.Parallel()
	open := map[string]any{
		"_spf.open.test":       "v=spf1 +all",
		"inc.open.test":        "v=spf1 include:_spf.open.test -all",
		"redir.open.test":      "v=spf1 redirect=_spf.open.test",
		"closed.open.test":     "v=spf1 -include:_spf.open.test -all",
		"range.open.test":      "v=spf1 ip4:192.0.2.0/24 ip6:::/0 -all",
		"l.open.test":          "v=spf1 -all",
		"selfloop.open.test":   "v=spf1 include:selfloop.open.test +all",
		"nested-ptr.open.test": "v=spf1 ptr a mx include:_spf.open.test -all",
	}
	limit := "include:l.open.test "
	for _, c := range []struct {
		record, all string
		limitFail   bool
		kind, why   string
	}{
		{record: "v=spf1 include:_spf.open.test -all", all: "-all", kind: "include", why: "include:_spf.open.test, whose record lets any address pass with +all"},
		{record: "v=spf1 redirect=_spf.open.test", kind: "redirect", why: "redirect=_spf.open.test, whose record lets any address pass with +all"},
		{record: "v=spf1 ip4:192.0.2.1 -include:_spf.open.test ~all", all: "~all"},
		{record: "v=spf1 -all include:_spf.open.test", all: "-all"},
		{record: "v=spf1 include:_spf.open.test +all", all: "+all", kind: "all", why: "+all"},
		{record: "v=spf1 include:inc.open.test -all", all: "-all", kind: "include",
			why: "include:inc.open.test → include:_spf.open.test, whose record lets any address pass with +all"},
		{record: "v=spf1 redirect=inc.open.test", kind: "redirect",
			why: "redirect=inc.open.test → include:_spf.open.test, whose record lets any address pass with +all"},
		{record: "v=spf1 include:redir.open.test -all", all: "-all", kind: "include",
			why: "include:redir.open.test → redirect=_spf.open.test, whose record lets any address pass with +all"},
		{record: "v=spf1 include:range.open.test -all", all: "-all", kind: "include",
			why: "include:range.open.test, whose record lets any address pass with ip6:::/0"},
		{record: "v=spf1 include:closed.open.test -all", all: "-all"},
		{record: "v=spf1 include:missing.open.test include:_spf.open.test -all", all: "-all"},
		{record: "v=spf1 include:selfloop.open.test -all", all: "-all"},
		// Over the limit, what comes before the lookup past it still decides.
		{record: "v=spf1 include:_spf.open.test " + strings.Repeat(limit, 10) + "-all", all: "-all", limitFail: true, kind: "include",
			why: "include:_spf.open.test, whose record lets any address pass with +all"},
		{record: "v=spf1 " + strings.Repeat(limit, 10) + "include:_spf.open.test -all", all: "-all", limitFail: true},
		{record: "v=spf1 " + strings.Repeat(limit, 6) + "include:nested-ptr.open.test -all", all: "-all", limitFail: true},
		{record: "v=spf1 " + strings.Repeat(limit, 5) + "include:nested-ptr.open.test -all", all: "-all", kind: "include",
			why: "include:nested-ptr.open.test → include:_spf.open.test, whose record lets any address pass with +all"},
	} {
		o := newOpenSPFFinder([]assess.Asset{{IP: "192.0.2.1", Domain: "open.test"}})
		status := assess.StatusPass
		if c.limitFail {
			status = assess.StatusFail
		}
		o.add(&assess.Finding{Asset: "192.0.2.1", Check: "spf.lookup_limit", Status: status}, func() map[string]any {
			return map[string]any{"reached_records": open}
		})
		o.add(&assess.Finding{Asset: "192.0.2.1", Check: "spf.record", Status: assess.StatusPass}, func() map[string]any {
			return map[string]any{"record": c.record, "all": c.all}
		})
		got := o.result()
		switch {
		case c.why == "" && len(got) != 0:
			t.Errorf("%s: named open: %+v", c.record, got)
		case c.why != "" && (len(got) != 1 || got[0].Kind != c.kind || got[0].Why != c.why || got[0].OverLimit != c.limitFail):
			t.Errorf("%s: %+v, want %s %q", c.record, got, c.kind, c.why)
		}
	}
}

// TestOpenSPFCoveringShown: a sending domain whose pass ip4:/ip6: terms
// together cover a whole family, none of them a /0, is named as open to
// any address in the PDF's "Worst risks" and the XLSX Summary, from
// spf.record's open_terms (narrower terms fill the gaps between the wide
// ones) or, in a pack without them, from its wide_terms alone.
func TestOpenSPFCoveringShown(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	domainOf := assetDomains(p)
	for i := range p.Findings {
		f := &p.Findings[i]
		if f.Check != "spf.record" {
			continue
		}
		switch domainOf[f.Asset] {
		case "example.org":
			f.Status, f.Observed = assess.StatusPass, map[string]any{"domain": "example.org", "all": "-all",
				"record":     "v=spf1 ip6:::/1 ip6:8000::/1 -all",
				"wide_terms": []any{"ip6:::/1", "ip6:8000::/1"}}
		case "example.com":
			f.Status, f.Observed = assess.StatusPass, map[string]any{"domain": "example.com", "all": "-all",
				"wide_terms": []any{"ip4:0.0.0.0/1", "ip4:128.0.0.0/2"},
				"open_terms": []any{"ip4:0.0.0.0/1", "ip4:128.0.0.0/2", "ip4:192.0.0.0/9", "ip4:192.128.0.0/9"}, "open_terms_omitted": float64(4)}
		case "example.net":
			// Wide halves of one family with a gap: not open.
			f.Status, f.Observed = assess.StatusPass, map[string]any{"domain": "example.net", "all": "-all",
				"wide_terms": []any{"ip4:0.0.0.0/1", "ip4:128.0.0.0/2"}}
		}
	}
	// Halves with a gap (example.net) are not open.
	fact := openSPFShown(t, p, []string{
		"SPF of example.org lets any address on the Internet pass (ip6:::/1 ip6:8000::/1)",
		"SPF of example.com lets any address on the Internet pass (ip4:0.0.0.0/1 ip4:128.0.0.0/2 ip4:192.0.0.0/9 ip4:192.128.0.0/9 and 4 more)",
	}, "example.net")
	if !strings.Contains(fact, "example.org (ip6:::/1 ip6:8000::/1") || !strings.Contains(fact, "example.com (ip4:0.0.0.0/1 ip4:128.0.0.0/2") || strings.Contains(fact, "example.net") {
		t.Errorf("the Summary sheet does not name the open domains as it should: %q", fact)
	}
}

// TestOpenWhyCovering: openWhy takes spf.record's open_terms, else the
// wide terms that alone cover a family, after +all and a /0 term.
func TestOpenWhyCovering(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		obs       map[string]any
		kind, why string
	}{
		{map[string]any{"wide_terms": []string{"ip4:0.0.0.0/1", "ip4:128.0.0.0/1"}}, "range", "ip4:0.0.0.0/1 ip4:128.0.0.0/1"},
		{map[string]any{"wide_terms": []any{"ip6:8000::/1", "ip4:10.0.0.0/8", "ip6:::/1"}}, "range", "ip6:8000::/1 ip6:::/1"},
		{map[string]any{"wide_terms": []any{"ip4:0.0.0.0/1", "ip4:128.0.0.0/1", "ip6:::/0"}}, "range", "ip6:::/0"},
		{map[string]any{"wide_terms": []string{"ip4:0.0.0.0/1"}, "open_terms": []string{"ip4:0.0.0.0/1", "ip4:128.0.0.0/9", "ip4:128.128.0.0/9"}, "open_terms_omitted": 8}, "range",
			"ip4:0.0.0.0/1 ip4:128.0.0.0/9 ip4:128.128.0.0/9 and 8 more"},
		{map[string]any{"all": "+all", "wide_terms": []string{"ip4:0.0.0.0/1", "ip4:128.0.0.0/1"}}, "all", "+all"},
		{map[string]any{"wide_terms": []string{"ip4:0.0.0.0/1", "-ip4:128.0.0.0/1"}}, "", ""},
		{map[string]any{"wide_terms": []string{"ip4:0.0.0.0/1", "a/1"}}, "", ""},
		// The record, when observed, tells what wide_terms cannot: a
		// term that is no pass before the halves shuts the family.
		{map[string]any{"record": "v=spf1 -ip4:0.0.0.0/0 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", "wide_terms": []string{"ip4:0.0.0.0/1", "ip4:128.0.0.0/1"}}, "", ""},
		{map[string]any{"record": "v=spf1 -ip4:10.0.0.0/8 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", "wide_terms": []string{"ip4:0.0.0.0/1", "ip4:128.0.0.0/1"}}, "range", "ip4:0.0.0.0/1 ip4:128.0.0.0/1"},
	} {
		if kind, why := openWhy(c.obs); kind != c.kind || why != c.why {
			t.Errorf("%v: %q %q, want %q %q", c.obs, kind, why, c.kind, c.why)
		}
	}
}

func TestOpensAll(t *testing.T) {
	t.Parallel()
	for rec, want := range map[string]bool{
		"v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all": true, "v=spf1 ip6:::/1 ip6:8000::/1 -all": true,
		"v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/2 -all": false, "v=spf1 ip4:0.0.0.0/1 -all ip4:128.0.0.0/1": false,
		"v=spf1 +all": true, "v=spf1 mx all": true, "v=spf1 -all +all": false, "v=spf1 ?all": false,
		"v=spf1 ip4:0.0.0.0/0 -all": true, "v=spf1 -ip4:0.0.0.0/0 -all": false, "v=spf1 ip6:::/0 ~all": true,
		"v=spf1 ip4:192.0.2.0/24 -all": false, "v=spf1 redirect=x.example": false,
		"v=spf1 a:relay.example/24//0 -all": true, "v=spf1 -all ip4:0.0.0.0/0": false,
	} {
		if got := assess.SPFOpensAll(rec); got != want {
			t.Errorf("SPFOpensAll(%q) = %v, want %v", rec, got, want)
		}
	}
	for term, want := range map[string]bool{"ip4:0.0.0.0/0": true, "ip6:::/0": true, "a/0": true, "a//0": true, "a:h.example/24//0": true,
		"mx/0//64": true, "ip4:10.0.0.0/8": false, "a:h.example/24": false, "-ip4:0.0.0.0/0": false, "ip6:2001:db8::/32": false} {
		if got := assess.SPFTermAnyRange(term); got != want {
			t.Errorf("SPFTermAnyRange(%q) = %v, want %v", term, got, want)
		}
	}
}

// TestPDFRemovedOwnersDistinct: owners in scripts the PDF's fonts lack are
// spelled out as code points each, read back from the PDF: the fourth and
// fifth removed sender's owner are told apart as the first is.
func TestPDFRemovedOwnersDistinct(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	owners := []string{"שלום עולם צוות", "สวัสดีชาวโลกทีม", "こんにちは世界のチーム", "مرحبا بالعالم فريق", "你好世界团队邮件平台"}
	p.Drift = &Drift{BaseRun: "base", Changes: []DriftChange{}, Added: []string{}}
	for i, o := range owners {
		ip := fmt.Sprintf("198.51.100.%d", i+1)
		p.Drift.Removed = append(p.Drift.Removed, ip)
		p.Drift.RemovedAssets = append(p.Drift.RemovedAssets, assess.Asset{IP: ip, Owner: o})
	}
	text := squash(pdfText(t, writeAll(t, NewPDF(nil), p)))
	for _, o := range owners {
		r, _ := utf8.DecodeRuneInString(o)
		if want := fmt.Sprintf("<U+%04X>", r); !strings.Contains(text, want) {
			t.Errorf("owner %q: %s not in the PDF", o, want)
		}
	}
}

// TestPDFLongForeignOwnersDistinct: two owners in a script the PDF's fonts
// lack, too long to be spelled out whole and differing only in their last
// character, still read differently under "Most affected high-criticality
// senders".
func TestPDFLongForeignOwnersDistinct(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(20, 2)
	d, err := digestPack(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	top := d.topAssets("high", viewTopAssets)
	if len(top) < 2 {
		t.Fatalf("the synthetic pack has %d high-criticality senders to act on, want 2", len(top))
	}
	const base = "東京本社情報システム部メール基盤運用グループの担当者" // 26 characters
	owners := map[string]string{top[0].IP: base + "甲", top[1].IP: base + "乙"}
	for i := range p.Assets {
		if o, ok := owners[p.Assets[i].IP]; ok {
			p.Assets[i].Owner = o
		}
	}
	text := squash(pdfText(t, writeAll(t, NewPDF(nil), p)))
	i := strings.Index(text, squash("Most affected high-criticality senders"))
	if i < 0 {
		t.Fatal("the PDF has no \"Most affected high-criticality senders\"")
	}
	section := text[i:min(len(text), i+3000)]
	fit, err := newTextFitter()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for ip, o := range owners {
		want := squash(fit.glyphs(o))
		if other, ok := seen[want]; ok {
			t.Fatalf("owners of %s and %s both read %q", ip, other, want)
		}
		seen[want] = ip
		if !strings.Contains(section, squash(ip)+"(") || !strings.Contains(section, want) {
			t.Errorf("the most affected senders lack %s, owner %q", ip, want)
		}
	}
}

// TestPDFInfoText: the document information holds the run's title, ID and
// tool as they are, characters the report's fonts lack among them, cleaned
// of control and format characters; only a rune beyond the Basic
// Multilingual Plane, which the PDF library cannot encode, is spelled out.
func TestPDFInfoText(t *testing.T) {
	t.Parallel()
	p := SyntheticPack(3, 1)
	p.Run.Title = "例え\u200b — Müller GmbH\t📨 (送信)"
	p.Run.ID = "run-日本\u202e"
	p.Tool.Version = "1.0-β"
	pdf := writeAll(t, NewPDF(nil), p)
	info := pdfInfo(t, pdf)
	for field, want := range map[string]string{
		"Title":   "例え — Müller GmbH <U+1F4E8> (送信)",
		"Subject": "Mail sender DNS identity assessment, run run-日本",
		"Creator": p.Tool.Name + " 1.0-β",
		"Author":  "senderproof",
	} {
		if got := info[field]; got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	// The body still spells out what its fonts lack.
	if text := squash(pdfText(t, pdf)); !strings.Contains(text, "<U+4F8B><U+3048>—MüllerGmbH<U+1F4E8>(<U+9001><U+4FE1>)") {
		t.Error("the cover lacks the title with its code points spelled out")
	}
	if again := writeAll(t, NewPDF(nil), p); !bytes.Equal(pdf, again) {
		t.Error("two writes of one pack differ")
	}

	long := strings.Repeat("題", 250)
	p.Run.Title = long
	if got := pdfInfo(t, writeAll(t, NewPDF(nil), p))["Title"]; got != clip(long, 200) {
		t.Errorf("a long title reads %q, want its first 199 characters and …", got)
	}
}

// assetDomains maps each asset's IP to its sending domain.
func assetDomains(p *Pack) map[string]string {
	m := map[string]string{}
	for _, a := range p.Assets {
		m[a.IP] = a.Domain
	}
	return m
}
