#!/usr/bin/env bash
# run.sh — run redis-py's own test suite (a source tree of a redis-py release, given as
# the argument) against keygrid or against redis-server 7.0, and list the tests that
# failed, so the two lists can be compared: a test that passes on redis-server and
# fails on keygrid is keygrid's bug.
#
# usage: run.sh [-s keygrid|redis] [-b BIN] [-o OUTDIR] [-P 2|3] [-c] [-k EXPR] [-m EXPR] REDISPY_SRC
#
#   -s  the servers to start (default keygrid): bin/keygrid or redis-server from PATH
#   -b  the keygrid binary (default bin/keygrid of this repo)
#   -o  output directory (default /tmp/redispysuite.<server>[.cluster][.resp3]): logs,
#       junit.xml, failed.txt (one failed test id per line, sorted)
#   -P  the protocol redis-py speaks (its --protocol; default 2)
#   -c  run the suite against the cluster (redis-py's cluster run: onlycluster tests
#       run, onlynoncluster ones are deselected) instead of the standalone server
#   -k  pytest -k expression
#   -m  pytest -m expression (default, as redis-py's tasks.py: "not onlycluster and
#       not redismod", with -c "not onlynoncluster and not redismod")
#   REDISPY_SRC  an unpacked redis-py source tree (`git archive v5.0.9` of
#       github.com/redis/redis-py); its tests run against its own `redis` package.
#       A 7.x or later tree runs only its synchronous tests (see below)
#
# redis-py's suite expects the topology of its docker-compose file on fixed ports of
# localhost: a server on 6379 (TLS on 6666, made by stunnel in 5.x, by the server's own
# tls-port here), its replica on 6380, a cluster of six nodes (three masters, a replica
# each) on 16379-16384 and three sentinels on 26379-26381 watching 6379 as
# redis-py-test. This script starts that topology with one binary or the other
# (keygrid server/sentinel, or redis-server/redis-sentinel) in a network namespace of
# its own (unshare -n, so it needs root), where the fixed ports never clash with other
# servers and a keygrid run and a redis-server run can go at the same time.
#
# The suite runs with Debian's python (/usr/bin/python3) and the apt packages
# python3-pytest python3-pytest-asyncio python3-pytest-timeout python3-async-timeout
# python3-packaging python3-mock python3-numpy. Redis Stack tests (JSON, search, time
# series, bloom, graph: marker redismod) are deselected: they fail on both servers.
set -u
SERVER=keygrid BIN= OUT= PROTO=2 CLUSTER= KEXPR= MEXPR=
while getopts "s:b:o:P:ck:m:h" opt; do
	case $opt in
	s) SERVER=$OPTARG ;;
	b) BIN=$OPTARG ;;
	o) OUT=$OPTARG ;;
	P) PROTO=$OPTARG ;;
	c) CLUSTER=1 ;;
	k) KEXPR=$OPTARG ;;
	m) MEXPR=$OPTARG ;;
	*) sed -n "2,35p" "$0" | sed "s/^# \{0,1\}//"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SRC=${1:-}
