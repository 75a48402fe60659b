#!/bin/sh
# Assigns the slots of the cluster started by cluster.yml (3 masters, 1 replica each),
# from the host with redis-cli, until keygrid nodes bootstrap themselves. Running it
# again on a formed cluster does nothing. Uses the same environment as cluster.yml.
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

# shellcheck disable=SC2086 # $nodes is a list of words
redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes

# create returns once the configuration is consistent; wait until every node also
# reports cluster_state:ok, so that clients (and the proxy) see a serving cluster.
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
