package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"senderproof/assess"
)

// ReadPack reads an evidence.json.
func ReadPack(path string) (*Pack, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p Pack
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if p.Schema != Schema {
		return nil, fmt.Errorf("%s: schema is %q, want %q", path, p.Schema, Schema)
	}
	return &p, nil
}

// ReadPackForDrift reads an evidence.json for comparing it with another run
// (--baseline, diff): everything but the findings, which are read one at a
// time and kept only as the values drift compares, so an earlier pack of any
// size fits in memory. The returned pack has no Findings.
func ReadPackForDrift(path string) (*Pack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	fail := func(err error) (*Pack, error) { return nil, fmt.Errorf("%s: %w", path, err) }
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail(fmt.Errorf("not a JSON object"))
	}
	rest := map[string]json.RawMessage{}
	observed := map[string][]observation{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		if key != "findings" {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(err)
			}
			rest[key] = raw
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return fail(fmt.Errorf("findings is not a list"))
		}
		for dec.More() {
			var fd assess.Finding
			if err := dec.Decode(&fd); err != nil {
				return fail(err)
			}
			addObservations(observed, &fd)
		}
		if _, err := dec.Token(); err != nil {
			return fail(err)
		}
	}
	b, err := json.Marshal(rest)
	if err != nil {
		return fail(err)
	}
	var p Pack
	if err := json.Unmarshal(b, &p); err != nil {
		return fail(err)
	}
	if p.Schema != Schema {
		return fail(fmt.Errorf("schema is %q, want %q", p.Schema, Schema))
	}
	p.observed = observed
	return &p, nil
}