[ -n "$SRC" ] && [ -f "$SRC/tests/conftest.py" ] || { echo "usage: run.sh [options] REDISPY_SRC (see -h)" >&2; exit 2; }
SRC=$(cd "$SRC" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SUFFIX=${CLUSTER:+.cluster}
[ "$PROTO" = 3 ] && SUFFIX=$SUFFIX.resp3
OUT=${OUT:-/tmp/redispysuite.$SERVER$SUFFIX}
BIN=${BIN:-$REPO/bin/keygrid}
if [ -z "$MEXPR" ]; then
	MEXPR="not onlycluster and not redismod"
	[ -n "$CLUSTER" ] && MEXPR="not onlynoncluster and not redismod"
fi

# Into a network namespace of our own, with only a loopback interface.
if [ -z "${REDISPYSUITE_NETNS:-}" ]; then
	export REDISPYSUITE_NETNS=1
	exec unshare -n "$0" -s "$SERVER" -b "$BIN" -o "$OUT" -P "$PROTO" ${CLUSTER:+-c} -k "$KEXPR" -m "$MEXPR" "$SRC"
fi
ip link set lo up || exit 2
mkdir -p "$OUT" && rm -rf "${OUT:?}"/data && mkdir -p "$OUT/data"

PIDS=()
stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 1
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap stop_all EXIT

server() { # port [args...]
	local port=$1 d=$OUT/data/$1
	shift
	mkdir -p "$d"
	local args=(--port "$port" --bind 127.0.0.1 --dir "$d" --save "" --appendonly no
		--enable-debug-command yes --enable-module-command yes "$@")
	if [ "$SERVER" = keygrid ]; then
		"$BIN" server "${args[@]}" >"$d/log" 2>&1 &
	else
		redis-server "${args[@]}" >"$d/log" 2>&1 &
	fi
	PIDS+=($!)
	for _ in $(seq 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return; sleep 0.1; done
	echo "server on $port did not start: $d/log" >&2
	exit 2
}

# TLS: redis-py 5 keeps its certificates in dockers/stunnel/keys; later releases read
# dockers/standalone/tls, which their containers make, so this script makes them there
# with openssl (a CA, the server's, a client's and one with CN test_user).
KEYS=$SRC/dockers/stunnel/keys
if [ -f "$KEYS/server-cert.pem" ]; then
	TLSARGS=(--tls-cert-file "$KEYS/server-cert.pem" --tls-key-file "$KEYS/server-key.pem" --tls-ca-cert-file "$KEYS/ca-cert.pem")
else
	KEYS=$SRC/dockers/standalone/tls
	if [ ! -f "$KEYS/test_user.key" ]; then
		mkdir -p "$KEYS"
		(
			cd "$KEYS" || exit 1
			openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=redis-py-test-ca -keyout ca.key -out ca.crt
			for n in redis client test_user; do
				openssl req -newkey rsa:2048 -nodes -subj "/CN=$n" -keyout $n.key -out $n.csr
				printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >$n.ext
				openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile $n.ext -out $n.crt
			done
		) >"$OUT/openssl.log" 2>&1 || { echo "openssl failed: $OUT/openssl.log" >&2; exit 2; }
	fi
	# The cluster run's TLS tests read dockers/cluster/tls and talk to --redis-ssl-url
	# (6666, the standalone server's TLS port): the same certificates serve.
	[ -e "$SRC/dockers/cluster/tls" ] || { mkdir -p "$SRC/dockers/cluster" && ln -s ../standalone/tls "$SRC/dockers/cluster/tls"; }
	TLSARGS=(--tls-cert-file "$KEYS/redis.crt" --tls-key-file "$KEYS/redis.key" --tls-ca-cert-file "$KEYS/ca.crt")
fi
server 6379 --tls-port 6666 "${TLSARGS[@]}" --tls-auth-clients optional
server 6380 --replicaof 127.0.0.1 6379
NODES=()
for p in 16379 16380 16381 16382 16383 16384; do
	# The bus on port+20000: port+10000 would be the sentinels' ports.
	server $p --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-port $((p + 20000))
	NODES+=(127.0.0.1:$p)
done
redis-cli --cluster create "${NODES[@]}" --cluster-replicas 1 --cluster-yes >"$OUT/cluster-create.log" 2>&1 ||
	{ echo "cluster create failed: $OUT/cluster-create.log" >&2; exit 2; }

# Three sentinels watch 6379 as redis-py-test (the suite's dockers/sentinel.conf).
for p in 26379 26380 26381; do
	d=$OUT/data/$p
	mkdir -p "$d"
	printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor redis-py-test 127.0.0.1 6379 2\n' "$p" "$d" >"$d/sentinel.conf"
	printf 'sentinel down-after-milliseconds redis-py-test 60000\nsentinel failover-timeout redis-py-test 180000\n' >>"$d/sentinel.conf"
	if [ "$SERVER" = keygrid ]; then
		"$BIN" sentinel "$d/sentinel.conf" >"$d/log" 2>&1 &
	else
		redis-sentinel "$d/sentinel.conf" >"$d/log" 2>&1 &
	fi
	PIDS+=($!)
done

for _ in $(seq 300); do
	ok=1
	for n in "${NODES[@]}"; do
		redis-cli -p "${n#*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=
	done
	redis-cli -p 6380 info replication 2>/dev/null | grep -q 'master_link_status:up' || ok=
	for p in 26379 26380 26381; do
		redis-cli -p $p sentinel replicas redis-py-test 2>/dev/null | grep -q 6380 || ok=
		[ "$(redis-cli -p $p sentinel sentinels redis-py-test 2>/dev/null | grep -c '^name$')" = 2 ] || ok=
	done
	[ -n "$ok" ] && break
	sleep 0.1
done
[ -n "$ok" ] || echo "topology not ready after 30s; running anyway" >&2

URL=redis://localhost:6379/0
[ -n "$CLUSTER" ] && URL=redis://localhost:16379/0
args=(-m pytest --redis-url="$URL" --protocol="$PROTO" -p no:cacheprovider -q -rfE
	--junitxml="$OUT/junit.xml" -o junit_family=xunit1 -m "$MEXPR")
if [ -d "$SRC/tests/test_multidb" ]; then
	# A redis-py of 7.x or later: the test directories of tests/ want packages Debian
	# lacks (redis-entraid, pybreaker, opentelemetry, aiohttp) and pytest loads
	# their conftest.py files at start when given tests/, so the test files of tests/
	# and tests/test_asyncio/ are named instead, less the entraid ones and the async
	# sentinel tests (pytest-asyncio >= 0.24's loop_scope; Debian has 0.20). Its
	# pyproject's settings name the coverage plugin, so they are replaced here.
	args+=(-c /dev/null --rootdir "$SRC" -o asyncio_mode=auto -o timeout=30
		-W ignore::pytest.PytestUnknownMarkWarning)
	for f in "$SRC"/tests/test_*.py "$SRC"/tests/test_asyncio/test_*.py; do
		case ${f#"$SRC"/} in
		tests/test_credentials.py | tests/test_asyncio/test_credentials.py | tests/test_asyncio/test_sentinel.py) continue ;;
		esac
		args+=("${f#"$SRC"/}")
	done
else
	args+=(tests)
fi
[ -n "$KEXPR" ] && args+=(-k "$KEXPR")
(cd "$SRC" && PYTHONPATH="$SRC" /usr/bin/python3 "${args[@]}") >"$OUT/suite.log" 2>&1
rc=$?
/usr/bin/python3 - "$OUT/junit.xml" "$OUT/failed.txt" <<'PY'
import sys
import xml.etree.ElementTree as ET
failed, passed, skipped = [], 0, 0
for tc in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    # junit's classname is the dotted module path and class: rebuild pytest's node id
    parts = tc.get("classname", "").split(".")
    mod = [p for p in parts if p.startswith("test_") or p == "tests"]
    cls = [p for p in parts if p not in mod]
    name = "::".join(["/".join(mod) + ".py"] + cls + [tc.get("name", "")])
    kinds = {c.tag for c in tc}
    if kinds & {"failure", "error"}:
        failed.append(name)
    elif "skipped" in kinds:
        skipped += 1
    else:
        passed += 1
open(sys.argv[2], "w").write("".join(n + "\n" for n in sorted(set(failed))))
print(f"passed {passed} failed {len(failed)} skipped {skipped}")
PY
echo "suite exit $rc; failed tests in $OUT/failed.txt; log $OUT/suite.log"
exit 0
