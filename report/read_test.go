package report

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
	"unicode/utf8"
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
