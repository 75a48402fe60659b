#!/usr/bin/env bash
# A/B of two proxy builds on a loaded machine: one 3-master keygrid cluster, both
# proxies in front of it at once, redis-benchmark alternating between them (and, with
# DIRECT=1, straight to the cluster with --cluster). Wall throughput on a shared machine
# says more about the neighbours than about the proxy, so every run also prints what
# load changes less: CPU µs per request of the proxy, the nodes and redis-benchmark
# (all threads, from /proc/PID/task/*/schedstat), and, as root with perf, syscalls and
# context switches per request of the proxy and the nodes. TCP segments per request
# are exact when run in a network namespace of its own:
#   unshare -n sh -c 'ip link set lo up; internal/bench/proxy_ab.sh OLD NEW'
# D's rps is the last progress tick's overall rate: with --cluster redis-benchmark's
# threads stop only at their next 250 ms tick, which its final figure counts (proxy.sh).
# Usage: internal/bench/proxy_ab.sh A B [rounds] [requests] [tests...]
#   A, B: keygrid binaries (proxy); tests: get1 set1 mget1 get16 set16 mget16 (the default)
#   NODEBIN: the nodes' keygrid binary (default A)
set -euo pipefail
A=$1
B=$2
R=${3:-2}
N=${4:-100000}
shift $(($# < 4 ? $# : 4))
TESTS=${*:-get1 set1 mget1 get16 set16 mget16}
NODEBIN=${NODEBIN:-$A}
DIR=$(mktemp -d)
BASE=$((12000 + RANDOM % 10000)) # below the ephemeral range, as proxy.sh
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
for i in 0 1 2; do
	port=$((BASE + i))
	mkdir -p "$DIR/$port"
	(cd "$DIR/$port" && exec "$NODEBIN" server --port $port --bind 127.0.0.1 --save '' \
		--cluster-enabled yes --cluster-config-file nodes.conf >log 2>&1) &
	PIDS+=($!)
	until redis-cli -p $port ping >/dev/null 2>&1; do sleep 0.1; done
done
NODES=("${PIDS[@]}")
redis-cli --cluster create 127.0.0.1:$BASE 127.0.0.1:$((BASE + 1)) 127.0.0.1:$((BASE + 2)) --cluster-yes >/dev/null
for i in 0 1 2; do
	until redis-cli -p $((BASE + i)) cluster info | grep -q cluster_state:ok; do sleep 0.2; done
done
PA=$((BASE + 10))
PB=$((BASE + 11))
"$A" proxy --cluster 127.0.0.1:$BASE --port $PA 2>"$DIR/pa.log" &
PIDS+=($!)
XA=$!
"$B" proxy --cluster 127.0.0.1:$BASE --port $PB 2>"$DIR/pb.log" &
PIDS+=($!)
XB=$!
until redis-cli -p $PA ping >/dev/null 2>&1 && redis-cli -p $PB ping >/dev/null 2>&1; do sleep 0.2; done
PERF=
if [ "$(id -u)" = 0 ] && command -v perf >/dev/null; then PERF=1; fi

cpuns() { # on-CPU nanoseconds of every thread of the pids
	local t=0 p f
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0))); done
	done
	echo $t
}
outsegs() { awk '/^Tcp:/ {getline; print $12}' /proc/net/snmp; }
perrq() { # perf stat -x, output: per-request counts
	awk -F, -v n="$N" '/context-sw/ {c=$1} /enter_read/ {r=$1} /enter_write/ {w=$1} /epoll/ {e+=$1}
		END {printf "cs %.2f read %.2f write %.2f epoll %.2f", c/n, r/n, w/n, e/n}' "$1"
}
run() { # label port proxy-pid test
	local lab=$1 port=$2 xp=$3 t=$4
	local P=${t//[a-z]/} T=${t//[0-9]/} args pp= pn=
	case $T in
	mget) args=(MGET "key:__rand_int__" "key:__rand_int__" "key:__rand_int__") ;;
	*) args=(-t "$T") ;;
	esac
	if [ "$lab" = D ]; then # --cluster cannot split a cross-slot MGET: one {tag}, as proxy.sh
		[ "$T" = mget ] && args=(MGET "key{tag}:__rand_int__" "key{tag}:__rand_int__" "key{tag}:__rand_int__")
		args=(--cluster "${args[@]}")
	fi
	if [ -n "$PERF" ]; then
		local ev=context-switches,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_wait
		perf stat -x, -e $ev -p "$xp" -o "$DIR/px.stat" &
		pp=$!
		perf stat -x, -e $ev -p "$(IFS=,; echo "${NODES[*]}")" -o "$DIR/nd.stat" &
		pn=$!
		sleep 0.3
	fi
	local x0 n0 s0 x1 n1 s1 r
	x0=$(cpuns "$xp")
	n0=$(cpuns "${NODES[@]}")
	s0=$(outsegs)
	r=$(/usr/bin/time -o "$DIR/time" -f "%U %S" redis-benchmark -q -p "$port" -n "$N" -c 50 -P "$P" -r 100000 "${args[@]}" 2>/dev/null |
		tr '\r' '\n' | awk -v d="${lab/#[!D]*/}" '/rps=.*overall: [0-9]/ {v = $0; sub(/^[^(]*\(overall: /, "", v); sub(/\).*/, "", v); p = v}
			/requests per second/ {f = $(NF-5)} END {print (d != "" && p != "") ? p : f}')
	x1=$(cpuns "$xp")
	n1=$(cpuns "${NODES[@]}")
	s1=$(outsegs)
	awk -v l="$lab" -v t="$t" -v r="$r" -v x=$((x1 - x0)) -v nd=$((n1 - n0)) -v n="$N" -v b="$(cat "$DIR/time")" \
		-v sg=$((s1 - s0)) -v ld="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {split(b, bb); bc = (bb[1] + bb[2]) * 1e6 / n
		printf "%s %-7s rps %10s  cpu-us/req proxy %6.2f nodes %6.2f bench %6.2f total %6.2f  segs/req %.2f  load %s\n",
			l, t, r, x / n / 1000, nd / n / 1000, bc, x / n / 1000 + nd / n / 1000 + bc, sg / n, ld}'
	if [ -n "$PERF" ]; then
		kill -INT $pp $pn
		wait $pp $pn 2>/dev/null || true
		echo "    per request: proxy [$(perrq "$DIR/px.stat")]  nodes [$(perrq "$DIR/nd.stat")]"
	fi
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, A=$A B=$B nodes=$NODEBIN n=$N c=50"
for t in $TESTS; do
	if [ -n "${DIRECT:-}" ] && [ "${t//[0-9]/}" = mget ]; then
		# As proxy.sh: direct's key{tag}:N get as many (unmeasured) SETs as the proxies'
		# SET tests gave their key:N, so that both MGETs read values, not nils.
		redis-benchmark -q -p $BASE --cluster -n "$N" -c 50 -P 16 -r 100000 SET "key{tag}:__rand_int__" xxx >/dev/null
	fi
	for _ in $(seq "$R"); do
		if [ -n "${DIRECT:-}" ]; then run D $BASE "$XA" "$t"; fi # proxy columns: idle A
		run A $PA "$XA" "$t"
		run B $PB "$XB" "$t"
	done
done
