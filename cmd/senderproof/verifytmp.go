package main

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// verifyTempPrefix names verify's directories in the system's temporary
// directory.
const verifyTempPrefix = "senderproof-verify-"

// verifyTemp is verify's own directory in the system's temporary
// directory, for the input files it copies and the pack files it writes
// again. verify holds a lock on it while it runs, so that a later verify
// removes one left by a verify that was killed outright (SIGKILL).
type verifyTemp struct {
	dir    string
	unlock func()
}

// newVerifyTemp removes the directories killed verifies left, then makes
// and locks this one's.
func newVerifyTemp() (*verifyTemp, error) {
	removeStaleVerifyTemps()
	dir, err := os.MkdirTemp("", verifyTempPrefix)
	if err != nil {
		return nil, tempTrouble(err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		unlock = func() {} // not lockable here: removed at the end all the same
	}
	heldVerifyTemp.Store(&dir)
	return &verifyTemp{dir: dir, unlock: unlock}, nil
}

// heldVerifyTemp is the directory of the verify under way, which a process
// made to exit by a second interrupt (exitIfStuck) removes, as its
// deferred close does not run.
var heldVerifyTemp atomic.Pointer[string]

// close removes the directory and what it holds.
func (v *verifyTemp) close() {
	heldVerifyTemp.Store(nil)
	os.RemoveAll(v.dir)
	v.unlock()
}

// removeStaleVerifyTemps removes verify directories that no running verify
// holds: those it can lock, and older than a minute (a verify locks its
// directory at once after making it).
func removeStaleVerifyTemps() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), verifyTempPrefix+"*"))
	for _, d := range dirs {
		st, err := os.Lstat(d)
		if err != nil || !st.IsDir() || time.Since(st.ModTime()) < time.Minute {
			continue
		}
		unlock, err := lockDir(d)
		if err != nil {
			continue // in use, or not lockable: left alone
		}
		os.RemoveAll(d)
		unlock()
	}
}
