#!/usr/bin/env bash
# Serves the synthetic world of senderproof-bench from Debian's knot on
# 127.0.0.1, measures the server's ceiling with dnsperf on the world's query
# mix, then runs senderproof-bench against the same server three times (the
# questions sent on bare UDP sockets, the DNS client alone on the same
# questions, then the full assessment) and prints the ratio of each one's
# queries/s to dnsperf's.
#
#   bash bench/knot.sh                 # 100,000 IPv4 senders
#   N=20000 V6=0.05 bash bench/knot.sh
#
# Environment: N (senders, default 100000), SEED (1), V6 (IPv6 share, 0),
# CONCURRENCY (senderproof queries in flight, 256), DNSPERF_SECONDS (10),
# DNSPERF_CLIENTS (4), DNSPERF_OUTSTANDING (256), FORMAT (pack formats to
# write after the assessment, default none), LIMIT (seconds each step may
# take, 900). Only 127.0.0.1 is used; knotd is stopped by its pid at exit.
#
# After the ceiling, dnsperf runs again paced at half of it (-Q), the rate
# the target asks of senderproof, and the script prints how much of the
# machine knotd and dnsperf used there: what is left is the CPU a client
# may spend per query at that rate. knotd's CPU is read from /proc (Linux).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-100000}
seed=${SEED:-1}
v6=${V6:-0}
concurrency=${CONCURRENCY:-256}
perf_secs=${DNSPERF_SECONDS:-10}
perf_clients=${DNSPERF_CLIENTS:-4}
perf_outstanding=${DNSPERF_OUTSTANDING:-256}
format=${FORMAT:-none}
limit=${LIMIT:-900}
# knotd is in /usr/sbin, which a user's PATH on Debian does not name.
PATH=$PATH:/usr/sbin:/sbin
for tool in knotd:knot kdig:knot-dnsutils dnsperf:dnsperf go: python3:python3; do
  if ! command -v "${tool%%:*}" >/dev/null; then
    pkg=${tool#*:}
    echo "knot.sh: ${tool%%:*} is not installed${pkg:+ (apt-get install $pkg)}" >&2
    exit 1
  fi
done

work=$(mktemp -d)
cleanup() {
  if [ -s "$work/knot.pid" ]; then
    local pid
    pid=$(cat "$work/knot.pid")
    if kill "$pid" 2>/dev/null; then
      # It writes its database while it shuts down: wait before removing it.
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -rf "$work" || true
}
trap cleanup EXIT

# Each step runs in the background under the time limit and is waited
# for, so that Ctrl-C or SIGTERM stops it (timeout puts its command in a
# process group of its own, which the terminal's Ctrl-C does not reach).
child=
on_signal() {
  if [ -n "$child" ]; then kill "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; fi
  echo "knot.sh: interrupted" >&2
  exit 130
}
trap on_signal INT TERM
# step WHAT OUT CMD...: runs CMD, its output into OUT, then shows OUT; says
# so, naming WHAT, when CMD ran past LIMIT (timeout's exit code 124).
step() {
  local what=$1 out=$2 rc=0
  shift 2
  timeout "$limit" "$@" >"$out" 2>&1 &
  child=$!
  wait "$child" || rc=$?
  child=
  cat "$out"
  if [ "$rc" -eq 124 ]; then
    echo "knot.sh: $what ran past LIMIT=${limit}s" >&2
  fi
  return "$rc"
}

# check_lost FILE WHY: stops the script, saying WHY, when the dnsperf run
# whose output is FILE lost more than 1% of its queries (or its output
# does not say): its figures would measure drops, not knot.
check_lost() {
  local lost
  lost=$(awk '/Queries lost:/ {gsub(/[(%)]/, "", $4); print $4}' "$1")
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 1 else 1)" "${lost:-100}"; then
    echo "knot.sh: dnsperf lost ${lost:-all}% of its queries: $2" >&2
    exit 1
  fi
}

# knot_ticks prints knotd's CPU time so far in clock ticks, or nothing
# where /proc does not have it.
knot_ticks() {
  awk '{print $14 + $15}' "/proc/$(cat "$work/knot.pid")/stat" 2>/dev/null || true
}

# children_cpu FILE prints the CPU seconds (user and system) of this
# shell's finished children that the output of `times` in FILE gives. The
# shell itself must run `times`: a subshell counts its own children only.
children_cpu() {
  tail -1 "$1" | awk '{
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, "m"); sub(/s$/, "", p[2]); t += p[1] * 60 + p[2] }
    print t
  }'
}

