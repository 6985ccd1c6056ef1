package assess

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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

// SuspendMemoryLimit lifts the soft memory limit until resume is called,
// for work whose live heap may pass it, such as loading a very large
// inventory: under a limit below what must stay live the collector runs
// without end (a million-row inventory took 37 s to load instead of 9).
// Meanwhile the collector runs at Go's default pace.
// resume restores the limit, raised to twice the heap then live when that
// is more, so the run that follows has room to work. Nothing changes when
// no limit is set or GOMEMLIMIT set it, and a GOGC set holds unless it
// is off.
func SuspendMemoryLimit() (resume func()) {
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 || os.Getenv("GOMEMLIMIT") != "" {
		return func() {} // none, or the user's: theirs holds
	}
	debug.SetMemoryLimit(math.MaxInt64)
	// Go's default pace meanwhile, unless GOGC says otherwise: the heap
	// may double, not grow fivefold.
	percent := debug.SetGCPercent(-1)
	if os.Getenv("GOGC") == "" || percent < 0 {
		// GOGC=off counts on the limit lifted here: without either,
		// nothing would be collected.
		debug.SetGCPercent(100)
	} else {
		debug.SetGCPercent(percent)
	}
	return func() {
		debug.SetGCPercent(percent)
		if live, ok := LiveHeap(); ok {
			limit = max(limit, int64(min(live, math.MaxInt64/2))*2)
		}
		debug.SetMemoryLimit(limit)
	}
}

// LiveHeap collects garbage, then returns the bytes of heap still live
// (false when the runtime does not report it).
func LiveHeap() (uint64, bool) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	return s[0].Value.Uint64(), true
}
