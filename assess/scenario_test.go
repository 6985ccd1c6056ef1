package assess

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"senderproof/assess/dnstest"
)

type scenario struct {
	Name   string            `yaml:"name"`
	Zones  map[string]string `yaml:"zones"`
	Faults map[string]string `yaml:"faults"`
	// NoDNAMECNAME: the server sends a DNAME without the CNAME it
	// synthesizes (dnstest.Config.NoDNAMECNAME).
	NoDNAMECNAME bool     `yaml:"no_dname_cname"`
	Inventory    string   `yaml:"inventory"`
	Expect       []string `yaml:"expect"`
	// Says and NotSays hold "ip check [selector] | text": the finding's
	// message or remediation must (not) contain text.
	Says    []string `yaml:"says"`
	NotSays []string `yaml:"not_says"`
	// Observed holds "ip check [selector] | key | JSON": the finding's
	// observed value of key, as JSON, must be the JSON given (null: the
	// key is absent).
	Observed []string `yaml:"observed"`
}

var faultNames = map[string]dnstest.Fault{
	"drop": dnstest.Drop, "servfail": dnstest.ServFail, "refused": dnstest.Refused,
	"truncate": dnstest.Truncate, "wrongid": dnstest.WrongID, "wrongquestion": dnstest.WrongQuestion,
	"wrongname": dnstest.WrongName, "delay": dnstest.Delay, "nxdomainrecords": dnstest.NXDomainRecords,
	"padded":  dnstest.Padded,
	"no_edns": dnstest.NoEDNS, "badvers": dnstest.BadVers, "truncate_all": dnstest.TruncateAll, "other_class": dnstest.OtherClass,
}

const scenarioSOA = "$TTL 300\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300\n"

// TestScenarios runs every testdata/scenarios/*.yaml over the wire.
func TestScenarios(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../testdata/scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var sc scenario
			dec := yaml.NewDecoder(strings.NewReader(string(b)))
			dec.KnownFields(true)
			if err := dec.Decode(&sc); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			cfg := dnstest.Config{Faults: map[string]dnstest.Fault{}, NoDNAMECNAME: sc.NoDNAMECNAME}
			for origin, text := range sc.Zones {
				cfg.Zones = append(cfg.Zones, dnstest.Zone{Origin: origin + ".", Text: scenarioSOA + text, File: file + ":" + origin})
			}
			for name, f := range sc.Faults {
				fault, ok := faultNames[f]
				if !ok {
					t.Fatalf("unknown fault %q", f)
				}
				cfg.Faults[name] = fault
			}
			srv := dnstest.Start(t, cfg)
			inv, err := ParseInventory(file+".csv", []byte(sc.Inventory))
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewClient(ClientOptions{Servers: []string{srv.Addr}, Timeout: 300 * time.Millisecond, Retries: 1})
			if err != nil {
				t.Fatal(err)
			}
			fs, err := Run(context.Background(), inv.Assets, Options{Resolver: c})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Finding{}
			for _, f := range fs {
				key := f.Asset + " " + f.Check
				if f.Selector != nil && *f.Selector != "" {
					key += " " + *f.Selector
				}
				got[key] = f
			}
			for _, line := range sc.Expect {
				fields := strings.Fields(line)
				if len(fields) < 3 {
					t.Fatalf("expect %q: want ip check [selector] status", line)
				}
				key, want := strings.Join(fields[:len(fields)-1], " "), fields[len(fields)-1]
				f, ok := got[key]
				if !ok {
					t.Errorf("%s: no finding", key)
					continue
				}
				if string(f.Status) != want {
					t.Errorf("%s = %s, want %s: %s", key, f.Status, want, f.Message)
				}
			}
			for _, c := range []struct {
				lines []string
				want  bool
			}{{sc.Says, true}, {sc.NotSays, false}} {
				for _, line := range c.lines {
					key, text, ok := strings.Cut(line, " | ")
					if !ok {
						t.Fatalf("says %q: want ip check [selector] | text", line)
					}
					f, found := got[strings.TrimSpace(key)]
					if !found {
						t.Errorf("%s: no finding", key)
						continue
					}
					if has := strings.Contains(f.Message+"\n"+f.Remediation, text); has != c.want {
						t.Errorf("%s: contains %q = %v, want %v:\n%s\n%s", key, text, has, c.want, f.Message, f.Remediation)
					}
				}
			}
			for _, line := range sc.Observed {
				parts := strings.SplitN(line, " | ", 3)
				if len(parts) != 3 {
					t.Fatalf("observed %q: want ip check [selector] | key | JSON", line)
				}
				var want any
				if err := json.Unmarshal([]byte(parts[2]), &want); err != nil {
					t.Fatalf("observed %q: %v", line, err)
				}
				f, found := got[strings.TrimSpace(parts[0])]
				if !found {
					t.Errorf("%s: no finding", parts[0])
					continue
				}
				// Both through JSON, as evidence.json holds them.
				b, err := json.Marshal(f.Observed[parts[1]])
				if err != nil {
					t.Fatal(err)
				}
				var have any
				if err := json.Unmarshal(b, &have); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(have, want) {
					t.Errorf("%s: observed %s = %s, want %s", parts[0], parts[1], b, parts[2])
				}
			}
		})
	}
}
