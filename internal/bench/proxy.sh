#!/usr/bin/env bash
# Proxy throughput: redis-benchmark through `keygrid proxy` versus
# `redis-benchmark --cluster` straight to the same 3-master cluster, and versus
# twemproxy (nutcracker) in front of three standalone redis-servers when installed.
# GET/SET/MGET at pipeline 1 and 16. Usage: internal/bench/proxy.sh [requests] [clients]
# SERVER=keygrid uses keygrid nodes instead of redis-server (when its cluster mode is ready).
set -euo pipefail
N=${1:-100000}
C=${2:-50}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(mktemp -d)
BASE=$((20000 + RANDOM % 20000))
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
[ -n "${DEBUG:-}" ] && set -x

go build -o "$DIR/keygrid" "$ROOT/cmd/keygrid"
start_node() { # port [extra args]
	local port=$1; shift
	mkdir -p "$DIR/$port"
	if [ "${SERVER:-redis}" = keygrid ]; then
		(cd "$DIR/$port" && "$DIR/keygrid" server --port "$port" --save '' "$@" >log 2>&1) &
	else
		(cd "$DIR/$port" && redis-server --port "$port" --save '' --dir "$DIR/$port" "$@" >log 2>&1) &
	fi
	PIDS+=($!)
	until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
}
for i in 0 1 2; do start_node $((BASE + i)) --cluster-enabled yes --cluster-config-file nodes.conf; done
redis-cli --cluster create 127.0.0.1:$BASE 127.0.0.1:$((BASE + 1)) 127.0.0.1:$((BASE + 2)) --cluster-yes >/dev/null
until redis-cli -p $BASE cluster info | grep -q cluster_state:ok; do sleep 0.2; done
PPORT=$((BASE + 10))
"$DIR/keygrid" proxy --cluster 127.0.0.1:$BASE --port $PPORT 2>"$DIR/proxy.log" &
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
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) (shared machine: numbers are noisy), n=$N c=$C"
printf "%-6s %-3s %12s %12s %7s %12s %7s\n" test P direct proxy ratio twemproxy ratio
for P in 1 16; do
	for T in get set mget; do
		case $T in
		mget) ARGS=(MGET "key:__rand_int__" "key:__rand_int__" "key:__rand_int__") ;;
		*) ARGS=(-t "$T") ;;
		esac
		if [ $T = mget ]; then
			# --cluster cannot split a cross-slot MGET: direct uses its per-node {tag}.
			D=$(rps -p $BASE --cluster -P $P -r 100000 MGET "key{tag}:__rand_int__" "key{tag}:__rand_int__" "key{tag}:__rand_int__")
		else
			D=$(rps -p $BASE --cluster -P $P -r 100000 "${ARGS[@]}")
		fi
		X=$(rps -p $PPORT -P $P -r 100000 "${ARGS[@]}")
		TW=-; TR=-
		if [ -n "$TWEM" ]; then TW=$(rps -p "$TWEM" -P $P -r 100000 "${ARGS[@]}"); TR=$(awk "BEGIN{printf \"%.2f\", $X/$TW}"); fi
		printf "%-6s %-3s %12s %12s %7.2f %12s %7s\n" $T $P "$D" "$X" "$(awk "BEGIN{print $X/$D}")" "$TW" "$TR"
	done
done
