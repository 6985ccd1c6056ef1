//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// lockOut takes an exclusive lock on the --out directory for the rest of
// the run, so that a second run into the same directory is refused before
// it removes the first one's temporary files or mixes its pack files with
// them. The lock is the kernel's (flock on the directory itself): nothing
// is left behind, and a run that dies releases it.
func lockOut(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		// A directory that may be written but not read (mode 0333)
		// cannot be locked: run unprotected, as where flock fails.
		return func() {}, nil
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return nil, errOutLocked
	case err != nil:
		// A file system without locks (some network mounts): run
		// unprotected, as before there were locks.
		f.Close()
		return func() {}, nil
	}
	return func() { f.Close() }, nil
}
