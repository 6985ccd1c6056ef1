package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// manifestKeys are the keys of each object of a manifest as senderproof
// writes them, by the object's place: "" the manifest itself, "files[]"
// each file entry, "inputs[]" each input, "tool" the tool.
var manifestKeys = map[string][]string{
	"":         {"files", "inputs", "run_id", "tool", "replay_of", "workdir", "signed"},
	"files[]":  {"path", "sha256", "size"},
	"inputs[]": {"path", "sha256", "kind"},
	"tool":     {"name", "version", "build"},
}

// journalKeys are JournalFile's keys, as manifestKeys.
var journalKeys = map[string][]string{
	"":          {"journal", "run_id", "files", "earlier"},
	"files[]":   {"path", "sha256", "size"},
	"earlier[]": {"path", "sha256", "size"},
}

// maxKeyDepth bounds how deep checkKeys follows nested values: senderproof's
// manifest nests three deep.
const maxKeyDepth = 64

// KeyError is a key of a JSON object that JSON readers take differently:
// given twice, or again in other case (encoding/json folds case and takes
// the last, jq and Python take the key as written, the first or the last),
// or in other case than senderproof writes it.
type KeyError struct {
	Line, Col int
	In        string // where: "" the top-level object, else as "files[2]"
	Key       string
	Want      string // the key as senderproof writes it, when in other case
}

func (e *KeyError) Error() string {
	where := ""
	if e.In != "" {
		where = " in " + e.In
	}
	if e.Want != "" {
		return fmt.Sprintf("%d:%d: key %q%s is %q in other case, which JSON readers take differently", e.Line, e.Col, e.Key, where, e.Want)
	}
	return fmt.Sprintf("%d:%d: key %q%s given twice (or again in other case), which JSON readers take differently", e.Line, e.Col, e.Key, where)
}

// checkKeys returns a *KeyError for the first key of b that is given twice
// in its object, or again in other case (folded as encoding/json folds
// keys), or, for an object whose place keys lists, one of those keys in
// other case. Not JSON, it returns nil: decoding b says what is wrong.
func checkKeys(b []byte, keys map[string][]string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	errStop := fmt.Errorf("not JSON")
	var walk func(place, shown string, depth int) error
	walk = func(place, shown string, depth int) error {
		if depth > maxKeyDepth {
			return errStop
		}
		tok, err := dec.Token()
		if err != nil {
			return errStop
		}
		switch tok {
		case json.Delim('{'):
			var seen []string
			for dec.More() {
				off := dec.InputOffset()
				tok, err := dec.Token()
				if err != nil {
					return errStop
				}
				key, _ := tok.(string)
				fold := func(k string) bool { return strings.EqualFold(k, key) }
				if slices.ContainsFunc(seen, fold) {
					return keyError(b, off, shown, key, "")
				}
				seen = append(seen, key)
				if i := slices.IndexFunc(keys[place], fold); i >= 0 && keys[place][i] != key {
					return keyError(b, off, shown, key, keys[place][i])
				}
				sub := key
				if place != "" {
					sub = place + "." + key
				}
				subShown := key
				if shown != "" {
					subShown = shown + "." + key
				}
				if err := walk(sub, subShown, depth+1); err != nil {
					return err
				}
			}
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(place+"[]", shown+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
					return err
				}
			}
		default:
			return nil
		}
		if _, err := dec.Token(); err != nil {
			return errStop
		}
		return nil
	}
	if err := walk("", "", 0); err != errStop {
		return err
	}
	return nil
}

// keyError places the key that starts after offset off of b (past the
// blanks and separator before it).
func keyError(b []byte, off int64, in, key, want string) *KeyError {
	for off < int64(len(b)) && strings.IndexByte(" \t\r\n,", b[off]) >= 0 {
		off++
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &KeyError{Line: line, Col: col, In: in, Key: key, Want: want}
}
