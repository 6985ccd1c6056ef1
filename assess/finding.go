package assess

import "slices"

// newFinding builds a finding whose evidence is exactly the exchanges of the
// answers the check used, so evidence cannot disagree with the status.
// Message, severity, controls and remediation are filled in by the runner.
func newFinding(a Asset, check string, st Status, obs map[string]any, answers ...Answer) Finding {
	if obs == nil {
		obs = map[string]any{}
	}
	return Finding{Asset: a.IP, Check: check, Status: st, Observed: obs, Evidence: evidenceOf(answers...)}
}

// evidenceOf collects the exchanges of the answers, each once, in order.
func evidenceOf(answers ...Answer) []Evidence {
	n, from := 0, -1
	for i, a := range answers {
		n += len(a.Exchanges)
		if len(a.Exchanges) > 0 {
			from = i
		}
	}
	// The usual finding rests on one answer with one exchange: its
	// evidence is that answer's (clipped) slice, shared, not copied.
	// Exchanges are never written after the lookup that recorded them.
	if n == 1 {
		return slices.Clip(answers[from].Exchanges)
	}
	out := make([]Evidence, 0, n)
	// A few exchanges (the usual case) are compared directly; a map only
	// pays off for long SPF include chains.
	type key struct{ name, typ, server, transport string }
	var seen map[key]bool
	if n > 16 {
		seen = make(map[key]bool, n)
	}
	for _, a := range answers {
		for _, ev := range a.Exchanges {
			k := key{ev.Name, ev.Type, ev.Server, ev.Transport}
			if seen != nil {
				if seen[k] {
					continue
				}
				seen[k] = true
			} else if slices.ContainsFunc(out, func(o Evidence) bool {
				return o.Name == k.name && o.Type == k.typ && o.Server == k.server && o.Transport == k.transport
			}) {
				continue
			}
			out = append(out, ev)
		}
	}
	return out
}

// skipFinding is the finding of a check that has no input to work on.
func skipFinding(a Asset, check, reason string) Finding {
	return newFinding(a, check, StatusSkip, map[string]any{"reason": reason})
}
