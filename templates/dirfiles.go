package templates

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// DirFiles lists the files a --templates or --mappings directory gives:
// those whose extension is one of exts (compared case-insensitively), in
// name order. Hidden files (an editor's lock file .#acme.yaml, a copy's
// ._acme.yaml) and directories are passed over; an entry that cannot be
// read as a regular file (a dangling link, a named pipe, a device), or is
// a symbolic link to a file outside dir, is a Problem rather than a file, so that it neither stops the listing nor
// hangs a read. err is set only when dir cannot be listed.
func DirFiles(dir string, exts ...string) (files []string, bad []*Problem, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	realDir, derr := filepath.EvalSymlinks(dir)
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if strings.HasPrefix(name, ".") || !containsFold(exts, ext) {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := os.Stat(p) // through a link, as reading would
		outside := false
		if e.Type()&os.ModeSymlink != 0 && err == nil {
			// A directory received from elsewhere must not make the
			// tool read, and quote in its errors, a file outside it
			// (a link to /etc/shadow).
			target, terr := filepath.EvalSymlinks(p)
			rel, rerr := filepath.Rel(realDir, target)
			outside = derr != nil || terr != nil || rerr != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
		}
		switch {
		case outside:
			bad = append(bad, &Problem{Path: p, Line: 1, Reason: "a symbolic link to a file outside the directory: copy the file in, or give its own directory"})
		case err != nil:
			bad = append(bad, &Problem{Path: p, Line: 1, Reason: fmt.Sprintf("cannot be read: %v", unwrapPath(err))})
		case st.IsDir():
		case !st.Mode().IsRegular():
			bad = append(bad, &Problem{Path: p, Line: 1, Reason: fmt.Sprintf("not a regular file (%s)", st.Mode().Type())})
		default:
			files = append(files, p)
		}
	}
	sort.Strings(files)
	return files, bad, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// UnwrapPath drops the path a *PathError repeats, for a message that names
// the file itself.
func UnwrapPath(err error) error { return unwrapPath(err) }

// unwrapPath drops the path a *PathError repeats.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// ErrTooLarge is ReadAtMost's error for a file larger than asked.
var ErrTooLarge = errors.New("file too large")

// ReadAtMost reads the file at path when it holds at most max bytes,
// without reading more than that: a file given as input (wording, mapping
// files, an inventory) could be any size. For a larger file it returns
// ErrTooLarge and the file's size; other errors are the os package's.
func ReadAtMost(path string, max int64) ([]byte, int64, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(b)) > max {
		size := int64(len(b))
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		return nil, size, ErrTooLarge
	}
	return b, int64(len(b)), nil
}

// ErrNotRegular is OpenRegular's error for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// OpenRegular opens a file given as input for reading, refusing anything
// but a regular file (after symbolic links): opening a named pipe with no
// writer would wait for ever, and a device or socket is no input file. The
// error names what it is: "not a regular file (a named pipe)".
func OpenRegular(path string) (*os.File, error) {
	// Non-blocking, so that opening a pipe returns at once; it is then
	// refused. Reads of a regular file are not affected.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, fileKind(st.Mode()))
	}
	return f, nil
}

// fileKind names the kind of a file that is not a regular one.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0, m&os.ModeCharDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
