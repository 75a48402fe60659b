#!/usr/bin/env bash
# cpu.sh — server CPU per request, keygrid against redis-server, for redis-benchmark's
# tests (issues #2 and #3):
#
#   internal/bench/cpu.sh                                   # get,set,incr at pipeline 1 and 16
#   TESTS=lpush,lrange_100,spop PIPELINES=16 internal/bench/cpu.sh
#
# compare.sh's req/s swing by 10-20 % between runs minutes apart on this 2-core machine,
# and by more while anything else runs. What a server spends per request does not: the
# CPU time (user + system, from /proc/PID/stat, 10 ms ticks) each process used during a
# redis-benchmark run, divided by the requests. The ratio printed is redis ÷ keygrid,
# so, like compare.sh's, at least 1.0 means keygrid is as cheap or cheaper. Context
# switches (voluntary + involuntary, all threads) per request are shown too: at
# pipeline 1 they are the Go runtime's cost that instructions do not show.
#
# Each test runs ROUNDS times per server, alternating, against servers flushed between
# rounds; the median is quoted. redis-benchmark's own tests are used unchanged (-t); a
# test that reads what another writes (lrange_*, spop, lpop, rpop) finds what that one
# leaves, as in one `redis-benchmark -t lpush,lrange_100` run, and only it is measured. Settings (environment): KEYGRID_BIN (./bin/keygrid), REDIS_BIN (redis-server),
# TESTS (get,set,incr), PIPELINES ("1 16"), N (200000), CLIENTS (50), ROUNDS (3),
# PIN (1: servers on CPU 0, redis-benchmark on CPU 1).
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
TESTS=${TESTS:-get,set,incr}
PIPELINES=${PIPELINES:-"1 16"}
N=${N:-200000}
CLIENTS=${CLIENTS:-50}
ROUNDS=${ROUNDS:-3}
[[ -x $KEYGRID_BIN ]] || { echo "cpu.sh: $KEYGRID_BIN is not an executable" >&2; exit 2; }

. "$(dirname "$0")/lib.sh"


rport=$(free_port)
"${srv_pin[@]}" "$REDIS_BIN" --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
  --logfile "$work/redis.log" &
rpid=$!; pids+=($rpid)
kport=$(free_port)
"${srv_pin[@]}" "$KEYGRID_BIN" server --port "$kport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
  >"$work/keygrid.log" 2>&1 &
kpid=$!; pids+=($kpid)
wait_ready "$rport"
wait_ready "$kport"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, whole process
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
hz=$(getconf CLK_TCK)

# measure port pid producer test pipeline -> "us_per_req switches_per_req"; the
# producer (or "-") runs first, unmeasured.
measure() {
  local t0 s0 t1 s1
  redis-cli -p "$1" FLUSHALL >/dev/null
  if [[ $3 != - ]]; then
    "${cli_pin[@]}" redis-benchmark -p "$1" -t "$3" -n "$N" -c "$CLIENTS" -P "$5" -q >/dev/null 2>&1
  fi
  t0=$(ticks "$2") s0=$(switches "$2")
  "${cli_pin[@]}" redis-benchmark -p "$1" -t "$4" -n "$N" -c "$CLIENTS" -P "$5" -q >/dev/null 2>&1
  t1=$(ticks "$2") s1=$(switches "$2")
  awk -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v n="$N" -v hz="$hz" \
    'BEGIN {printf "%.3f %.3f\n", t * 1e6 / hz / n, s / n}'
}

printf '%-12s %3s %12s %12s %7s %11s %11s\n' test P redis_us keygrid_us ratio redis_csw keygrid_csw
for P in $PIPELINES; do
  for t in ${TESTS//,/ }; do
    # A consumer test finds what its producer left, as in one redis-benchmark -t run.
    case $t in
      lrange*) pre=lpush ;;
      spop) pre=sadd ;;
      lpop | rpop) pre=${t/pop/push} ;;
      *) pre=- ;;
    esac
    : >"$work/r" && : >"$work/k"
    for _ in $(seq 1 "$ROUNDS"); do
      measure "$rport" "$rpid" "$pre" "$t" "$P" >>"$work/r"
      measure "$kport" "$kpid" "$pre" "$t" "$P" >>"$work/k"
    done
    r=$(cut -d' ' -f1 "$work/r" | median) k=$(cut -d' ' -f1 "$work/k" | median)
    rc=$(cut -d' ' -f2 "$work/r" | median) kc=$(cut -d' ' -f2 "$work/k" | median)
    printf '%-12s %3s %12s %12s %7s %11s %11s\n' "$t" "$P" "$r" "$k" \
      "$(awk -v a="$r" -v b="$k" 'BEGIN {printf "%.3f", (b > 0) ? a / b : 0}')" "$rc" "$kc"
  done
done
