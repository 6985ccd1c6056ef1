package main

import (
	"slices"
	"testing"

	"senderproof/assess"
)

func TestResolverNotes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		health []assess.ServerHealth
		want   []string
	}{
		{"all up", []assess.ServerHealth{{Server: "127.0.0.1:53"}}, nil},
		{"stopped", []assess.ServerHealth{{Server: "127.0.0.1:5353", Down: true, Outages: 1, StoppedAfter: 1234}},
			[]string{"resolver 127.0.0.1:5353 stopped answering after 1234 queries; 7 findings are error"}},
		{"back", []assess.ServerHealth{{Server: "127.0.0.1:53"}, {Server: "127.0.0.1:5353", Outages: 2, StoppedAfter: 10}},
			[]string{"resolver 127.0.0.1:5353 stopped answering after 10 queries (it answered again later); 7 findings are error"}},
		{"never", []assess.ServerHealth{{Server: "127.0.0.1:5353", Down: true, Outages: 1}},
			[]string{"resolver 127.0.0.1:5353 never answered; 7 findings are error"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := resolverNotes(tc.health, 7); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
