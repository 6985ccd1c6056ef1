//go:build !unix

package report

import "os"

// packFileMode is the mode of a pack's files where there is no umask.
func packFileMode() os.FileMode { return 0o644 }
