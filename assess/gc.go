package assess

import (
	"os"
	"runtime/debug"
)

// MemoryLimit is the soft heap limit a run keeps to (runtime/debug), well
// inside the 512 MiB a 100,000-sender run is meant to need.
const MemoryLimit = 384 << 20

// TuneGC trades memory for speed within a bound: the collector runs a
// quarter as often as Go's default (GOGC 400), which an assessment's many
// short-lived allocations repay, while the soft limit keeps the heap from
// growing past MemoryLimit. GOGC or GOMEMLIMIT in the environment win.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
