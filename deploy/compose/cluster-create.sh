#!/bin/sh
# Waits until the cluster started by cluster.yml serves all its slots. The nodes of
# cluster.yml bootstrap themselves (cluster-bootstrap-size), so this script is no longer
# needed there; it is kept for nodes started without those directives (an edited file),
# for which it assigns the slots from the host with redis-cli (3 masters, 1 replica
# each). Running it on a formed cluster does nothing. Uses the same environment as
# cluster.yml.
set -eu

host=${KEYGRID_ANNOUNCE_IP:-127.0.0.1}
ports="${KEYGRID_NODE1_PORT:-7001} ${KEYGRID_NODE2_PORT:-7002} ${KEYGRID_NODE3_PORT:-7003} ${KEYGRID_NODE4_PORT:-7004} ${KEYGRID_NODE5_PORT:-7005} ${KEYGRID_NODE6_PORT:-7006}"
timeout=${KEYGRID_WAIT_SECONDS:-60}

# `compose up -d` returns before the nodes listen: wait for each to answer.
nodes=""
for p in $ports; do
	i=0
	until [ "$(redis-cli -h "$host" -p "$p" ping 2>/dev/null)" = PONG ]; do
		i=$((i + 1))
		if [ "$i" -gt "$timeout" ]; then
			echo "node $host:$p does not answer after ${timeout}s" >&2
			exit 1
		fi
		sleep 1
	done
	nodes="$nodes $host:$p"
done

first=${nodes# }
first=${first%% *}
if redis-cli -h "${first%:*}" -p "${first##*:}" cluster info | grep -q '^cluster_slots_assigned:16384'; then
	echo "cluster already created"
	exit 0
fi

# Nodes that bootstrap themselves are about to assign the slots: a create now would
# race them (and fail on the slots they already claimed), so only wait for them.
size=$(redis-cli -h "${first%:*}" -p "${first##*:}" config get cluster-bootstrap-size 2>/dev/null | sed -n 2p)
case $size in
'' | 0 | *[!0-9]*)
	# shellcheck disable=SC2086 # $nodes is a list of words
	redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes
	;;
*) echo "the nodes bootstrap themselves (cluster-bootstrap-size $size): waiting for them" ;;
esac

# create returns once the configuration is consistent (and a bootstrap takes a few
# seconds after the last node starts): wait until every node reports
# cluster_state:ok, so that clients (and the proxy) see a serving cluster.
for p in $ports; do
	i=0
	until redis-cli -h "$host" -p "$p" cluster info | grep -q '^cluster_state:ok'; do
		i=$((i + 1))
		if [ "$i" -gt "$timeout" ]; then
			echo "node $host:$p: cluster_state not ok after ${timeout}s" >&2
			exit 1
		fi
		sleep 1
	done
done
echo "cluster ready"
