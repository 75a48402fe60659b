#!/usr/bin/env bash
# Cluster throughput and bus cost, keygrid versus redis-server 7.0, in one run.
#
# 1. `redis-benchmark --cluster -t set,get` at pipeline 1 and 16 against a 3-master
#    cluster of redis-server and a 3-master cluster of keygrid (no replicas, both
#    built by redis-cli --cluster create), ROUNDS rounds alternating the servers;
#    the median rps of each and keygrid/redis (issue #7's bar: >= 1.0).
# 2. Gossip cost of an idle cluster, cluster-node-timeout 15000 (the default):
#    bytes and packets per second sent per node on the cluster bus. redis-server:
#    N processes (3, 10, 30 masters with slots), the TCP bytes the kernel counts
#    as acknowledged on their bus sockets (ss bytes_acked), and the messages
#    CLUSTER INFO counts. keygrid: N processes too (3, 10, 30, 100), each
#    counting what its bus sends (payload bytes of UDP packets and TCP streams
#    and links, keygrid_cluster_bus_*_total on its metrics port), since its bus
#    is mostly UDP, which ss does not count. Both: the CPU each process used
#    (user + system, ms per second), what an idle cluster costs its machine.
#
# Usage: internal/bench/cluster.sh [requests] [clients]
# Environment: ROUNDS (3), WINDOW seconds of idle measurement (10), SIZES of the
# redis-server bus test ("3 10 30"), KSIZES of keygrid's ("3 10 30 100"),
# SKIP_THROUGHPUT=1 or SKIP_GOSSIP=1.
set -euo pipefail
N=${1:-200000}
C=${2:-50}
ROUNDS=${ROUNDS:-3}
WINDOW=${WINDOW:-10}
SIZES=${SIZES:-"3 10 30"}
KSIZES=${KSIZES:-"3 10 30 100"}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(mktemp -d)
# Client ports BASE.., bus ports +10000, keygrid's metrics ports -5000: all below
# the kernel's ephemeral range (32768..), where the many outgoing connections of
# a 100-node cluster would take a port a node has yet to bind.
BASE=$((10000 + RANDOM % 2000))
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
[ -n "${DEBUG:-}" ] && set -x

KEYGRID=${KEYGRID_BIN:-}
if [ -z "$KEYGRID" ]; then
	go build -o "$DIR/keygrid" "$ROOT/cmd/keygrid"
	KEYGRID=$DIR/keygrid
fi

start_node() { # kind port [extra args]
	local kind=$1 port=$2
	shift 2
	mkdir -p "$DIR/$port"
	if [ "$kind" = keygrid ]; then
		if [ -n "${KEYGRID_EXTRA:-}" ]; then
			set -- "$@" --metrics-port $((port - 5000))
		fi
		"$KEYGRID" server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR/$port" "$@" >"$DIR/$port/log" 2>&1 &
	else
		redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR/$port" "$@" >"$DIR/$port/log" 2>&1 &
	fi
	PIDS+=($!)
	echo $! >"$DIR/$port/pid"
}
wait_up() { # port: a node that did not start fails the run (its log says why)
	local i
	for ((i = 0; i < 300; i++)); do
		redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "node on port $1 did not start:" >&2
	tail -3 "$DIR/$1/log" >&2
	exit 1
}
make_cluster() { # kind base n: n masters, no replicas
	local kind=$1 base=$2 n=$3 addrs=() i
	for ((i = 0; i < n; i++)); do
		start_node "$kind" $((base + i)) --cluster-enabled yes --cluster-config-file nodes.conf
	done
	for ((i = 0; i < n; i++)); do
		wait_up $((base + i))
		addrs+=(127.0.0.1:$((base + i)))
	done
	redis-cli --cluster create "${addrs[@]}" --cluster-yes >"$DIR/create-$kind-$base.log" 2>&1
	for ((i = 0; i < n; i++)); do
		until redis-cli -p $((base + i)) cluster info 2>/dev/null | grep -q cluster_state:ok; do sleep 0.2; done
	done
}
stop_cluster() { # base n
	local i
	for ((i = 0; i < $2; i++)); do
		kill "$(cat "$DIR/$(($1 + i))/pid")" 2>/dev/null || true
	done
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) (shared machine: numbers are noisy)," \
	"redis $(redis-server --version | awk '{print $3}' | cut -d= -f2), n=$N c=$C rounds=$ROUNDS"

