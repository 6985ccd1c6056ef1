package report

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"senderproof/assess"
)

// exchangeLedger checks the DNS exchanges of a pack's findings against
// each other and against the run: a finding is replayed from its own
// evidence, so an exchange edited in one finding, with the finding made to
// agree, replays cleanly; but the same exchange (one question, to one
// server, at one instant) is recorded alike in every finding that used it,
// was sent to a resolver the run names, and, unless the pack is a replay,
// within the run's time.
type exchangeLedger struct {
	seed maphash.Seed
	// seen holds each exchange's content by its identity, both hashed,
	// with the first finding that recorded it.
	seen      map[uint64]ledgerEntry
	conflicts []string
	more      int // conflicts past those kept
	servers   map[string]bool
	// tooMany is set when more servers than maxLedgerServers were seen.
	tooMany bool
	span    EvidenceSpan // when the exchanges were made
	// unsent counts the exchanges of questions a replay's recording did
	// not hold, which were sent to no server.
	unsent int
}

type ledgerEntry struct {
	content uint64
	finding string // the first finding that recorded it (assess.FindingKey)
}

// maxLedgerConflicts bounds the conflicts named; the rest are counted.
const maxLedgerConflicts = 20

// maxLedgerServers bounds the servers kept: a hostile pack cannot grow
// the set past it, and more than this is itself reported.
const maxLedgerServers = 1000

func newExchangeLedger() *exchangeLedger {
	return &exchangeLedger{seed: maphash.MakeSeed(), seen: map[uint64]ledgerEntry{}, servers: map[string]bool{}}
}

// add records the exchanges of one finding.
func (l *exchangeLedger) add(f *assess.Finding) { l.addNamed(f, "") }

// addOffboarding records the exchanges of a drift record's recheck of the
// removed senders: its findings and host name lookups, named as the
// recheck's in a conflict.
func (l *exchangeLedger) addOffboarding(d *Drift) {
	if d == nil {
		return
	}
	for _, o := range d.Offboarding {
		for i := range o.Findings {
			l.addNamed(&o.Findings[i], "the offboarding recheck's ")
		}
		if o.Host != nil {
			l.addNamed(&assess.Finding{Asset: o.IP, Check: "host name lookup", Evidence: o.Host.Evidence}, "the offboarding recheck's ")
		}
	}
}

// addNamed records the exchanges of one finding, named with prefix in a
// conflict.
func (l *exchangeLedger) addNamed(f *assess.Finding, prefix string) {
	l.span.Add(f)
	for i := range f.Evidence {
		e := &f.Evidence[i]
		var h maphash.Hash
		h.SetSeed(l.seed)
		h.WriteString(e.Name)
		h.WriteByte(0)
		h.WriteString(e.Type)
		h.WriteByte(0)
		h.WriteString(e.Server)
		h.WriteByte(0)
		h.WriteString(e.Transport)
		h.WriteByte(0)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(e.At.UnixNano()))
		h.Write(b[:])
		id := h.Sum64()
		content := l.content(e)
		if prev, ok := l.seen[id]; !ok {
			l.seen[id] = ledgerEntry{content: content, finding: prefix + "finding " + assess.FindingKey(*f)}
		} else if prev.content != content {
			if len(l.conflicts) < maxLedgerConflicts {
				l.conflicts = append(l.conflicts, fmt.Sprintf("%sfinding %s records the exchange %s %s with %s at %s otherwise than %s: one exchange, two answers",
					prefix, assess.FindingKey(*f), oneLineName(e.Name), e.Type, oneLineName(e.Server), e.At.UTC().Format(time.RFC3339Nano), prev.finding))
			} else {
				l.more++
			}
		}
		switch {
		case e.Server == "" && e.At.IsZero() && e.Error == assess.ErrNotRecorded.Error():
			// A replay's question its recording did not hold: asked of
			// no server (finish holds it to a replay).
			l.unsent++
		case l.servers[e.Server]:
		case len(l.servers) < maxLedgerServers:
			l.servers[e.Server] = true
		default:
			l.tooMany = true
		}
	}
}

// content hashes what an exchange says: everything but its identity.
func (l *exchangeLedger) content(e *assess.Evidence) uint64 {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(e.Rcode)
	for _, part := range [][]string{e.Answers, e.Authority} {
		h.WriteByte(1)
		for _, s := range part {
			h.WriteString(s)
			h.WriteByte(0)
		}
	}
	fmt.Fprintf(&h, "\x02%t\x02%v\x02%s\x02%d", e.AD, e.RTT, e.Error, e.Omitted)
	return h.Sum64()
}

// ledgerSlack is how far an exchange may seem to lie outside the run's
// recorded start and finish: the start is kept to the millisecond below,
// the finish to the one above (Stamp, StampEnd), so none need lie outside;
// a few milliseconds spare a clock that steps back between the two reads.
const ledgerSlack = 5 * time.Millisecond

// finish returns the problems found: exchanges recorded two ways, servers
// the run does not name, and, unless the pack is a replay (whose
// exchanges are the recorded run's), exchanges outside the run's time.
func (l *exchangeLedger) finish(run Run, replay bool) []error {
	var out []error
	if !run.StartedAt.IsZero() && !run.FinishedAt.IsZero() && run.FinishedAt.Before(run.StartedAt) {
		out = append(out, fmt.Errorf("run.finished_at %s is before run.started_at %s",
			run.FinishedAt.UTC().Format(time.RFC3339Nano), run.StartedAt.UTC().Format(time.RFC3339Nano)))
	}
	for _, c := range l.conflicts {
		out = append(out, fmt.Errorf("%s", c))
	}
	if l.more > 0 {
		out = append(out, fmt.Errorf("%d more exchanges recorded two ways", l.more))
	}
	var unknown []string
	for s := range l.servers {
		if !slices.Contains(run.Resolvers, s) {
			unknown = append(unknown, oneLineName(s))
		}
	}
	if l.tooMany {
		out = append(out, fmt.Errorf("the exchanges were sent to more than %d servers, far more than run.resolvers names", maxLedgerServers))
	}
	if l.unsent > 0 && !replay {
		out = append(out, fmt.Errorf("%d exchanges say their question was not recorded in the evidence, which only a replay's can say, and the pack is not a replay", l.unsent))
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		out = append(out, fmt.Errorf("exchanges were sent to %s, which run.resolvers (%s) does not name",
			strings.Join(ClipList(unknown, 10), ", "), strings.Join(ClipList(run.Resolvers, 10), ", ")))
	}
	first, last := l.span.first, l.span.last
	if !replay && !first.IsZero() && !run.StartedAt.IsZero() && !run.FinishedAt.IsZero() &&
		(first.Before(run.StartedAt.Add(-ledgerSlack)) || last.After(run.FinishedAt.Add(ledgerSlack))) {
		out = append(out, fmt.Errorf("the exchanges were made from %s to %s, outside the run's recorded time, %s to %s",
			first.UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano),
			run.StartedAt.UTC().Format(time.RFC3339Nano), run.FinishedAt.UTC().Format(time.RFC3339Nano)))
	}
	return out
}

// oneLineName is a name from a pack as a problem shows it: quoted when it
// holds anything but printable ASCII without spaces.
func oneLineName(s string) string {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
