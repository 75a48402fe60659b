#!/usr/bin/env bash
# hash_memory.sh — RSS per hash field and per small hash, keygrid against redis-server
# in one run, loaded the way ../shared/bench/compare.sh memory loads strings (redis-cli
# --pipe). Two datasets, each into a fresh pair of servers:
#
#   big    one hash of FIELDS fields (hashtable encoding)    → bytes per field
#   small  KEYS hashes of SMALL_FIELDS fields each (listpack) → bytes per key
#
# Run from the project's root after `make build`:
#   internal/bench/hash_memory.sh            # both
#   internal/bench/hash_memory.sh big        # one of them
# Settings (environment): KEYGRID_BIN (./bin/keygrid), REDIS_BIN (redis-server),
# FIELDS (1000000), KEYS (100000), SMALL_FIELDS (10), VALUE_SIZE (16), PAIRS (10:
# field-value pairs per HSET; 1 builds every hash field by field), PIN (1: servers on
# CPU 0, loaders on CPU 1).
# Field names are "field:N", values VALUE_SIZE bytes, hash keys "hash:N". The last
# line per dataset is `... ratio: R`.
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
FIELDS=${FIELDS:-1000000}
KEYS=${KEYS:-100000}
SMALL_FIELDS=${SMALL_FIELDS:-10}
VALUE_SIZE=${VALUE_SIZE:-16}
PAIRS=${PAIRS:-10}
[[ -x $KEYGRID_BIN ]] || { echo "hash_memory.sh: $KEYGRID_BIN is not an executable (make build)" >&2; exit 2; }

. "$(dirname "$0")/lib.sh"
rss() { awk '/^VmRSS:/ {print $2*1024}' "/proc/$1/status"; }
used() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '$1=="used_memory" {print $2}'; }

# gen_big: HSET commands filling one hash with FIELDS fields, PAIRS pairs each.
gen_big() {
  awk -v n="$FIELDS" -v vs="$VALUE_SIZE" -v pairs="$PAIRS" 'BEGIN {
    v = sprintf("%0" vs "d", 0)
    for (i = 0; i < n; i += pairs) {
      m = (n - i < pairs) ? n - i : pairs
      printf "*%d\r\n$4\r\nHSET\r\n$7\r\nbighash\r\n", 2 + 2*m
      for (j = i; j < i + m; j++) { f = "field:" j
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(f), f, vs, v } } }'
}
# gen_small: SMALL_FIELDS fields for each of KEYS hashes, PAIRS pairs per HSET.
gen_small() {
  awk -v n="$KEYS" -v nf="$SMALL_FIELDS" -v vs="$VALUE_SIZE" -v pairs="$PAIRS" 'BEGIN {
    v = sprintf("%0" vs "d", 0)
    for (i = 0; i < n; i++) { k = "hash:" i
      for (j = 0; j < nf; j += pairs) {
        m = (nf - j < pairs) ? nf - j : pairs
        printf "*%d\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n", 2 + 2*m, length(k), k
        for (l = j; l < j + m; l++) { f = "field:" l
          printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(f), f, vs, v } } } }'
}

# measure NAME GENERATOR UNIT COUNT-COMMAND
measure() {
  local name=$1 gen=$2 unit=$3 count_cmd=$4
  local rport kport rpid kpid
  rport=$(free_port)
  "${srv_pin[@]}" "$REDIS_BIN" --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
    --logfile "$work/redis-$name.log" &
  rpid=$!; pids+=("$rpid")
  kport=$(free_port)
  "${srv_pin[@]}" "$KEYGRID_BIN" server --port "$kport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
    >"$work/keygrid-$name.log" 2>&1 &
  kpid=$!; pids+=("$kpid")
  wait_ready "$rport"; wait_ready "$kport"
  local r0 k0 r1 k1 rn kn
  r0=$(rss "$rpid"); k0=$(rss "$kpid")
  $gen | "${cli_pin[@]}" redis-cli -p "$rport" --pipe >/dev/null
  $gen | "${cli_pin[@]}" redis-cli -p "$kport" --pipe >/dev/null
  # shellcheck disable=SC2086
  rn=$(redis-cli -p "$rport" $count_cmd); kn=$(redis-cli -p "$kport" $count_cmd)
  [[ $rn == "$kn" ]] || { echo "hash_memory.sh: $name: redis holds $rn, keygrid $kn" >&2; exit 1; }
  sleep 2 # let a garbage-collected heap settle before reading RSS
  r1=$(rss "$rpid"); k1=$(rss "$kpid")
  local rb kb
  rb=$(( (r1 - r0) / rn )); kb=$(( (k1 - k0) / kn ))
  printf '%s: %s=%s value=%sB  redis: rss_delta/%s=%s used_memory=%s   keygrid: rss_delta/%s=%s used_memory=%s\n' \
    "$name" "$unit"s "$rn" "$VALUE_SIZE" "$unit" "$rb" "$(used "$rport")" "$unit" "$kb" "$(used "$kport")"
  echo "$name memory ratio: $(awk -v a="$kb" -v b="$rb" 'BEGIN {printf "%.3f", a/b}') (keygrid/redis RSS bytes per $unit)"
  kill "$rpid" "$kpid"; wait "$rpid" "$kpid" 2>/dev/null || true
}

what=${1:-all}
if [[ $what == all || $what == big ]]; then
  measure big gen_big field "HLEN bighash"
fi
if [[ $what == all || $what == small ]]; then
  measure small gen_small key "DBSIZE"
fi
