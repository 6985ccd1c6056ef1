//go:build unix

package report

import "os"

// unlinkSpool removes the spool file's name as soon as it is made: the
// open file stays usable, its space is freed when it is closed or the
// process ends however it ends (a SIGKILL leaves nothing), and no name
// is left to remove in a directory that may no longer be the one it was
// made in (an --out moved or replaced meanwhile). It reports whether the
// name is gone.
func unlinkSpool(f *os.File) bool {
	if err := os.Remove(f.Name()); err != nil {
		return false
	}
	temps.Delete(f.Name()) // nothing of its own left to sweep
	return true
}
