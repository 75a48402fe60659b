#!/usr/bin/env bash
# Proxy throughput: redis-benchmark through `keygrid proxy` versus
# `redis-benchmark --cluster` straight to the same 3-master cluster, and versus
# twemproxy (nutcracker) in front of three standalone redis-servers when installed.
# GET/SET/MGET at pipeline 1 and 16. Usage: internal/bench/proxy.sh [requests] [clients]
# SERVER=keygrid uses keygrid nodes instead of redis-server (when its cluster mode is ready).
# PROXY_BIN=path runs the proxy from another keygrid binary (to compare builds under the
# same conditions); nodes still come from the tree.
# With --cluster, redis-benchmark runs a thread per master and its threads stop only at
# their next 250 ms progress tick after the last reply, so its final "requests per
# second" counts up to 0.25 s of idle tail (100000 GETs at P16 always read ~398k: the
# run took under 0.25 s). Direct throughput is therefore read from the last progress
# line's "overall" rate (no tail), and P16 tests send P16X (10) times N requests, so
# that a run spans several ticks. The proxy and twemproxy runs are single-threaded
# and stop at once: their final figure is exact.
set -euo pipefail
N=${1:-100000}
P16X=${P16X:-10}
C=${2:-50}
# REPEAT=k runs every measurement k times, alternating direct, proxy and twemproxy, and
# keeps the best of each: on a loaded machine one run is mostly noise.
# The cpu columns are the CPU time per request of everything on the path (redis-benchmark,
# the nodes, the proxy), the lowest of the k runs: on a machine shared with other work,
# throughput says more about the neighbours than about the proxy, CPU per request less so
# (on an idle 2-core machine the two ratios agree, as all of it is CPU-bound).
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
CLUSTERP=("${PIDS[@]}")
redis-cli --cluster create 127.0.0.1:$BASE 127.0.0.1:$((BASE + 1)) 127.0.0.1:$((BASE + 2)) --cluster-yes >/dev/null
for i in 0 1 2; do # every node: redis-benchmark --cluster asks them all
	until redis-cli -p $((BASE + i)) cluster info | grep -q cluster_state:ok; do sleep 0.2; done
done
PPORT=$((BASE + 10))
"${PROXY_BIN:-$DIR/keygrid}" proxy --cluster 127.0.0.1:$BASE --port $PPORT 2>"$DIR/proxy.log" &
PIDS+=($!)
PROXYP=$!
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
	TWEMP=("${PIDS[@]: -3}")
	nutcracker -c "$DIR/nutcracker.yml" >"$DIR/twem.log" 2>&1 &
	PIDS+=($!)
	TWEMP+=($!)
	TWEM=$((BASE + 11))
	until redis-cli -p "$TWEM" set x y >/dev/null 2>&1; do sleep 0.2; done
fi

ticks() { # pids: their CPU time so far, in clock ticks
	local t=0 p
	for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo $t
}
HZ=$(getconf CLK_TCK)
TIME=$(command -v /usr/bin/time || true)
rps() { # pids of the servers on the path, --, args to redis-benchmark: prints the requests
	# per second of its single test and the CPU microseconds per request of the path
	local pids=()
	while [ "$1" != -- ]; do pids+=("$1"); shift; done
	shift
	local t0 t1 r out bcpu=0
	t0=$(ticks "${pids[@]}")
	if [ -n "$TIME" ]; then
		out=$("$TIME" -o "$DIR/time" -f "%U %S" redis-benchmark -q -n "$REQS" -c "$C" "$@")
		bcpu=$(awk '{print $1 + $2}' "$DIR/time")
	else
		out=$(redis-benchmark -q -n "$REQS" -c "$C" "$@")
	fi
	t1=$(ticks "${pids[@]}")
	out=$(echo "$out" | tr '\r' '\n')
	r=$(echo "$out" | awk '/requests per second/ {print $(NF-5)}' | tail -1)
	if [[ " $* " == *" --cluster "* ]]; then # see the header: the last tick's overall rate
		local prog
		prog=$(echo "$out" | awk '/rps=.*overall: [0-9]/ {v = $0; sub(/^[^(]*\(overall: /, "", v); sub(/\).*/, "", v); print v}' | tail -1)
		[ -n "$prog" ] && r=$prog
	fi
	awk -v r="$r" -v t=$((t1 - t0)) -v b="$bcpu" -v hz="$HZ" -v n="$REQS" 'BEGIN{printf "%s %.2f\n", r, (t / hz + b) * 1e6 / n}'
}
best() { # previous "rps cpu", then args to rps: prints the higher rps and the lower cpu
	local prev=$1; shift
	local cur
	cur=$(rps "$@")
	awk -v p="$prev" -v c="$cur" 'BEGIN{split(p, a); split(c, b); printf "%s %s\n", (b[1] > a[1]) ? b[1] : a[1], (a[2] > 0 && a[2] < b[2]) ? a[2] : b[2]}'
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) (shared machine: numbers are noisy), n=$N (P16: $((N * P16X))) c=$C, best of $REPEAT"
printf "%-6s %-3s %12s %12s %7s %12s %7s %9s %9s %7s\n" test P direct proxy ratio twemproxy ratio cpu-dir cpu-prx ratio
for P in 1 16; do
	REQS=$N
	[ $P = 16 ] && REQS=$((N * P16X))
	for T in get set mget; do
		case $T in
		mget) ARGS=(MGET "key:__rand_int__" "key:__rand_int__" "key:__rand_int__") ;;
		*) ARGS=(-t "$T") ;;
		esac
		D="0 0"; X="0 0"; TW="0 0"
		if [ $T = mget ]; then
			# The proxy's MGET reads the keys its SET test has just written (key:N); the
			# direct one's key{tag}:N get as many SETs, unmeasured, so that both read
			# values: nils for absent keys cost the nodes less.
			redis-benchmark -q -p $BASE --cluster -n "$REQS" -c "$C" -P 16 -r 100000 SET "key{tag}:__rand_int__" xxx >/dev/null
		fi
		for _ in $(seq "$REPEAT"); do # alternate the targets; keep each one's best run
			if [ $T = mget ]; then
				# --cluster cannot split a cross-slot MGET: direct uses its per-node {tag}.
				D=$(best "$D" "${CLUSTERP[@]}" -- -p $BASE --cluster -P $P -r 100000 MGET "key{tag}:__rand_int__" "key{tag}:__rand_int__" "key{tag}:__rand_int__")
			else
				D=$(best "$D" "${CLUSTERP[@]}" -- -p $BASE --cluster -P $P -r 100000 "${ARGS[@]}")
			fi
			X=$(best "$X" "${CLUSTERP[@]}" "$PROXYP" -- -p $PPORT -P $P -r 100000 "${ARGS[@]}")
			if [ -n "$TWEM" ]; then TW=$(best "$TW" "${TWEMP[@]}" -- -p "$TWEM" -P $P -r 100000 "${ARGS[@]}"); fi
		done
		read -r D DC <<<"$D"
		read -r X XC <<<"$X"
		read -r TW _ <<<"$TW"
		TR=-
		if [ -n "$TWEM" ]; then TR=$(awk "BEGIN{printf \"%.2f\", $X/$TW}"); else TW=-; fi
		printf "%-6s %-3s %12s %12s %7.2f %12s %7s %9s %9s %7.2f\n" $T $P "$D" "$X" "$(awk "BEGIN{print $X/$D}")" "$TW" "$TR" \
			"$DC" "$XC" "$(awk "BEGIN{print $DC/$XC}")"
	done
done
