#!/usr/bin/env bash
# run.sh — run Redis's own Tcl test suite (tests/ of redis 7.0.15) in external-server
# mode against keygrid or against redis-server, one fresh server per unit, and print
# a table of unit -> ok/err/exception counts.
#
# usage: run.sh SUITE_DIR [-s keygrid|redis] [-b BIN] [-p PORT] [-o OUTDIR] [-t TAGS] [-m MODE] [UNIT ...]
#
#   SUITE_DIR  a directory holding Redis 7.0.15's `runtest` and `tests/`, e.g. made with
#              git --git-dir=REDIS.git archive 7.0.15 tests runtest | tar -x -C SUITE_DIR
#   -s         which server to start (default keygrid)
#   -b         the server binary (default: bin/keygrid of this repo, or redis-server on PATH)
#   -p         port for the server under test (default 23111)
#   -o         where logs go (default /tmp/redissuite-run.$$)
#   -t         --tags argument for runtest (default "-slow", as Redis's own external CI job)
#   -m         external (default): one server per unit, started here, the suite connects to it;
#              local: the suite starts its own servers, as in Redis's own CI (integration/*,
#              unit/cluster/*, tests tagged external:skip): src/redis-server, redis-sentinel,
#              redis-check-aof and redis-check-rdb in SUITE_DIR become symlinks to BIN
#   UNIT       units such as unit/type/string (default: the list below)
#
# A fresh server per unit keeps one unit's leftovers (configs, clients, keys) from
# failing the next. The server runs with the flags Redis's external CI job uses
# (.github/workflows/external.yml): no save, debug/module/protected configs enabled.
set -u

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
SUITE=$(cd "$1" && pwd) || usage
shift
SERVER=keygrid BIN= PORT=23111 OUT=/tmp/redissuite-run.$$ TAGS=-slow MODE=external
while getopts "s:b:p:o:t:m:h" opt; do
	case $opt in
	s) SERVER=$OPTARG ;;
	b) BIN=$OPTARG ;;
	p) PORT=$OPTARG ;;
	o) OUT=$OPTARG ;;
	t) TAGS=$OPTARG ;;
	m) MODE=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
UNITS=("$@")
if [ ${#UNITS[@]} -eq 0 ]; then
	UNITS=(unit/type/string unit/type/incr unit/type/list unit/type/list-2 unit/type/list-3
		unit/type/hash unit/type/set unit/type/zset unit/type/stream unit/type/stream-cgroups
		unit/expire unit/keyspace unit/scan unit/info unit/info-command unit/multi unit/pubsub
		unit/pubsubshard unit/scripting unit/functions unit/acl unit/acl-v2 unit/auth
		unit/protocol unit/other unit/introspection unit/introspection-2 unit/dump unit/sort
		unit/bitops unit/bitfield unit/geo unit/hyperloglog unit/tracking unit/latency-monitor
		unit/slowlog unit/quit unit/lazyfree unit/querybuf unit/limits
		unit/pause unit/maxmemory unit/memefficiency unit/networking unit/oom-score-adj)
fi
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
case $SERVER in
keygrid) BIN=${BIN:-$REPO/bin/keygrid} ;;
redis) BIN=${BIN:-$(command -v redis-server)} ;;
*) usage ;;
esac
[ -x "$BIN" ] || { echo "no server binary at $BIN (make build?)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN") # absolute, for the symlinks
mkdir -p "$OUT"

# Some units run redis-cli / redis-benchmark from src/ of a Redis checkout.
mkdir -p "$SUITE/src"
for b in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
	[ -e "$SUITE/src/$b" ] || { p=$(command -v $b) && ln -s "$p" "$SUITE/src/$b"; }
done

# Local mode: the suite runs src/redis-server CONFIG [--opt val ...] itself and waits for
# " PID: <pid>" (the ASCII logo's line) on its stdout. The shims are symlinks to the binary
# (keygrid takes its part from its name), so the PID the suite knows is the server's.
install_shims() {
	local b
	for b in redis-server redis-sentinel redis-check-aof redis-check-rdb; do rm -f "$SUITE/src/$b"; done
	if [ "$SERVER" = keygrid ]; then
		# Symlinks: keygrid run as redis-server is redis-server (its argv[0] and
		# process title too, which unit/other checks).
		for b in redis-server redis-sentinel redis-check-aof redis-check-rdb; do
			ln -s "$BIN" "$SUITE/src/$b"
		done
	else
		for b in redis-server redis-sentinel redis-check-aof redis-check-rdb; do
			p=$(command -v $b) && ln -s "$p" "$SUITE/src/$b"
		done
	fi
}

PID=
stop_server() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=
	fi
}
trap stop_server EXIT

start_server() { # $1: log file, $2: data dir
	rm -rf "$2" && mkdir -p "$2"
	local args=(--port "$PORT" --bind 127.0.0.1 --dir "$2" --save "" --logfile "$1"
		--enable-protected-configs yes --enable-debug-command yes --enable-module-command yes)
	if [ "$SERVER" = keygrid ]; then
		"$BIN" server "${args[@]}" >"$1.stdout" 2>&1 &
	else
		"$BIN" "${args[@]}" >"$1.stdout" 2>&1 &
	fi
	PID=$!
	for _ in $(seq 300); do # up to 30 s on a loaded machine
		redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "server did not start; see $1 $1.stdout" >&2
	return 1
}

[ "$MODE" = local ] && install_shims
printf '%-28s %5s %5s %5s %s\n' unit ok err exc note | tee "$OUT/summary.txt"
for u in "${UNITS[@]}"; do
	[ -f "$SUITE/tests/$u.tcl" ] || { printf '%-28s %5s %5s %5s %s\n' "$u" - - - "no such unit" | tee -a "$OUT/summary.txt"; continue; }
	name=${u//\//_}
	note=
	if [ "$MODE" = local ]; then
		(cd "$SUITE" && timeout 1800 tclsh tests/test_helper.tcl --single "$u" --clients 1 \
			--baseport $((PORT + 1000)) --tags "$TAGS" --timeout 120 --durable --dont-clean) >"$OUT/$name.log" 2>&1
		[ $? -eq 124 ] && note="runtest timed out"
	elif start_server "$OUT/$name.server.log" "$OUT/$name.data"; then
		(cd "$SUITE" && timeout 900 tclsh tests/test_helper.tcl --host 127.0.0.1 --port "$PORT" \
			--single "$u" --clients 1 --baseport $((PORT + 1000)) --tags "$TAGS" --timeout 120 --durable) >"$OUT/$name.log" 2>&1
		rc=$?
		[ $rc -eq 124 ] && note="runtest timed out"
		kill -0 "$PID" 2>/dev/null || note="$note server died"
		stop_server
	else
		note="server did not start"
	fi
	# runtest colours its tags; strip the escapes before counting.
	sed 's/\x1b\[[0-9;]*m//g' "$OUT/$name.log" >"$OUT/$name.txt"
	ok=$(grep -c '^\[ok\]' "$OUT/$name.txt")
	err=$(grep -c '^\[err\]' "$OUT/$name.txt")
	exc=$(grep -c '^\[exception\]' "$OUT/$name.txt")
	printf '%-28s %5s %5s %5s %s\n' "$u" "${ok:-0}" "${err:-0}" "${exc:-0}" "$note" | tee -a "$OUT/summary.txt"
done
echo "logs in $OUT"
