#!/usr/bin/env bash
# run.sh — run go-redis v9's own test suite (the version in go.mod) against keygrid or
# against redis-server 7.0, and list the specs that failed, so the two lists can be
# compared: a spec that passes on redis-server and fails on keygrid is keygrid's bug.
#
# usage: run.sh [-s keygrid|redis] [-S keygrid|redis] [-b BIN] [-o OUTDIR] [-f GINKGO_FOCUS] [-k GINKGO_SKIP]
#
#   -s  the servers to start (default keygrid): keygrid server/sentinel, or
#       redis-server/redis-sentinel from PATH
#   -S  the sentinels to start (default: as -s)
#   -b  the keygrid binary (default bin/keygrid of this repo)
#   -o  output directory (default /tmp/goredissuite.<server>): logs, report.json,
#       failed.txt (one failed spec per line, sorted)
#   -f  --ginkgo.focus regexp, -k --ginkgo.skip regexp
#
# go-redis's suite expects the topology of its docker-compose file on fixed loopback
# ports: a server on 6379 (TLS on 6666), three ring shards on 6390-6392, a sentinel
# group (master 9121, replicas 9122/9123, sentinels 26379-26381), six cluster nodes
# on 16600-16605 that the suite meets and assigns itself, and a ready TLS-only
# cluster on 5430-5435 (created here with redis-cli --cluster create). This script starts that
# topology with one binary or the other, runs the suite with REDIS_VERSION=7.0 (so
# specs for later Redis versions skip themselves), and stops everything. The ports
# must be free. Redis Stack specs (JSON, search, time series...) fail on both.
set -u
SERVER=keygrid SENTINEL= BIN= OUT= FOCUS= SKIP=
while getopts "s:S:b:o:f:k:h" opt; do
	case $opt in
	s) SERVER=$OPTARG ;;
	S) SENTINEL=$OPTARG ;;
	b) BIN=$OPTARG ;;
	o) OUT=$OPTARG ;;
	f) FOCUS=$OPTARG ;;
	k) SKIP=$OPTARG ;;
	*) sed -n "2,23p" "$0" | sed "s/^# \{0,1\}//"; exit 2 ;;
	esac
done
SENTINEL=${SENTINEL:-$SERVER}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-/tmp/goredissuite.$SERVER}
BIN=${BIN:-$REPO/bin/keygrid}
mkdir -p "$OUT" && rm -rf "${OUT:?}"/data && mkdir -p "$OUT/data"

# The suite's source: the go-redis version this module uses, from the module cache.
VER=$(cd "$REPO" && go list -m -f '{{.Version}}' github.com/redis/go-redis/v9) || exit 2
SRC=$OUT/go-redis-$VER
if [ ! -x "$OUT/goredis.test" ]; then
	MOD=$(cd "$REPO" && go list -m -f '{{.Dir}}' github.com/redis/go-redis/v9) || exit 2
	rm -rf "$SRC" && cp -r "$MOD" "$SRC" && chmod -R u+w "$SRC"
	(cd "$SRC" && go test -c -o "$OUT/goredis.test" .) || exit 2
fi

PIDS=()
stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 1
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap stop_all EXIT

# Certificates where the suite reads them (its containers make them): a CA, a server
# certificate for 127.0.0.1/localhost and a client certificate.
TLS=$OUT/tls
if [ ! -f "$TLS/client.key" ]; then
	mkdir -p "$TLS"
	(
		cd "$TLS" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=keygrid-test-ca -keyout ca.key -out ca.crt
		for n in redis client; do
			openssl req -newkey rsa:2048 -nodes -subj "/CN=$n" -keyout $n.key -out $n.csr
			printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >$n.ext
			openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile $n.ext -out $n.crt
		done
	) >"$OUT/openssl.log" 2>&1 || { echo "openssl failed: $OUT/openssl.log" >&2; exit 2; }
fi
for d in dockers/standalone/tls dockers/osscluster-tls/tls; do
	mkdir -p "$SRC/$d" && cp "$TLS"/{ca.crt,client.crt,client.key,redis.crt,redis.key} "$SRC/$d/"
