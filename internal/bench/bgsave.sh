#!/usr/bin/env bash
# bgsave.sh — BGSAVE of a large keyspace under write load, keygrid's forkless snapshot
# against redis-server's fork, one after the other on one machine (issue #5):
#
#   internal/bench/bgsave.sh                      # 5,000,000 keys
#   KEYS=1000000 N=1000000 internal/bench/bgsave.sh
#
# For each server: load KEYS keys named as redis-benchmark -r names them (key:%012d, so
# the benchmark overwrites keys the snapshot has or has not written yet), start
#   redis-benchmark -P 16 -t set -n N -r KEYS
# and one second later BGSAVE; poll INFO every 20 ms until the save ends. Reported:
#   rss_before / rss_peak  the server process's RSS before the save and its maximum during
#                          it (keygrid has no child: this is all the memory the save costs;
#                          redis's fork child is not counted: its COW is rdb_last_cow_size)
#   save_s                 BGSAVE duration as polled (20 ms resolution)
#   p99_ms                 redis-benchmark's p99 over its whole run, which the save spans
#                          part of (run alone, without a save, for the baseline)
#   loop_p99               the strict figure: p99 of a run of LOOPN SETs during which a
#                          BGSAVE is started again as soon as the last one ended, so every
#                          request is served during a save
#   load_s                 "DB loaded from disk: X seconds" after a restart on the file
# The issue's bars: keygrid peak RSS <= 1.15x before, p99 < 2 ms during the save, save time
# <= 1.5x redis's, load time <= 1.0x redis's.
#
# Run from the project's root after `make build`. Settings (environment): KEYGRID_BIN
# (./bin/keygrid), REDIS_BIN (redis-server), KEYS (5000000), N (5000000), CLIENTS (50),
# PIN (1: servers on CPU 0, redis-benchmark on CPU 1; the save shares the server's CPU),
# SERVERS ("keygrid redis": which servers to run, in that order).
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
KEYS=${KEYS:-5000000}
N=${N:-5000000}
LOOPN=${LOOPN:-3000000}
CLIENTS=${CLIENTS:-50}
SERVERS=${SERVERS:-keygrid redis}
[[ -x $KEYGRID_BIN ]] || { echo "bgsave.sh: $KEYGRID_BIN is not an executable" >&2; exit 2; }

. "$(dirname "$0")/lib.sh"

start() { # kind dir port -> sets pid
  if [[ $1 == keygrid ]]; then
    "${srv_pin[@]}" "$KEYGRID_BIN" server --port "$3" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$2" >>"$2/server.log" 2>&1 &
  else
    "${srv_pin[@]}" "$REDIS_BIN" --port "$3" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$2" --logfile "$2/server.log" &
  fi
  pid=$!; pids+=("$pid")
  wait_ready "$3"
}
stop() { redis-cli -p "$1" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; wait "$pid" 2>/dev/null || true; pid=""; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
info() { redis-cli -p "$1" INFO persistence | tr -d '\r' | awk -F: -v f="$2" '$1==f {print $2}'; }

awk -v n="$KEYS" 'BEGIN { for (i = 0; i < n; i++) {
  printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$3\r\nxxx\r\n", i } }' >"$work/load.resp"

printf '%-8s %10s %10s %6s %7s %8s %7s %8s %7s\n' server rss_before rss_peak ratio save_s p99_ms base_p99 loop_p99 load_s
for kind in $SERVERS; do
  dir="$work/$kind"; mkdir -p "$dir"; port=$(free_port)
  start "$kind" "$dir" "$port"
  redis-cli -p "$port" --pipe <"$work/load.resp" >/dev/null
  [[ $(redis-cli -p "$port" DBSIZE) == "$KEYS" ]] || { echo "bgsave.sh: $kind did not load $KEYS keys" >&2; exit 1; }
  # Baseline p99: the same benchmark, no save.
  base=$("${cli_pin[@]}" redis-benchmark -p "$port" -t set -r "$KEYS" -n "$N" -c "$CLIENTS" -P 16 --csv 2>/dev/null |
    awk -F, 'NR>1 {gsub(/"/,"",$7); print $7}')
  before=$(rss_kb "$pid")
  "${cli_pin[@]}" redis-benchmark -p "$port" -t set -r "$KEYS" -n "$N" -c "$CLIENTS" -P 16 --csv \
    >"$work/$kind.csv" 2>/dev/null &
  bench=$!
  sleep 1
  redis-cli -p "$port" BGSAVE >/dev/null
  t0=$(date +%s.%N)
  # One redis-cli repeating INFO every 20 ms and one awk reading the RSS, on the
  # benchmark's CPU: a shell loop starting five processes a poll cost the server's
  # CPU a quarter of its time and showed up in the p99 being measured.
  peak=$("${cli_pin[@]}" redis-cli -p "$port" -r -1 -i 0.02 INFO persistence 2>/dev/null |
    "${cli_pin[@]}" awk -F: -v st="/proc/$pid/status" -v peak="$before" '
      { sub(/\r$/, "") }
      $1 == "rdb_bgsave_in_progress" {
        while ((getline l < st) > 0) if (l ~ /^VmRSS:/) { split(l, f, " "); if (f[2] > peak) peak = f[2] }
        close(st)
        if ($2 == 0) { print peak; exit }
      }' || true)
  t1=$(date +%s.%N)
  wait "$bench"
  p99=$(awk -F, 'NR>1 {gsub(/"/,"",$7); print $7}' "$work/$kind.csv")
  status=$(info "$port" rdb_last_bgsave_status)
  [[ $status == ok ]] || { echo "bgsave.sh: $kind BGSAVE failed" >&2; exit 1; }
  ( while :; do "${cli_pin[@]}" redis-cli -p "$port" BGSAVE >/dev/null 2>&1; sleep 0.05; done ) &
  saver=$!
  loop=$("${cli_pin[@]}" redis-benchmark -p "$port" -t set -r "$KEYS" -n "$LOOPN" -c "$CLIENTS" -P 16 --csv 2>/dev/null |
    awk -F, 'NR>1 {gsub(/"/,"",$7); print $7}')
  kill "$saver"; wait "$saver" 2>/dev/null || true
  while [[ $(info "$port" rdb_bgsave_in_progress) == 1 ]]; do sleep 0.1; done
  stop "$port"
  # Load time of the file just written, as the server logs it at start.
  start "$kind" "$dir" "$port"
  load=$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$dir/server.log" | tail -1 | awk '{print $5}')
  stop "$port"
  save=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}')
  ratio=$(awk -v a="$peak" -v b="$before" 'BEGIN {printf "%.3f", a/b}')
  printf '%-8s %10s %10s %6s %7s %8s %7s %8s %7s\n' "$kind" "${before}kB" "${peak}kB" "$ratio" "$save" "$p99" "$base" "$loop" "$load"
  if [[ $kind == keygrid ]]; then
    grep -o 'snapshot finished.*' "$dir/server.log" | head -1 || true
  fi
done
