package report

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestPackWriters: two formats at once, one when the live heap is already
// large against the soft memory limit.

func TestPackWriters(t *testing.T) {
	runtime.GC() // so the live heap is measured
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	debug.SetMemoryLimit(math.MaxInt64)
	if n := packWriters(); n != 2 {
		t.Errorf("no memory limit: %d writers, want 2", n)
	}
	debug.SetMemoryLimit(1 << 20) // far below this test binary's live heap
	if n := packWriters(); n != 1 {
		t.Errorf("live heap above a third of the limit: %d writers, want 1", n)
	}
}