echo "== load: $(uptime)"
go build -o "$work/senderproof-bench" ./cmd/senderproof-bench
# The bench's flags, FORMAT's list among them, are checked now: a typo
# should fail in seconds, not after dnsperf and the assessment.
"$work/senderproof-bench" -n "$n" -seed "$seed" -v6 "$v6" -concurrency "$concurrency" -format "$format" -check-flags ||
  { echo "knot.sh: senderproof-bench refused N=$n SEED=$seed V6=$v6 CONCURRENCY=$concurrency FORMAT=$format" >&2; exit 1; }
step "writing the world" "$work/zones.out" "$work/senderproof-bench" -n "$n" -seed "$seed" -v6 "$v6" -zones "$work/world"

# A port free for both UDP and TCP (knot listens on both).
port=$(python3 -c '
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); break
    except OSError:
        t.close()
print(p)')
mkdir -p "$work/db"
{
  echo "server:"
  echo "    listen: 127.0.0.1@$port"
  echo "    rundir: $work"
  echo "    pidfile: $work/knot.pid"
  echo "    udp-max-payload: 1232"
  echo "database:"
  echo "    storage: $work/db"
  echo "log:"
  echo "  - target: $work/knot.log"
  echo "    any: warning"
  echo "template:"
  echo "  - id: default"
  echo "    storage: $work/world/zones"
  echo "    semantic-checks: off"
  echo "    zonefile-sync: -1"
  echo "    zonefile-load: whole"
  echo "    journal-content: none"
  cat "$work/world/knot-zones.conf"
} > "$work/knot.conf"
knotd -c "$work/knot.conf" -d
probe=$(head -1 "$work/world/queries.txt" | awk '{print $1}')
last=$(tail -1 "$work/world/knot-zones.conf" | awk '{print $2}' | sed 's/\.zone$//')
ready=
for _ in $(seq 300); do
  # knotd -d returns at once, and exits later should it fail (a port
  # taken): ask for two records of the world and check the answers.
  if [ -s "$work/knot.pid" ] && ! kill -0 "$(cat "$work/knot.pid")" 2>/dev/null; then break; fi
  txt=$(kdig @127.0.0.1 -p "$port" +short +time=1 +retry=0 TXT "$probe" 2>/dev/null || true)
  soa=$(kdig @127.0.0.1 -p "$port" +short +time=1 +retry=0 SOA "$last" 2>/dev/null || true)
  if [[ $txt == '"v=spf1 '* ]] && [ "$(wc -w <<<"$soa")" -eq 7 ]; then
    ready=1; break
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "knot.sh: knotd did not serve the world on 127.0.0.1:$port; its log:" >&2
  cat "$work/knot.log" >&2 || true
  exit 1
fi
echo "== knotd $(knotd --version | awk '{print $NF}') serves $(grep -c 'domain:' "$work/world/knot-zones.conf") zones on 127.0.0.1:$port"

echo "== dnsperf: ${perf_secs}s, $perf_clients clients, $perf_outstanding outstanding, $(wc -l < "$work/world/queries.txt") questions"
echo "== load: $(uptime)"
step "dnsperf at the ceiling" "$work/dnsperf.full" dnsperf -s 127.0.0.1 -p "$port" -d "$work/world/queries.txt" -e -l "$perf_secs" \
  -c "$perf_clients" -q "$perf_outstanding" -t 2 >/dev/null || { cat "$work/dnsperf.full"; exit 1; }
grep -E 'Queries (sent|completed|lost)|Response codes|Queries per second|Average Latency' "$work/dnsperf.full"
ceiling=$(awk '/Queries per second:/ {print $4}' "$work/dnsperf.full")
check_lost "$work/dnsperf.full" "knot's ceiling cannot be measured"

half=$(python3 -c "import sys; print(int(float(sys.argv[1]) / 2))" "$ceiling")
echo "== dnsperf paced at half the ceiling: -Q $half for ${perf_secs}s"
before=$(knot_ticks)
times >"$work/times.before"
start=$(date +%s.%N)
step "dnsperf at half the ceiling" "$work/dnsperf.half" dnsperf -s 127.0.0.1 -p "$port" -d "$work/world/queries.txt" -e -l "$perf_secs" \
  -c "$perf_clients" -q "$perf_outstanding" -t 2 -Q "$half" >/dev/null || { cat "$work/dnsperf.half"; exit 1; }
end=$(date +%s.%N)
after=$(knot_ticks)
times >"$work/times.after"
perf_cpu=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" \
  "$(children_cpu "$work/times.before")" "$(children_cpu "$work/times.after")")
grep -E 'Queries lost|Queries per second' "$work/dnsperf.half"
check_lost "$work/dnsperf.half" "the CPU left a client at half the ceiling cannot be measured"
half_rate=$(awk '/Queries per second:/ {print $4}' "$work/dnsperf.half")
half_done=$(awk '/Queries completed:/ {print $3}' "$work/dnsperf.half")
budget=
if [ -n "$before" ] && [ -n "$after" ]; then
  python3 - "$before" "$after" "$(getconf CLK_TCK)" "$start" "$end" "$half_rate" "$half_done" "$perf_cpu" "$(nproc)" \
    >"$work/budget" <<'PY'
