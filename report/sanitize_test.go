package report

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"mta1.example.com", "mta1.example.com"},
		{"a\tb\nc\r\nd", "a b c  d"},
		{"nul\x00esc\x1b[31mdel\x7f", "nulesc[31mdel"},
		{"c1\u0085\u009bx", "c1x"},
		{"bidi \u202egnp.exe\u202c \u2066x\u2069", "bidi gnp.exe x"},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{"bücher.例え.example", "bücher.例え.example"},
		// Format characters (Unicode Cf) are invisible: dropped.
		{"mail\u200b1.exa\u2060mple.com", "mail1.example.com"},
		{"\ufeffv=spf1 -all", "v=spf1 -all"},
		// Joiners between letters or emoji are part of ordinary text and
		// stay; elsewhere they, and soft hyphens anywhere, go.
		{"zw\u200cnj\u200dj soft\u00adhyphen", "zwnjj softhyphen"}, // Latin letters need no joiner
		{"\u0915\u094d\u200d\u0937", "\u0915\u094d\u200d\u0937"},   // Devanagari: half form
		{"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"},
		{"\U0001F469\u200d\U0001F4BB \U0001F3F3\uFE0F\u200d\U0001F308 \U0001F44B\U0001F3FD\u200d\U0001F469", "\U0001F469\u200d\U0001F4BB \U0001F3F3\uFE0F\u200d\U0001F308 \U0001F44B\U0001F3FD\u200d\U0001F469"},
		{"\u200cedge\u200d a\u200c b\u200d c 1\u200c2 \U0001F469\u200c\U0001F4BB -\u200d-", "edge a b c 12 \U0001F469\U0001F4BB --"},
		// Marks do not carry a joiner past the rule, and a grapheme
		// joiner or variation selector on an ASCII letter goes too.
		{"pay\u034f\u200d\u034fpal pay\ufe0f\u200d\ufe0fpal pay\U000E0101pal", "paypal paypal paypal"},
		{"\u0915\u094d\u200d\u0937 \u2764\ufe0f \u845b\U000E0100", "\u0915\u094d\u200d\u0937 \u2764\ufe0f \u845b\U000E0100"},
		{"tag\U000E0041\U000E007F alm\u061c mvs\u180e", "tag alm mvs"},
		{"nbsp\u00a0kept 📨", "nbsp\u00a0kept 📨"},
		// Line and paragraph separators break lines in a viewer.
		{"owner\u2028line\u2029para", "owner line para"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := cleanLine(tc.in); got != tc.want {
				t.Errorf("cleanLine(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := cleanText("a\r\nb\rc\nd\x00\te\u2028f"); got != "a\nb\nc\nd e\nf" {
		t.Errorf("cleanText = %q", got)
	}
	if got := cleanText("\u200d\u0645\u200c\u06cc\n\u200cz x\u200cy"); got != "\u0645\u200c\u06cc\nz xy" {
		t.Errorf("cleanText = %q", got)
	}
}

// TestDropRuneFormat checks dropRune against Unicode's tables: every
// control and format character goes, and letters, marks, symbols and
// spaces stay.
func TestDropRuneFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		table *unicode.RangeTable
		drop  bool
	}{
		{"Cc", unicode.Cc, true}, {"Cf", unicode.Cf, true},
		{"L", unicode.L, false}, {"M", unicode.M, false}, {"N", unicode.N, false},
		{"P", unicode.P, false}, {"S", unicode.S, false}, {"Zs", unicode.Zs, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := 0
			for r := rune(0); r <= unicode.MaxRune; r++ {
				if !unicode.Is(tc.table, r) {
					continue
				}
				n++
				if dropRune(r) != tc.drop {
					t.Errorf("dropRune(%U) = %v, want %v", r, !tc.drop, tc.drop)
				}
			}
			if n == 0 {
				t.Fatal("empty table")
			}
		})
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"ääääää", 4, "äää…"},
		{"anything", 0, "anything"},
	} {
		if got := clip(tc.in, tc.max); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
	// Excel counts UTF-16 code units: an emoji is two.
	s := strings.Repeat("😀", 20)
	got := clipUTF16(s, 11, "…")
	if utf16Len(got) > 11 || got != strings.Repeat("😀", 5)+"…" {
		t.Errorf("clipUTF16 = %q (%d units)", got, utf16Len(got))
	}
	if got := clipUTF16("short", 11, "…"); got != "short" {
		t.Errorf("clipUTF16 cut a short value: %q", got)
	}
}

func TestFormulaSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://x.example\",\"click\")", "'=HYPERLINK(\"http://x.example\",\"click\")"},
		{"+1", "'+1"}, {"-all", "'-all"}, {"@x", "'@x"},
		{"  =1+1", "'  =1+1"}, {"\t1", "'\t1"}, {"\r1", "'\r1"},
		{"v=spf1 -all", "v=spf1 -all"}, {"", ""}, {"   ", "   "},
	} {
		if got := formulaSafe(tc.in); got != tc.want {
			t.Errorf("formulaSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompactJSON(t *testing.T) {
	t.Parallel()
	got := compactJSON(map[string]any{"b": []any{"<x>", 1}, "a": "&"})
	if want := `{"a":"&","b":["<x>",1]}`; got != want {
		t.Errorf("compactJSON = %s, want %s", got, want)
	}
	if compactJSON(map[string]any{}) != "" || compactJSON(nil) != "" {
		t.Error("an empty observation should give an empty cell")
	}
}

func FuzzCleanLine(f *testing.F) {
	for _, s := range []string{"", "a\x00b", "\u202e", "\xff", "x\ty\nz", hostileTXT,
		" a", "a ", "a  b", "a b c", "a\u00a0b", "a\u0085b", "\v", "v=spf1 -all", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapseSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
		got := cleanLine(s)
		if strayFormat(got) || strings.ContainsAny(got, "\t\n\r") {
			t.Fatalf("cleanLine(%q) = %q keeps a control character", s, got)
		}
		if c := strings.TrimLeft(csvCell(s), " "); c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
			t.Fatalf("csvCell(%q) = %q starts a formula", s, c)
		}
	})
}

// strayFormat reports whether s holds a rune dropRune names other than a
// joiner keepJoiner keeps where it stands, or an invisible mark on an
// ASCII character or none.
func strayFormat(s string) bool {
	base := rune(0)
	for i, r := range s {
		if dropRune(r) && !keepJoiner(base, r, nextBase(s, i+utf8.RuneLen(r))) || invisibleMark(r) && base <= unicode.MaxASCII {
			return true
		}
		if !unicode.IsMark(r) {
			base = r
		}
	}
	return false
}

// TestReportsKeepJoiners: a control title in Persian, whose zero-width
// non-joiner is part of its spelling, and a relevance holding an emoji
// sequence reach the XLSX and OSCAL as written; a soft hyphen does not.
func TestReportsKeepJoiners(t *testing.T) {
	t.Parallel()
	title := "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645" // Persian "I want"
	relevance := "Owned by the \U0001F469\u200d\U0001F4BB team, Netzwerk\u00adsicherheit."
	p := SyntheticPack(3, 1)
	p.Controls[0].Title, p.Controls[0].Relevance = title, relevance
	written := "Owned by the \U0001F469\u200d\U0001F4BB team, Netzwerksicherheit."

	rows := rowsOf(t, openXLSX(t, writeAll(t, NewXLSX(), p)), "Controls")
	found := false
	for _, row := range rows {
		found = found || slices.Contains(row, title) && slices.Contains(row, written)
	}
	if !found {
		t.Errorf("the XLSX Controls sheet lacks %q and %q:\n%q", title, written, rows)
	}

	var doc any
	if err := json.Unmarshal(writeAll(t, NewOSCAL(), p), &doc); err != nil {
		t.Fatal(err)
	}
	var texts []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			texts = append(texts, v)
		}
	}
	walk(doc)
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, title) || !strings.Contains(all, "\U0001F469\u200d\U0001F4BB") || strings.Contains(all, "\u00ad") {
		t.Errorf("the OSCAL does not hold the title and relevance as written")
	}
}
