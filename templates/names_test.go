package templates_test

import (
	"testing"

	"senderproof/assess"
	"senderproof/templates"
)

// TestNamesFollowWord holds the names Load accepts for finding templates
// to the names assess.Word looks up: over every check, status and a few
// reasons (of the forms checks give: none, a word, "fail"), a name is
// accepted exactly when some finding renders it. Names built with the
// words a reason is never (a status other than fail, a dotted word) are
// among those tried and must be refused. When word's lookup changes,
// change findingNameProblem with it.
func TestNamesFollowWord(t *testing.T) {
	t.Parallel()
	statuses := []assess.Status{assess.StatusPass, assess.StatusFail, assess.StatusWarn, assess.StatusError, assess.StatusSkip}
	reasons := []string{"", "nxdomain", "fail", "none"}
	checks := assess.Registry()
	for _, c := range checks {
		if why := templates.NeverRendered(c.ID + "/pass"); why != "" {
			t.Errorf("%s/pass refused: %s", c.ID, why)
		}
	}
	// The names tried: for each check and default, a status or
	// "remediation", then up to two more words.
	words := append([]string{"pass", "warn", "error", "skip", "x.y"}, reasons...)
	var heads []string
	for _, s := range statuses {
		heads = append(heads, string(s))
	}
	heads = append(heads, "remediation")
	var suffixes []string
	for _, h := range heads {
		suffixes = append(suffixes, h)
		for _, w := range words {
			suffixes = append(suffixes, h+"."+w)
			for _, s := range statuses {
				suffixes = append(suffixes, h+"."+string(s)+"."+w)
			}
		}
	}
	// renders reports whether a finding of one of checks renders the
	// template name, defined alone, as its message or remediation.
	renders := func(name string, checks []assess.Check) bool {
		set, err := templates.SetOf(map[string]string{name: "HIT"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range checks {
			for _, st := range statuses {
				for _, r := range reasons {
					f := assess.Finding{Asset: "192.0.2.1", Check: c.ID, Status: st, Observed: map[string]any{}}
					if r != "" {
						f.Observed["reason"] = r
					}
					if err := assess.Word(set, c, assess.Asset{IP: "192.0.2.1"}, &f); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if f.Message == "HIT" || f.Remediation == "HIT" {
						return true
					}
				}
			}
		}
		return false
	}
	bad := 0
	try := func(prefix string, of []assess.Check) {
		for _, s := range suffixes {
			name := prefix + "/" + s
			why := templates.NeverRendered(name)
			if got := renders(name, of); got != (why == "") && bad < 20 {
				bad++
				if got {
					t.Errorf("%s is rendered, but Load refuses it: %s", name, why)
				} else {
					t.Errorf("%s is never rendered, but Load accepts it", name)
				}
			}
		}
	}
	for _, c := range checks {
		try(c.ID, []assess.Check{c})
	}
	// The default wording of any check: two of them tell as much as all.
	try("default", checks[:2])
}
