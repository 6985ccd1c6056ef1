package assess

import (
	"context"
	"strings"
	"sync"

	"senderproof/templates"
)

// domainMemo holds, for one run, the findings of the DomainOnly checks per
// domain and DKIM selector list: 100,000 assets sending for 20 domains run
// those checks 20 times, not 100,000. Findings whose wording reads nothing
// of the asset are worded once too; the others are worded per asset.
// Every asset gets its own copy of each Finding; the Observed maps and
// Evidence slices are shared and never written after the check returns.
// An entry is kept only while senders that will take it remain (expect):
// a fleet whose senders each have a domain of their own keeps none, and
// one of 20 domains keeps them until each domain's last sender.
type domainMemo struct {
	tpl    *templates.Set
	mu     sync.Mutex
	m      map[domainKey]*domainEntry
	worded map[string]bool // check ID → its wording reads nothing of the asset
	// uses counts, when the run's assets are known (expect), the senders
	// of each domain and selector list (the DMARC checks' under no
	// selectors); left counts, by entry, the senders still to take it.
	uses map[useKey]int32
	left map[domainKey]int32
	// spfCounts are the SPF record walks of spf.lookup_limit (countSPF)
	// that no sender's address changes, guarded by mu.
	spfCounts map[spfCountKey]spfCount
}

type domainKey struct{ check, domain, selectors string }

// useKey names the senders that share a domain-level finding: the DMARC
// checks depend on the domain alone, dkim.key on its selectors too.
type useKey struct {
	dkim              bool
	domain, selectors string
}

// keyOf is the memo key of check c for asset a.
func keyOf(c Check, a Asset) domainKey {
	u := useOf(c.ID, a)
	return domainKey{c.ID, u.domain, u.selectors}
}

func useOf(check string, a Asset) useKey {
	if check != "dkim.key" {
		return useKey{domain: a.Domain}
	}
	return useKey{true, a.Domain, strings.Join(a.DKIMSelectors, "\x00")}
}

// useOfKey is the useKey of memo key k.
func useOfKey(k domainKey) useKey { return useKey{k.check == "dkim.key", k.domain, k.selectors} }

// expect tells the memo the run's assets, so that it keeps an entry only
// while a sender that will take it remains.
func (d *domainMemo) expect(assets []Asset) {
	d.uses = map[useKey]int32{}
	for _, a := range assets {
		d.uses[useOf("", a)]++
		d.uses[useOf("dkim.key", a)]++
	}
	d.left = map[domainKey]int32{}
}

// taken records that a sender took (or computed) the finding of k, and
// drops the entry once no sender that will take it remains.
func (d *domainMemo) taken(k domainKey) {
	if d.uses == nil {
		return // the assets are not known: entries stay for the run
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n, ok := d.left[k]
	if !ok {
		n = d.uses[useOfKey(k)]
	}
	if n--; n > 0 {
		d.left[k] = n
		return
	}
	delete(d.left, k)
	delete(d.m, k)
}

type domainEntry struct {
	done chan struct{}
	fs   []Finding // nil when the computing asset's run was cancelled
}

func newDomainMemo(tpl *templates.Set) *domainMemo {
	d := &domainMemo{tpl: tpl, m: map[domainKey]*domainEntry{}, worded: map[string]bool{}, spfCounts: map[spfCountKey]spfCount{}}
	for _, c := range registry {
		if c.DomainOnly {
			fields, all := tpl.AssetFields(c.ID+"/", "default/")
			d.worded[c.ID] = !all && onlyDomainFields(c.ID, fields)
		}
	}
	return d
}

// onlyDomainFields reports whether fields name nothing but what the
// DomainOnly check's memo key holds (useOf): the domain, and for dkim.key
// the selectors.
func onlyDomainFields(check string, fields map[string]bool) bool {
	for f := range fields {
		if f != "Domain" && (f != "DKIMSelectors" || check != "dkim.key") {
			return false
		}
	}
	return true
}

// run returns a's findings of the DomainOnly check c, worded.
func (d *domainMemo) run(ctx context.Context, r Resolver, c Check, a Asset, data *MessageData) ([]Finding, error) {
	k := keyOf(c, a)
	if d.uses != nil && d.uses[useOfKey(k)] <= 1 {
		// The domain's only sender: nothing to share, nothing to keep.
		fs, err := d.compute(ctx, r, c, a)
		if err != nil {
			return nil, err
		}
		return d.copyFor(c, a, fs, data)
	}
	defer d.taken(k)
	for {
		d.mu.Lock()
		e, ok := d.m[k]
		if !ok {
			e = &domainEntry{done: make(chan struct{})}
			d.m[k] = e
		}
		d.mu.Unlock()
		if !ok {
			fs, err := d.compute(ctx, r, c, a)
			if err != nil || hasError(fs) {
				// A cancelled run, or findings a DNS failure left
				// undetermined: the next asset computes them again (from
				// the client's cache while the failure is remembered), as
				// it would without this memo, so a passing failure early
				// in a long run does not stay every later asset's. The
				// assets already waiting take these.
				d.mu.Lock()
				delete(d.m, k)
				d.mu.Unlock()
			}
			if err == nil {
				e.fs = fs
			}
			close(e.done)
			if err != nil {
				return nil, err
			}
		} else {
			select {
			case <-e.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if e.fs == nil {
				// The asset computing it was cancelled; so, most likely, is
				// this one.
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				continue
			}
		}
		return d.copyFor(c, a, e.fs, data)
	}
}

// hasError reports whether some finding is error.
func hasError(fs []Finding) bool {
	for i := range fs {
		if fs[i].Status == StatusError {
			return true
		}
	}
	return false
}

// compute runs the check once and words its findings when the wording does
// not depend on the asset.
func (d *domainMemo) compute(ctx context.Context, r Resolver, c Check, a Asset) ([]Finding, error) {
	fs := c.Run(ctx, r, a)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fs == nil {
		fs = []Finding{}
	}
	if d.worded[c.ID] {
		for i := range fs {
			if err := Word(d.tpl, c, a, &fs[i]); err != nil {
				return nil, err
			}
		}
	}
	return fs, nil
}

// copyFor gives a its own copy of the memoised findings.
func (d *domainMemo) copyFor(c Check, a Asset, memo []Finding, data *MessageData) ([]Finding, error) {
	out := make([]Finding, len(memo))
	copy(out, memo)
	for i := range out {
		out[i].Asset = a.IP
		if !d.worded[c.ID] {
			if err := word(d.tpl, c, a, &out[i], data); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
