#!/usr/bin/env bash
# Proxy throughput: redis-benchmark through `keygrid proxy` versus
# `redis-benchmark --cluster` straight to the same 3-master cluster, and versus
# twemproxy (nutcracker) in front of three standalone redis-servers when installed.
# GET/SET/MGET at pipeline 1 and 16. Usage: internal/bench/proxy.sh [requests] [clients]
# SERVER=keygrid uses keygrid nodes instead of redis-server (when its cluster mode is ready).
# PROXY_BIN=path runs the proxy from another keygrid binary (to compare builds under the
# same conditions); nodes still come from the tree.
set -euo pipefail
N=${1:-100000}
C=${2:-50}
# REPEAT=k runs every measurement k times, alternating direct, proxy and twemproxy, and
# keeps the best of each: on a loaded machine one run is mostly noise.
REPEAT=${REPEAT:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(mktemp -d)
# Node ports and their cluster bus ports (+10000) below the ephemeral range (32768+),
# where an outgoing connection may hold the port a node needs.
BASE=$((12000 + RANDOM % 10000))
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 1' INT TERM # so that a timeout or ^C still runs cleanup
[ -n "${DEBUG:-}" ] && set -x

if [ -n "${KEYGRID_BIN:-}" ]; then # a prebuilt binary for nodes and proxy
	cp "$KEYGRID_BIN" "$DIR/keygrid"
else
	go build -o "$DIR/keygrid" "$ROOT/cmd/keygrid"
fi
start_node() { # port [extra args]
	local port=$1; shift
	mkdir -p "$DIR/$port"
	if [ "${SERVER:-redis}" = keygrid ]; then
		# Bound to loopback so the cluster announces 127.0.0.1: redis-benchmark --cluster
		# cannot parse the IPv6 address a node otherwise learns for itself.
		(cd "$DIR/$port" && exec "$DIR/keygrid" server --port "$port" --bind 127.0.0.1 --save '' "$@" >log 2>&1) &
	else
		(cd "$DIR/$port" && exec redis-server --port "$port" --save '' --dir "$DIR/$port" "$@" >log 2>&1) &
	fi
	PIDS+=($!) # the server itself (exec), so cleanup stops it
	until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
}
for i in 0 1 2; do start_node $((BASE + i)) --cluster-enabled yes --cluster-config-file nodes.conf; done
redis-cli --cluster create 127.0.0.1:$BASE 127.0.0.1:$((BASE + 1)) 127.0.0.1:$((BASE + 2)) --cluster-yes >/dev/null
for i in 0 1 2; do # every node: redis-benchmark --cluster asks them all
	until redis-cli -p $((BASE + i)) cluster info | grep -q cluster_state:ok; do sleep 0.2; done
done
PPORT=$((BASE + 10))
"${PROXY_BIN:-$DIR/keygrid}" proxy --cluster 127.0.0.1:$BASE --port $PPORT 2>"$DIR/proxy.log" &
PIDS+=($!)
until redis-cli -p $PPORT ping >/dev/null 2>&1; do sleep 0.2; done

TWEM=
if command -v nutcracker >/dev/null; then
	for i in 3 4 5; do start_node $((BASE + i)); done
	cat >"$DIR/nutcracker.yml" <<YML
pool:
  listen: 127.0.0.1:$((BASE + 11))
  hash: fnv1a_64
  distribution: ketama
  redis: true
  servers:
   - 127.0.0.1:$((BASE + 3)):1
   - 127.0.0.1:$((BASE + 4)):1
   - 127.0.0.1:$((BASE + 5)):1
YML
	nutcracker -c "$DIR/nutcracker.yml" >"$DIR/twem.log" 2>&1 &
	PIDS+=($!)
	TWEM=$((BASE + 11))
	until redis-cli -p "$TWEM" set x y >/dev/null 2>&1; do sleep 0.2; done
fi

rps() { # args to redis-benchmark; prints requests per second of its single test
	redis-benchmark -q -n "$N" -c "$C" "$@" | tr '\r' '\n' | awk '/requests per second/ {print $(NF-5)}' | tail -1
}
best() { # previous best, then args to rps: prints the higher of the two
	local prev=$1; shift
	local cur
	cur=$(rps "$@")
	awk "BEGIN{print ($cur > $prev) ? $cur : $prev}"
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) (shared machine: numbers are noisy), n=$N c=$C, best of $REPEAT"
printf "%-6s %-3s %12s %12s %7s %12s %7s\n" test P direct proxy ratio twemproxy ratio
for P in 1 16; do
	for T in get set mget; do
		case $T in
		mget) ARGS=(MGET "key:__rand_int__" "key:__rand_int__" "key:__rand_int__") ;;
		*) ARGS=(-t "$T") ;;
		esac
		D=0; X=0; TW=0
		for _ in $(seq "$REPEAT"); do # alternate the targets; keep each one's best run
			if [ $T = mget ]; then
				# --cluster cannot split a cross-slot MGET: direct uses its per-node {tag}.
				D=$(best "$D" -p $BASE --cluster -P $P -r 100000 MGET "key{tag}:__rand_int__" "key{tag}:__rand_int__" "key{tag}:__rand_int__")
			else
				D=$(best "$D" -p $BASE --cluster -P $P -r 100000 "${ARGS[@]}")
			fi
			X=$(best "$X" -p $PPORT -P $P -r 100000 "${ARGS[@]}")
			if [ -n "$TWEM" ]; then TW=$(best "$TW" -p "$TWEM" -P $P -r 100000 "${ARGS[@]}"); fi
		done
		TR=-
		if [ -n "$TWEM" ]; then TR=$(awk "BEGIN{printf \"%.2f\", $X/$TW}"); else TW=-; fi
		printf "%-6s %-3s %12s %12s %7.2f %12s %7s\n" $T $P "$D" "$X" "$(awk "BEGIN{print $X/$D}")" "$TW" "$TR"
	done
done
