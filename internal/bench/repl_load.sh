#!/usr/bin/env bash
# repl_load.sh — master SET throughput at pipeline 16 with two replicas attached,
# keygrid (master and replicas keygrid) against redis-server (master and replicas
# redis-server), and the replicas' lag under that load (issue #6):
#
#   internal/bench/repl_load.sh
#   N=500000 ROUNDS=1 internal/bench/repl_load.sh
#
# Both groups run at once; their masters are benchmarked in turn (redis, keygrid, ...)
# with `redis-benchmark -t set -P 16 -n N -c 50 -r 100000`. While a run lasts, the
# master's INFO replication is read every 100 ms: lag is master_repl_offset minus
# each replica's acknowledged offset (bytes), reported as its maximum over the run.
# After each run, `settled` is whether every replica reached the master's offset
# within 5 s. The issue's bar: keygrid's req/s ÷ redis-server's at least 1.0.
#
# Run from the project's root after `make build`. Settings (environment): KEYGRID_BIN
# (./bin/keygrid), REDIS_BIN (redis-server), N (2000000), ROUNDS (3, the median is
# quoted), PIN (1: masters and replicas on CPU 0, redis-benchmark on CPU 1).
set -euo pipefail

KEYGRID_BIN=${KEYGRID_BIN:-./bin/keygrid}
REDIS_BIN=${REDIS_BIN:-redis-server}
N=${N:-2000000}
ROUNDS=${ROUNDS:-3}
[[ -x $KEYGRID_BIN ]] || { echo "repl_load.sh: $KEYGRID_BIN is not an executable" >&2; exit 2; }

. "$(dirname "$0")/lib.sh"

start() { # kind name [replicaof-port] -> sets port_<name> (no subshell: pids and the trap stay here)
  local p dir=$work/$2
  p=$(free_port)
  mkdir -p "$dir"
  local extra=()
  [[ -n ${3:-} ]] && extra=(--replicaof 127.0.0.1 "$3")
  if [[ $1 == keygrid ]]; then
    "${srv_pin[@]}" "$KEYGRID_BIN" server --port "$p" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$dir" "${extra[@]}" >"$dir/log" 2>&1 &
  else
    "${srv_pin[@]}" "$REDIS_BIN" --port "$p" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$dir" --logfile "$dir/log" "${extra[@]}" &
  fi
  pids+=($!)
  wait_ready "$p"
  printf -v "port_$2" '%s' "$p"
}

# maxlag port: the largest master_repl_offset - slaveN offset in one INFO reading.
lag() {
  redis-cli -p "$1" INFO replication | tr -d '\r' | awk -F'[:,=]' '
    $1 == "master_repl_offset" {m = $2}
    $1 ~ /^slave[0-9]+$/ {for (i = 2; i < NF; i++) if ($i == "offset") o[$1] = $(i + 1)}
    END {x = 0; for (s in o) if (m - o[s] > x) x = m - o[s]; print x}'
}
settled() { # port: every replica at the master's offset within 5 s
  for _ in $(seq 1 50); do
    [[ $(lag "$1") == 0 ]] && { echo yes; return; }
    sleep 0.1
  done
  echo no
}
online() { # port: both replicas online
  for _ in $(seq 1 300); do
    [[ $(redis-cli -p "$1" INFO replication | tr -d '\r' | grep -c 'state=online') == 2 ]] && return
    sleep 0.1
  done
  echo "repl_load.sh: replicas of $1 not online" >&2; exit 1
}

start redis rm; start redis r1 "$port_rm"; start redis r2 "$port_rm"
start keygrid km; start keygrid k1 "$port_km"; start keygrid k2 "$port_km"
rm_=$port_rm km=$port_km
online "$rm_"; online "$km"

run() { # port -> "rps maxlag settled"
  local bench max=0 l rps
  "${cli_pin[@]}" redis-benchmark -p "$1" -t set -P 16 -n "$N" -c 50 -r 100000 --csv >"$work/b.csv" 2>/dev/null &
  bench=$!
  while kill -0 "$bench" 2>/dev/null; do
    l=$(lag "$1")
    ((l > max)) && max=$l
    sleep 0.1
  done
  wait "$bench" || true
  rps=$(awk -F'","' 'NR == 2 {print $2}' "$work/b.csv")
  echo "$rps $max $(settled "$1")"
}

: >"$work/r" && : >"$work/k"
for _ in $(seq 1 "$ROUNDS"); do
  run "$rm_" >>"$work/r"
  run "$km" >>"$work/k"
done
printf '%-8s %12s %12s %8s\n' server set_rps max_lag_B settled
for s in redis keygrid; do
  f=$work/${s:0:1}
  printf '%-8s %12s %12s %8s\n' "$s" "$(cut -d' ' -f1 "$f" | median)" "$(cut -d' ' -f2 "$f" | median)" \
    "$(cut -d' ' -f3 "$f" | sort -u | paste -sd/)"
done
r=$(cut -d' ' -f1 "$work/r" | median) k=$(cut -d' ' -f1 "$work/k" | median)
echo "ratio keygrid/redis: $(awk -v a="$k" -v b="$r" 'BEGIN {printf "%.3f", a / b}')"
