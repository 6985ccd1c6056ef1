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

// Faults the demo server injects, to show how a timeout is reported: by
// query name, as in dnstest.Config.Faults.
var Faults = map[string]string{
	"24.2.0.192.in-addr.arpa.": "drop",
}
