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
// is left behind, and a run that dies releases it. A directory that cannot
// be locked (one that may be written but not read, mode 0333; a file
// system without locks) is used unprotected.
func lockOut(dir string) (unlock func(), err error) {
	unlock, err = lockDir(dir)
	if err != nil && !errors.Is(err, errOutLocked) {
		return func() {}, nil
	}
	return unlock, err
}

// lockDir takes flock on dir without waiting: errOutLocked when another
// process holds it, another error when it cannot be locked at all.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errOutLocked
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