import sys
before, after, tck, start, end, rate, queries, perf_cpu, cores = (float(x) for x in sys.argv[1:])
wall = end - start
knot = (after - before) / tck
left = cores - knot / wall
print(f"{left / rate * 1e6:.1f}")
print(f"knotd used {knot / wall:.2f} cores ({knot / queries * 1e6:.1f} µs of CPU per query), dnsperf {perf_cpu / wall:.2f}"
      f" ({perf_cpu / queries * 1e6:.1f} µs per query); a client at {rate:.0f} queries/s has the other"
      f" {left:.2f} of {cores:.0f} cores: at most {left / rate * 1e6:.1f} µs of CPU per query")
PY
  budget=$(head -1 "$work/budget")
  tail -1 "$work/budget"
fi

echo "== senderproof-bench -wire-only: each question once on four UDP sockets, no DNS client (a floor for any Go client here)"
echo "== load: $(uptime)"
step "senderproof-bench -wire-only" "$work/wire.out" "$work/senderproof-bench" -n "$n" -seed "$seed" -v6 "$v6" -resolver "127.0.0.1:$port" \
  -concurrency "$concurrency" -wire-only
wire_rate=$(awk '/^queries\/s:/ {print $2}' "$work/wire.out")

echo "== senderproof-bench -dns-only: the DNS client alone asks each question once, concurrency $concurrency"
echo "== load: $(uptime)"
step "senderproof-bench -dns-only" "$work/dns.out" "$work/senderproof-bench" -n "$n" -seed "$seed" -v6 "$v6" -resolver "127.0.0.1:$port" \
  -concurrency "$concurrency" -qps 0 -timeout 2s -retries 2 -dns-only
dns_rate=$(awk '/^queries\/s:/ {print $2}' "$work/dns.out")

echo "== senderproof-bench: full assessment of $n senders, concurrency $concurrency, no qps limit"
echo "== load: $(uptime)"
before=$(knot_ticks)
step "senderproof-bench (full assessment)" "$work/bench.out" "$work/senderproof-bench" -n "$n" -seed "$seed" -v6 "$v6" -resolver "127.0.0.1:$port" \
  -concurrency "$concurrency" -qps 0 -timeout 2s -retries 2 -format "$format"
rate=$(awk '/^queries\/s:/ {print $2}' "$work/bench.out")
per_asset=$(awk '/^cpu:/ {gsub(/\(/, "", $0); for (i = 1; i <= NF; i++) if ($i == "µs") print $(i-1)}' "$work/bench.out")
queries_per_asset=$(awk '/^queries:/ {gsub(/\(/, "", $0); print $4}' "$work/bench.out")
after=$(knot_ticks)
sent=$(awk '/^queries:/ {print $2}' "$work/bench.out")
if [ -n "$before" ] && [ -n "$after" ] && [ -n "$sent" ]; then
  python3 -c 'import sys; b, a, t, n = (float(x) for x in sys.argv[1:]); print(f"knotd: {(a - b) / t:.2f} s of CPU for the {n:.0f} queries, {(a - b) / t / n * 1e6:.1f} µs each")' \
    "$before" "$after" "$(getconf CLK_TCK)" "$sent"
fi
echo "== load: $(uptime)"
if [ -n "$budget" ] && [ -n "$per_asset" ] && [ -n "$queries_per_asset" ]; then
  python3 - "$per_asset" "$queries_per_asset" "$budget" <<'PY'
import sys
per_asset, queries, budget = (float(x) for x in sys.argv[1:])
print(f"CPU per query (full assessment): {per_asset / queries:.1f} µs ({per_asset:.0f} µs per sender, {queries:.2f} queries);"
      f" the budget at half the ceiling: {budget:.1f} µs")
PY
fi
python3 - "$rate" "$dns_rate" "$wire_rate" "$ceiling" <<'PY'
import sys
rate, dns_rate, wire_rate, ceiling = (float(x) for x in sys.argv[1:])
print(f"ratio (wire floor):       {wire_rate:.0f} queries/s / dnsperf {ceiling:.0f} queries/s = {wire_rate / ceiling:.1%}")
print(f"ratio (DNS client alone): {dns_rate:.0f} queries/s / dnsperf {ceiling:.0f} queries/s = {dns_rate / ceiling:.1%}")
print(f"ratio (full assessment):  {rate:.0f} queries/s / dnsperf {ceiling:.0f} queries/s = {rate / ceiling:.1%}")
PY
