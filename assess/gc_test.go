package assess

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestSuspendMemoryLimit: the soft limit is lifted while a large inventory
// loads, and comes back raised to twice what stayed live when that passes
// it, so the run that follows does not collect without end.
func TestSuspendMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	debug.SetMemoryLimit(32 << 20)
	resume := SuspendMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("limit %d while suspended", got)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC %d while suspended, want Go's default", got)
	}
	live := make([]byte, 64<<20) // more than the limit stays live
	for i := range live {
		live[i] = byte(i)
	}
	resume()
	if got := debug.SetMemoryLimit(-1); got < 128<<20 {
		t.Errorf("limit %d MiB after 64 MiB stayed live, want twice that", got>>20)
	}
	if got := debug.SetGCPercent(400); got != 400 {
		t.Errorf("GOGC %d after resume, want the run's 400", got)
	}
	runtime.KeepAlive(live)

	// A limit the user set holds.
	t.Setenv("GOMEMLIMIT", "32MiB")
	debug.SetMemoryLimit(32 << 20)
	resume = SuspendMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != 32<<20 {
		t.Errorf("limit %d while loading, want the user's GOMEMLIMIT", got)
	}
	resume()
	if got := debug.SetMemoryLimit(-1); got != 32<<20 {
		t.Errorf("limit %d after loading, want the user's GOMEMLIMIT", got)
	}
	runtime.KeepAlive(live)

	// GOGC=off runs on the limit alone: while the limit is lifted, Go's
	// default pace.
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "off")
	debug.SetMemoryLimit(32 << 20)
	debug.SetGCPercent(-1)
	resume = SuspendMemoryLimit()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d while the limit is lifted under GOGC=off, want 100", got)
	}
	resume()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GOGC %d after loading, want off again", got)
	}

	// Without a limit, nothing changes.
	debug.SetMemoryLimit(math.MaxInt64)
	SuspendMemoryLimit()()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("a limit %d appeared", got)
	}
}
