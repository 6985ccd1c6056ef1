// Package demo embeds the demo world: a fleet of senders and the DNS zones
// that answer for them, all reserved names and documentation addresses.
// `senderproof demo` serves the zones from an in-process DNS server on
// 127.0.0.1 and assesses the fleet, with no network.
package demo

import "embed"

// Files holds fleet.csv and zones/*.zone.
//
//go:embed fleet.csv zones/*.zone
var Files embed.FS

// Faults the demo server injects, to show how DNS failures are reported:
// by query name, or "name/TYPE", as in dnstest.Config.Faults; the value is
// "drop" (no answer: a timeout), "servfail" or "refused". Each faulted name
// belongs to one sender only (.ci/integration lists them in FAULTED, and
// compares every other sender with knot, which injects no faults).
var Faults = map[string]string{
	// 192.0.2.24: its PTR query times out.
	"24.2.0.192.in-addr.arpa.": "drop",
	// 192.0.2.31: its HELO name's A/AAAA and SPF lookups fail.
	"relay31.example.com.": "servfail",
	// 192.0.2.32: its domain's SPF, DMARC and DKIM lookups fail.
	"flaky.test./TXT":           "servfail",
	"_dmarc.flaky.test.":        "servfail",
	"k1._domainkey.flaky.test.": "servfail",
}
