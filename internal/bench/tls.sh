#!/usr/bin/env bash
# tls.sh — GET/SET throughput over TLS, keygrid against redis-server in one run
# (issue #11 part 4), with the plaintext port of the same servers for reference:
#
#   internal/bench/tls.sh                     # 3 rounds
#   ROUNDS=1 N=100000 internal/bench/tls.sh
#
# Both servers start with a tls-port (a throwaway CA and certificates made with
# openssl in a temp directory, tls-auth-clients yes); then ROUNDS times,
# alternating keygrid and redis-server, `redis-benchmark --tls -t set,get` runs
# with pipelines of 1 and 16 against each, then the same on the plain port.
# Medians per server and mode are printed, with keygrid/redis-server ratios.
#
# keygrid's TLS path (engine/tls.go): Go's crypto/tls on goroutines, bridged to
# the event loop through a socketpair; redis-server does OpenSSL on its loop.
#
# Run from the project's root after `make build`. Settings (environment):
# KEYGRID_BIN (./bin/keygrid), REDIS_BIN (redis-server), N (200000), ROUNDS (3),
# CLIENTS (50), PIN (1: servers on CPU 0, redis-benchmark on CPU 1).
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
N=${N:-200000}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
PIN=${PIN:-1}

pin() { if [ "$PIN" = 1 ] && command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }

# start_server CMD...: in the background, pinned to CPU 0 (taskset execs the
# server, so $! is the server's own pid).
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

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# A CA, and one certificate for the servers and the client (both uses).
(
	cd "$work"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
		-subj /CN=bench-ca -days 1 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout s.key -out s.csr \
		-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >ext.cnf
	openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out s.crt -days 1 -extfile ext.cnf 2>/dev/null
)
tlsargs=(--tls-cert-file "$work/s.crt" --tls-key-file "$work/s.key" --tls-ca-cert-file "$work/ca.crt" --tls-auth-clients yes)
clientargs=(--tls --cacert "$work/ca.crt" --cert "$work/s.crt" --key "$work/s.key")

kport=$(free_port); ktls=$(free_port)
rport=$(free_port); rtls=$(free_port)
mkdir -p "$work/k" "$work/r"
start_server "$KEYGRID_BIN" server --port "$kport" --tls-port "$ktls" --bind 127.0.0.1 --save "" \
	--appendonly no --dir "$work/k" "${tlsargs[@]}" >"$work/k.log" 2>&1
start_server "$REDIS_BIN" --port "$rport" --tls-port "$rtls" --bind 127.0.0.1 --save "" \
	--appendonly no --dir "$work/r" --logfile "$work/r.log" "${tlsargs[@]}"
wait_ping "$kport"
wait_ping "$rport"

# bench PORT PIPELINE TLS(0|1) -> "set get" requests per second
bench() {
	local extra=()
	[ "$3" = 1 ] && extra=("${clientargs[@]}")
	pin 1 redis-benchmark -p "$1" "${extra[@]}" -P "$2" -c "$CLIENTS" -t set,get -n "$N" -q 2>/dev/null |
		tr '\r' '\n' | awk '/^SET:/ {s=$2} /^GET:/ {g=$2} END {print s, g}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$work/results"
for round in $(seq 1 "$ROUNDS"); do
	for mode in tls plain; do
		for p in 1 16; do
			if [ "$mode" = tls ]; then kp=$ktls rp=$rtls t=1; else kp=$kport rp=$rport t=0; fi
			read -r ks kg <<<"$(bench "$kp" "$p" "$t")"
			read -r rs rg <<<"$(bench "$rp" "$p" "$t")"
			echo "round $round $mode P$p: keygrid SET $ks GET $kg | redis-server SET $rs GET $rg"
			echo "$mode P$p keygrid SET $ks" >>"$work/results"
			echo "$mode P$p keygrid GET $kg" >>"$work/results"
			echo "$mode P$p redis SET $rs" >>"$work/results"
			echo "$mode P$p redis GET $rg" >>"$work/results"
		done
	done
done

echo
echo "medians of $ROUNDS rounds (requests/s; N=$N, $CLIENTS clients):"
printf '%-10s %-4s %14s %14s %7s\n' mode cmd keygrid redis-server ratio
for mode in tls plain; do
	for p in 1 16; do
		for cmd in SET GET; do
			k=$(awk -v m="$mode" -v p="P$p" -v c="$cmd" '$1==m && $2==p && $3=="keygrid" && $4==c {print $5}' "$work/results" | median)
			r=$(awk -v m="$mode" -v p="P$p" -v c="$cmd" '$1==m && $2==p && $3=="redis" && $4==c {print $5}' "$work/results" | median)
			ratio=$(awk -v k="$k" -v r="$r" 'BEGIN {if (r > 0) printf "%.2f", k / r; else print "-"}')
			printf '%-10s %-4s %14s %14s %7s\n' "$mode P$p" "$cmd" "$k" "$r" "$ratio"
		done
	done
done
