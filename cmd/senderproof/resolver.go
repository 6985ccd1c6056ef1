package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"senderproof/assess"
)

// parseResolver checks one --resolver value and returns it as IP:PORT. The
// value is an IP address, optionally with a port (IPv6 in brackets then);
// the port defaults to 53. A host name is refused: resolving it would need
// the system's resolver, which the run must not depend on.
func parseResolver(v string) (string, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errors.New("empty; give an IP address, optionally with :PORT")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return "", errors.New("port 0 is not a port; give 1-65535")
		}
		return ap.String(), nil
	}
	bare := s
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		bare = s[1 : len(s)-1]
	}
	if ip, err := netip.ParseAddr(bare); err == nil {
		if bare == s && ip.Is6() {
			if err := ambiguousPort(s); err != nil {
				return "", err
			}
		}
		return netip.AddrPortFrom(ip, 53).String(), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", errors.New("not an IP address (host names are not accepted: give the resolver's IP address, optionally with :PORT)")
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return "", fmt.Errorf("%q is not an IP address (host names are not accepted: give the resolver's IP address)", host)
	}
	if n, err := strconv.ParseUint(port, 10, 64); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return "", errors.New("not IP:PORT")
}

// ambiguousPort refuses an IPv6 address without brackets whose last group
// reads as a port after an address: ::1:5353 is the address ::1:5353 on
// port 53, but it is easily meant as ::1 on port 5353. A last group of one
// digit, or one that follows "::" (::53), is not taken for a port.
func ambiguousPort(s string) error {
	i := strings.LastIndexByte(s, ':')
	host, port := s[:i], s[i+1:]
	if len(port) < 2 || strings.Trim(port, "0123456789") != "" || strings.HasSuffix(host, ":") {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return nil
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return nil
	}
	return fmt.Errorf("ambiguous: write [%s]:%s for port %s of %s, or [%s] for that address on port 53", host, port, port, host, s)
}

// parseResolvers checks every --resolver value; the error names the first
// bad one as `--resolver VALUE: reason`.
func parseResolvers(values []string) ([]string, error) {
	out := make([]string, 0, len(values))
	for _, v := range values {
		addr, err := parseResolver(v)
		if err != nil {
			shown := v
			if strings.TrimSpace(v) == "" {
				shown = strconv.Quote(v)
			}
			return nil, fmt.Errorf("--resolver %s: %w", shown, err)
		}
		out = append(out, addr)
	}
	return out, nil
}

// silentResolvers returns a note naming each resolver that was sent queries
// and answered none, with the last error seen from it, when no resolver
// answered anything at all; "" otherwise.
func silentResolvers(health []assess.ServerHealth) string {
	var parts []string
	for _, h := range health {
		if h.Answered > 0 {
			return ""
		}
		if h.Sent == 0 {
			continue
		}
		p := h.Server
		if h.LastError != "" {
			p += " (" + h.LastError + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ")
}
