package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"senderproof/assess"
)

// TestUTF8Reader: the reader passes UTF-8 on unchanged however the reads
// cut it, and stops at the offset of the first byte that is not UTF-8.
func TestUTF8Reader(t *testing.T) {
	t.Parallel()
	good := bytes.Repeat([]byte(`{"name":"mail.example.com","note":"zoné → ✓ 𝄞"}`), 3000)
	readers := map[string]func([]byte) io.Reader{
		"whole":    func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half":     func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
	}
	for name, mk := range readers {
		got, err := io.ReadAll(newUTF8Reader(mk(good)))
		if err != nil || !bytes.Equal(got, good) {
			t.Errorf("%s: %d bytes, err %v; want the %d bytes given", name, len(got), err, len(good))
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20 {
			at := rng.IntN(len(good))
			bad := bytes.Clone(good)
			bad[at] = 0xff
			// The bad sequence starts at at, or at the lead byte of the
			// character at replaced a continuation byte of.
			want := 0
			for {
				r, n := utf8.DecodeRune(bad[want:])
				if r == utf8.RuneError && n == 1 {
					break
				}
				want += n
			}
			if want > at || at-want > 3 {
				t.Fatalf("0xff at %d: first bad sequence at %d", at, want)
			}
			got, err := io.ReadAll(newUTF8Reader(mk(bad)))
			var be *badUTF8
			if !errors.As(err, &be) || be.off != int64(want) || !bytes.Equal(got, bad[:want]) {
				t.Fatalf("%s: 0xff at %d: read %d bytes, err %v, want %d bytes", name, at, len(got), err, want)
			}
		}
		// A sequence cut short by the end of the input.
		cut := append(bytes.Clone(good), 0xe2, 0x86)
		if _, err := io.ReadAll(newUTF8Reader(mk(cut))); !errors.As(err, new(*badUTF8)) {
			t.Errorf("%s: a sequence cut by the end: err %v", name, err)
		}
	}
}

// TestReadPackEachRefusesOddPacks: what senderproof never writes is bad
// input to a streamed read, as to ReadPack: something after the object,
// findings before the assets, an address listed twice, a key given twice,
// a finding given twice, and a sender's findings split in two.
func TestReadPackEachRefusesOddPacks(t *testing.T) {
	t.Parallel()
	const ip, ip2 = "192.0.2.10", "192.0.2.11"
	fs := slices.Concat(world(ip, "a.example", []string{ip}, "pass", "all", "reject", 100, "aa"),
		world(ip2, "b.example", []string{ip2}, "pass", "all", "reject", 100, "bb"))
	good, err := os.ReadFile(packFile(t, "r1", assetsOf(ip, ip2), fs))
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "evidence.json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(good, &obj); err != nil {
		t.Fatal(err)
	}
	findingsFirst := []byte(`{"findings": ` + string(obj["findings"]) + `, "assets": ` + string(obj["assets"]) + `}`)
	var assets []json.RawMessage
	if err := json.Unmarshal(obj["assets"], &assets); err != nil {
		t.Fatal(err)
	}
	twice, _ := json.Marshal(append(assets, assets[0]))
	dup := bytes.Replace(good, obj["assets"], twice, 1)
	// A key given again, which JSON readers take differently: the first
	// value, the last, or (streamed) both lists of findings.
	end := bytes.LastIndexByte(good, '}')
	again := func(key string, v json.RawMessage) []byte {
		return slices.Concat(good[:end], []byte(`, "`+key+`": `), v, good[end:])
	}
	var findings0 []json.RawMessage
	if err := json.Unmarshal(obj["findings"], &findings0); err != nil {
		t.Fatal(err)
	}
	oneTwice, _ := json.Marshal(slices.Insert(slices.Clone(findings0), 1, findings0[0]))
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"trailing text", "more after the JSON object", append(slices.Clone(good), "garbage"...)},
		{"findings first", "findings come before assets", findingsFirst},
		{"an address twice", "192.0.2.10 is listed twice", dup},
		{"findings twice", `key "findings" given twice`, again("findings", obj["findings"])},
		{"assets twice", `key "assets" given twice`, again("assets", obj["assets"])},
		{"run again in other case", `key "RUN" given twice (or again in other case)`, again("RUN", obj["run"])},
		{"schema again with a long s", `key "ſchema" given twice`, again("ſchema", json.RawMessage(`"x"`))},
		{"a finding twice", "is given twice: not an evidence.json senderproof wrote", bytes.Replace(good, obj["findings"], oneTwice, 1)},
	} {
		if _, err := ReadPackEach(context.Background(), write(tc.data), func([]assess.Asset, *assess.Finding) {}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// An address in another form than senderproof writes: compared as
	// written, it would be one sender removed and another added.
	for _, odd := range []struct{ as, canon string }{
		{"2001:0db8:0000:0000:0000:0000:0000:0010", "2001:db8::10"},
		{"2001:DB8::10", "2001:db8::10"},
		{"::ffff:192.0.2.10", "192.0.2.10"},
		{"fe80::1%eth0", "fe80::1"},
	} {
		fsOdd := world(odd.as, "a.example", []string{odd.as}, "pass", "all", "reject", 100, "aa")
		b, err := os.ReadFile(packFile(t, "r2", assetsOf(odd.as), fsOdd))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%q is not written as senderproof writes addresses (%s)", odd.as, odd.canon)
		if _, err := ReadPackEach(context.Background(), write(b), func([]assess.Asset, *assess.Finding) {}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", odd.as, err, want)
		}
	}
	// A sender's findings split in two: a comparison refuses it.
	var findings []json.RawMessage
	if err := json.Unmarshal(obj["findings"], &findings); err != nil {
		t.Fatal(err)
	}
	moved := append(slices.Clone(findings[1:]), findings[0])
	mb, _ := json.Marshal(moved)
	split := bytes.Replace(good, obj["findings"], mb, 1)
	base := packOf(t, "r0", assetsOf(ip, ip2), fs)
	if _, _, err := ComparePackFile(context.Background(), base, "old.json", write(split)); err == nil || !strings.Contains(err.Error(), "the findings of 192.0.2.10 are not together") {
		t.Errorf("split findings: %v", err)
	}
}

// TestReadSHA256: a pack read by ReadPackEach knows the SHA-256 of the
// bytes it was read from, which verify holds to the manifest's.
func TestReadSHA256(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.1"
	path := packFile(t, "run-1", []assess.Asset{{IP: ip, Domain: "a.example", DKIMSelectors: []string{"s1"}}},
		world(ip, "mail1.example.com", []string{ip}, "pass", "ip4:192.0.2.0/24", "reject", 100, "aa"))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPackEach(context.Background(), path, func([]assess.Asset, *assess.Finding) {})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := p.ReadSHA256(); got != hex.EncodeToString(sum[:]) {
		t.Errorf("ReadSHA256 %s, want %x", got, sum)
	}
}

// TestReadPackEachStops: a read of an evidence.json (a baseline, a pack to
// diff or replay) stops at once when its context is done, with the
// context's error, not a second later when the process is made to exit.
func TestReadPackEachStops(t *testing.T) {
	t.Parallel()
	const ip = "192.0.2.10"
	fs := world(ip, "a.example", []string{ip}, "pass", "all", "reject", 100, "aa")
	path := packFile(t, "r1", assetsOf(ip), fs)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadPackEach(ctx, path, func([]assess.Asset, *assess.Finding) { t.Error("a finding was read after the cancel") }); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadPackEach: %v, want context.Canceled", err)
	}
	if _, err := ReadPackForDrift(ctx, path); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadPackForDrift: %v, want context.Canceled", err)
	}
	if _, _, err := ComparePackFile(ctx, packOf(t, "r0", assetsOf(ip), fs), "old.json", path); !errors.Is(err, context.Canceled) {
		t.Errorf("ComparePackFile: %v, want context.Canceled", err)
	}
}
