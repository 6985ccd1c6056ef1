//go:build !unix

package main

// openFileLimit does not know the limit where RLIMIT_NOFILE is not
// available.
func openFileLimit() (uint64, bool) { return 0, false }