if [ -z "${SKIP_THROUGHPUT:-}" ]; then
	RB=$BASE
	KB=$((BASE + 100))
	make_cluster redis $RB 3
	make_cluster keygrid $KB 3
	rps() { # port test pipeline
		redis-benchmark -q --cluster -p "$1" -n "$N" -c "$C" -r 100000 -P "$3" -t "$2" |
			tr '\r' '\n' | awk '/requests per second/ {print $(NF-5)}' | tail -1
	}
	echo
	echo "## redis-benchmark --cluster, 3 masters, medians of $ROUNDS rounds"
	printf "%-5s %-3s %12s %12s %7s\n" test P redis keygrid ratio
	for P in 1 16; do
		for T in set get; do
			: >"$DIR/r" && : >"$DIR/k"
			for ((r = 0; r < ROUNDS; r++)); do
				# Alternate which server goes first, so drifts of the machine's
				# load fall on both.
				if ((r % 2 == 0)); then
					rps $RB $T $P >>"$DIR/r"
					rps $KB $T $P >>"$DIR/k"
				else
					rps $KB $T $P >>"$DIR/k"
					rps $RB $T $P >>"$DIR/r"
				fi
			done
			R=$(median <"$DIR/r")
			K=$(median <"$DIR/k")
			printf "%-5s %-3s %12.0f %12.0f %7.3f\n" $T $P "$R" "$K" "$(awk "BEGIN{print $K/$R}")"
		done
	done
	stop_cluster $RB 3
	stop_cluster $KB 3
fi

if [ -z "${SKIP_GOSSIP:-}" ]; then
	echo
	echo "## cluster bus cost per node, idle, cluster-node-timeout 15000, ${WINDOW}s window"
	printf "%-14s %4s %10s %12s %10s\n" server nodes "bytes/s" "messages/s" "cpu ms/s"
	HZ=$(getconf CLK_TCK)
	cpu_ticks() { # base n: user+system clock ticks of the n processes
		local i s=0
		for ((i = 0; i < $2; i++)); do
			s=$((s + $(awk '{print $14 + $15}' "/proc/$(cat "$DIR/$(($1 + i))/pid")/stat")))
		done
		echo $s
	}
	# Sum of bytes_acked over the TCP sockets with a bus port (base+10000 ..
	# base+10000+n-1) at the local or the remote end: both links of each pair.
	bus_bytes() { # base n
		ss -tinH state established "( sport >= :$(($1 + 10000)) and sport <= :$(($1 + 10000 + $2 - 1)) ) or ( dport >= :$(($1 + 10000)) and dport <= :$(($1 + 10000 + $2 - 1)) )" 2>/dev/null |
			grep -o 'bytes_acked:[0-9]*' | awk -F: '{s += $2} END {print s + 0}'
	}
	bus_msgs() { # base n: messages sent, all nodes
		local i s=0 v
		for ((i = 0; i < $2; i++)); do
			v=$(redis-cli -p $(($1 + i)) cluster info | tr -d '\r' | awk -F: '/^cluster_stats_messages_sent:/ {print $2}')
			s=$((s + ${v:-0}))
		done
		echo $s
	}
	b=$((BASE + 300))
	for n in $SIZES; do
		make_cluster redis $b "$n"
		sleep 2 # the handshakes' burst is over
		B0=$(bus_bytes $b "$n")
		M0=$(bus_msgs $b "$n")
		C0=$(cpu_ticks $b "$n")
		sleep "$WINDOW"
		B1=$(bus_bytes $b "$n")
		M1=$(bus_msgs $b "$n")
		C1=$(cpu_ticks $b "$n")
		printf "%-14s %4d %10.0f %12.2f %10.1f\n" redis-server "$n" "$(awk "BEGIN{print ($B1 - $B0) / $n / $WINDOW}")" \
			"$(awk "BEGIN{print ($M1 - $M0) / $n / $WINDOW}")" "$(awk "BEGIN{print ($C1 - $C0) * 1000 / $HZ / $n / $WINDOW}")"
		stop_cluster $b "$n"
		b=$((b + 100))
	done
	# keygrid: the sum over its processes of what each bus counted sent.
	bus_out() { # base n metric: e.g. bytes, packets
		local i s=0 v
		for ((i = 0; i < $2; i++)); do
			v=$(curl -s "http://127.0.0.1:$(($1 - 5000 + i))/metrics" |
				awk -v m="keygrid_cluster_bus_$3_total{direction=\"out\"}" '$1 == m {printf "%d", $2}')
			s=$((s + ${v:-0}))
		done
		echo $s
	}
	KEYGRID_EXTRA=metrics
	for n in $KSIZES; do
		make_cluster keygrid $b "$n"
		# Every node must know every other before the window: the meets of
		# redis-cli --cluster create spread by gossip.
		for ((i = 0; i < n; i++)); do
			until [ "$(redis-cli -p $((b + i)) cluster nodes 2>/dev/null | grep -c .)" -ge "$n" ]; do sleep 0.5; done
		done
		sleep 2
		B0=$(bus_out $b "$n" bytes)
		P0=$(bus_out $b "$n" packets)
		C0=$(cpu_ticks $b "$n")
		sleep "$WINDOW"
		B1=$(bus_out $b "$n" bytes)
		P1=$(bus_out $b "$n" packets)
		C1=$(cpu_ticks $b "$n")
		printf "%-14s %4d %10.0f %12.2f %10.1f (UDP packets/s)\n" keygrid "$n" "$(awk "BEGIN{print ($B1 - $B0) / $n / $WINDOW}")" \
			"$(awk "BEGIN{print ($P1 - $P0) / $n / $WINDOW}")" "$(awk "BEGIN{print ($C1 - $C0) * 1000 / $HZ / $n / $WINDOW}")"
		stop_cluster $b "$n"
		b=$((b + 200))
	done
fi
