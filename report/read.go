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
// (--baseline, diff): everything but the findings, which are kept only as
// the values drift compares, so an earlier pack of any size fits in memory.
// The returned pack has no Findings.
func ReadPackForDrift(path string) (*Pack, error) {
	observed := map[string][]observation{}
	p, err := ScanPack(path, func(_ []assess.Asset, f *assess.Finding) error {
		addObservations(observed, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.observed = observed
	return p, nil
}

// ScanPack reads an evidence.json, handing each finding to each as it is
// decoded (with the pack's assets, which come first) instead of keeping
// them: the returned pack has everything but Findings.
func ScanPack(path string, each func(assets []assess.Asset, f *assess.Finding) error) (*Pack, error) {
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
	var assets []assess.Asset
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		switch key, _ := tok.(string); key {
		case "assets":
			if err := dec.Decode(&assets); err != nil {
				return fail(err)
			}
		case "findings":
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return fail(fmt.Errorf("findings is not a list"))
			}
			for dec.More() {
				var fd assess.Finding
				if err := dec.Decode(&fd); err != nil {
					return fail(err)
				}
				if err := each(assets, &fd); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fail(err)
			}
		default:
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(err)
			}
			rest[key] = raw
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
	p.Assets = assets
	return &p, nil
}