done
TLSARGS=(--tls-cert-file "$TLS/redis.crt" --tls-key-file "$TLS/redis.key" --tls-ca-cert-file "$TLS/ca.crt"
	--tls-auth-clients optional)

server() { # port [args...]
	local port=$1 d=$OUT/data/$1
	[ "$port" = 0 ] && d=$OUT/data/tls$(printf '%s\n' "$@" | sed -n '3p')
	shift
	mkdir -p "$d"
	local args=(--port "$port" --bind 127.0.0.1 --dir "$d" --save "" --appendonly no
		--enable-debug-command yes --enable-module-command yes --enable-protected-configs yes "$@")
	if [ "$SERVER" = keygrid ]; then
		"$BIN" server "${args[@]}" >"$d/log" 2>&1 &
	else
		redis-server "${args[@]}" >"$d/log" 2>&1 &
	fi
	PIDS+=($!)
}

sentinel() { # port
	local d=$OUT/data/$1
	mkdir -p "$d"
	printf 'port %s\nbind 127.0.0.1\ndir %s\n' "$1" "$d" >"$d/sentinel.conf"
	if [ "$SENTINEL" = keygrid ]; then
		"$BIN" sentinel "$d/sentinel.conf" >"$d/log" 2>&1 &
	else
		redis-sentinel "$d/sentinel.conf" >"$d/log" 2>&1 &
	fi
	PIDS+=($!)
}

server 6379 --tls-port 6666 "${TLSARGS[@]}"
for p in 6390 6391 6392 9121 9122 9123; do server $p; done
for p in 16600 16601 16602 16603 16604 16605; do
	server $p --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 5000
done
for p in 5430 5431 5432 5433 5434 5435; do
	server 0 --tls-port $p "${TLSARGS[@]}" --tls-cluster yes --tls-replication yes --cluster-enabled yes \
		--cluster-config-file "nodes-$p.conf" --cluster-node-timeout 5000
done
for p in 26379 26380 26381; do sentinel $p; done
for p in 6379 6390 6391 6392 9121 9122 9123 16600 16601 16602 16603 16604 16605 26379 26380 26381; do
	for _ in $(seq 300); do redis-cli -p $p ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
done

TLSCLI=(--tls --cacert "$TLS/ca.crt" --cert "$TLS/client.crt" --key "$TLS/client.key")
for p in 5430 5431 5432 5433 5434 5435; do
	for _ in $(seq 300); do redis-cli "${TLSCLI[@]}" -p $p ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
done
redis-cli "${TLSCLI[@]}" --cluster create 127.0.0.1:5430 127.0.0.1:5431 127.0.0.1:5432 127.0.0.1:5433 \
	127.0.0.1:5434 127.0.0.1:5435 --cluster-replicas 1 --cluster-yes >"$OUT/tls-cluster-create.log" 2>&1 ||
	echo "TLS cluster create failed: $OUT/tls-cluster-create.log" >&2

args=(-test.run '^TestGinkgoSuite$' -test.timeout 40m -ginkgo.json-report "$OUT/report.json" -ginkgo.no-color)
[ -n "$FOCUS" ] && args+=(-ginkgo.focus "$FOCUS")
[ -n "$SKIP" ] && args+=(-ginkgo.skip "$SKIP")
(cd "$SRC" && REDIS_VERSION=7.0 "$OUT/goredis.test" "${args[@]}") >"$OUT/suite.log" 2>&1
rc=$?
python3 - "$OUT/report.json" "$OUT/failed.txt" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
failed, passed, skipped = [], 0, 0
for suite in rep:
    for s in suite.get("SpecReports") or []:
        name = " / ".join((s.get("ContainerHierarchyTexts") or []) + [s.get("LeafNodeText", "")])
        st = s.get("State")
        if st in ("failed", "panicked", "timedout", "interrupted", "aborted"):
            failed.append(name)
        elif st == "passed":
            passed += 1
        else:
            skipped += 1
open(sys.argv[2], "w").write("".join(n + "\n" for n in sorted(set(failed))))
print(f"passed {passed} failed {len(failed)} skipped {skipped}")
PY
echo "suite exit $rc; failed specs in $OUT/failed.txt; log $OUT/suite.log"
