package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"senderproof/assess"
	"senderproof/report"
	"senderproof/testdata/demo"
)

// demoInventory is the path the demo's runs record for its embedded fleet.
const demoInventory = "demo/fleet.csv"

// inventoryAgrees reads the run's inventory files again, when they are at
// hand as the manifest hashed them, and compares the senders they give
// with the pack's assets: a sender taken out of evidence.json, or a value
// of its row changed, with the findings and summaries made to agree, fails.
// It returns the problems found and a line saying what was done. A
// replay's senders are the recorded run's, read from the same inventory,
// which its manifest lists too: checked when at hand, so that dressing a
// pack up as a replay does not spare it the check.
func inventoryAgrees(m *report.Manifest, p *report.Pack) ([]error, string) {
	var paths []string
	var datas [][]byte
	for _, in := range m.Inputs {
		if in.Kind != report.InputInventory {
			continue
		}
		path := in.Path
		b, err := demo.Files.ReadFile("fleet.csv")
		if in.Path != demoInventory || sha256Of(b) != in.SHA256 {
			path = m.InputPath(in)
			b, err = report.ReadRegular(path, assess.MaxInventoryFile, true)
			if alt := replayedInputPath(m, in); alt != "" && (err != nil || sha256Of(b) != in.SHA256) {
				// A replay made in another directory keeps the
				// recorded run's relative path, which is the
				// recorded run's working directory's.
				if b2, err2 := report.ReadRegular(alt, assess.MaxInventoryFile, true); err2 == nil && sha256Of(b2) == in.SHA256 {
					path, b, err = alt, b2, nil
				}
			}
		}
		switch {
		case err != nil:
			return nil, fmt.Sprintf("assets: not checked against the inventory: %s is not at hand", oneLine(path))
		case sha256Of(b) != in.SHA256:
			return nil, fmt.Sprintf("assets: not checked against the inventory: %s is no longer the file the run read", oneLine(path))
		}
		paths, datas = append(paths, path), append(datas, b)
	}
	if len(paths) == 0 {
		// A pack of this version that is no replay lists one, which
		// manifestAgrees requires; any other is said to be unchecked.
		return nil, "assets: not checked against the inventory: the manifest lists no inventory among the run's inputs"
	}
	// The bytes hashed are the bytes parsed.
	inv, err := assess.ParseInventories(paths, datas)
	if err != nil {
		return []error{fmt.Errorf("the run's inventory, read again, fails: %v", err)}, ""
	}
	if why := assetsDiffer(inv.Assets, p.Assets); why != "" {
		return []error{fmt.Errorf("evidence.json's assets are not those the run's inventory gives (%s, read again): %s", oneLine(strings.Join(paths, ", ")), why)}, ""
	}
	return nil, fmt.Sprintf("assets: the %d %s the run's inventory gives, read again", len(inv.Assets), plural(len(inv.Assets), "sender", "senders"))
}

// replayedInputPath returns, for a replay, where a relative input of the
// recorded run is from that run's working directory (the workdir of the
// manifest beside the replayed evidence.json, when at hand); "" otherwise.
func replayedInputPath(m *report.Manifest, in report.Input) string {
	if !isReplay(m) || filepath.IsAbs(in.Path) {
		return ""
	}
	i := slices.IndexFunc(m.Inputs, func(r report.Input) bool { return r.Kind == report.InputReplay })
	if i < 0 {
		return ""
	}
	src, err := report.ReadManifest(filepath.Dir(m.InputPath(m.Inputs[i])))
	if err != nil || src.WorkDir == "" {
		return ""
	}
	return filepath.Join(src.WorkDir, in.Path)
}

func sha256Of(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// assetsDiffer says how the pack's assets differ from the inventory's, or
// "" when they are the same, in the same order.
func assetsDiffer(inv, pack []assess.Asset) string {
	at := make(map[string]int, len(pack))
	for i, a := range pack {
		at[a.IP] = i
	}
	var missing []string
	for _, a := range inv {
		if _, ok := at[a.IP]; !ok {
			missing = append(missing, a.IP)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("%d %s missing: %s", len(missing), plural(len(missing), "sender is", "senders are"), oneLine(strings.Join(report.ClipList(missing, 10), ", ")))
	}
	if len(pack) != len(inv) {
		return fmt.Sprintf("the pack has %d senders, the inventory %d", len(pack), len(inv))
	}
	for i := range inv {
		a, b := assetJSON(inv[i]), assetJSON(pack[i])
		if !bytes.Equal(a, b) {
			if inv[i].IP != pack[i].IP {
				return fmt.Sprintf("sender %d is %s, in the inventory %s", i+1, oneLine(pack[i].IP), oneLine(inv[i].IP))
			}
			return fmt.Sprintf("%s is %s, in the inventory %s", oneLine(inv[i].IP), oneLine(string(b)), oneLine(string(a)))
		}
	}
	return ""
}

// assetJSON is an asset as evidence.json holds it: an empty list or map
// reads the same as none.
func assetJSON(a assess.Asset) []byte {
	if a.DKIMSelectors == nil {
		a.DKIMSelectors = []string{}
	}
	if a.Tags == nil {
		a.Tags = map[string]string{}
	}
	b, _ := json.Marshal(a)
	return b
}
