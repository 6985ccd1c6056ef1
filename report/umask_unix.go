//go:build unix

package report

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// packFileMode is the mode of a pack's files: read and write for all that
// the process's umask lets be (0644 under the usual 022, 0600 under 077),
// as for any file the user makes. The umask is read once.
var packFileMode = sync.OnceValue(func() os.FileMode { return 0o666 &^ os.FileMode(umask()) })

// umask returns the process's umask: from /proc where Linux shows it,
// else by setting it and putting it back at once (the only way to read it
// elsewhere, which would give a file another goroutine makes meanwhile the
// wrong mode).
func umask() int {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range bytes.Lines(b) {
			if v, ok := bytes.CutPrefix(line, []byte("Umask:")); ok {
				if m, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32); err == nil {
					return int(m) & 0o777
				}
			}
		}
	}
	m := syscall.Umask(0o022)
	syscall.Umask(m)
	return m & 0o777
}
