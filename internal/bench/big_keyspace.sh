#!/usr/bin/env bash
# big_keyspace.sh — does a large keyspace slow the loop down? GET/SET throughput and p99
# of a server holding KEYS keys against the same server empty, keygrid and (for
# reference) redis-server, in one run on one machine.
#
#   internal/bench/big_keyspace.sh                 # 5,000,000 keys, pipeline 1 and 16
#   KEYS=1000000 PIPELINES=16 internal/bench/big_keyspace.sh
#
# Four servers: keygrid empty, keygrid loaded, redis empty, redis loaded. The loaded
# ones get KEYS keys named as redis-benchmark's -r names them (key:%012d), so the
# benchmark (-r KEYS) reads and overwrites keys that exist; the empty ones are flushed
# after every round, so their GETs miss and their SETs insert. The runs alternate
# (empty, loaded, empty, loaded, ...) so drift of a busy machine hits both sides.
# The issue's bar: loaded/empty throughput at least 0.9 and loaded p99 under 2 ms.
#
# Run from the project's root after `make build`. Settings (environment): KEYGRID_BIN
# (./bin/keygrid), REDIS_BIN (redis-server), KEYS (5000000), N (requests per run,
# 1000000), ROUNDS (3, the median is quoted), CLIENTS (50), PIPELINES ("1 16"),
# PIN (1: servers on CPU 0, redis-benchmark on CPU 1).
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
KEYS=${KEYS:-5000000}
N=${N:-1000000}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
[[ -x $KEYGRID_BIN ]] || { echo "big_keyspace.sh: $KEYGRID_BIN is not an executable" >&2; exit 2; }

. "$(dirname "$0")/lib.sh"

start() { # name kind -> sets port_<name>
  local p; p=$(free_port)
  mkdir -p "$work/$1"
  if [[ $2 == keygrid ]]; then
    "${srv_pin[@]}" "$KEYGRID_BIN" server --port "$p" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$work/$1" >"$work/$1.log" 2>&1 &
  else
    "${srv_pin[@]}" "$REDIS_BIN" --port "$p" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$work/$1" --logfile "$work/$1.log" &
  fi
  pids+=($!)
  wait_ready "$p"
  printf -v "port_$1" '%s' "$p"
}
start kempty keygrid; start kfull keygrid; start rempty redis; start rfull redis

gen() { # KEYS SETs of key:%012d, the names redis-benchmark -r uses, 3-byte values as its -d 3
  awk -v n="$KEYS" 'BEGIN { for (i = 0; i < n; i++) {
    printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$3\r\nxxx\r\n", i } }'
}
gen >"$work/load.resp"
for s in kfull rfull; do
  p=port_$s
  redis-cli -p "${!p}" --pipe <"$work/load.resp" >/dev/null
  [[ $(redis-cli -p "${!p}" DBSIZE) == "$KEYS" ]] || { echo "big_keyspace.sh: $s did not load $KEYS keys" >&2; exit 1; }
done
rm -f "$work/load.resp"

run_bench() { # port pipeline -> "TEST,rps,p99" lines
  "${cli_pin[@]}" redis-benchmark -p "$1" -t set,get -r "$KEYS" -n "$N" -c "$CLIENTS" -P "$2" --csv 2>/dev/null |
    awk -F'","' 'NR>1 {gsub(/"/,""); print $1","$2","$7}'
}
stat() { awk -F, -v t="$2" -v f="$3" '$1==t {print $f}' "$work/$1.csv" | median; }

printf '%-7s %-4s %3s %12s %12s %7s %10s %10s\n' server test P empty_rps loaded_rps ratio empty_p99 loaded_p99
worst=""
for P in $PIPELINES; do
  for s in kempty kfull rempty rfull; do : >"$work/$s.csv"; done
  for _ in $(seq 1 "$ROUNDS"); do
    for s in kempty kfull rempty rfull; do
      p=port_$s
      run_bench "${!p}" "$P" >>"$work/$s.csv"
    done
    redis-cli -p "$port_kempty" FLUSHALL >/dev/null; redis-cli -p "$port_rempty" FLUSHALL >/dev/null
  done
  for srv in keygrid redis; do
    e=${srv:0:1}empty f=${srv:0:1}full
    for t in SET GET; do
      er=$(stat "$e" "$t" 2) fr=$(stat "$f" "$t" 2) e99=$(stat "$e" "$t" 3) f99=$(stat "$f" "$t" 3)
      ratio=$(awk -v a="$fr" -v b="$er" 'BEGIN {printf "%.3f", (b>0) ? a/b : 0}')
      printf '%-7s %-4s %3s %12.0f %12.0f %7s %10s %10s\n' "$srv" "$t" "$P" "$er" "$fr" "$ratio" "$e99" "$f99"
      if [[ $srv == keygrid ]] && { [[ -z $worst ]] || awk -v a="$ratio" -v b="${worst%% *}" 'BEGIN {exit !(a<b)}'; }; then
        worst="$ratio ($t P=$P, loaded p99 $f99 ms)"
      fi
    done
  done
done
echo "keygrid loaded: $(redis-cli -p "$port_kfull" INFO memory | tr -d '\r' | grep -E '^used_memory_human:')"
echo "min keygrid loaded/empty ratio: $worst"
