package report

import (
	"encoding/json"
	"fmt"
	"os"
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
