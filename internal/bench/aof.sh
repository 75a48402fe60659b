#!/usr/bin/env bash
# aof.sh — SET throughput with appendonly yes, keygrid against redis-server, for each
# appendfsync policy asked (issue #5 part 3):
#
#   internal/bench/aof.sh                          # always and everysec, 3 rounds
#   FSYNCS="always" ROUNDS=1 N=100000 internal/bench/aof.sh
#
# For each policy, both servers start with a fresh directory; then ROUNDS times,
# alternating keygrid and redis-server, `redis-benchmark -P 16 -t set -n N -q` runs
# against each and its requests per second are printed, then the median per server.
# keygrid writes and fsyncs the AOF once per event-loop iteration (group commit) before
# any reply of that iteration leaves, as redis-server does.
#
# Run from the project's root after `make build`. Settings (environment): KEYGRID_BIN
# (./bin/keygrid), REDIS_BIN (redis-server), N (500000), ROUNDS (3), CLIENTS (50),
# FSYNCS ("always everysec"), PIN (1: servers on CPU 0, redis-benchmark on CPU 1).
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
N=${N:-500000}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
FSYNCS=${FSYNCS:-"always everysec"}
PIN=${PIN:-1}

pin() { if [ "$PIN" = 1 ] && command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }

# start_server CMD...: in the background, pinned to CPU 0; taskset execs the server, so
# $! is the server's own pid and killing it stops the server.
start_server() {
	if [ "$PIN" = 1 ] && command -v taskset >/dev/null; then
		taskset -c 0 "$@" &
	else
		"$@" &
	fi
	pids+=($!)
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_ping() {
	for _ in $(seq 1 200); do
		redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "server on port $1 did not start" >&2
	return 1
}

rps() { # port -> requests per second of one SET run
	pin 1 redis-benchmark -p "$1" -P 16 -c "$CLIENTS" -t set -n "$N" -q 2>/dev/null |
		tr '\r' '\n' | awk '/^SET:/ {print $2}' | tail -1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for fsync in $FSYNCS; do
	kport=$(free_port)
	rport=$(free_port)
	mkdir -p "$work/$fsync/k" "$work/$fsync/r"
	start_server "$KEYGRID_BIN" server --port "$kport" --bind 127.0.0.1 --save "" --appendonly yes \
		--appendfsync "$fsync" --dir "$work/$fsync/k" >"$work/$fsync/k.log" 2>&1
	start_server "$REDIS_BIN" --port "$rport" --bind 127.0.0.1 --save "" --appendonly yes \
		--appendfsync "$fsync" --dir "$work/$fsync/r" --logfile "$work/$fsync/r.log"
	wait_ping "$kport"
	wait_ping "$rport"
	: >"$work/k.rps"
	: >"$work/r.rps"
	for round in $(seq 1 "$ROUNDS"); do
		k=$(rps "$kport")
		r=$(rps "$rport")
		echo "$k" >>"$work/k.rps"
		echo "$r" >>"$work/r.rps"
		printf 'appendfsync %-8s round %d: keygrid %10s  redis %10s  SET/s\n' "$fsync" "$round" "$k" "$r"
	done
	km=$(median <"$work/k.rps")
	rm_=$(median <"$work/r.rps")
	printf 'appendfsync %-8s median : keygrid %10s  redis %10s  ratio %.2f\n' "$fsync" "$km" "$rm_" \
		"$(echo "$km $rm_" | awk '{ if ($2 > 0) print $1/$2; else print 0 }')"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
done
